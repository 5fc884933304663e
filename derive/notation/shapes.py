"""Shape typing of the notation: what a product, a sum, a quotient or a power of
scalars, vectors and matrices is, or why it is not one.

The grammar (:mod:`derive.notation.grammar`) builds SymPy objects as it reads; every
operation that combines two of them goes through here, so the rules live in one place:
dims are compared as declared (``k`` and ``n`` are different dims even where SymPy
would let them be equal), a product that comes out 1x1 is a scalar, ``x \\cdot y``
between column vectors is the dot product. A rule that fails raises :class:`ShapeFault`
with a sentence; the grammar adds the position and the reason code ``shape.invalid``.
"""
from __future__ import annotations

from typing import Any

import sympy as sp


class ShapeFault(Exception):
    """Two operands whose shapes do not combine; the message says how."""


def is_matrix(e: Any) -> bool:
    return isinstance(e, (sp.MatrixExpr, sp.MatrixBase))


def scalarise(e: Any) -> Any:
    """A 1x1 matrix expression is a scalar (``1^T x``, ``x^T y``)."""
    if is_matrix(e) and e.shape == (1, 1):
        return e[0, 0]
    return e


def shape_text(e: Any) -> str:
    if not is_matrix(e):
        return "a scalar"
    r, c = e.shape
    if c == 1:
        return f"a vector of length {r}"
    return f"a {r}x{c} matrix"


def add(a: Any, b: Any) -> Any:
    if is_matrix(a) != is_matrix(b) or is_matrix(a) and a.shape != b.shape:
        raise ShapeFault(f"cannot add {shape_text(a)} and {shape_text(b)}")
    try:
        return a + b
    except (sp.ShapeError, TypeError, ValueError) as exc:
        raise ShapeFault(f"cannot add {shape_text(a)} and {shape_text(b)}") from exc


def mul(a: Any, b: Any, *, dot: bool = False) -> Any:
    if dot and is_matrix(a) and is_matrix(b) and a.shape[1] == 1 and b.shape[1] == 1:
        a = a.T  # x \cdot y between column vectors is the dot product
    if is_matrix(a) and is_matrix(b) and a.shape[1] != b.shape[0]:
        raise ShapeFault(f"cannot multiply {shape_text(a)} by {shape_text(b)}")
    try:
        return scalarise(a * b)
    except (sp.ShapeError, TypeError, ValueError) as exc:
        raise ShapeFault(f"cannot multiply {shape_text(a)} by {shape_text(b)}") from exc


def div(a: Any, b: Any) -> Any:
    """``a / b``; division by zero is not a shape question and is left to the caller."""
    if is_matrix(b):
        raise ShapeFault(f"cannot divide by {shape_text(b)}")
    return scalarise(a * sp.Pow(b, -1)) if is_matrix(a) else a / b


def outer(a: Any, b: Any) -> Any:
    """``a \\otimes b`` of two column vectors: ``a b^T``."""
    if not (is_matrix(a) and is_matrix(b) and a.shape[1] == 1 and b.shape[1] == 1):
        raise ShapeFault("\\otimes is read as the outer product of two column vectors")
    return mul(a, b.T)


def hadamard(a: Any, b: Any) -> Any:
    try:
        return sp.HadamardProduct(a, b).doit() if is_matrix(a) else a * b
    except (sp.ShapeError, TypeError, ValueError) as exc:
        raise ShapeFault("cannot multiply these entrywise") from exc
