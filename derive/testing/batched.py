"""The batched search of :func:`derive.testing.assert_matches_autograd`.

All the examples drawn at one choice of dims are evaluated at once: points by derive's
own samplers (:func:`derive.judge.numeric.draw`, one seeded generator, the declared
domains drawn by construction), the definition and its derivative by ``torch.func.vmap``
(a loop over the points when the definition cannot be vmapped), a LaTeX closed form by
derive's batched torch compiler. Each point is screened before the closed form is
evaluated there: where the definition or its derivative is not finite, or a matrix is
singular, the point is outside the domain (counted, never a failure); near a kink or a
zero of an ``avoid_zero`` quantity it is not compared. Only when some point disagrees
does the caller hand over to Hypothesis, to shrink it to the smallest case.
"""
from __future__ import annotations

import itertools
import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import torch

from ..judge.numeric import SAMPLERS, bind, derivation_order, derive_value, draw
from ..judge.torch_eval import Env, Unsupported
from ..notation.symbols import Context
from .core import (AVOID_EPS, DEFAULT_DIM_RANGE, Form, InvalidArgument, autograd, callable_args,
                   compare_batch, evaluation_env, is_domain_error, natural_batch, to_matrix)

AGREE, FAIL, OUTSIDE, NEAR = 0, 1, 2, 3    # a point's status after evaluation
GROUPS = 5            # choices of dims per round: the smallest, the largest, then random
MAX_ROUNDS = 4        # rounds of drawing while too few points could be compared


@dataclass
class Tally:
    """What a search saw: points drawn, compared, not compared, outside the domain."""

    drawn: int = 0
    compared: int = 0
    rejected: int = 0                      # near a kink, or an avoid_zero zero
    outside: Counter = field(default_factory=Counter)   # reason -> points
    max_err: float = 0.0
    failure: str | None = None             # the report of a wrong shape
    shape_failure: bool = False            # the failure is a wrong shape (no point needed)
    #: the first disagreement: (dims, the batch's values, shared values, its index, the
    #: generator), for derive.testing.shrink
    failing: tuple | None = None

    @property
    def outside_total(self) -> int:
        return sum(self.outside.values())


@dataclass
class Evaluation:
    """Points screened and compared: a status per point and its error where compared;
    the expected and got values of the compared points (``index`` says which)."""

    status: torch.Tensor
    err: torch.Tensor
    outside: Counter
    expected: torch.Tensor | None = None
    got: torch.Tensor | None = None
    index: torch.Tensor | None = None
    shape: tuple | None = None           # (expected, got) shapes when they differ


def dim_choices(ctx: Context, count: int, gen: torch.Generator) -> list[dict[str, int]]:
    """Up to ``count`` distinct choices of every dim: the smallest first (a failure there
    is the smallest to report), the largest, then random ones."""
    dims = ctx.dims
    if not dims:
        return [{}]
    ranges = [(int((s.bounds or DEFAULT_DIM_RANGE)[0]), int((s.bounds or DEFAULT_DIM_RANGE)[1]))
              for s in dims]
    names = [s.name for s in dims]
    total = math.prod(hi - lo + 1 for lo, hi in ranges)
    out = [dict(zip(names, (lo for lo, _ in ranges)))]
    if total > 1 and count > 1:
        out.append(dict(zip(names, (hi for _, hi in ranges))))
    want = min(count, total)
    if total <= 64:
        rest = [dict(zip(names, c)) for c in itertools.product(
            *[range(lo, hi + 1) for lo, hi in ranges])]
        rest = [c for c in rest if c not in out]
        order = torch.randperm(len(rest), generator=gen).tolist()
        out += [rest[i] for i in order[:want - len(out)]]
    else:
        for _ in range(20 * count):
            if len(out) >= want:
                break
            c = {n: int(torch.randint(lo, hi + 1, (1,), generator=gen))
                 for n, (lo, hi) in zip(names, ranges)}
            if c not in out:
                out.append(c)
    return out


class Search:
    """One assertion's batched search; :meth:`run` draws, screens and compares."""

    def __init__(self, *, ctx: Context, wrt: str, kind: str, definition: Callable,
                 form: Form, defn: Form, avoid: Sequence[Form], dev: torch.device,
                 rtol: float, atol: float, kink_eps: float, against: str, head: str):
        self.ctx, self.wrt, self.kind, self.definition = ctx, wrt, kind, definition
        self.form, self.defn, self.avoid, self.dev = form, defn, list(avoid), dev
        self.rtol, self.atol, self.kink_eps = rtol, atol, kink_eps
        self.against, self.head = against, head
        self._loop_only: set[str] = set()    # functions that cannot be vmapped

    # --- the definition, per point --------------------------------------------------------

    def value(self, values: dict[str, Any]) -> torch.Tensor:
        out = self.definition(**callable_args(self.definition, values, "definition"))
        out = torch.as_tensor(out, dtype=torch.float64, device=self.dev)
        if self.kind in ("gradient", "hessian") and out.numel() == 1:
            out = out.reshape(())
        return out

    def derivative(self, values: dict[str, Any]) -> torch.Tensor:
        return autograd(lambda t: self.value({**values, self.wrt: t}), values[self.wrt],
                        self.kind)

    # --- the search -----------------------------------------------------------------------

    def run(self, max_examples: int, *, seed: int, overrides: dict[str, str] | None = None,
            stop_at_failure: bool = True) -> Tally:
        gen = torch.Generator(device="cpu")
        gen.manual_seed(seed)
        choices = dim_choices(self.ctx, min(GROUPS, max_examples), gen)
        tally = Tally()
        for round_ in range(MAX_ROUNDS):
            need = max_examples - tally.compared
            if need <= 0 or (round_ and tally.drawn >= 4 * max_examples):
                break
            for j, dims in enumerate(choices):    # need points, spread over the choices
                k = need // len(choices) + (j < need % len(choices))
                if k:
                    self._group(dims, k, gen, tally, overrides or {})
                if (tally.failure or tally.failing) is not None and stop_at_failure:
                    return tally
        return tally

    def _group(self, dims: dict[str, int], k: int, gen: torch.Generator, tally: Tally,
               overrides: dict[str, str]) -> None:
        env, batched, fixed = self._draw(dims, k, gen, overrides)
        tally.drawn += k
        ev = self.evaluate(env, batched, fixed, k)
        tally.outside.update(ev.outside)
        tally.rejected += int((ev.status == NEAR).sum())
        tally.compared += int((ev.status == AGREE).sum())
        agree_err = ev.err[ev.status == AGREE]
        if agree_err.numel():
            tally.max_err = max(tally.max_err, float(agree_err.max()))
        if ev.shape is not None:
            want, have = ev.shape
            names = ", ".join(f"{n} = {v}" for n, v in dims.items()) or "(none)"
            tally.failure = (f"wrong shape: the closed form has shape {have}, {self.against} "
                             f"has {want}\n  {self.head}\n  smallest failing case: dims "
                             f"{names}")
            tally.shape_failure = True
            return
        failing = (ev.status == FAIL).nonzero().reshape(-1)
        if len(failing):      # the caller shrinks it (derive.testing.shrink)
            worst = int(failing[torch.argmax(ev.err[failing])])
            tally.failing = (dims, batched, fixed, worst, gen)

    def evaluate(self, env: Env, batched: dict[str, torch.Tensor], fixed: dict[str, Any],
                 k: int) -> Evaluation:
        """Screen and compare ``k`` points. Each point's status is AGREE, FAIL, OUTSIDE
        (the domain) or NEAR (a kink or an avoid_zero zero); the closed form is evaluated
        only at points the definition, the avoid_zero quantities and autograd passed."""
        status = torch.full((k,), OUTSIDE, dtype=torch.int8)
        err = torch.full((k,), math.nan, dtype=torch.float64)
        outside: Counter = Counter()
        ev = Evaluation(status, err, outside)
        # 1. the definition: where it is not finite (or cannot be computed) the point is
        #    outside the domain
        val, ok = self._map(self.value, batched, fixed, k, "definition")
        bad = ~_finite(val) & ok
        outside["the definition is not finite"] += int(bad.sum())
        outside["the definition cannot be computed (singular matrix)"] += int((~ok).sum())
        keep = ok & ~bad
        out_shape = tuple(val.shape[1:])
        if self.kind in ("gradient", "hessian") and len(out_shape) != 0:
            raise InvalidArgument(f"kind={self.kind!r} needs a scalar definition; it returned "
                                  f"shape {out_shape} (use kind='jacobian', or leave kind out: "
                                  f"it is read off the definition's output)")
        # 2. the avoid_zero quantities, before anything else is evaluated there
        idx = keep.nonzero().reshape(-1)
        if self.avoid and len(idx):
            sub = _subset_env(env, idx)
            near = torch.zeros(len(idx), dtype=torch.bool)
            for a in self.avoid:
                if a.is_expr:
                    v = a.batch(sub)
                else:
                    v, _ = self._map(lambda p: torch.as_tensor(
                        a.fn(**callable_args(a.fn, p, "avoid_zero")), dtype=torch.float64),
                        _take(batched, idx), fixed, len(idx), f"avoid {id(a)}")
                near |= ~(v.reshape(len(idx), -1).abs() > AVOID_EPS).all(dim=1).cpu()
            status[idx[near]] = NEAR
            keep[idx[near]] = False
        # 3. the derivative (autograd) at the points left
        idx = keep.nonzero().reshape(-1)
        if not len(idx):
            return ev
        if self.kind == "value":
            expected, ok = _sel(val, idx), torch.ones(len(idx), dtype=torch.bool)
        else:
            expected, ok = self._map(self.derivative, _take(batched, idx), fixed, len(idx),
                                     "derivative")
        fin = _finite(expected) & ok
        outside["autograd's derivative is not finite"] += int((ok & ~fin).sum())
        outside["the definition cannot be differentiated (singular matrix)"] += int(
            (~ok).sum())
        idx, expected = idx[fin], _sel(expected, fin)
        if not len(idx):
            return ev
        # 4. the closed form, only now
        sub_env = _subset_env(env, idx)
        got, ok, kink = self._closed_form(sub_env, _take(batched, idx), fixed, len(idx))
        if self.defn.is_expr:   # the kinks of a LaTeX definition count too
            try:
                self.defn.batch(sub_env)
                kink = torch.minimum(kink, sub_env.kink.cpu())
            except (RuntimeError, Unsupported):
                pass
        outside["the closed form cannot be evaluated (singular matrix)"] += int((~ok).sum())
        fin = _finite(got) & ok
        outside["the closed form is not finite"] += int((ok & ~fin).sum())
        near = fin & ~(kink > self.kink_eps)
        status[idx[near]] = NEAR
        use = fin & ~near
        if not bool(use.any()):
            return ev
        expected, got = _sel(expected, use), _sel(got, use)
        sel = idx[use]
        if self.form.is_expr:
            expected = to_matrix(expected, self.kind, out_shape,
                                 tuple(batched[self.wrt].shape[1:]))
        if tuple(expected.shape[1:]) != tuple(got.shape[1:]):
            ev.shape = (tuple(expected.shape[1:]), tuple(got.shape[1:]))
            return ev
        agree, e = compare_batch(expected, got, self.rtol, self.atol)
        agree, e = agree.cpu(), e.cpu()
        status[sel] = torch.where(agree, AGREE, FAIL).to(torch.int8)
        err[sel] = e
        ev.expected, ev.got, ev.index = expected, got, sel
        return ev

    def pair(self, ev: Evaluation, i: int) -> tuple[torch.Tensor, torch.Tensor]:
        """(expected, got) at point ``i`` of an evaluation (it must have been compared)."""
        j = int((ev.index == i).nonzero()[0, 0])
        return ev.expected[j], ev.got[j]

    def env_for(self, batched: dict[str, torch.Tensor], fixed: dict[str, Any],
                k: int) -> Env:
        """derive's environment for given points (natural layout, leading batch axis);
        derived symbols are computed from them, and added to ``batched`` as the
        definition receives them."""
        ctx = self.ctx

        def value_of(s: Any) -> torch.Tensor:
            if s.name not in batched:
                return torch.full((k, 1, 1), float(fixed[s.name]), dtype=torch.float64,
                                  device=self.dev)
            v = batched[s.name]
            if s.kind in ("scalar", "constant", "index"):
                return v.reshape(k, 1, 1)
            if s.kind in ("vector", "family"):
                return v.reshape(k, -1, 1)
            return v

        env, derived = evaluation_env(ctx, k, self.dev,
                                      {s.name: int(fixed[s.name]) for s in ctx.dims}, value_of)
        for s, v in derived:
            batched[s.name] = natural_batch(v.expand(k, *v.shape[1:]), s)
        return env

    # --- evaluation -----------------------------------------------------------------------

    def _closed_form(self, env: Env, batched: dict, fixed: dict, b: int):
        """(values, evaluable per point, distance to the nearest kink per point)."""
        if not self.form.is_expr:
            got, ok = self._map(lambda p: torch.as_tensor(
                self.form.fn(**callable_args(self.form.fn, p, "closed form")),
                dtype=torch.float64, device=self.dev), batched, fixed, b, "closed form")
            return got, ok, torch.full((b,), math.inf, dtype=torch.float64)
        try:
            got = self.form.batch(env)
            return got, torch.ones(b, dtype=torch.bool), env.kink.cpu()
        except Exception as exc:   # one singular matrix fails the whole batch: point by point
            if not (is_domain_error(exc) or isinstance(exc, RuntimeError)):
                raise self._cannot_evaluate(exc) from None
        rows, ok, kinks = [], [], []
        for i in range(b):
            one = _subset_env(env, torch.tensor([i], device=env.kink.device))
            try:
                rows.append(self.form.batch(one)[0])
                ok.append(True)
                kinks.append(float(one.kink[0]))
            except Exception as exc:
                if not is_domain_error(exc):
                    raise self._cannot_evaluate(exc) from None
                rows.append(None)
                ok.append(False)
                kinks.append(math.inf)
        return _stack(rows, self.dev), torch.tensor(ok), torch.tensor(kinks,
                                                                      dtype=torch.float64)

    def _cannot_evaluate(self, exc: BaseException) -> InvalidArgument:
        return InvalidArgument(f"the closed form {self.form.text} cannot be evaluated "
                               f"numerically: {type(exc).__name__}: {exc}")

    def _map(self, fn: Callable[[dict], torch.Tensor], batched: dict[str, torch.Tensor],
             fixed: dict[str, Any], b: int, key: str) -> tuple[torch.Tensor, torch.Tensor]:
        """``fn`` at every point: vmapped, or point by point when it cannot be (Python
        control flow on values, ``.item()``, a singular matrix at one point). Returns the
        values (NaN where it could not be computed) and whether each point could be.
        A function that cannot be vmapped (``key`` names it) is looped from then on."""
        names = list(batched)
        if key not in self._loop_only:
            try:
                out = torch.func.vmap(lambda *ts: fn({**fixed, **dict(zip(names, ts))}))(
                    *[batched[n] for n in names])
                if isinstance(out, torch.Tensor) and out.shape[:1] == (b,):
                    return out, torch.ones(b, dtype=torch.bool)
                self._loop_only.add(key)
            except Exception as exc:      # noqa: BLE001 - the loop below raises what is real
                if not is_domain_error(exc):
                    self._loop_only.add(key)
        rows: list[Any] = []
        for i in range(b):
            try:
                rows.append(fn({**fixed, **{n: batched[n][i] for n in names}}))
            except Exception as exc:
                if not is_domain_error(exc):
                    raise
                rows.append(None)
        ok = torch.tensor([r is not None for r in rows], dtype=torch.bool)
        return _stack(rows, self.dev), ok

    def _draw(self, dims: dict[str, int], k: int, gen: torch.Generator,
              overrides: dict[str, str]):
        """``k`` points at ``dims``: derive's env, the batched values in natural layout,
        and the values shared by every point (dims, constants, indices)."""
        ctx = self.ctx
        sample = draw(ctx, batch=k, gen=gen, device=self.dev, dims=dims)
        env, vals = sample.env, sample.values
        changed = False
        for s in ctx.specs:
            if s.define:
                continue
            if s.kind == "index":
                # one index per group, so the definition can be vmapped
                v = vals[s.name].reshape(-1)[0]
                vals[s.name] = v.expand(k).reshape(k, 1, 1).clone()
                bind(env, s, ctx.objects[s.name], vals[s.name])
                changed = True
            elif s.name in overrides:
                v = SAMPLERS[overrides[s.name]](tuple(vals[s.name].shape), gen,
                                                torch.device("cpu")).to(self.dev)
                vals[s.name] = v
                bind(env, s, ctx.objects[s.name], v)
                changed = True
        if changed:
            derived = [s for s in ctx.specs if s.define]
            for s in derivation_order(derived, ctx):
                v = derive_value(s, ctx, env, sample.dims)
                bind(env, s, ctx.objects[s.name], v)
                vals[s.name] = v
        batched: dict[str, torch.Tensor] = {}
        fixed: dict[str, Any] = dict(sample.dims)
        for s in ctx.specs:
            if s.kind in ("dim", "identity", "ones", "function") or s.name not in vals:
                continue
            v = vals[s.name]
            if s.kind == "constant":
                fixed[s.name] = float(v)
            elif s.kind == "index":
                fixed[s.name] = int(v.reshape(-1)[0])
            else:
                if v.dim() == 3 and v.shape[0] != k:   # a derived constant
                    v = v.expand(k, *v.shape[1:])
                batched[s.name] = natural_batch(v, s)
        return env, batched, fixed


def _finite(t: torch.Tensor) -> torch.Tensor:
    if t.dim() == 0:
        return torch.isfinite(t).reshape(1)
    return torch.isfinite(t.reshape(t.shape[0], -1)).all(dim=1).cpu()


def _sel(t: torch.Tensor, which: torch.Tensor) -> torch.Tensor:
    """``t``'s points ``which`` (a mask or indices, on the CPU), wherever ``t`` lives."""
    return t[which.to(t.device)]


def _take(batched: dict[str, torch.Tensor], idx: torch.Tensor) -> dict[str, torch.Tensor]:
    return {n: v[idx.to(v.device)] for n, v in batched.items()}


def _subset_env(env: Env, idx: torch.Tensor) -> Env:
    """The points ``idx`` of ``env`` (values that are the same at every point are kept)."""
    sub = Env({}, batch=len(idx), device=env.device, functions=env.functions)
    for key, v in env.items():
        if isinstance(v, torch.Tensor) and v.dim() == 3 and v.shape[0] == env.batch \
                and env.batch > 1:
            sub[key] = v[idx.to(v.device)]
        elif isinstance(v, torch.Tensor) and v.dim() == 3 and v.shape[0] == env.batch:
            sub[key] = v.expand(len(idx), *v.shape[1:])
        else:
            sub[key] = v
    return sub


def _stack(rows: list[Any], dev: torch.device) -> torch.Tensor:
    """Per-point results, NaN where a point had none."""
    like = next((torch.as_tensor(r) for r in rows if r is not None), None)
    if like is None:
        return torch.full((len(rows),), math.nan, dtype=torch.float64, device=dev)
    nan = torch.full_like(like, math.nan, dtype=torch.float64)
    return torch.stack([torch.as_tensor(r, dtype=torch.float64) if r is not None else nan
                        for r in rows])
