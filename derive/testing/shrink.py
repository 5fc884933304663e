"""Shrinking a failing point of the batched search to a small, simple one.

First the dims: each is lowered while a fresh batch drawn at the lower value still has a
failing point. Then the entries, greedily: every candidate simplification of one entry
(to 0, 1, -1, 1/2, its rounding), and of a whole symbol at once, is evaluated in one
batch; the first that still fails is taken, together with every other entry's first
failing candidate when the combination fails too. Candidates stay inside each symbol's
domain, and a candidate that lands near a kink or outside the domain does not count as
failing. Entries of structured symbols (unit, simplex, symmetric, spd, invertible,
orthogonal) are kept as drawn: changing one entry would leave the domain.

Deterministic: the same failing point always shrinks to the same case. The steps are
bounded by counts (never by time), so a report does not depend on the machine.
"""
from __future__ import annotations

from typing import Any

import torch

from .batched import FAIL, Search
from .core import mismatch_message

MAX_STEPS = 64          # rounds of entry shrinking
MAX_CANDIDATES = 512    # points evaluated per round
DIM_TRIES = 16          # points drawn per lower dim tried
SIMPLE = (0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0)
ELEMENTWISE = ("real", "positive", "nonnegative", "negative", "nonzero", "probability",
               "interval", "integer")
FOUND_BY = "smallest failing case found"


def shrink(search: Search, dims: dict[str, int], batched: dict[str, torch.Tensor],
           fixed: dict[str, Any], i: int, gen: torch.Generator) -> str:
    """The report of the failing point ``i`` of a batch, shrunk."""
    derived = {s.name for s in search.ctx.specs if s.define}
    point = {n: v[i] for n, v in batched.items() if n not in derived}
    dims, point, fixed = _shrink_dims(search, dims, point, fixed, gen)
    point = _shrink_entries(search, point, fixed)
    ev, full = evaluate_points(search, [point], fixed)
    if int(ev.status[0]) != FAIL:      # cannot happen: every step kept a failing point
        raise AssertionError("shrinking lost the failing point")
    expected, got = search.pair(ev, 0)
    values: dict[str, Any] = dict(dims)
    for s in search.ctx.specs:
        if s.name in full and s.name not in derived:
            values[s.name] = full[s.name][0]
        elif s.name in fixed and s.kind != "dim":
            values[s.name] = fixed[s.name]
    return mismatch_message(expected, got, values, search.ctx, subject="the closed form",
                            against=search.against, head=search.head, found_by=FOUND_BY,
                            rtol=search.rtol, atol=search.atol, dev=search.dev)


def evaluate_points(search: Search, points: list[dict[str, torch.Tensor]],
                    fixed: dict[str, Any]):
    """Evaluate given points (one dict of natural-layout values each) in one batch."""
    k = len(points)
    batched = {n: torch.stack([p[n] for p in points]) for n in points[0]}
    env = search.env_for(batched, fixed, k)     # adds the derived symbols to batched
    return search.evaluate(env, batched, fixed, k), batched


def _shrink_dims(search: Search, dims: dict[str, int], point: dict, fixed: dict,
                 gen: torch.Generator):
    for s in search.ctx.dims:
        lo = int((s.bounds or (2, 5))[0])
        while dims[s.name] > lo:
            trial = {**dims, s.name: dims[s.name] - 1}
            env, batched, fixed2 = search._draw(trial, DIM_TRIES, gen, {})
            ev = search.evaluate(env, batched, fixed2, DIM_TRIES)
            failing = (ev.status == FAIL).nonzero().reshape(-1)
            if not len(failing):
                break
            j = int(failing[torch.argmax(ev.err[failing])])
            derived = {x.name for x in search.ctx.specs if x.define}
            dims, fixed = trial, fixed2
            point = {n: v[j] for n, v in batched.items() if n not in derived}
    return dims, point, fixed


def _score(v: float) -> tuple:
    """Simpler is smaller: 0, then integers, then one decimal, then the rest; then |v|."""
    if v == 0:
        return (0, 0, 0.0)
    if v == round(v):
        return (1, 0, abs(v))
    if v * 10 == round(v * 10):
        return (1, 1, abs(v))
    return (1, 2, abs(v))


def _allowed(v: float, domain: str, bounds: tuple[float, float] | None) -> bool:
    if domain == "real":
        return True
    if domain == "positive":
        return v > 0
    if domain == "nonnegative":
        return v >= 0
    if domain == "negative":
        return v < 0
    if domain == "nonzero":
        return v != 0
    if domain == "probability":
        return 0 < v < 1
    if domain == "interval":
        lo, hi = bounds or (-1.0, 1.0)
        return lo < v < hi
    if domain == "integer":
        lo, hi = bounds or (-5, 5)
        return v == round(v) and lo <= v <= hi
    return False


def _options(v: float, domain: str, bounds) -> list[float]:
    out: list[float] = []
    for c in SIMPLE + (float(round(v)), round(v, 1)):
        c = float(c)
        if c not in out and c != v and _score(c) < _score(v) and _allowed(c, domain, bounds):
            out.append(c)
    return out


def _shrink_entries(search: Search, point: dict[str, torch.Tensor], fixed: dict
                    ) -> dict[str, torch.Tensor]:
    specs = {s.name: s for s in search.ctx.specs}
    names = [n for n in point if n in specs and specs[n].domain in ELEMENTWISE
             and specs[n].kind in ("scalar", "vector", "matrix", "family")]
    for _ in range(MAX_STEPS):
        cands: list[tuple[str, Any, float]] = []     # (name, entry or None for all, value)
        for n in names:
            s = specs[n]
            flat = point[n].reshape(-1)
            for c in (0.0, 1.0, 0.5, -1.0):
                if _allowed(c, s.domain, s.bounds) and flat.numel() > 1 and \
                        not bool((flat == c).all()) and \
                        all(_score(c) <= _score(float(x)) for x in flat):
                    cands.append((n, None, c))
                    break
        for n in names:
            s = specs[n]
            for j, x in enumerate(point[n].reshape(-1).tolist()):
                for c in _options(x, s.domain, s.bounds):
                    cands.append((n, j, c))
        cands = cands[:MAX_CANDIDATES]
        if not cands:
            break
        ev, _ = evaluate_points(search, [_apply(point, [c]) for c in cands], fixed)
        fails = [c for c, st in zip(cands, ev.status.tolist()) if st == FAIL]
        if not fails:
            break
        first: dict[tuple, tuple] = {}
        for c in fails:
            if c[1] is not None:
                first.setdefault((c[0], c[1]), c)
        together = list(first.values())
        if fails[0][1] is None or len(together) < 2:
            point = _apply(point, [fails[0]])
            continue
        combined = _apply(point, together)
        ev, _ = evaluate_points(search, [combined], fixed)
        point = combined if int(ev.status[0]) == FAIL else _apply(point, [fails[0]])
    return point


def _apply(point: dict[str, torch.Tensor], changes: list[tuple[str, Any, float]]
           ) -> dict[str, torch.Tensor]:
    out = dict(point)
    for name, j, c in changes:
        t = out[name].clone()
        if j is None:
            t.fill_(c)
        else:
            t.view(-1)[j] = c
        out[name] = t
    return out

