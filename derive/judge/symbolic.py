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
    if not e.has(sp.Piecewise, sp.Max, sp.Min, sp.Abs, sp.sign, sp.Heaviside):
        expanded = sp.expand(e)
        if expanded == 0:
            return expanded
    d = sp.simplify(e)
    if d != 0 and d.has(sp.Piecewise):
        d = sp.simplify(sp.piecewise_fold(d))
    return d


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
    out = out.doit() if isinstance(out, sp.Basic) else out
    if isinstance(out, sp.MatrixExpr):
        out = out.as_explicit()
    if _is_matrix(out) and out.shape == (1, 1):
        out = out[0, 0]
    return out
