"""Derived symbols: names a question defines in terms of others (``define``), such as
``Z = \\operatorname{diag}(\\mathbb{1}[(Ax)_i > 0])`` or a family ``\\hat x_i``.

Each definition is parsed once per :class:`Context` and kept in the Context's own
cache (never in a module-level table keyed by ``id()``, which a garbage-collected
Context's successor could inherit).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from .parser import parse_expression
from .symbols import Context, SymbolSpec


@dataclass(frozen=True)
class Derived:
    """A derived symbol's definition: ``expr`` (in ``index`` for a family)."""

    expr: Any
    index: Any | None
    names: frozenset[str]


def derived(s: SymbolSpec, ctx: Context) -> Derived:
    key = ("derived", s.name)
    if key not in ctx.cache:
        sub, index = ctx, None
        if s.kind == "family":
            letter = s.index or "i"
            sub = Context([x for x in ctx.specs if x.name != s.name] +
                          [SymbolSpec(letter, "index", of=str(s.shape[0]))], asked={},
                          constants=ctx.constants)
            index = sub.objects[letter]
        expr = parse_expression(s.define or "", sub)
        names = {a.name if hasattr(a, "name") else str(a) for a in expr.free_symbols}
        names |= {m.name for m in expr.atoms(sp.MatrixSymbol)}
        ctx.cache[key] = Derived(expr, index, frozenset(names))
    return ctx.cache[key]


def expand_derived(e: Any, ctx: Context) -> Any:
    """Replace derived scalars and matrices (not families) by their definitions."""
    subs = {ctx.objects[s.name]: derived(s, ctx).expr
            for s in ctx.specs if s.define and s.kind != "family"}
    for _ in range(len(subs)):
        if not subs:
            break
        e2 = e.xreplace(subs) if isinstance(e, sp.Basic) else e
        if e2 == e:
            break
        e = e2
    return e
