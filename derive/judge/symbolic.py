"""Symbolic equivalence: prove two parsed expressions equal, or different.

Answers ``True`` (proved equal), ``False`` (proved different) or ``None``
(could not tell), never a guess. Runs inside the worker process
(:mod:`derive._sandbox`), because ``simplify`` can take unbounded time and
memory on hostile input.

Strategy, cheapest first:

1. ``simplify(a - b) == 0`` in general, under the declared assumptions;
2. when the expressions involve vectors, matrices or sums over a dimension,
   instantiate every dimension with small integers (2 and 3 by default),
   replace each vector and matrix by an explicit matrix of scalar symbols, and
   simplify entry by entry. This is how a matrix answer is compared, and it does
   not go through SymPy's MatrixSymbol calculus (which silently drops a term in
   d/dx of n x / (1^T x)). A proof this way holds for the dimensions tried; the
   method string says which.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.matexpr import MatrixElement

from ..notation.derived import derived, expand_derived
from ..notation.symbols import Context, SymbolSpec, assumptions

INSTANCE_DIMS = (2, 3)


@dataclass(frozen=True)
class Proof:
    result: bool | None
    method: str


def prove_equal(a: Any, b: Any, ctx: Context) -> Proof:
    if _is_matrix(a) != _is_matrix(b):
        return Proof(False, "one side is a matrix, the other a scalar")
    if _is_matrix(a) and a.shape != b.shape and all(
            getattr(x, "is_number", False) for x in a.shape + b.shape):
        return Proof(False, f"shapes {a.shape} and {b.shape} differ")
    a, b = expand_derived(a, ctx), expand_derived(b, ctx)
    if not _needs_instances(a) and not _needs_instances(b):
        d = _simplify(a - b)
        if d == 0:
            return Proof(True, "simplify(answer - reference) = 0")
        if d.is_number and d.is_zero is False:
            return Proof(False, f"answer - reference simplifies to {d}")
        return Proof(None, "simplify did not reduce the difference to 0")
    dims = [s for s in ctx.specs if s.kind == "dim"]
    results = []
    for k in INSTANCE_DIMS:
        values = {s.name: k for s in dims}
        try:
            ea, eb = instantiate(a, ctx, values), instantiate(b, ctx, values)
        except (TypeError, ValueError, sp.ShapeError, IndexError) as exc:
            return Proof(None, f"could not instantiate: {exc}")
        if _is_matrix(ea) != _is_matrix(eb) or (
                _is_matrix(ea) and ea.shape != eb.shape):
            return Proof(False, f"shapes differ at {_dims_text(values)}")
        diff = (ea - eb) if _is_matrix(ea) else sp.Matrix([ea - eb])
        entries = [_simplify(x) for x in diff]
        if any(x.is_number and x.is_zero is False for x in entries):
            return Proof(False, f"an entry of answer - reference is a nonzero constant at "
                                f"{_dims_text(values)}")
        results.append(all(x == 0 for x in entries))
    if all(results):
        where = " and ".join(str(k) for k in INSTANCE_DIMS)
        names = ", ".join(s.name for s in dims) or "the dimensions"
        return Proof(True, f"entrywise simplify(answer - reference) = 0 with {names} = {where}")
    return Proof(None, "simplify did not reduce every entry to 0")


def _dims_text(values: dict[str, int]) -> str:
    return ", ".join(f"{k} = {v}" for k, v in values.items()) or "fixed dimensions"


def _simplify(e: Any) -> Any:
    e = sp.sympify(e)  # a SymPy object already: never a string here
    if e == 0:
        return e
    # cheap first: most differences of equal polynomial or rational entries (a matrix
    # answer at instantiated dims, a product written out) vanish on expansion, in
    # milliseconds; simplify tries many strategies and takes up to seconds
    if not e.has(*_KINKS):
        expanded = sp.expand(e)
        if expanded == 0:
            return expanded
    elif _zero_with_kinks_opaque(e):
        return sp.Integer(0)
    d = sp.simplify(e)
    if d != 0 and d.has(sp.Piecewise):
        d = sp.simplify(sp.piecewise_fold(d))
    return d


_KINKS = (sp.Piecewise, sp.Max, sp.Min, sp.Abs, sp.sign, sp.Heaviside)


def _zero_with_kinks_opaque(e: Any) -> bool:
    """Whether ``e`` expands to 0 once each distinct kink (an indicator, ``max``, ``|.|``,
    ``sign``: a Piecewise, Max, Min, Abs, sign or Heaviside subterm) is replaced by a fresh
    symbol, the same subterm by the same symbol. Sound: an expression that vanishes
    identically whatever values those symbols take vanishes at the kinks' actual values.
    It settles in milliseconds the answers that write the reference's indicators the way
    the reference does (the ReLU gradient, the smooth hinge's pieces), on which
    ``simplify`` of a Piecewise runs for seconds; a kink written differently (``|x|`` for
    ``x \\operatorname{sign}(x)``) is left to ``simplify``."""
    found = e.atoms(*_KINKS)
    # a kink of a sum's index (1[(Ax)_i > 0] inside \sum_i) is not one value: leave it
    bound = set().union(*(b.variables for b in e.atoms(sp.Sum, sp.Product, sp.Integral,
                                                       sp.Lambda)))
    if any(k.free_symbols & bound for k in found):
        return False
    e = e.xreplace({k: _canonical_kink(k) for k in found})
    kinks = {k: sp.Dummy("k") for k in e.atoms(*_KINKS)}
    opaque = e.xreplace(kinks)
    if opaque.has(*_KINKS):  # a kink inside another one's argument, not replaced
        return False
    return sp.expand(opaque) == 0


def _indicator(cond: Any) -> Any:
    """``1[cond]`` in one spelling: ``Piecewise((1, u > 0), (0, True))`` with ``u`` expanded
    (``a > b``, ``b < a`` and ``a - b > 0`` are one condition; ``>`` and ``>=`` stay
    two: they differ where u = 0)."""
    if isinstance(cond, (sp.StrictGreaterThan, sp.GreaterThan)):
        u, op = cond.lhs - cond.rhs, type(cond)
    elif isinstance(cond, sp.StrictLessThan):
        u, op = cond.rhs - cond.lhs, sp.StrictGreaterThan
    elif isinstance(cond, sp.LessThan):
        u, op = cond.rhs - cond.lhs, sp.GreaterThan
    else:
        return sp.Piecewise((1, cond), (0, True))
    return sp.Piecewise((1, op(sp.expand(u), 0)), (0, True))


def _canonical_kink(k: Any) -> Any:
    """A kink rewritten, where it is one, as a multiple of an indicator (:func:`_indicator`):
    ``\\max(0, \\operatorname{sign} u)``, ``\\operatorname{sign}(\\max(0, u))``,
    ``H(u)`` with ``H(0) = 0`` and ``Piecewise((c, cond), (0, True))`` are ``1[u > 0]``
    (times ``c``): identities, so a proof through them is a proof."""
    if isinstance(k, sp.Max) and len(k.args) == 2 and sp.S.Zero in k.args:
        other = k.args[0] if k.args[1] == 0 else k.args[1]
        if isinstance(other, sp.sign):
            return _indicator(sp.StrictGreaterThan(other.args[0], 0))
    if isinstance(k, sp.sign) and isinstance(k.args[0], sp.Max) and len(k.args[0].args) == 2 \
            and sp.S.Zero in k.args[0].args:
        a, b = k.args[0].args
        return _indicator(sp.StrictGreaterThan(b if a == 0 else a, 0))
    if isinstance(k, sp.Heaviside) and len(k.args) == 2 and k.args[1] == 0:
        return _indicator(sp.StrictGreaterThan(k.args[0], 0))
    if isinstance(k, sp.Piecewise) and len(k.args) == 2 and k.args[1].cond == sp.true \
            and k.args[1].expr == 0 and not k.args[0].expr.has(*_KINKS):
        c, cond = k.args[0]
        return c * _indicator(cond)
    return k


def _is_matrix(e: Any) -> bool:
    return isinstance(e, (sp.MatrixExpr, sp.MatrixBase))


def _needs_instances(e: Any) -> bool:
    if _is_matrix(e):
        return True
    if isinstance(e, sp.Basic):
        return bool(e.atoms(MatrixElement)) or any(
            not lim[2].is_number for s in e.atoms(sp.Sum) for lim in s.limits)
    return False


def explicit(s: SymbolSpec, ctx: Context, values: dict[str, int]) -> Any:
    """An explicit SymPy matrix of scalar symbols for a vector/matrix symbol."""
    rows, cols = ((values[d] if isinstance(d, str) else d)
                  for d in (tuple(s.shape) + (1,))[:2])
    base = ctx.objects[s.name]
    if s.kind == "identity":
        return sp.eye(rows)
    if s.kind == "ones":
        return sp.ones(rows, 1)
    entry = assumptions(s)
    if s.kind == "family" and s.define:
        return _explicit_family(s, ctx, values, rows)
    # x_3, W_12 (W_1_12 from 10 on, so that W[0, 10] and W[10, 0] never share a name)
    if cols == 1:
        suffix = lambda i, j: f"{i + 1}"  # noqa: E731
    elif max(rows, cols) < 10:
        suffix = lambda i, j: f"{i + 1}{j + 1}"  # noqa: E731
    else:
        suffix = lambda i, j: f"{i + 1}_{j + 1}"  # noqa: E731
    return sp.ImmutableMatrix(rows, cols, lambda i, j: sp.Symbol(
        f"{base.name}_{suffix(i, j)}", **entry))


def _explicit_family(s: SymbolSpec, ctx: Context, values: dict[str, int], rows: int) -> Any:
    d = derived(s, ctx)
    entries = [instantiate(d.expr.xreplace({d.index: sp.Integer(k)}), ctx, values)
               for k in range(1, rows + 1)]
    return sp.ImmutableMatrix(rows, 1, entries)


def instantiate(e: Any, ctx: Context, values: dict[str, int]) -> Any:
    """``e`` with every dimension set and every vector/matrix made explicit."""
    mapping: dict[Any, Any] = {}
    for s in ctx.specs:
        obj = ctx.objects[s.name]
        if s.kind == "dim":
            mapping[obj] = sp.Integer(values[s.name])
        elif s.kind in ("vector", "matrix", "family") and isinstance(e, sp.Basic) and e.has(obj):
            mapping[obj] = explicit(s, ctx, values)
    out = e.xreplace(mapping) if isinstance(e, sp.Basic) else e
    # Identity(n), OneMatrix(n, 1) built by the parser from a dim
    out = out.xreplace({ctx.objects[s.name]: sp.Integer(values[s.name])
                        for s in ctx.specs if s.kind == "dim"}) if isinstance(out, sp.Basic) else out
    out = _explicit_matrices(out) if isinstance(out, sp.Basic) else out
    out = out.doit() if isinstance(out, sp.Basic) else out
    if isinstance(out, sp.MatrixExpr):
        out = out.as_explicit()
    if _is_matrix(out) and out.shape == (1, 1):
        out = out[0, 0]
    return out


def _explicit_matrices(e: Any) -> Any:
    """``e`` with every matrix operation on explicit matrices carried out, bottom up:
    products, sums, entrywise products and functions, transposes, numeric identities and
    ones. ``as_explicit`` on the unevaluated expression asks SymPy for each entry through
    index sums (``MatMul._entry``), which for a 3x3 product of indicator entries took a
    second; the explicit product takes milliseconds. What is not recognised is left to
    ``doit``/``as_explicit`` as before."""
    if not isinstance(e, sp.Basic) or e.is_Atom or isinstance(e, sp.MatrixBase):
        return e
    if not e.has(sp.MatrixExpr) and not e.has(sp.MatrixBase):
        return e
    args = [_explicit_matrices(a) for a in e.args]
    done = _explicit_node(e, args)
    if done is not None:
        return done
    if all(a is b for a, b in zip(args, e.args)):
        return e
    try:
        return e.func(*args)
    except (TypeError, ValueError, sp.ShapeError):
        return e


def _numeric_shape(e: Any) -> bool:
    return all(getattr(d, "is_Integer", False) for d in e.shape)


def _explicit_node(e: Any, args: list[Any]) -> Any:
    """One matrix operation on explicit operands, or None."""
    explicit_args = all(isinstance(a, sp.MatrixBase) or not isinstance(a, sp.MatrixExpr)
                        for a in args)
    if isinstance(e, (sp.Identity, sp.OneMatrix, sp.ZeroMatrix)) and _numeric_shape(e):
        return sp.ImmutableMatrix(e.as_explicit())
    if not explicit_args:
        return None
    mats = [a for a in args if isinstance(a, sp.MatrixBase)]
    if isinstance(e, sp.MatMul) and mats:
        out = sp.Integer(1)
        for a in args:
            out = out * a
        return sp.ImmutableMatrix(out) if isinstance(out, sp.MatrixBase) else out
    if isinstance(e, sp.MatAdd) and len(mats) == len(args):
        out = mats[0]
        for a in mats[1:]:
            out = out + a
        return sp.ImmutableMatrix(out)
    if isinstance(e, sp.HadamardProduct) and len(mats) == len(args):
        out = mats[0]
        for a in mats[1:]:
            out = out.multiply_elementwise(a)
        return sp.ImmutableMatrix(out)
    if isinstance(e, sp.Transpose) and mats:
        return sp.ImmutableMatrix(mats[0].T)
    if isinstance(e, ElementwiseApplyFunction) and len(mats) == 1:
        return sp.ImmutableMatrix(mats[0].applyfunc(e.function))
    return None
