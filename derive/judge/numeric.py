"""Numeric cross-validation with torch: sampling inside declared domains, batched
evaluation of many answers on the same points, comparison with the ground truth.

* One random generator, owned here, seeded and reported (never the user's).
* float64 throughout; CUDA when present (or ``device=`` says), CPU otherwise.
* Points closer than :data:`KINK_EPS` to a kink of any compared expression,
  or where a question's ``avoid_zero`` quantity is near 0, are dropped.
* Ground truth is the question's definition (autograd, a forward pass) where it
  has one, else its reference closed form.
"""
from __future__ import annotations

import functools
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import sympy as sp
import torch
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction

from ..errors import DeviceError
from ..notation.derived import Derived, derived
from ..notation.parser import parse_expression
from ..notation.symbols import Context, SymbolSpec
from ..judge.torch_eval import FUNCTIONS, Env, Unsupported, compile_expr, evaluate
from ..judge.wire import canonical

KINK_EPS = 1e-3
AVOID_EPS = 0.05
RTOL, ATOL = 1e-7, 1e-9
DEFAULT_DIMS = (2, 5)
#: fewest points an agreement must rest on (of 192 drawn); below it the answer is
#: undecided (numeric.too_few_points), never equivalent on one lucky point
MIN_POINTS = 16
#: the most work one expression may ask of the numeric check at one draw's dims, per
#: point: every node counts its entries (1 for a scalar, r*c for a matrix) times the
#: terms of the sums around it. The bank's own forms need at most a few thousand;
#: ``\sum_{i=1}^{m^{40}} 1`` would need 2^40 and is refused (limit.size) before any
#: tensor is made, since work in this process cannot be interrupted.
MAX_WORK = 50_000


_DEFAULT: torch.device | None = None


def default_device() -> torch.device:
    """CUDA when torch sees a device, else the CPU (asked once per process)."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return _DEFAULT


def resolve_device(device: str | torch.device | None) -> torch.device:
    if device is None or device == "auto":
        return default_device()
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise DeviceError(f"unknown device {device!r}: use cpu, cuda, cuda:N or auto") from None
    if dev.type not in ("cpu", "cuda"):
        raise DeviceError(f"device {device!r}: derive runs on cpu or cuda")
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise DeviceError(f"device {device!r} asked for, but torch sees no CUDA device "
                          f"(torch {torch.__version__}); use --device cpu")
    return dev


# --- sampling -------------------------------------------------------------------------

def _positive(shape, gen, device):
    return torch.exp(torch.empty(shape, dtype=torch.float64, device=device)
                     .uniform_(-1.0, 1.2, generator=gen))


def _uniform(lo, hi):
    return lambda shape, gen, device: torch.empty(
        shape, dtype=torch.float64, device=device).uniform_(lo, hi, generator=gen)


def _real(shape, gen, device):
    return 1.5 * torch.randn(shape, dtype=torch.float64, device=device, generator=gen)


def _nonzero(shape, gen, device):
    sign = torch.where(torch.rand(shape, generator=gen, dtype=torch.float64, device=device) < .5,
                       -1.0, 1.0)
    return sign * _positive(shape, gen, device)


def _unit(shape, gen, device):
    v = torch.randn(shape, dtype=torch.float64, device=device, generator=gen)
    return v / v.norm(dim=-2, keepdim=True)


# Structured domains are drawn by construction, never by rejection: every draw is in the
# domain, and a batch costs one draw. Matrices are (batch, r, c), vectors (batch, n, 1).

def _simplex(shape, gen, device):
    v = _positive(shape, gen, device)
    return v / v.sum(dim=-2, keepdim=True)


def _symmetric(shape, gen, device):
    g = _real(shape, gen, device)
    return (g + g.transpose(-1, -2)) / 2


def _spd(shape, gen, device):
    # G G^T / n + I / 2: every eigenvalue at least 1/2 (typically at most about 5)
    g = torch.randn(shape, dtype=torch.float64, device=device, generator=gen)
    n = shape[-1]
    return g @ g.transpose(-1, -2) / n + 0.5 * torch.eye(n, dtype=torch.float64,
                                                          device=device)


def _orthogonal(shape, gen, device):
    # QR of a Gaussian matrix with the signs of R's diagonal fixed: Haar distributed.
    # Tall: orthonormal columns; wide: orthonormal rows.
    r, c = shape[-2], shape[-1]
    wide = r < c
    g = torch.randn((*shape[:-2], c, r) if wide else shape, dtype=torch.float64,
                    device=device, generator=gen)
    q, rr = torch.linalg.qr(g)
    d = torch.sign(torch.diagonal(rr, dim1=-2, dim2=-1))
    q = q * torch.where(d == 0, 1.0, d)[..., None, :]
    return q.transpose(-1, -2) if wide else q


def _invertible(shape, gen, device):
    # U diag(s) V^T with s in [1/2, 2]: invertible, condition number at most 4
    u, v = _orthogonal(shape, gen, device), _orthogonal(shape, gen, device)
    s = torch.empty(shape[:-1], dtype=torch.float64, device=device).uniform_(0.5, 2.0,
                                                                             generator=gen)
    return (u * s[..., None, :]) @ v.transpose(-1, -2)


#: domain -> sampler(shape, generator, device)
SAMPLERS: dict[str, Callable] = {
    "real": _real, "positive": _positive, "nonnegative": _positive,
    "negative": lambda s, g, d: -_positive(s, g, d), "nonzero": _nonzero,
    "probability": _uniform(0.05, 0.95), "unit": _unit,
    "simplex": _simplex, "symmetric": _symmetric, "spd": _spd, "invertible": _invertible,
    "orthogonal": _orthogonal,
}


@dataclass
class Sample:
    env: Env
    values: dict[str, Any]   # by symbol name, for definitions and counterexamples
    dims: dict[str, int]


def draw(ctx: Context, *, batch: int, gen: torch.Generator, device: torch.device,
         dims: dict[str, int] | None = None) -> Sample:
    """Draw ``batch`` points for every symbol of ``ctx``, inside its domain."""
    dims = dict(dims or {})
    for s in ctx.dims:
        if s.name not in dims:
            lo, hi = s.bounds or DEFAULT_DIMS
            dims[s.name] = int(torch.randint(int(lo), int(hi) + 1, (1,), generator=gen).item())
    env = Env({}, batch=batch, device=device,
              functions={s.name: FUNCTIONS[s.torch] for s in ctx.specs
                         if s.kind == "function" and s.torch in FUNCTIONS})
    values: dict[str, Any] = {}
    for name, v in dims.items():
        env[canonical(ctx.objects[name])] = float(v)
        values[name] = v
    derived = []
    for s in ctx.specs:
        obj = ctx.objects[s.name]
        if s.kind in ("dim", "identity", "ones", "function"):
            continue
        if s.define:
            derived.append(s)
            continue
        if s.kind == "constant":
            val = float(obj)
        elif s.kind == "index":
            top = dims.get(s.of) if s.of else None
            if top is None:
                raise ValueError(f"index {s.name} needs 'range' naming its dim")
            val = torch.randint(1, top + 1, (batch, 1, 1), generator=gen).double().to(device)
        else:
            shape = (batch, 1, 1) if s.kind == "scalar" else (
                batch, *[_dim(d, dims) for d in (tuple(s.shape) + (1,))[:2]])
            # drawn on the CPU by the CPU generator, then moved: one seed, the same points
            # on every device
            val = _draw_domain(s, shape, gen, torch.device("cpu")).to(device)
        bind(env, s, obj, val)
        values[s.name] = val
    for s in derivation_order(derived, ctx):
        val = derive_value(s, ctx, env, dims)
        bind(env, s, ctx.objects[s.name], val)
        values[s.name] = val
    return Sample(env, values, dims)


def _dim(d: str | int, dims: dict[str, int]) -> int:
    return d if isinstance(d, int) else dims[d]


def _draw_domain(s: SymbolSpec, shape, gen, device) -> torch.Tensor:
    if s.domain == "interval":
        lo, hi = s.bounds or (-1.0, 1.0)
        pad = 0.01 * (hi - lo)
        return _uniform(lo + pad, hi - pad)(shape, gen, device)
    if s.domain == "integer":
        lo, hi = s.bounds or (-5, 5)
        return torch.randint(int(lo), int(hi) + 1, shape, generator=gen, device=device).double()
    if s.domain not in SAMPLERS:
        raise ValueError(f"symbol {s.name}: unknown domain {s.domain!r} "
                         f"(known: {', '.join(list(SAMPLERS) + ['interval', 'integer'])})")
    return SAMPLERS[s.domain](shape, gen, device)


def bind(env: Env, s: SymbolSpec, obj: Any, val: Any) -> None:
    if isinstance(obj, sp.MatrixSymbol):
        env[obj.name] = val
    else:
        # under the object the answers' equal symbols come back as (judge.wire): found by
        # identity when an answer is evaluated
        env[canonical(obj)] = val


def derivation_order(derived: list[SymbolSpec], ctx: Context) -> list[SymbolSpec]:
    """Derived symbols in an order where each definition's inputs come first."""
    names = {s.name for s in derived}
    deps = {s.name: {n for n in derived_closure(s, ctx)[0].names} & names
            for s in derived}
    out, done = [], set()
    while len(out) < len(derived):
        ready = [s for s in derived if s.name not in done and deps[s.name] <= done]
        if not ready:
            raise ValueError("derived symbols depend on each other in a cycle: "
                             + ", ".join(sorted(names - done)))
        for s in ready:
            out.append(s)
            done.add(s.name)
    return out


def derived_closure(s: SymbolSpec, ctx: Context) -> tuple[Derived, Any]:
    """A derived symbol's parsed definition and its compiled closure, cached on ``ctx``."""
    d = derived(s, ctx)
    key = ("compiled-derived", s.name)
    if key not in ctx.cache:
        ctx.cache[key] = compile_expr(d.expr)
    return d, ctx.cache[key]


def derive_value(s: SymbolSpec, ctx: Context, env: Env, dims: dict[str, int]) -> torch.Tensor:
    d, fn = derived_closure(s, ctx)
    if d.index is None:
        return evaluate(fn, env)
    n = _dim(s.shape[0], dims)
    # every element at once: the index as a tensor along axis 1 (sums inside that use the
    # index fall back to their own loops, see _torch_eval._sum_over); row by row otherwise
    try:
        env[d.index] = torch.arange(1, n + 1, dtype=torch.float64,
                                    device=env.device).reshape(1, n, 1)
        v = evaluate(fn, env)
        if v.dim() == 3 and v.shape[1] in (1, n) and v.shape[2] == 1:
            return v.expand(env.batch, n, 1).clone()
    except (Unsupported, RuntimeError, IndexError):
        pass
    finally:
        env.pop(d.index, None)
    rows = []
    for k in range(1, _dim(s.shape[0], dims) + 1):
        env[d.index] = float(k)
        rows.append(evaluate(fn, env).reshape(env.batch, 1, 1))
    env.pop(d.index, None)
    return torch.cat(rows, dim=1)


# --- bounding the work before it starts ------------------------------------------------

class SizeLimit(Exception):
    """An expression would ask more than :data:`MAX_WORK` of the numeric check."""

    code = "limit.size"


def bound_work(expr: Any, ctx: Context, dims: dict[str, int], limit: int = MAX_WORK,
               scalars: dict[Any, torch.Tensor] | None = None,
               fixed: list[bool] | None = None) -> int:
    """The work of evaluating ``expr`` at these dims (see :data:`MAX_WORK`), counted
    before anything is evaluated; raises :class:`SizeLimit` past ``limit``, and
    :class:`Unsupported` for a sum whose range is fixed neither by the dims nor by
    ``scalars`` (the drawn scalars, one value per point: a sum up to ``L + 1`` counts its
    terms at the least lower and the greatest upper limit over the points).

    Sizes and sum limits are computed in float64 by the torch evaluator, never by
    substituting the dims into SymPy (which would compute ``2^{10^{12}}`` exactly).

    ``fixed``, when given, is set to ``[False]`` when the work depends on the dims or the
    drawn scalars (a matrix or a sum in it): otherwise it is the number of nodes, the same
    at any dims."""
    if not isinstance(expr, sp.Basic):
        return 1
    env = Env(dict(scalars or {}), batch=1, device=torch.device("cpu"))
    for name, v in dims.items():
        if name in ctx.objects:
            env[canonical(ctx.objects[name])] = float(v)
    return _work(expr, ctx, dims, env, limit, fixed)


def _work(expr: Any, ctx: Context, dims: dict[str, int], env: Env, limit: int,
          fixed: list[bool] | None = None) -> int:
    total = 0
    stack: list[tuple[Any, float]] = [(expr, 1.0)]
    while stack:
        e, mult = stack.pop()
        if fixed is not None and isinstance(e, (sp.MatrixExpr, sp.MatrixBase, sp.Sum)):
            fixed[0] = False
        total += mult * _entries(e, ctx, dims, env, limit)
        if total > limit:
            raise SizeLimit(f"evaluating it at {_dims_words(dims)} would take more than "
                            f"{limit:,} steps per point")
        if isinstance(e, sp.Sum):
            terms = 1.0
            for var, lo, hi in reversed(e.limits):  # SymPy lists the innermost first
                a = _size_at(lo, ctx, dims, env, limit, over_points=min)
                b = _size_at(hi, ctx, dims, env, limit, over_points=max)
                terms *= max(0.0, b - a + 1)
                env[var] = b  # an inner limit that uses this index: at its far end
                if mult * terms > limit:
                    raise SizeLimit(f"a sum in it has {_count(terms)} terms at "
                                    f"{_dims_words(dims)}; the numeric check takes at most "
                                    f"{limit:,}")
            stack.append((e.function, mult * max(terms, 1.0)))
            continue
        if isinstance(e, ElementwiseApplyFunction):
            stack.append((e.function.expr, mult * _entries(e.expr, ctx, dims, env, limit)))
            stack.append((e.expr, mult))
            continue
        for a in e.args:
            if isinstance(a, sp.Basic):
                stack.append((a, mult))
    return int(total)


def _entries(e: Any, ctx: Context, dims: dict[str, int], env: Env, limit: int) -> float:
    if not isinstance(e, (sp.MatrixExpr, sp.MatrixBase)):
        return 1.0
    n = 1.0
    for d in e.shape:
        n *= max(_size_at(d, ctx, dims, env, limit), 1.0)
    return n


def _size_at(e: Any, ctx: Context, dims: dict[str, int], env: Env, limit: int,
             over_points: Callable | None = None) -> float:
    """A size or a sum's limit at these dims, as a float (inf when astronomically large).
    A sum's limit may depend on drawn scalars: ``over_points`` (min or max) then takes
    its extreme over the points; a size never may."""
    e = sp.sympify(e)
    if e.is_Integer:
        return float(min(abs(int(e)), 2 ** 62)) * (1 if e >= 0 else -1)
    known = env.get(e) if e.is_Symbol else None
    if isinstance(known, float):  # a dim, or a sum's index at its far end: its value
        return known
    if e.has(sp.Sum):
        _work(e, ctx, dims, env, limit)  # a limit that is itself a sum: bounded first
    try:
        v = evaluate(compiled(e), env)
    except OverflowError:
        return math.inf
    except (RuntimeError, ArithmeticError, TypeError, ValueError) as exc:
        raise Unsupported(f"the size {e} could not be computed: {exc}") from None
    if v.numel() != 1:
        if over_points is None or not v.numel():
            raise Unsupported(f"the range of a sum ({e}) is not fixed by the dimensions")
        v = over_points(v.max(), v.min(), key=float)
    x = float(v.reshape(()))
    if math.isnan(x):
        raise Unsupported(f"the size {e} is not a number at {_dims_words(dims)}")
    return x


def _count(n: float) -> str:
    if not math.isfinite(n):
        return "astronomically many"
    return f"{int(n):,}" if n < 1e15 else f"about 10^{int(math.log10(n))}"


def _dims_words(dims: dict[str, int]) -> str:
    return ", ".join(f"{k} = {v}" for k, v in dims.items()) or "the given values"


# --- comparison -----------------------------------------------------------------------

@dataclass
class Outcome:
    """Result of comparing one expression with the ground truth on all points."""

    status: str                       # 'agree' | 'mismatch' | 'shape' | 'undecided'
    points: int = 0
    max_abs_error: float = 0.0
    max_rel_error: float = 0.0
    counterexample: dict[str, Any] | None = None
    detail: str = ""
    agrees_with: list[int] = field(default_factory=list)  # the known wrong answers it equals
    reason: str = ""   # for 'undecided': the reason code when it is not the default


@dataclass
class Run:
    outcomes: list[Outcome]
    against: str           # 'definition' | 'reference'
    device: str
    seed: int
    points: int
    rounds: int
    reference_error: float | None = None  # reference vs definition, when both exist
    describe: str = ""     # what the ground truth computes (the definition's description)


@functools.lru_cache(maxsize=4096)
def _compiled(expr: Any) -> Any:
    return compile_expr(expr)


def compiled(expr: Any) -> Any:
    """``compile_expr(expr)``, cached: a question's reference and its known wrong answers
    are compiled once per process, not on every check (the closures hold no state)."""
    try:
        return _compiled(expr)
    except TypeError:  # an unhashable expression: compile it afresh
        return compile_expr(expr)


def truth_function(definition: Any, part: str = "") -> tuple[
        Callable[[Sample], torch.Tensor] | None, str]:
    """A definition's torch ground truth (for one part of a tuple question) as a function
    of a sample. ``definition`` has ``torch(values)`` and ``describe`` (the bank's
    :class:`~derive.bank.registry.Definition`), or is None."""
    if definition is None:
        return None, ""
    d = definition

    def run(sample: Sample) -> torch.Tensor:
        out = d.torch(dict(sample.values))
        if isinstance(out, dict):  # a tuple question: one value per part
            out = out[part]
        return as_batch(out, sample.env.batch)
    return run, d.describe


def as_batch(v: Any, batch: int) -> torch.Tensor:
    if not isinstance(v, torch.Tensor):
        return torch.full((batch, 1, 1), float(v), dtype=torch.float64)
    v = v.to(torch.float64)
    if v.dim() == 0:
        return v.expand(batch)[:, None, None]
    if v.dim() == 1:
        return v[:, None, None]
    if v.dim() == 2:
        return v[:, :, None]
    return v


def compare(question, reference: Any, exprs: Sequence[Any], *, seed: int = 0,
            device: str | torch.device | None = None, batch: int = 64, rounds: int = 3,
            definition: Any = None, part: str = "",
            wrong: Sequence[Any] | Callable[[], Sequence[Any]] = ()) -> Run:
    """Compare every expression in ``exprs`` with the ground truth, on the same points.

    ``wrong`` are the question's known wrong answers (or a function that gives them, called
    only when they are needed): when the first expression (the answer) is wrong (a mismatch or another shape), it is compared with each of them on the
    same points, and ``outcomes[0].agrees_with`` lists those it equals (indices into
    ``wrong``), so a wrong answer can be named. A right answer is never compared with them,
    and they are never compared with the ground truth (their values at a question's points
    are computed once per process, :class:`Draw`). The other expressions of ``exprs`` (a
    chain's links) are not compared with each other: n links cost n comparisons, not n^2.
    Before each draw is evaluated, every expression's work is bounded (:func:`bound_work`):
    one that would ask too much is ``undecided`` with reason ``limit.size``.
    """
    ctx: Context = question.context
    dev = resolve_device(device)
    truth_fn, describe = truth_function(definition, part)
    exprs = [_one(e) for e in exprs]
    fns = [_compiled_or_error(e) for e in exprs]
    n = len(exprs)
    outs = [Outcome("undecided") for _ in range(n)]
    ref_err: float | None = None
    made = draws(question, reference, seed=seed, device=dev, batch=batch, rounds=rounds,
                 definition=definition, part=part)
    # every expression on every draw first; then each expression against the ground truth
    # on all its draws at once (one set of tensor operations, not one per draw), read
    # draw by draw in order, as if compared one draw at a time
    per_draw, kinks = [], []
    for dr in made:
        if dr.ref_err is not None:
            ref_err = max(ref_err or 0.0, dr.ref_err)
        vals, kink = _values(dr, exprs, fns, ctx, dr.kink)
        per_draw.append(vals)
        kinks.append(kink)
    masks = made.usable(kinks)                              # (D, B): usable points
    goods = masks.sum(1).tolist()
    total_points = sum(goods)
    for k in range(n):
        o = outs[k]
        # the draws where this expression has the truth's shape and usable points
        fits = [d for d, dr in enumerate(made)
                if not isinstance(per_draw[d][k], Exception)
                and tuple(per_draw[d][k].shape[1:]) == tuple(dr.truth.shape[1:]) and goods[d]]
        joint = made.errors([per_draw[d][k] for d in fits], fits, masks) if fits else None
        for d, dr in enumerate(made):
            v = per_draw[d][k]
            if isinstance(v, Exception):
                if isinstance(v, SizeLimit) and o.status not in ("mismatch", "shape"):
                    o.status, o.reason = "undecided", SizeLimit.code  # refused, not evaluated
                o.detail = str(v)
                continue
            if o.status in ("shape", "mismatch"):
                continue
            if tuple(v.shape[1:]) != tuple(dr.truth.shape[1:]):
                o.status = "shape"
                o.detail = (f"expected shape {tuple(dr.truth.shape[1:])}, "
                            f"got {tuple(v.shape[1:])} at {dr.sample.dims}")
                continue
            if goods[d] == 0:
                continue
            # over the usable points: the largest excess past tolerance (NaN where the
            # truth is not: past it) and the largest absolute error
            j = fits.index(d)
            largest_abs, largest = joint.largest[j]
            o.points += goods[d]
            o.max_abs_error = max(o.max_abs_error, largest_abs)
            o.max_rel_error = max(o.max_rel_error, largest)
            if largest > 0:  # some usable point is past tolerance: the worst is reported
                worst = int(np.argmax(joint.excess[:, j]))
                if v.shape[0] != batch:
                    v = v.expand(batch, *v.shape[1:])
                o.status = "mismatch"
                o.counterexample = {
                    "point": _point(dr.sample, worst),
                    "expected": _tolist(dr.truth[worst]),
                    "got": _tolist(v[worst]),
                    "seed": seed,
                    "dims": dict(dr.sample.dims),
                }
            else:
                o.status = "agree"
    answer_on = [(dr, per_draw[d][0], masks[d]) for d, dr in enumerate(made)] if n else []
    if n and outs[0].status in ("mismatch", "shape"):
        known = wrong() if callable(wrong) else wrong
        if known:
            outs[0].agrees_with = _same_as(answer_on, known, ctx, batch)
    for o in outs:
        if o.status == "agree" and o.points < MIN_POINTS:
            o.status = "undecided"
            if o.points:
                o.reason = "numeric.too_few_points"
                were = "point was" if o.points == 1 else "points were"
                o.detail = (f"only {o.points} of {batch * rounds} {were} far enough from "
                            f"the answer's kinks and poles (at least {MIN_POINTS} are "
                            f"needed)")
    return Run(outs, "definition" if truth_fn else "reference", str(dev), seed, total_points,
               rounds, ref_err, describe)


#: expressions compared lately, one object for each (:func:`_one`)
EXPRS_KEPT = 4096
_EXPRS: OrderedDict[Any, Any] = OrderedDict()
_EXPRS_LOCK = threading.Lock()


def _one(e: Any) -> Any:
    """The one object this process keeps for expressions equal to ``e``. The caches keyed
    by expressions (compiled closures, a draw's values, :data:`_WITHIN`) then find it by
    identity: a right answer equals the reference, or an answer seen before, node for
    node, and an equal copy would be compared node by node at every lookup."""
    if not isinstance(e, sp.Basic):
        return e
    try:
        with _EXPRS_LOCK:
            kept = _EXPRS.setdefault(e, e)
            while len(_EXPRS) > EXPRS_KEPT:
                _EXPRS.popitem(last=False)
    except TypeError:  # unhashable
        return e
    return kept


def _compiled_or_error(e: Any) -> Any:
    try:
        return compiled(e)
    except Unsupported as exc:
        return exc


def _values(dr: Draw, exprs: Sequence[Any], fns: list[Any], ctx: Context,
            kink: np.ndarray) -> tuple[list[Any], np.ndarray]:
    """The expressions' values on a draw (an exception for one that cannot be evaluated),
    and ``kink`` lowered to the distance from their kinks. An expression refused by the
    work bound is never evaluated again (``fns[k]`` becomes the refusal)."""
    vals: list[Any] = []
    for k, fn in enumerate(fns):
        if isinstance(fn, Exception):
            vals.append(fn)
            continue
        how, v, near = dr.value(exprs[k], fn, ctx)
        if how == "bound":
            fns[k] = v
        elif how == "ok" and near is not None:
            kink = np.minimum(kink, near)
        vals.append(v)
    return vals, kink


def _same_as(answer_on: list[tuple[Draw, Any, np.ndarray]], wrong: Sequence[Any],
             ctx: Context, batch: int) -> list[int]:
    """Indices of the known wrong answers that equal the answer at every usable point of
    every draw (away from the answer's, the reference's and that wrong answer's kinks).
    The known wrong answers of the answer's shape are compared all at once, a draw at a
    time (their values are stacked once per draw, :meth:`Draw.stacked`)."""
    fns = [_compiled_or_error(e) for e in wrong]
    alive: set[int] | None = None   # still equal everywhere so far
    seen = [0] * len(wrong)
    for dr, va, mask in answer_on:
        if isinstance(va, Exception):
            return []
        shape = tuple(va.shape[1:])
        idx, vals, kinks = dr.stacked(wrong, fns, ctx, shape)
        alive = set(idx) if alive is None else alive & set(idx)
        if not alive:
            return []
        m = mask & (kinks > KINK_EPS)                      # (n, B)
        e = _err(np.broadcast_to(_host_value(va), (batch, *shape))[None], vals)
        good = m.sum(1).tolist()
        bad = (m & ~(e <= 0)).any(1).tolist()
        for k, b in enumerate(idx):
            if b in alive and good[k]:
                seen[b] += good[k]
                if bad[k]:
                    alive.discard(b)
    return sorted(b for b in (alive or ()) if seen[b] > 0)


# --- the points of a question, drawn once ------------------------------------------------

class Draw:
    """One round of points of a question, and what does not depend on the answer: the
    ground truth there, the reference's values (and kinks), which points are usable
    (finite ground truth, away from the avoided quantities). Expressions evaluated on it
    are kept too (:meth:`value`), so a question's known wrong answers are evaluated once."""

    def __init__(self, sample: Sample, truth: torch.Tensor, mask: torch.Tensor,
                 kink: torch.Tensor, ref_err: float | None):
        # which points are usable and their kink distances: host arrays, (B,) each (the
        # comparisons are made on the host, see Draws.errors)
        self.sample, self.truth, self.mask, self.kink, self.ref_err = (
            sample, truth, _host(mask), _host(kink), ref_err)
        self._values: OrderedDict[Any, tuple[str, Any, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self._scalars: dict[Any, torch.Tensor] | None = None
        self._stacks: dict[Any, tuple[list[int], np.ndarray, np.ndarray]] = {}

    def scalars(self) -> dict[Any, torch.Tensor]:
        """The drawn scalars (one value per point), by symbol: what a sum's limits may use."""
        if self._scalars is None:
            ctx_env = self.sample.env
            self._scalars = {k: v for k, v in ctx_env.items()
                             if isinstance(v, torch.Tensor) and v.dim() == 3
                             and tuple(v.shape[1:]) == (1, 1)}
        return self._scalars

    def stacked(self, wrong: Sequence[Any], fns: list[Any], ctx: Context,
                shape: tuple) -> tuple[list[int], np.ndarray, np.ndarray]:
        """The known wrong answers of this shape that can be evaluated here: their indices
        in ``wrong``, their values stacked ``(n, B, *shape)`` and their kink distances
        ``(n, B)`` (host arrays); made once per draw and list."""
        try:
            key: Any = (tuple(wrong), shape)
            with self._lock:
                hit = self._stacks.get(key)
        except TypeError:
            key, hit = None, None
        if hit is not None:
            return hit
        batch = self.truth.shape[0]
        idx, vals, kinks = [], [], []
        for b, e in enumerate(wrong):
            if isinstance(fns[b], Exception):
                continue
            got, kink = _values(self, [e], [fns[b]], ctx, np.full_like(self.kink, math.inf))
            v = got[0]
            if isinstance(v, Exception) or tuple(v.shape[1:]) != shape:
                continue
            idx.append(b)
            vals.append(np.broadcast_to(_host_value(v), (batch, *shape)))
            kinks.append(np.broadcast_to(kink, (batch,)))
        out = (idx, np.stack(vals) if vals else np.empty((0, batch, *shape)),
               np.stack(kinks) if kinks else np.empty((0, batch)))
        if key is not None:
            with self._lock:
                self._stacks[key] = out
        return out

    def env(self) -> Env:
        """A fresh environment over the points (evaluation writes into it); no kinks."""
        base = self.sample.env
        return Env(dict(base), batch=base.batch, device=base.device, functions=base.functions)

    def value(self, expr: Any, fn: Any, ctx: Context) -> tuple[str, Any, Any]:
        """``("ok", values, kink distances or None)``, ``("bound", SizeLimit or
        Unsupported)`` (refused before evaluation, :func:`bound_work`) or ``("eval",
        Unsupported)``."""
        try:
            key: Any = expr
            with self._lock:
                hit = self._values.get(key)
        except TypeError:  # an unhashable expression: evaluated, not kept
            key, hit = None, None
        if hit is not None:
            return hit
        try:
            if key is None or not _within_anywhere(key):
                fixed = [True]
                bound_work(expr, ctx, self.sample.dims, scalars=self.scalars(), fixed=fixed)
                if fixed[0] and key is not None:
                    _within_anywhere(key, remember=True)
        except (SizeLimit, Unsupported) as exc:
            out: tuple[str, Any, Any] = ("bound", exc, None)
        else:
            env = self.env()
            try:
                value = evaluate(fn, env)
                # the kink distances (on the host), or None where it has no kink
                near = env.kinks()
                out = ("ok", value, None if near is None else _host(near))
            except (Unsupported, RuntimeError) as exc:
                out = ("eval", Unsupported(str(exc)), None)
        if key is not None:
            with self._lock:
                self._values[key] = out
                while len(self._values) > VALUES_KEPT:
                    self._values.popitem(last=False)
        return out


@dataclass
class Joint:
    """One expression against the ground truth on several draws at once
    (:meth:`Draws.errors`). ``excess`` (B, D): per point and draw, the largest excess past
    tolerance over the entries (-inf at unusable points); ``largest``: per draw, [largest
    absolute error, largest excess] over the usable points."""

    excess: np.ndarray
    largest: list[list[float]]


class Draws(list):
    """A question's draws (a list of :class:`Draw`), and what comparing an expression on
    several of them at once needs, made once: their ground truths flattened side by side.

    The comparisons are made on the host, in NumPy: a few hundred numbers per draw, where
    each torch operation costs more to launch than to compute (float64 either way, the
    same IEEE operations, so the same results)."""

    def __init__(self, made: list[Draw]):
        super().__init__(made)
        self.batch = made[0].truth.shape[0] if made else 0
        self._mask = np.stack([dr.mask for dr in made]) if made else None
        self._truths: dict[tuple[int, ...], tuple] = {}
        self._lock = threading.Lock()

    def usable(self, kinks: list[np.ndarray]) -> np.ndarray:
        """(D, B): the points of each draw that are usable (the draw's own mask) and away
        from the kinks given for that draw (each (B,) or (1,))."""
        near = np.empty((len(kinks), self.batch))
        for d, k in enumerate(kinks):
            near[d] = k
        return self._mask & (near > KINK_EPS)

    def _truth(self, fits: tuple[int, ...]) -> tuple:
        with self._lock:
            hit = self._truths.get(fits)
        if hit is not None:
            return hit
        b = self.batch
        flat = [_host(self[d].truth).reshape(b, -1) for d in fits]
        t = np.concatenate(flat, 1) if len(flat) > 1 else flat[0]
        a = np.abs(t)
        out = (t, ATOL + RTOL * a, 1.0 + a, ~np.isnan(t), [f.shape[1] for f in flat])
        with self._lock:
            self._truths[fits] = out
        return out

    def errors(self, values: list[torch.Tensor], fits: list[int],
               masks: np.ndarray) -> Joint:
        """``values`` (one per draw of ``fits``, each of its draw's truth's shape) against
        the ground truth, at the usable points (``masks``, (D, B)). Per point, as
        :func:`_err` computes, a NaN where the truth is not one is past tolerance; then
        NaN counts as inf (torch's ``nan_to_num``, which also clips inf to the largest
        float)."""
        b = self.batch
        truth, tol, scale, truth_ok, sizes = self._truth(tuple(fits))
        flat = [_rows(_host_value(v), b).reshape(b, -1) for v in values]
        v = np.concatenate(flat, 1) if len(flat) > 1 else flat[0]
        diff = np.abs(v - truth)
        excess = (diff - tol) / scale
        excess[np.isnan(v) & truth_ok] = np.inf
        if len(set(sizes)) == 1:   # per point and draw: the largest over the entries
            excess = excess.reshape(b, len(sizes), sizes[0]).max(2)
            diff = diff.reshape(b, len(sizes), sizes[0]).max(2)
        else:
            ends = np.cumsum(sizes)
            excess = np.stack([excess[:, e - n:e].max(1) for e, n in zip(ends, sizes)], 1)
            diff = np.stack([diff[:, e - n:e].max(1) for e, n in zip(ends, sizes)], 1)
        unusable = ~masks[fits].T
        excess, diff = _nan_to_inf(excess), _nan_to_inf(diff)
        excess[unusable] = -np.inf
        diff[unusable] = -np.inf
        largest = [list(p) for p in zip(diff.max(0).tolist(), excess.max(0).tolist())]
        return Joint(excess, largest)


#: expressions whose work is within MAX_WORK at any dims (no matrix, no sum: the count of
#: their nodes), so that only their first draw bounds it
_WITHIN: OrderedDict[Any, None] = OrderedDict()
_WITHIN_LOCK = threading.Lock()


def _within_anywhere(expr: Any, remember: bool = False) -> bool:
    with _WITHIN_LOCK:
        if remember:
            _WITHIN[expr] = None
            while len(_WITHIN) > EXPRS_KEPT:
                _WITHIN.popitem(last=False)
            return True
        return expr in _WITHIN


#: questions (and seeds, devices, parts) whose points are kept, and expressions per draw
DRAWS_KEPT, VALUES_KEPT = 64, 256
_DRAWS: OrderedDict[Any, tuple[Any, Any, Draws]] = OrderedDict()
_DRAWS_LOCK = threading.Lock()


def draws(question, reference: Any, *, seed: int, device: torch.device, batch: int,
          rounds: int, definition: Any = None, part: str = "") -> Draws:
    """The ``rounds`` draws of points of a question for this seed, made once per process:
    round 0 at the smallest dimensions, so that a counterexample is as small as it can be
    (the first one found is the one reported); later rounds at random sizes. Every answer
    to the question is compared on the same points, so the ground truth there, the
    reference's values and the known wrong answers' values are computed once, not per
    answer."""
    try:
        key: Any = (id(question), part, seed, str(device), batch, rounds, id(definition),
                    reference)
        with _DRAWS_LOCK:
            hit = _DRAWS.get(key)
            if hit is not None:
                _DRAWS.move_to_end(key)
                return hit[2]
    except TypeError:  # an unhashable reference: drawn afresh
        key = None
    made = _make_draws(question, reference, seed, device, batch, rounds, definition, part)
    if key is not None:
        with _DRAWS_LOCK:  # holding question and definition: their ids stay theirs
            _DRAWS[key] = (question, definition, made)
            while len(_DRAWS) > DRAWS_KEPT:
                _DRAWS.popitem(last=False)
    return made


def _make_draws(question, reference: Any, seed: int, dev: torch.device, batch: int,
                rounds: int, definition: Any, part: str) -> Draws:
    ctx: Context = question.context
    gen = torch.Generator(device="cpu")  # see draw(): points are drawn on the CPU
    gen.manual_seed(seed)
    truth_fn, _ = truth_function(definition, part)
    ref_fn = compiled(reference)
    avoid = _avoid_exprs(question)
    smallest = {s.name: int((s.bounds or DEFAULT_DIMS)[0]) for s in ctx.dims}
    out = []
    for r in range(rounds):
        sample = draw(ctx, batch=batch, gen=gen, device=dev, dims=smallest if r == 0 else None)
        env = sample.env
        ref_val = evaluate(ref_fn, env)
        ref_val = ref_val.expand(batch, *ref_val.shape[1:])
        ref_err = None
        if truth_fn is not None:
            truth = truth_fn(sample).to(dev)
            ok_ref = torch.isfinite(ref_val).reshape(batch, -1).all(1)
            if truth.shape == ref_val.shape:
                e = _err(_host(ref_val), _host(truth))[_host(ok_ref)]
                if e.size:
                    ref_err = float(e.max())
        else:
            truth = ref_val
        mask = torch.isfinite(truth).reshape(batch, -1).all(1)
        for a in avoid:
            v = evaluate(a, env)
            mask &= v.reshape(batch, -1).abs().amin(1) > AVOID_EPS
        kink = env.kink  # the reference's and the avoided quantities' kinks
        env.kink = torch.full_like(kink, math.inf)
        out.append(Draw(sample, truth, mask, kink, ref_err))
    return Draws(out)


def _avoid_exprs(question) -> list[Any]:
    key = ("avoid-zero", tuple(question.avoid_zero))
    ctx = question.context
    if key not in ctx.cache:
        ctx.cache[key] = [compile_expr(parse_expression(a, ctx)) for a in question.avoid_zero]
    return ctx.cache[key]


def _err(v: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """Per point: how far past tolerance (<= 0 means within tolerance). ``v`` and
    ``truth`` (host arrays) broadcast; a stack of values against one, ``(n, B, r, c)``,
    gives ``(n, B)``."""
    diff = np.abs(v - truth)
    tol = ATOL + RTOL * np.abs(truth)
    excess = (diff - tol) / (1.0 + np.abs(truth))
    excess = np.where(np.isnan(v) & ~np.isnan(truth), np.inf, excess)
    if excess.ndim > 3:
        return excess.reshape(*excess.shape[:2], -1).max(-1)
    return excess.reshape(excess.shape[0], -1).max(1)


_LARGEST = float(np.finfo(np.float64).max)


def _nan_to_inf(x: np.ndarray) -> np.ndarray:
    """torch's ``nan_to_num(nan=inf)`` in float64: NaN becomes inf, +-inf the largest
    finite float of its sign (a NaN in a maximum makes it NaN: the order does not matter)."""
    out = np.minimum(np.maximum(x, -_LARGEST), _LARGEST)   # NaN stays NaN
    out[np.isnan(out)] = np.inf
    return out


def _rows(a: np.ndarray, batch: int) -> np.ndarray:
    """``a`` with ``batch`` rows (a value that does not vary over the points has one)."""
    return a if a.shape[0] == batch else np.broadcast_to(a, (batch, *a.shape[1:]))


def _host(t: torch.Tensor) -> np.ndarray:
    """A tensor's values as a host array (the same memory, on the CPU)."""
    return t.detach().cpu().numpy()


def _host_value(v: torch.Tensor) -> np.ndarray:
    """An expression's values as a host array, to compare. A truth value (a relation
    given as the answer) has no arithmetic: it fails here as it fails in torch."""
    if v.dtype == torch.bool:
        v - torch.zeros((), dtype=torch.float64, device=v.device)  # raises, as torch does
    return _host(v)


def _tolist(t: torch.Tensor) -> Any:
    t = t.detach().cpu()
    if t.numel() == 1:
        return float(t.reshape(()))
    if t.dim() == 2 and t.shape[1] == 1:
        return [float(x) for x in t[:, 0]]
    return t.tolist()


def _point(sample: Sample, k: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, v in sample.values.items():
        out[name] = _tolist(v[k]) if isinstance(v, torch.Tensor) else v
    return out
