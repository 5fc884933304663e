"""The implementation of :mod:`derive.testing` (see its docstring).

Importing this module imports torch and Hypothesis; ``import derive`` does neither.
"""
from __future__ import annotations

import itertools
import math
from typing import Any, Callable, Iterable, Mapping, Sequence

import hypothesis
import sympy as sp
import torch
from hypothesis import HealthCheck, assume, given
from hypothesis import strategies as st

from ..bank.loader import Question
from ..judge.numeric import resolve_device
from ..notation.declare import DeclarationError, make_context
from ..notation.declare import spec as declaration
from ..notation.symbols import Context, SymbolSpec
from ..notation.tables import GREEK
from .batched import Search, Tally
from .shrink import shrink
from .core import (AVOID_EPS, DEFAULT_DIM_RANGE, KINDS, KINK_EPS, Agreement, Form,
                   InvalidArgument, Mismatch, Undecided, autograd, callable_args,
                   is_domain_error, latex_definition, layout_error, mismatch_message,
                   point_env, to_derive, to_matrix)

__all__ = [
    "dims", "tensors", "points", "declare", "sympy_symbols", "bank_definition",
    "assert_matches_autograd", "assert_equivalent",
    "Agreement", "Mismatch", "InvalidArgument", "Undecided",
]

SEARCHES = ("batched", "hypothesis")

#: domain -> (lo, hi) of the magnitudes Hypothesis draws (``unit`` is normalised)
DOMAIN_BOUNDS: dict[str, tuple[float, float]] = {
    "real": (-4.0, 4.0), "positive": (0.1, 4.0), "nonnegative": (0.0, 4.0),
    "negative": (-4.0, -0.1), "nonzero": (0.1, 4.0), "probability": (0.05, 0.95),
    "unit": (-1.0, 1.0), "interval": (-1.0, 1.0), "integer": (-5, 5),
}


def _simplex(t: torch.Tensor) -> torch.Tensor:
    return t / t.sum(dim=0, keepdim=True)


def _symmetric(t: torch.Tensor) -> torch.Tensor:
    return (t + t.T) / 2


def _spd(t: torch.Tensor) -> torch.Tensor:
    n = t.shape[0]
    return t @ t.T / n + 0.5 * torch.eye(n, dtype=t.dtype)


def _orthogonal(t: torch.Tensor) -> torch.Tensor:
    wide = t.shape[0] < t.shape[1]
    q, r = torch.linalg.qr(t.T if wide else t)
    d = torch.sign(torch.diagonal(r))
    q = q * torch.where(d == 0, 1.0, d)[None, :]
    return q.T if wide else q


def _invertible(t: torch.Tensor) -> torch.Tensor:
    u, s, vh = torch.linalg.svd(t)
    return (u * s.clamp(0.5, 2.0)[None, :]) @ vh


#: structured domains: (the domain of the entries Hypothesis draws, the construction
#: that maps them into the domain, the tensor ranks it applies to). Drawn directly,
#: never filtered, so shrinking stays cheap (entries towards 0 give I/2, I, a uniform
#: simplex...)
STRUCTURED: dict[str, tuple[str, Callable, tuple[int, ...]]] = {
    "simplex": ("positive", _simplex, (1,)), "symmetric": ("real", _symmetric, (2,)),
    "spd": ("real", _spd, (2,)), "invertible": ("real", _invertible, (2,)),
    "orthogonal": ("real", _orthogonal, (2,)),
}
_SQUARE = ("symmetric", "spd", "invertible")


# --- declarations ----------------------------------------------------------------------

_CONTEXTS: dict[tuple, Context] = {}    # the same declarations give the same Context


def _shape_of(name: str, shape: Any) -> tuple[str | int, ...]:
    """A shape as written: ``"m n"`` (einops style), ``("m", "n")``, ``()`` or ``""``."""
    if shape is None:
        return ()
    if isinstance(shape, str):
        return tuple(int(p) if p.isdigit() else p for p in shape.split())
    if isinstance(shape, (list, tuple)) and all(
            isinstance(x, (str, int)) and not isinstance(x, bool) for x in shape):
        return tuple(shape)
    raise InvalidArgument(f"shapes[{name!r}] = {shape!r}: write a shape as a string of dim "
                          f"names (\"n\" a vector, \"m n\" a matrix, \"\" a scalar) or a tuple "
                          f"(('n',), ('m', 'n'), ())")


def declare(symbols: Any = None, *, shapes: Mapping[str, Any] | None = None,
            domains: Mapping[str, str] | None = None,
            dims: Mapping[str, tuple[int, int]] | None = None) -> Context:
    """A :class:`Context` from bank-style declarations and/or the shorthand.

    ``symbols`` is a dict in the bank's format, a :class:`Context`, a bank
    :class:`~derive.Question`, or ``None``. ``shapes`` maps a name to its shape, einops
    style or as a tuple: ``"n"``/``("n",)`` a vector, ``"m n"``/``("m", "n")`` a matrix,
    ``""``/``()`` a scalar; each dim named there that is not declared becomes a ``dim``
    with range ``dims[name]`` (default 2..5). ``domains`` sets a symbol's domain
    (``"positive"``, ``"unit"``, ``"simplex"``, ``"spd"``, ...). A symbol named after a
    Greek letter (``lambda``) is written ``\\lambda`` in LaTeX unless its declaration says
    otherwise.
    """
    if isinstance(symbols, Question):
        symbols = symbols.context
    if isinstance(symbols, Context):
        if shapes or domains or dims:
            raise InvalidArgument("give shapes/domains/dims with a dict of declarations, "
                                  "not with a Context or a Question")
        return symbols
    decl: dict[str, dict[str, Any]] = {}
    if symbols is not None:
        if not isinstance(symbols, Mapping):
            raise InvalidArgument(f"symbols must be a dict of declarations, a Context or a "
                                  f"Question, not {symbols!r}")
        decl = {name: dict(d) if isinstance(d, Mapping) else d
                for name, d in symbols.items()}
    for name, shape in (shapes or {}).items():
        shape = _shape_of(name, shape)
        if len(shape) > 2:
            raise InvalidArgument(f"shapes[{name!r}] = {shape!r}: derive handles scalars, "
                                  f"vectors and matrices (at most two dims)")
        kind = ("scalar", "vector", "matrix")[len(shape)]
        d = decl.setdefault(name, {})
        d.setdefault("kind", kind)
        if shape:
            d.setdefault("shape", list(shape))
        for dim in shape:
            if isinstance(dim, str) and dim not in decl:
                decl[dim] = {"kind": "dim"}
    for name, rng in (dims or {}).items():
        decl.setdefault(name, {"kind": "dim"})["range"] = list(rng)
    for name, domain in (domains or {}).items():
        if name not in decl:
            raise InvalidArgument(f"domains names {name!r}, which is not declared: add it to "
                                  f"shapes= (declared: {', '.join(decl) or 'nothing yet'})")
        decl[name]["domain"] = domain
    for name, d in list(decl.items()):
        if not isinstance(d, dict):
            continue
        if name in GREEK and "latex" not in d:
            d["latex"] = [f"\\{name}"]
        shape = d.get("shape", ())
        for dim in (shape.split() if isinstance(shape, str) else shape):
            if isinstance(dim, str) and not dim.isdigit() and dim not in decl:
                decl[dim] = {"kind": "dim"}     # dims are free names
    specs = tuple(_spec(name, d) for name, d in decl.items())
    if specs not in _CONTEXTS:
        if len(_CONTEXTS) > 256:
            _CONTEXTS.clear()
        try:
            _CONTEXTS[specs] = make_context(list(specs))
        except DeclarationError as exc:
            raise InvalidArgument(exc.message) from None
    return _CONTEXTS[specs]


def _spec(name: str, d: Mapping[str, Any]) -> SymbolSpec:
    try:
        return declaration(name, d)
    except DeclarationError as exc:
        raise InvalidArgument(exc.message) from None


def sympy_symbols(symbols: Any = None, **shorthand: Any) -> dict[str, Any]:
    """The SymPy objects of declared symbols, to build SymPy closed forms with.

    Vectors and matrices are ``MatrixSymbol``; dims are positive integer ``Symbol``.
    """
    ctx = declare(symbols, **shorthand)
    return {s.name: ctx.objects[s.name] for s in ctx.specs}


# --- strategies --------------------------------------------------------------------------

def dims(lo: int = 2, hi: int = 6) -> st.SearchStrategy[int]:
    """A dimension in ``lo..hi``; shrinks towards ``lo``."""
    if not (isinstance(lo, int) and isinstance(hi, int)) or lo < 1 or hi < lo:
        raise InvalidArgument(f"dims(lo={lo!r}, hi={hi!r}): need integers 1 <= lo <= hi")
    return st.integers(lo, hi)


def _elements(domain: str, bounds: tuple[float, float] | None,
              away_from_kinks: float) -> st.SearchStrategy[float]:
    if domain not in DOMAIN_BOUNDS:
        raise InvalidArgument(f"unknown domain {domain!r} (known: "
                              f"{', '.join(list(DOMAIN_BOUNDS) + list(STRUCTURED))})")
    lo, hi = bounds or DOMAIN_BOUNDS[domain]
    if domain == "integer":
        return st.integers(int(lo), int(hi)).map(float)
    if domain == "interval":
        pad = 0.01 * (hi - lo)   # as derive's sampler: stay off the closed ends
        lo, hi = lo + pad, hi - pad
    floats = st.floats(lo, hi, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    if domain == "nonzero":
        floats = st.tuples(st.booleans(), floats).map(lambda t: -t[1] if t[0] else t[1])
    if away_from_kinks > 0 and domain in ("real", "interval", "nonnegative", "nonzero"):
        margin = away_from_kinks
        floats = floats.map(lambda v: math.copysign(abs(v) + margin, v) if abs(v) < margin
                            else v)
    return floats


def tensors(shape: Sequence[int] | st.SearchStrategy, domain: str = "real", *,
            device: str | torch.device | None = "cpu", dtype: torch.dtype = torch.float64,
            bounds: tuple[float, float] | None = None,
            away_from_kinks: float = 0.0) -> st.SearchStrategy[torch.Tensor]:
    """Tensors of ``shape`` whose entries lie in ``domain``.

    Entries are drawn by Hypothesis one by one (so a failure shrinks entry by entry,
    towards small, simple values). ``domain`` is one of :data:`DOMAIN_BOUNDS`'s keys;
    ``bounds`` overrides its range (the bounds of ``interval`` and ``integer``).
    ``unit`` normalises each column to norm 1. The structured domains are built from
    the drawn entries, never filtered: ``simplex`` (a vector: positive entries summing
    to 1), ``symmetric``, ``spd`` (``G G^T / n + I/2``), ``invertible`` (singular values
    clamped to [1/2, 2]) for square matrices, and ``orthogonal`` (QR; orthonormal
    columns, or rows when wide). ``away_from_kinks=eps`` keeps every entry at least
    ``eps`` from 0, where ``|x|``, ``relu`` and ``sign`` have kinks. ``shape`` may be a
    strategy of shapes.
    """
    if dtype not in (torch.float64, torch.float32):
        raise InvalidArgument(f"dtype {dtype!r}: derive compares in float64 (or float32)")
    if away_from_kinks < 0:
        raise InvalidArgument(f"away_from_kinks={away_from_kinks!r} must be >= 0")
    dev = resolve_device(device)
    if isinstance(shape, st.SearchStrategy):
        return shape.flatmap(lambda s: tensors(s, domain, device=device, dtype=dtype,
                                               bounds=bounds, away_from_kinks=away_from_kinks))
    shape = tuple(int(s) for s in shape)
    if any(s < 0 for s in shape):
        raise InvalidArgument(f"shape {shape!r} has a negative size")
    construct = None
    if domain in STRUCTURED:
        base, construct, ranks = STRUCTURED[domain]
        if len(shape) not in ranks or (domain in _SQUARE and shape[0] != shape[1]):
            what = "a vector" if ranks == (1,) else (
                "a square matrix" if domain in _SQUARE else "a matrix")
            raise InvalidArgument(f"domain {domain!r} is for {what}, not shape {shape!r}")
        elements = _elements(base, None, 0.0)
    else:
        elements = _elements(domain, bounds, away_from_kinks)

    def to_tensor(entries: tuple[float, ...]) -> torch.Tensor:
        t = torch.tensor(entries, dtype=torch.float64).reshape(shape)
        if domain == "unit":
            t = _normalise(t)
        elif construct is not None:
            t = construct(t)
        return t.to(device=dev, dtype=dtype)
    # one Hypothesis choice per entry (a tuple is cheaper to draw and shrink than a
    # numpy array strategy)
    return st.tuples(*[elements] * math.prod(shape)).map(to_tensor)


def _normalise(t: torch.Tensor) -> torch.Tensor:
    if t.dim() == 0:
        return torch.ones_like(t) if float(t) >= 0 else -torch.ones_like(t)
    norm = t.norm(dim=0, keepdim=True)
    e1 = torch.zeros_like(t)
    e1[0] = 1.0
    # a column drawn (nearly) zero becomes e1: no filtering, so shrinking stays cheap
    return torch.where(norm > 1e-6, t / norm.clamp_min(1e-6), e1)


def points(symbols: Any = None, *, device: str | torch.device | None = "cpu",
           away_from_kinks: float = 0.0, **shorthand: Any) -> st.SearchStrategy[dict]:
    """A dict of values for every declared symbol: dims (``int``) first, then scalars
    (0-d tensors), vectors ``(n,)`` and matrices ``(r, c)`` inside their domains,
    indices (``int``), constants (``float``), and derived symbols computed from the rest.
    """
    ctx = declare(symbols, **shorthand)
    dev = resolve_device(device)
    return _points(ctx, dev, away_from_kinks).map(lambda case: case.values)


def _points(ctx: Context, dev: torch.device, away: float = 0.0):
    """Strategy of :class:`_Case`: natural-layout values and derive's evaluation env."""
    @st.composite
    def draw_point(draw):
        values: dict[str, Any] = {}
        for s in ctx.dims:
            lo, hi = s.bounds or DEFAULT_DIM_RANGE
            values[s.name] = draw(st.integers(int(lo), int(hi)))
        for s in ctx.specs:
            if s.kind in ("dim", "identity", "ones", "function") or s.define:
                continue
            if s.kind == "constant":
                values[s.name] = float(ctx.objects[s.name])
            elif s.kind == "index":
                if not s.of:
                    raise InvalidArgument(f"index {s.name!r} needs 'range' naming its dim")
                values[s.name] = draw(st.integers(1, values[s.of]))
            else:
                shape = tuple(values[d] if isinstance(d, str) else int(d) for d in s.shape)
                values[s.name] = draw(tensors(shape, s.domain, device=dev,
                                              bounds=s.bounds, away_from_kinks=away))
        return _Case(ctx, values, point_env(ctx, values, dev))
    return draw_point()


class _Case:
    """One drawn example; its repr is what Hypothesis prints as the falsifying example."""

    __slots__ = ("ctx", "values", "env")

    def __init__(self, ctx: Context, values: dict[str, Any], env: Any):
        self.ctx, self.values, self.env = ctx, values, env

    def __iter__(self):
        return iter((self.values, self.env))

    def __repr__(self) -> str:
        from .core import point_text
        dims_txt, point_txt = point_text(self.values, self.ctx)
        return f"<dims: {dims_txt}; point: {point_txt}>"


def bank_definition(question: Question) -> Callable[..., torch.Tensor]:
    """The bank question's definition (from its exam's ``.py``) as a function
    of natural-layout values, for ``assert_matches_autograd(..., kind="value")``.

    It returns the definition's value in derive's layout (``(r, c)``; a scalar or a
    vector as ``(1, 1)`` or ``(n, 1)``).
    """
    from ..judge.numeric import as_batch
    if not isinstance(question, Question) or not question.definition:
        raise InvalidArgument(f"{getattr(question, 'id', question)!r} is not a bank question "
                              f"with a definition")
    d = question.ground_truth()
    ctx = question.context

    def definition(**values: Any) -> torch.Tensor:
        v: dict[str, Any] = {}
        dev = next((x.device for x in values.values() if isinstance(x, torch.Tensor)),
                   torch.device("cpu"))
        for name, val in values.items():
            spec = ctx.spec_of(name)
            if spec is None:
                continue
            if spec.kind == "dim":
                v[name] = int(val)
            elif spec.kind == "constant":
                v[name] = float(val)
            else:
                v[name] = to_derive(val, dev)
        out = d.torch(v)
        if isinstance(out, dict):
            raise InvalidArgument(f"{question.id}: a tuple question's definition returns "
                                  f"parts {sorted(out)}; compare each part on its own")
        return as_batch(out, 1).to(dev)[0]
    definition.__name__ = f"bank definition {question.definition}"
    return definition


# --- Hypothesis ---------------------------------------------------------------------------

def _run(prop: Callable, case: st.SearchStrategy, *, max_examples: int,
         seed: int | None) -> None:
    __tracebackhide__ = True  # pytest shows the caller's line, not ours
    settings = hypothesis.settings(
        max_examples=max_examples, deadline=None, database=None,
        derandomize=seed is None, report_multiple_bugs=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                               HealthCheck.data_too_large],
        print_blob=False,
        # no "explain" phase: it reruns the failing case many times to annotate it,
        # which costs seconds and adds nothing to the report below
        phases=[hypothesis.Phase.explicit, hypothesis.Phase.reuse, hypothesis.Phase.generate,
                hypothesis.Phase.target, hypothesis.Phase.shrink])
    test = settings(given(case)(prop))
    if seed is not None:
        test = hypothesis.seed(seed)(test)
    try:
        test()
    except Mismatch as exc:
        # raised afresh: the message already names the case, so the traceback need not
        # go through Hypothesis's frames, nor repeat the case in its "Falsifying example"
        raise Mismatch(str(exc)) from None
    except hypothesis.errors.Unsatisfiable as exc:
        raise Undecided(
            f"no drawn example could be compared: every point was within kink_eps of a "
            f"kink of a form, near a zero of an avoid_zero quantity, or outside the "
            f"domain ({exc})") from None


FOUND_BY_HYPOTHESIS = "smallest failing case Hypothesis found"


def _hypothesis_search(*, ctx: Context, wrt: str, kind: str, definition: Callable,
                       form: Form, defn: Form, avoid: Sequence[Form], dev: torch.device,
                       rtol: float, atol: float, kink_eps: float, against: str,
                       max_examples: int, seed: int | None) -> Tally:
    """Every example drawn, screened and compared by Hypothesis, one at a time; a
    disagreement is shrunk and raised as :class:`Mismatch`."""
    tally = Tally()

    def outside(reason: str) -> None:
        tally.outside[reason] += 1
        assume(False)

    def closed_form_matches_autograd(case):
        __tracebackhide__ = True  # pytest shows the caller's line, not ours
        values, env = case
        tally.drawn += 1
        x = values[wrt]
        others = {k: v for k, v in values.items() if k != wrt}

        def f(t):
            out = definition(**callable_args(definition, {**others, wrt: t}, "definition"))
            out = torch.as_tensor(out, dtype=torch.float64, device=dev)
            if kind in ("gradient", "hessian") and out.numel() == 1:
                out = out.reshape(())
            return out
        # the point is screened before the closed form is evaluated there
        try:
            out = f(x)
        except Exception as exc:
            if not is_domain_error(exc):
                raise
            outside("the definition cannot be computed (singular matrix)")
        if kind in ("gradient", "hessian") and out.dim() != 0:
            raise InvalidArgument(f"kind={kind!r} needs a scalar definition; it returned "
                                  f"shape {tuple(out.shape)} (use kind='jacobian', or leave "
                                  f"kind out: it is read off the definition's output)")
        if not bool(torch.isfinite(out).all()):
            outside("the definition is not finite")
        for a in avoid:
            v = a.matrix(env) if a.is_expr else torch.as_tensor(
                a.fn(**callable_args(a.fn, dict(values), "avoid_zero")), dtype=torch.float64)
            if not bool((v.abs() > AVOID_EPS).all()):
                tally.rejected += 1
                assume(False)
        try:
            expected = autograd(f, x, kind).detach()
        except Exception as exc:
            if not is_domain_error(exc):
                raise
            outside("the definition cannot be differentiated (singular matrix)")
        if not bool(torch.isfinite(expected).all()):
            outside("autograd's derivative is not finite")
        try:
            if form.is_expr:
                got = form.matrix(env)       # records the distance to its kinks
            else:
                got = torch.as_tensor(form.fn(**callable_args(form.fn, dict(values),
                                                              "closed form")),
                                      dtype=torch.float64, device=dev)
        except Exception as exc:
            if not is_domain_error(exc):
                if form.is_expr:
                    raise InvalidArgument(f"the closed form {form.text} cannot be evaluated "
                                          f"numerically: {type(exc).__name__}: {exc}") from None
                raise
            outside("the closed form cannot be evaluated (singular matrix)")
        if defn.is_expr:
            try:
                defn.matrix(env)
            except Exception:     # noqa: BLE001 - evaluated for its kinks only
                pass
        if float(env.kink.min()) <= kink_eps:
            tally.rejected += 1
            assume(False)
        if not bool(torch.isfinite(got).all()):
            outside("the closed form is not finite")
        if form.is_expr:
            expected = to_matrix(expected[None], kind, tuple(out.shape), tuple(x.shape))[0]
        msg = mismatch_message(expected, got, values, ctx, subject="the closed form",
                               against=against, head=f"closed form {form.text}",
                               found_by=FOUND_BY_HYPOTHESIS, rtol=rtol, atol=atol, dev=dev)
        if msg is not None:
            raise Mismatch(msg)
        tally.compared += 1
        err = (got - expected).abs()
        tally.max_err = max(tally.max_err, float(err.max()) if err.numel() else 0.0)

    try:
        _run(closed_form_matches_autograd, _points(ctx, dev), max_examples=max_examples,
             seed=seed)
    except Undecided:
        if tally.outside_total * 2 <= tally.drawn:
            raise
    return tally


# --- the assertions ----------------------------------------------------------------------

def _wrt_spec(ctx: Context, wrt: str) -> SymbolSpec:
    spec = ctx.spec_of(wrt)
    if spec is None and not ctx.specs:
        raise InvalidArgument(
            f"wrt={wrt!r} is not declared, and no symbol is: pass shapes= with the shape of "
            f"every symbol the closed form and the definition use, e.g. "
            f"shapes={{{wrt!r}: 'n'}} for a vector of length n ('m n' a matrix, () a scalar)")
    if spec is None:
        raise InvalidArgument(
            f"wrt={wrt!r} is not declared: add it to shapes=, e.g. {wrt!r}: 'n' for a vector "
            f"('m n' a matrix, () a scalar); declared: {', '.join(s.name for s in ctx.specs)}")
    if spec.kind not in ("scalar", "vector", "matrix", "family") or spec.define:
        raise InvalidArgument(f"wrt={wrt!r} must name a declared scalar, vector or matrix "
                              f"(not a {spec.kind}{', derived' if spec.define else ''}); "
                              f"declared: {', '.join(s.name for s in ctx.specs)}")
    return spec


def _smallest_dims(ctx: Context) -> dict[str, int]:
    return {s.name: int((s.bounds or DEFAULT_DIM_RANGE)[0]) for s in ctx.dims}


def _natural_shape(s: SymbolSpec, dims_: dict[str, int]) -> tuple[int, ...]:
    if s.kind in ("scalar", "constant", "index"):
        return ()
    shape = tuple(dims_[d] if isinstance(d, str) else int(d) for d in s.shape)
    return shape[:1] if s.kind in ("vector", "family") else shape


def _output_shape(search: Search, ctx: Context, defn: Form, seed: int) -> tuple[int, ...]:
    """The definition's output shape at the smallest dims, read before any example is
    drawn: from a LaTeX definition's shape; else by calling the definition on tensors
    of the "meta" device (shapes, no values); else, when it needs values (Python
    control flow, tensors made on another device), at one fixed point."""
    small = _smallest_dims(ctx)
    if defn.is_expr:
        e = defn.expr
        if not isinstance(e, (sp.MatrixExpr, sp.MatrixBase)):
            return ()
        subs = {ctx.objects[n]: sp.Integer(v) for n, v in small.items()}
        r, c = (int(sp.sympify(x).xreplace(subs)) for x in e.shape)
        return (r,) if c == 1 else (r, c)
    if not any(s.define for s in ctx.specs):
        values: dict[str, Any] = dict(small)
        for s in ctx.specs:
            if s.kind in ("scalar", "vector", "matrix", "family"):
                values[s.name] = torch.empty(_natural_shape(s, small), dtype=torch.float64,
                                             device="meta")
            elif s.kind == "constant":
                values[s.name] = float(ctx.objects[s.name])
            elif s.kind == "index":
                values[s.name] = 1
        try:
            fn = search.definition
            out = fn(**callable_args(fn, values, "definition"))
            return tuple(out.shape) if isinstance(out, torch.Tensor) else ()
        except InvalidArgument:
            raise
        except Exception:      # noqa: BLE001 - it needs values: one fixed point below
            pass
    gen = torch.Generator(device="cpu")
    gen.manual_seed(seed)
    for _ in range(5):
        _, batched, fixed = search._draw(small, 1, gen, {})
        try:
            return tuple(search.value({**fixed, **{n: v[0] for n, v in batched.items()}}).shape)
        except Exception as exc:
            if not is_domain_error(exc):
                raise
    raise InvalidArgument("the definition could not be computed at 5 points drawn at the "
                          "smallest dims (a singular matrix each time): declare the domain, "
                          "e.g. domains={'A': 'invertible'}")


def _static_shape_check(form: Form, ctx: Context, wrt: str, kind: str, against: str) -> None:
    """A gradient has its variable's shape and a Hessian is n x n: check the closed
    form's shape before drawing any point, and name the smallest dims where it differs."""
    __tracebackhide__ = True
    obj = ctx.objects[wrt]
    want = tuple(obj.shape) if isinstance(obj, sp.MatrixSymbol) else (sp.S.One, sp.S.One)
    if kind == "hessian":
        want = (want[0], want[0])
    e = form.expr
    have = tuple(e.shape) if isinstance(e, (sp.MatrixExpr, sp.MatrixBase)) else \
        (sp.S.One, sp.S.One)
    if have == want:
        return
    names = [s.name for s in ctx.dims]
    ranges = [range(int((s.bounds or DEFAULT_DIM_RANGE)[0]),
                    int((s.bounds or DEFAULT_DIM_RANGE)[1]) + 1) for s in ctx.dims]
    if math.prod(len(r) for r in ranges) > 4096:
        return   # too many dim combinations to list: the numeric check will see the shape
    combos = sorted(itertools.product(*ranges), key=lambda c: (sum(c), c))
    for combo in combos:
        subs = {ctx.objects[n]: sp.Integer(v) for n, v in zip(names, combo)}
        h = tuple(sp.sympify(x).xreplace(subs) for x in have)
        w = tuple(sp.sympify(x).xreplace(subs) for x in want)
        if all(x.is_number for x in h + w) and h != w:
            dims_txt = ", ".join(f"{n} = {v}" for n, v in zip(names, combo)) or "(none)"
            raise Mismatch(
                f"wrong shape: the closed form is {_shape_words(have)}, {against} is "
                f"{_shape_words(want)}\n  closed form {form.text}\n"
                f"  smallest failing case: dims {dims_txt}: shape {tuple(int(x) for x in h)} "
                f"where {tuple(int(x) for x in w)} is expected")


def _shape_words(shape: tuple) -> str:
    r, c = shape
    return f"{sp.sstr(r)} x {sp.sstr(c)}"


#: what to try, per kind of symbol, when most points are outside the domain
_CANDIDATES = {"scalar": ("positive",), "vector": ("positive",),
               "square": ("spd", "invertible")}


def _outside_domain_error(search: Search, ctx: Context, tally: Tally, seed: int
                          ) -> InvalidArgument:
    """Too many points outside the domain: say why, and which domain to declare (each
    candidate is tried on a few points, so the advice is one that works)."""
    reasons = "; ".join(f"{reason}: {n}" for reason, n in tally.outside.most_common() if n)
    head = (f"{tally.outside_total} of {tally.drawn} drawn points are outside the domain where "
            f"the derivation can be checked ({reasons}).")
    options: list[dict[str, str]] = []
    for s in ctx.specs:
        if s.define or s.domain != "real" or s.kind not in ("scalar", "vector", "matrix"):
            continue
        key = s.kind if s.kind != "matrix" else (
            "square" if len(s.shape) == 2 and s.shape[0] == s.shape[1] else "")
        options += [{s.name: d} for d in _CANDIDATES.get(key, ())]
    if len(options) > 1:
        together: dict[str, str] = {}
        for o in options:
            for k, v in o.items():
                together.setdefault(k, v)
        if len(together) > 1:
            options.append(together)
    best: tuple[float, dict[str, str], Tally] | None = None
    for o in options[:12]:
        t = search.run(16, seed=seed, overrides=o, stop_at_failure=False)
        rate = t.outside_total / max(t.drawn, 1)
        if best is None or rate < best[0]:
            best = (rate, o, t)
    if best is not None and best[0] <= 0.1:
        rate, o, t = best
        return InvalidArgument(f"{head} Declare the domain: domains={o!r} (with it, "
                               f"{t.outside_total} of {t.drawn} points drawn are outside).")
    return InvalidArgument(
        f"{head} Declare where the derivation holds with domains= (scalars and vectors: "
        f"'positive', 'nonzero', 'interval' with a 'range' in symbols=; vectors: 'unit', "
        f"'simplex'; square matrices: 'symmetric', 'spd', 'invertible'; 'orthogonal'), or "
        f"avoid_zero= for a quantity that must not vanish.")


def assert_matches_autograd(closed_form: Any, definition: Any, *, wrt: str,
                            shapes: Mapping[str, Any] | None = None,
                            symbols: Any = None,
                            domains: Mapping[str, str] | None = None,
                            dims: Mapping[str, tuple[int, int]] | None = None,
                            kind: str | None = None, avoid_zero: Iterable[Any] = (),
                            device: str | torch.device | None = None,
                            max_examples: int = 50, rtol: float = 1e-7, atol: float = 1e-9,
                            kink_eps: float = KINK_EPS, seed: int | None = None,
                            search: str = "batched") -> Agreement:
    """Assert that ``closed_form`` equals torch autograd of ``definition`` in ``wrt``.

    The common case is one call::

        assert_matches_autograd(r"(A + A^T) x", lambda A, x: x @ A @ x,
                                wrt="x", shapes={"A": "n n", "x": "n"})

    ``shapes`` declares every symbol by its shape (einops style ``"m n"`` or a tuple;
    dims are free names, drawn in 2..5 unless ``dims={"n": (lo, hi)}``); ``symbols``
    (the bank's declarations, or a bank :class:`~derive.Question`) and ``domains`` add
    domains and LaTeX spellings. ``definition`` is a torch function whose parameters are
    named after symbols (``lambda_`` or ``lam`` for ``lambda``), or LaTeX/SymPy.

    ``kind`` is read off the definition's output: a scalar gives a ``"gradient"``
    (``torch.func.grad``, the shape of ``wrt``), a vector or matrix a ``"jacobian"``
    (``torch.func.jacrev``; ``(df/dx)_{ij} = df_i/dx_j``). Pass ``"hessian"`` or
    ``"value"`` (no differentiation) explicitly. ``closed_form`` is LaTeX, SymPy (derive's
    layout) or a callable (torch.func's layout). A derivative with more than two axes
    is refused before any example is drawn, unless the closed form is a callable.

    Examples are drawn inside each symbol's domain (float64; deterministic unless
    ``seed`` is given). Each point is screened before the closed form is evaluated
    there: where the definition or its derivative is not finite, or a matrix is
    singular, it is outside the domain (counted in ``Agreement.outside_domain``; when
    more than half are, :class:`InvalidArgument` says which domain to declare); within
    ``kink_eps`` of a kink of a LaTeX form, or where an ``avoid_zero`` quantity is
    within 0.05 of 0, it is not compared. On disagreement raises :class:`Mismatch` (an
    ``AssertionError``) naming the smallest failing dims and point, expected and got.

    ``search="batched"`` (the default) evaluates all examples at one choice of dims at
    once (``torch.func.vmap``) and hands a failure to Hypothesis to shrink;
    ``search="hypothesis"`` draws and checks every example through Hypothesis (its
    edge-seeking values; slower).

    Call it from a plain test, not from inside a ``@given`` test (Hypothesis refuses
    nested ``@given``); to write your own properties, use :func:`points` there.
    """
    __tracebackhide__ = True
    if kind is not None and kind not in KINDS:
        raise InvalidArgument(f"kind={kind!r}; choose one of {', '.join(KINDS)}, or leave it "
                              f"out to read it off the definition's output")
    if search not in SEARCHES:
        raise InvalidArgument(f"search={search!r}; choose one of {', '.join(SEARCHES)}")
    if isinstance(symbols, Question) and not avoid_zero:
        avoid_zero = symbols.avoid_zero
    ctx = declare(symbols, shapes=shapes, domains=domains, dims=dims)
    wrt_spec = _wrt_spec(ctx, wrt)
    if max_examples < 1:
        raise InvalidArgument(f"max_examples={max_examples!r} must be >= 1")
    dev = resolve_device(device)
    form = Form(closed_form, ctx, "closed form")
    defn = Form(definition, ctx, "definition")
    def_fn = defn.fn if defn.fn is not None else latex_definition(defn, ctx, dev)
    avoid = [Form(a, ctx, "avoid_zero") for a in avoid_zero]
    seed_ = 0 if seed is None else seed

    def make(kind_: str) -> Search:
        return Search(ctx=ctx, wrt=wrt, kind=kind_, definition=def_fn, form=form, defn=defn,
                      avoid=avoid, dev=dev, rtol=rtol, atol=atol, kink_eps=kink_eps,
                      against=_against(kind_, wrt), head=f"closed form {form.text}")
    # the kind and the layout, before any example is drawn (the output's shape is read
    # only where they depend on it: a given gradient, Hessian or value does not)
    out_shape: tuple[int, ...] = ()
    if kind in (None, "jacobian"):
        out_shape = _output_shape(make(kind or "value"), ctx, defn, seed_)
    if kind is None:
        kind = "gradient" if all(s == 1 for s in out_shape) else "jacobian"
    if form.is_expr:
        why = layout_error(kind, out_shape, _natural_shape(wrt_spec, _smallest_dims(ctx)))
        if why:
            raise InvalidArgument(why)
        if kind in ("gradient", "hessian"):
            _static_shape_check(form, ctx, wrt, kind, _against(kind, wrt))
    runner = make(kind)
    hyp = dict(ctx=ctx, wrt=wrt, kind=kind, definition=def_fn, form=form, defn=defn,
               avoid=avoid, dev=dev, rtol=rtol, atol=atol, kink_eps=kink_eps,
               against=_against(kind, wrt), seed=seed)
    if search == "hypothesis":
        tally = _hypothesis_search(max_examples=max_examples, **hyp)
    else:
        tally = runner.run(max_examples, seed=seed_)
        if tally.failure is not None:
            raise Mismatch(tally.failure)
        if tally.failing is not None:
            raise Mismatch(shrink(runner, *tally.failing))
    if tally.outside_total * 2 > tally.drawn:
        raise _outside_domain_error(runner, ctx, tally, seed_)
    if tally.compared == 0:
        raise Undecided(f"no drawn example could be compared: of {tally.drawn} points, "
                        f"{tally.rejected} were within kink_eps of a kink of a form or near "
                        f"a zero of an avoid_zero quantity, {tally.outside_total} outside the "
                        f"domain")
    return Agreement("numeric", tally.compared, tally.rejected, tally.max_err, str(dev),
                     tally.outside_total)


def _against(kind: str, wrt: str) -> str:
    return "the definition" if kind == "value" else f"torch autograd ({kind} in {wrt})"


def assert_equivalent(a: Any, b: Any, *, symbols: Any = None,
                      shapes: Mapping[str, Any] | None = None,
                      domains: Mapping[str, str] | None = None,
                      dims: Mapping[str, tuple[int, int]] | None = None,
                      avoid_zero: Iterable[Any] = (), symbolic: bool = True,
                      device: str | torch.device | None = None, max_examples: int = 50,
                      rtol: float = 1e-7, atol: float = 1e-9, kink_eps: float = KINK_EPS,
                      seed: int | None = None) -> Agreement:
    """Assert that two LaTeX or SymPy expressions are equal.

    First a symbolic proof (derive's: ``simplify``, entrywise at small dims for
    matrices); if that proves them equal the assertion passes, if it proves them
    different it fails. Otherwise Hypothesis compares them numerically at drawn points;
    a disagreement raises ``AssertionError`` with the smallest counterexample. A proof
    of a difference is not trusted when a symbol has a structured domain (symmetric,
    spd, orthogonal, ...): the prover knows its entries, not its structure.

    The proof runs ``simplify`` in this process: use it for your own expressions, not
    for untrusted text (derive.check runs students' answers in a sandboxed worker).
    """
    __tracebackhide__ = True
    if isinstance(symbols, Question) and not avoid_zero:
        avoid_zero = symbols.avoid_zero
    ctx = declare(symbols, shapes=shapes, domains=domains, dims=dims)
    fa, fb = Form(a, ctx, "a"), Form(b, ctx, "b")
    if not (fa.is_expr and fb.is_expr):
        raise InvalidArgument("assert_equivalent compares LaTeX or SymPy expressions; for a "
                              "callable use assert_matches_autograd(kind='value')")
    dev = resolve_device(device)
    proof_note = ""
    if symbolic:
        from ..judge.symbolic import prove_equal
        proof = prove_equal(fa.expr, fb.expr, ctx)
        if proof.result is True:
            return Agreement(f"symbolic: {proof.method}", device=str(dev))
        structured = any(s.domain in STRUCTURED for s in ctx.specs)
        if proof.result is False and not structured:
            proof_note = f"symbolically: {proof.method}"
    avoid = [Form(x, ctx, "avoid_zero") for x in avoid_zero]
    stats = {"compared": 0, "rejected": 0, "max_err": 0.0}

    def a_equals_b(case):
        __tracebackhide__ = True  # pytest shows the caller's line, not ours
        values, env = case
        for fm in (fa, fb):   # evaluating records the distance to the form's kinks
            env.cache[id(fm)] = fm.matrix(env)
        near = float(env.kink.min()) <= kink_eps
        for x in avoid:
            v = x.matrix(env) if x.is_expr else torch.as_tensor(
                x.fn(**callable_args(x.fn, dict(values), "avoid_zero")), dtype=torch.float64)
            near = near or not bool((v.abs() > AVOID_EPS).all())
        if near:
            stats["rejected"] += 1
            assume(False)
        msg = mismatch_message(fb.matrix(env), fa.matrix(env), values, ctx, subject="a",
                               against="b", head=f"a = {fa.text}\n  b = {fb.text}",
                               found_by=FOUND_BY_HYPOTHESIS, rtol=rtol, atol=atol, dev=dev)
        if msg is not None:
            raise Mismatch(msg)
        stats["compared"] += 1
        stats["max_err"] = max(stats["max_err"],
                               float((fa.matrix(env) - fb.matrix(env)).abs().max()))

    try:
        _run(a_equals_b, _points(ctx, dev), max_examples=max_examples, seed=seed)
    except Mismatch as exc:
        if proof_note:
            raise Mismatch(f"{exc}\n  and {proof_note}") from None
        raise
    if proof_note:
        raise Mismatch(f"{fa.text} and {fb.text} differ {proof_note} (no numeric "
                       f"counterexample in {stats['compared']} examples)")
    return Agreement("numeric", stats["compared"], stats["rejected"], stats["max_err"],
                     str(dev))
