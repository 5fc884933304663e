"""Shape typing of the notation: what a product, a sum, a quotient or a power of
scalars, vectors and matrices is, or why it is not one.

The grammar (:mod:`derive.notation.grammar`) builds SymPy objects as it reads; every
operation that combines two of them goes through here, so the rules live in one place:
dims are compared as declared (``k`` and ``n`` are different dims even where SymPy
would let them be equal), a product that comes out 1x1 is a scalar, ``x \\cdot y``
between column vectors is the dot product. A rule that fails raises :class:`ShapeFault`
with a sentence; the grammar adds the position and the reason code ``shape.inconsistent``.

A bare ``\\mathbf{I}``, ``\\mathbf{1}`` or ``\\mathbf{e}_y`` has no size of its own: it gets a
*free dim* (:func:`free_dim`), which the first operation that combines it with a sized
operand replaces by that operand's dim (``S\\mathbf{I} - \\mathbf{x}\\mathbf{1}^\\top`` makes
both n). A scalar plus or minus a vector is taken entrywise (``1 - \\sigma(z)``); a scalar
plus a matrix is not (``1 + A`` could mean ``J + A`` or ``I + A``).
"""
from __future__ import annotations

import functools
from typing import Any

import sympy as sp
from sympy.core.sorting import default_sort_key
from sympy.matrices.expressions.matadd import factor_of, matrix_of, merge_explicit
from sympy.matrices.expressions.matexpr import MatrixElement
from sympy.matrices.expressions.matmul import canonicalize as _canonical_product
from sympy.strategies import condition, do_one, exhaust, flatten, glom, rm_id, sort, unpack


class ShapeFault(Exception):
    """Two operands whose shapes do not combine; the message says how."""


FREE_PREFIX = "size?"


def free_dim() -> sp.Dummy:
    """A dim to be read off the context (the size of a bare \\mathbf{I}, \\mathbf{1})."""
    return sp.Dummy(FREE_PREFIX, integer=True, positive=True)


def is_free(d: Any) -> bool:
    return isinstance(d, sp.Dummy) and d.name == FREE_PREFIX


def free_dims(e: Any) -> set:
    if not isinstance(e, sp.Basic):
        return set()
    return {d for d in e.atoms(sp.Dummy) if is_free(d)}


def settle(e: Any, size: Any) -> Any:
    """Give every free dim left in ``e`` the size ``size``."""
    dims = free_dims(e)
    return e.xreplace({d: size for d in dims}) if dims else e


def _unify(a: Any, b: Any, axes: list[tuple[int, int]]) -> tuple[Any, Any]:
    """Make each pair of dims (axis of ``a``, axis of ``b``) equal where one is free."""
    for ia, ib in axes:
        da, db = a.shape[ia], b.shape[ib]
        if da == db:
            continue
        if is_free(da):
            a, b = a.xreplace({da: db}), b.xreplace({da: db})
        elif is_free(db):
            a, b = a.xreplace({db: da}), b.xreplace({db: da})
    return a, b


def is_matrix(e: Any) -> bool:
    return isinstance(e, (sp.MatrixExpr, sp.MatrixBase))


def scalarise(e: Any) -> Any:
    """A 1x1 matrix expression is a scalar (``1^T x``, ``x^T y``)."""
    if is_matrix(e) and e.shape == (1, 1):
        return e[0, 0]
    return e


def _built_here(a: Any, b: Any) -> bool:
    """Both operands symbolic (no explicit matrix) and one a matrix expression."""
    return ((isinstance(a, sp.MatrixExpr) or isinstance(b, sp.MatrixExpr))
            and not isinstance(a, sp.MatrixBase) and not isinstance(b, sp.MatrixBase))


def _scaled(count: Any, m: Any) -> Any:
    return m if count == 1 else _canonical_product(sp.MatMul(count, m))


#: SymPy's own rules for a sum of matrices (``matadd.canonicalize``), gathering like terms
#: with :func:`_scaled`: SymPy's ``count * m`` is a deep ``doit`` of ``m`` again
_canonical_sum = exhaust(condition(lambda x: isinstance(x, sp.MatAdd), do_one(
    rm_id(lambda x: x == 0 or isinstance(x, sp.ZeroMatrix)), unpack, flatten,
    glom(matrix_of, factor_of, _scaled), merge_explicit, sort(default_sort_key))))


def product(a: Any, b: Any) -> Any:
    """``a * b``, canonicalising only the new product where a matrix is involved.

    SymPy's ``MatrixExpr.__mul__`` is ``MatMul(a, b).doit()``, which canonicalises every
    sub-product of both operands again (a deep ``doit``): reading ``A B C D`` redoes the
    first products at each new factor. The operands here were built by this module and
    are canonical already, so the new product alone is (the same rules, SymPy's own
    ``canonicalize``). Measured on the 2,140 distinct answers of the corpora: the same
    value for 2,138, the other two equal (an unevaluated sum, an entrywise product's
    order); reading them 2.6x faster on the mean (``bench/grading_breakdown.py``)."""
    if _built_here(a, b):
        return _canonical_product(sp.MatMul(a, b))
    return a * b


def total(a: Any, b: Any) -> Any:
    """``a + b``, canonicalising only the new sum where a matrix is involved (see
    :func:`product`)."""
    if _built_here(a, b):
        return _canonical_sum(sp.MatAdd(a, b))
    return a + b


def negative(a: Any) -> Any:
    """``-a`` (see :func:`product`)."""
    return product(sp.S.NegativeOne, a) if isinstance(a, sp.MatrixExpr) else -a


@functools.lru_cache(maxsize=4096)
def _in_range(rows: Any, cols: Any, i: Any, j: Any) -> bool:
    """SymPy's own bounds check of an entry of a ``rows x cols`` matrix symbol
    (``MatrixExpr.valid_index``: out of range only where provably so), kept: it compares
    symbolically, a tenth of a millisecond each, and answers repeat a few index forms."""
    return bool(sp.MatrixSymbol("m", rows, cols).valid_index(i, j))


def entry(m: Any, i: Any, j: Any) -> Any:
    """``m[i, j]`` (0-based) as SymPy's indexing gives it. For a declared matrix the
    element is built once, after one (kept) bounds check: SymPy's ``__getitem__`` and
    ``MatrixElement`` check the bounds twice, symbolically, per entry. Out of range is
    SymPy's IndexError, as before."""
    i, j = sp.sympify(i), sp.sympify(j)
    if type(m) is sp.MatrixSymbol:
        if not _in_range(m.rows, m.cols, i, j):
            raise IndexError(f"Invalid indices ({i}, {j})")
        return sp.Expr.__new__(MatrixElement, m, i, j)
    return m[i, j]


def shape_text(e: Any) -> str:
    if not is_matrix(e):
        return "a scalar"
    r, c = e.shape
    if c == 1:
        return f"a vector of length {r}"
    return f"a {r}x{c} matrix"


def is_vector(e: Any) -> bool:
    return is_matrix(e) and e.shape[1] == 1


def broadcast(s: Any, v: Any) -> Any:
    """A scalar spread over the entries of the vector ``v`` (``1 - \\sigma(z)``)."""
    return s * sp.OneMatrix(*v.shape)


def add(a: Any, b: Any) -> Any:
    if is_matrix(a) and is_matrix(b):
        a, b = _unify(a, b, [(0, 0), (1, 1)])
    elif is_vector(a) and not is_matrix(b):
        b = broadcast(b, a)
    elif is_vector(b) and not is_matrix(a):
        a = broadcast(a, b)
    if is_matrix(a) != is_matrix(b) or is_matrix(a) and a.shape != b.shape:
        raise ShapeFault(f"cannot add {shape_text(a)} and {shape_text(b)}")
    try:
        return total(a, b)
    except (sp.ShapeError, TypeError, ValueError) as exc:
        raise ShapeFault(f"cannot add {shape_text(a)} and {shape_text(b)}") from exc


def mul(a: Any, b: Any, *, dot: bool = False) -> Any:
    if dot and is_matrix(a) and is_matrix(b) and a.shape[1] == 1 and b.shape[1] == 1:
        a = a.T  # x \cdot y between column vectors is the dot product
    if is_matrix(a) and is_matrix(b):
        a, b = _unify(a, b, [(1, 0)])
    if is_matrix(a) and is_matrix(b) and a.shape[1] != b.shape[0]:
        raise ShapeFault(f"cannot multiply {shape_text(a)} by {shape_text(b)}")
    try:
        return scalarise(product(a, b))
    except (sp.ShapeError, TypeError, ValueError) as exc:
        raise ShapeFault(f"cannot multiply {shape_text(a)} by {shape_text(b)}") from exc


def div(a: Any, b: Any) -> Any:
    """``a / b``; division by zero is not a shape question and is left to the caller.
    A vector divided by a vector of its shape is entrywise (``w / |w|``)."""
    if is_vector(a) and is_vector(b):
        a, b = _unify(a, b, [(0, 0), (1, 1)])
        if a.shape == b.shape:
            return sp.HadamardProduct(a, sp.HadamardPower(b, -1))
    if is_matrix(b):
        raise ShapeFault(f"cannot divide by {shape_text(b)}")
    return scalarise(product(a, sp.Pow(b, -1))) if is_matrix(a) else a / b


def kronecker(a: Any, b: Any) -> Any:
    """``a \\otimes b``: the outer product ``a b^T`` of two column vectors, else the
    Kronecker product of two matrices."""
    if not (is_matrix(a) and is_matrix(b)):
        raise ShapeFault("\\otimes takes two vectors or two matrices")
    if a.shape[1] == 1 and b.shape[1] == 1:
        return mul(a, b.T)
    return sp.KroneckerProduct(a, b)


def hadamard(a: Any, b: Any) -> Any:
    """``a \\odot b``: entrywise; a scalar operand scales the other."""
    if not (is_matrix(a) and is_matrix(b)):
        return a * b
    a, b = _unify(a, b, [(0, 0), (1, 1)])
    if a.shape != b.shape:
        raise ShapeFault(f"cannot multiply {shape_text(a)} and {shape_text(b)} entrywise")
    try:
        return sp.HadamardProduct(a, b).doit()
    except (sp.ShapeError, TypeError, ValueError) as exc:
        raise ShapeFault("cannot multiply these entrywise") from exc


def invert(a: Any) -> Any:
    a, _ = _unify(a, a, [(0, 1)])
    if a.shape[0] != a.shape[1]:
        raise ShapeFault(f"cannot invert {shape_text(a)}: it is not square")
    return sp.Inverse(a)


def inverse_transpose(a: Any) -> Any:
    """``A^{-T}``, ``A^{-\\top}``: the transpose of the inverse."""
    return invert(a).T


def matrix_power(a: Any, k: Any) -> Any:
    """``A^k`` of a square matrix, ``k`` an integer (a number or an integer symbol)."""
    a, _ = _unify(a, a, [(0, 1)])
    if a.shape[0] != a.shape[1]:
        raise ShapeFault(f"cannot raise {shape_text(a)} to a power: it is not square")
    if k == -1:
        return sp.Inverse(a)
    return sp.MatPow(a, k)


class _OfOneMatrix(sp.MatrixExpr):
    """A matrix expression of one matrix argument, ``arg``."""

    def __new__(cls, arg: Any) -> Any:
        return sp.Basic.__new__(cls, sp.sympify(arg))

    @property
    def arg(self) -> Any:
        return self.args[0]


class PseudoInverse(_OfOneMatrix):
    """The Moore-Penrose pseudo-inverse ``A^+`` (``A^\\dagger``, ``pinv(A)``).

    For a matrix of full rank, which is what a random draw is, it is ``(A^T A)^{-1} A^T``
    when ``A`` has at least as many rows as columns and ``A^T (A A^T)^{-1}`` otherwise;
    :meth:`doit` writes it out that way once the dims are numbers (the symbolic prover
    instantiates them), and the numeric engine uses ``torch.linalg.pinv``."""

    @property
    def shape(self) -> tuple:
        return (self.arg.shape[1], self.arg.shape[0])

    def doit(self, **hints: Any) -> Any:
        a = self.arg.doit(**hints) if hints.get("deep", True) else self.arg
        rows, cols = a.shape
        if not (rows.is_number and cols.is_number):
            return PseudoInverse(a)
        if rows >= cols:
            return (sp.Inverse(a.T * a) * a.T).doit()
        return (a.T * sp.Inverse(a * a.T)).doit()

    def _entry(self, i: Any, j: Any, **kwargs: Any) -> Any:
        return MatrixElement(self, i, j)


def pseudo_inverse(a: Any) -> Any:
    return PseudoInverse(a)


class Vec(_OfOneMatrix):
    """``\\operatorname{vec}(A)``: the columns of ``A`` stacked into one column."""

    @property
    def shape(self) -> tuple:
        return (self.arg.shape[0] * self.arg.shape[1], sp.Integer(1))

    def doit(self, **hints: Any) -> Any:
        a = self.arg.doit(**hints) if hints.get("deep", True) else self.arg
        rows, cols = a.shape
        if not (rows.is_number and cols.is_number):
            return Vec(a)
        m = a.as_explicit()
        return sp.ImmutableMatrix([m[i, j] for j in range(cols) for i in range(rows)])

    def _entry(self, i: Any, j: Any, **kwargs: Any) -> Any:
        return MatrixElement(self, i, j)


class Gradient(sp.MatrixExpr):
    """``\\nabla_{\\mathbf x} f``, ``\\frac{\\partial f}{\\partial \\mathbf{x}}`` of a scalar
    expression ``f`` in a declared vector or matrix ``x``: the array of the partial
    derivatives, shaped like ``x``. The numeric engine takes it with torch autograd;
    :meth:`doit` differentiates entry by entry once ``x`` is an explicit matrix (the
    symbolic prover instantiates it)."""

    def __new__(cls, expr: Any, var: Any) -> Any:
        return sp.Basic.__new__(cls, sp.sympify(expr), var)

    @property
    def expr(self) -> Any:
        return self.args[0]

    @property
    def var(self) -> Any:
        return self.args[1]

    @property
    def shape(self) -> tuple:
        return self.var.shape

    def doit(self, **hints: Any) -> Any:
        expr, var = self.expr.doit(**hints), self.var
        if not isinstance(var, sp.MatrixBase):
            return Gradient(expr, var)
        if isinstance(expr, sp.MatrixBase):
            expr = expr[0, 0]
        return sp.ImmutableMatrix(var.shape[0], var.shape[1],
                                  lambda i, j: sp.diff(expr, var[i, j]))

    def _entry(self, i: Any, j: Any, **kwargs: Any) -> Any:
        return MatrixElement(self, i, j)


def gradient(expr: Any, var: Any) -> Any:
    if is_matrix(expr):
        raise ShapeFault("the gradient is of a scalar; this is a vector or a matrix")
    if isinstance(var, sp.MatrixSymbol):
        return Gradient(expr, var)
    return sp.diff(expr, var)


def index_fault(value: Any, index: Any, size: Any, dims: Any) -> str | None:
    """Where an index that runs from 1 to the dim ``size`` indexes an axis of another dim
    (``\\sum_{m=1}^{M} W_{md}`` with W of D rows): the sentence that says so, else None.
    Distinct dims (``dims``: the question's) are independent sizes, as in a sum of a
    D-vector and an M-vector; a bound like ``\\sum_{j=1}^{i}`` is not a dim."""
    if size not in dims or not isinstance(value, sp.Basic):
        return None
    for el in value.atoms(MatrixElement):
        for axis in (0, 1):
            dim = el.parent.shape[axis]
            e = el.args[1 + axis]
            if index in e.free_symbols and sp.expand(e - index) == -1 \
                    and dim in dims and dim != size:
                where = "rows" if axis == 0 else "columns"
                return (f"the index {index} runs to {size}, but it indexes the {where} of "
                        f"{el.parent}, which has {dim}")
    return None
