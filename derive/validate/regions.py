"""Equality of piecewise expressions, region by region.

``simplify(a - b)`` cannot decide ``\\operatorname{sign}(w)\\max(|w| - c, 0)`` against the
three-case minimiser a derivation returns, because neither side knows on which side of
its kinks it is. Here both are split along the arguments of their kinks (``Abs``,
``sign``, ``Heaviside``, ``Max``/``Min``, the relations in ``Piecewise`` conditions): for
each argument ``u`` whose own value has no kink, the difference is resolved once with
``u > 0`` and once with ``u < 0``, and so on until no kink is left; each smooth leaf
must simplify to 0. A leaf whose conditions cannot hold together (``w > 0`` and
``w + c < 0`` with ``c > 0``) is skipped, when that can be shown; otherwise a nonzero
leaf is a difference. The kinks themselves (``u = 0``) are a set of measure zero, where
the numeric check drops its points too, so "equal" here means equal on every open region
between the kinks.

Sound in one direction: ``True`` only when every region that could hold was shown to
give 0. ``False`` means a region gave a nonzero difference that could not be shown
impossible; ``None`` means the split grew past :data:`MAX_LEAVES`.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations
from typing import Any, Callable

import sympy as sp
from sympy.core.relational import Relational

MAX_LEAVES = 256

#: what each kink function becomes when the sign of its argument is known
_KINKS = (sp.Abs, sp.sign, sp.Heaviside, sp.Max, sp.Min, sp.Piecewise)


@dataclass(frozen=True)
class RegionResult:
    equal: bool | None
    regions: int          # smooth regions compared
    skipped: int          # regions shown impossible
    detail: str = ""


def has_kinks(e: Any) -> bool:
    return isinstance(e, sp.Basic) and e.has(*_KINKS)


def _arguments(e: sp.Basic) -> list[sp.Expr]:
    """The arguments of e's kinks that have no kink themselves, innermost first."""
    out: list[sp.Expr] = []
    for node in sp.postorder_traversal(e):
        if isinstance(node, (sp.Abs, sp.sign, sp.Heaviside)):
            cands = [node.args[0]]
        elif isinstance(node, (sp.Max, sp.Min)):
            cands = [a - b for a, b in combinations(node.args, 2)]
        elif isinstance(node, Relational) and not isinstance(node, (sp.Eq, sp.Ne)):
            cands = [node.lhs - node.rhs]
        else:
            continue
        for u in cands:
            if u.free_symbols and not has_kinks(u) and not any(_ratio_sign(u, v) for v in out):
                out.append(u)
    return out


def _ratio_sign(v: sp.Expr, u: sp.Expr) -> int | None:
    """+1 or -1 when v is u times a factor of known sign, else None."""
    r = sp.cancel(v / u)
    if r.is_positive:
        return 1
    if r.is_negative:
        return -1
    return None


def _resolve(e: sp.Basic, u: sp.Expr, s: int) -> sp.Basic:
    """e with every kink whose argument is a known-sign multiple of u decided by sign(u) = s."""
    def sign_of(v: sp.Expr) -> int | None:
        k = _ratio_sign(v, u)
        return None if k is None else k * s

    def query(n: Any) -> bool:
        if isinstance(n, (sp.Abs, sp.sign, sp.Heaviside)):
            return sign_of(n.args[0]) is not None
        if isinstance(n, (sp.Max, sp.Min)):
            return any(sign_of(a - b) is not None for a, b in combinations(n.args, 2))
        if isinstance(n, Relational) and not isinstance(n, (sp.Eq, sp.Ne)):
            return sign_of(n.lhs - n.rhs) is not None
        return False

    def value(n: Any) -> Any:
        if isinstance(n, sp.Abs):
            return sign_of(n.args[0]) * n.args[0]
        if isinstance(n, sp.sign):
            return sp.Integer(sign_of(n.args[0]))
        if isinstance(n, sp.Heaviside):
            return sp.Integer(1 if sign_of(n.args[0]) > 0 else 0)
        if isinstance(n, (sp.Max, sp.Min)):
            keep = list(n.args)
            for a, b in combinations(n.args, 2):
                k = sign_of(a - b)
                if k is None or a not in keep or b not in keep:
                    continue
                bigger, smaller = (a, b) if k > 0 else (b, a)
                keep.remove(smaller if isinstance(n, sp.Max) else bigger)
            return type(n)(*keep)
        k = sign_of(n.lhs - n.rhs)
        return sp.true if (k > 0) == isinstance(n, (sp.StrictGreaterThan, sp.GreaterThan)) \
            else sp.false

    return e.replace(query, value)


def _impossible(conditions: list[sp.Expr]) -> bool:
    """True when ``v > 0`` for every v in ``conditions`` provably cannot hold together:
    one v is provably <= 0, or two of them, scaled so that a shared symbol cancels,
    add up to something provably <= 0."""
    for v in conditions:
        if v.is_nonpositive:
            return True
    for v, w in combinations(conditions, 2):
        for t in v.free_symbols & w.free_symbols:
            a, b = sp.diff(v, t), sp.diff(w, t)
            if a.has(t) or b.has(t) or a == 0 or b == 0:
                continue
            k = _ratio_sign(a, b)
            if k != -1:
                continue
            total = sp.simplify(v / sp.Abs(a) + w / sp.Abs(b))
            if not total.has(t) and total.is_nonpositive:
                return True
    return False


def equal_by_regions(diff: sp.Basic, is_zero: Callable[[Any], bool]) -> RegionResult:
    """Whether ``diff`` (a scalar or a matrix) is 0 on every region between its kinks."""
    counts = {"regions": 0, "skipped": 0}
    bad: list[str] = []

    def walk(e: sp.Basic, conditions: list[sp.Expr]) -> bool | None:
        if counts["regions"] + counts["skipped"] > MAX_LEAVES:
            return None
        args = _arguments(e)
        if not args:
            counts["regions"] += 1
            entries = list(e) if isinstance(e, sp.MatrixBase) else [e]
            if all(is_zero(x) for x in entries):
                return True
            if _impossible(conditions):
                counts["regions"] -= 1
                counts["skipped"] += 1
                return True
            bad.append(" and ".join(f"${sp.latex(c)} > 0$" for c in conditions))
            return False
        u = args[0]
        result: bool | None = True
        for s in (1, -1):
            cond = conditions + [s * u]
            if _impossible(cond):
                counts["skipped"] += 1
                continue
            r = walk(_resolve(e, u, s), cond)
            if r is False:
                return False
            if r is None:
                result = None
        return result

    equal = walk(diff, [])
    detail = f"differs where {bad[0]}" if bad else ""
    return RegionResult(equal, counts["regions"], counts["skipped"], detail)
