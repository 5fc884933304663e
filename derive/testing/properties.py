"""The implementation of :mod:`derive.testing` (see its docstring).

Importing this module imports torch and Hypothesis; ``import derive`` does neither.
"""
from __future__ import annotations

import inspect
import math
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping, Sequence

import hypothesis
import numpy as np
import sympy as sp
import torch
from hypothesis import HealthCheck, assume, given
from hypothesis import strategies as st

from ..bank.loader import Question
from ..errors import AnswerError, DeriveError
from ..judge.numeric import bind, derivation_order, derive_value, resolve_device
from ..judge.torch_eval import FUNCTIONS, Env, compile_expr, evaluate
from ..notation.answer import single_value
from ..notation.declare import DeclarationError, make_context
from ..notation.declare import spec as declaration
from ..notation.parser import parse_answer
from ..notation.symbols import Context, SymbolSpec

__all__ = [
    "dims", "tensors", "points", "declare", "sympy_symbols", "bank_definition",
    "assert_matches_autograd", "assert_equivalent",
    "Agreement", "Mismatch", "InvalidArgument", "Undecided",
]

KINDS = ("gradient", "jacobian", "hessian", "value")
DEFAULT_DIM_RANGE = (2, 5)       # the bank's default for a dim without ``range``
AVOID_EPS = 0.05                 # |avoid_zero quantity| must exceed this
KINK_EPS = 1e-3                  # points this close to a kink are not compared

#: domain -> (lo, hi) of the magnitudes Hypothesis draws (``unit`` is normalised)
DOMAIN_BOUNDS: dict[str, tuple[float, float]] = {
    "real": (-4.0, 4.0), "positive": (0.1, 4.0), "nonnegative": (0.0, 4.0),
    "negative": (-4.0, -0.1), "nonzero": (0.1, 4.0), "probability": (0.05, 0.95),
    "unit": (-1.0, 1.0), "interval": (-1.0, 1.0), "integer": (-5, 5),
}


class InvalidArgument(DeriveError, ValueError):
    """A wrong argument to a derive.testing function (the test author's error)."""


class Mismatch(AssertionError):
    """A closed form disagrees with its definition (or ``a`` with ``b``); the message
    names the smallest failing case."""


class Undecided(DeriveError):
    """No drawn example could be compared (all were near a kink or an avoid_zero zero)."""


@dataclass(frozen=True)
class Agreement:
    """What a passing assertion checked. It is evidence, not a proof, unless ``method``
    says ``symbolic``."""

    method: str              # "symbolic: ...", or "numeric"
    examples: int = 0        # examples compared (drawn points that were not rejected)
    rejected: int = 0        # examples dropped near a kink or an avoid_zero zero
    max_abs_error: float = 0.0
    device: str = "cpu"


# --- declarations ----------------------------------------------------------------------

def declare(symbols: Any = None, *, shapes: Mapping[str, Sequence[str | int]] | None = None,
            domains: Mapping[str, str] | None = None,
            dims: Mapping[str, tuple[int, int]] | None = None) -> Context:
    """A :class:`Context` from bank-style declarations and/or the shorthand.

    ``symbols`` is a dict in the bank's format, a :class:`Context`, a bank
    :class:`~derive.Question`, or ``None``. ``shapes`` maps a name to its shape: ``()``
    a scalar, ``("n",)`` a vector, ``("m", "n")`` a matrix; each dim named there that
    is not declared becomes a ``dim`` with range ``dims[name]`` (default 2..5).
    ``domains`` sets a symbol's domain (``"positive"``, ``"unit"``, ...).
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
        shape = tuple(shape)
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
            raise InvalidArgument(f"domains names {name!r}, which is not declared "
                                  f"(declared: {', '.join(decl) or 'nothing'})")
        decl[name]["domain"] = domain
    specs = [_spec(name, d) for name, d in decl.items()]
    try:
        return make_context(specs)
    except DeclarationError as exc:
        raise InvalidArgument(exc.message) from None


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
        raise InvalidArgument(f"unknown domain {domain!r} (known: {', '.join(DOMAIN_BOUNDS)})")
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
    ``unit`` normalises each column to norm 1. ``away_from_kinks=eps`` keeps every
    entry at least ``eps`` from 0, where ``|x|``, ``relu`` and ``sign`` have kinks.
    ``shape`` may be a strategy of shapes.
    """
    if dtype not in (torch.float64, torch.float32):
        raise InvalidArgument(f"dtype {dtype!r}: derive compares in float64 (or float32)")
    if away_from_kinks < 0:
        raise InvalidArgument(f"away_from_kinks={away_from_kinks!r} must be >= 0")
    dev = resolve_device(device)
    elements = _elements(domain, bounds, away_from_kinks)
    if isinstance(shape, st.SearchStrategy):
        return shape.flatmap(lambda s: tensors(s, domain, device=device, dtype=dtype,
                                               bounds=bounds, away_from_kinks=away_from_kinks))
    shape = tuple(int(s) for s in shape)
    if any(s < 0 for s in shape):
        raise InvalidArgument(f"shape {shape!r} has a negative size")

    def to_tensor(entries: tuple[float, ...]) -> torch.Tensor:
        t = torch.tensor(entries, dtype=torch.float64).reshape(shape)
        if domain == "unit":
            t = _normalise(t)
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
        return _Case(ctx, values, _env(ctx, values, dev))
    return draw_point()


class _Case:
    """One drawn example; its repr is what Hypothesis prints as the falsifying example."""

    __slots__ = ("ctx", "values", "env")

    def __init__(self, ctx: Context, values: dict[str, Any], env: Env):
        self.ctx, self.values, self.env = ctx, values, env

    def __iter__(self):
        return iter((self.values, self.env))

    def __repr__(self) -> str:
        dims_txt, point_txt = _point_text(self.values, self.ctx)
        return f"<dims: {dims_txt}; point: {point_txt}>"


def _to_derive(v: Any, dev: torch.device) -> Any:
    """Natural layout -> derive's batched layout (batch 1)."""
    if isinstance(v, (int, float)):
        return torch.full((1, 1, 1), float(v), dtype=torch.float64, device=dev)
    v = v.to(device=dev, dtype=torch.float64)
    if v.dim() == 0:
        return v.reshape(1, 1, 1)
    if v.dim() == 1:
        return v.reshape(1, -1, 1)
    return v.unsqueeze(0)


def _from_derive(v: torch.Tensor, s: SymbolSpec) -> torch.Tensor:
    if s.kind in ("scalar", "constant", "index"):
        return v.reshape(())
    if s.kind in ("vector", "family"):
        return v.reshape(-1)
    return v[0]


def _env(ctx: Context, values: dict[str, Any], dev: torch.device) -> Env:
    """derive's evaluation environment for one point; adds derived symbols to ``values``."""
    env = Env({}, batch=1, device=dev,
              functions={s.name: FUNCTIONS[s.torch] for s in ctx.specs
                         if s.kind == "function" and s.torch in FUNCTIONS})
    dim_values = {s.name: values[s.name] for s in ctx.dims}
    for name, v in dim_values.items():
        env[ctx.objects[name]] = float(v)
    derived = []
    for s in ctx.specs:
        if s.kind in ("dim", "identity", "ones", "function"):
            continue
        if s.define:
            derived.append(s)
            continue
        bind(env, s, ctx.objects[s.name], _to_derive(values[s.name], dev))
    for s in derivation_order(derived, ctx):
        val = derive_value(s, ctx, env, dim_values)
        bind(env, s, ctx.objects[s.name], val)
        values[s.name] = _from_derive(val, s)
    env.cache = {}   # values of forms at this point, by id(form)
    return env


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
                v[name] = _to_derive(val, dev)
        out = d.torch(v)
        if isinstance(out, dict):
            raise InvalidArgument(f"{question.id}: a tuple question's definition returns "
                                  f"parts {sorted(out)}; compare each part on its own")
        return as_batch(out, 1).to(dev)[0]
    definition.__name__ = f"bank definition {question.definition}"
    return definition


# --- reading closed forms ----------------------------------------------------------------

def _as_expr(x: Any, ctx: Context, what: str) -> Any:
    """LaTeX (through derive's parser) or SymPy -> a SymPy object over ``ctx``'s symbols."""
    if isinstance(x, str):
        try:
            return single_value(parse_answer(x, ctx))
        except AnswerError as exc:
            caret = ("" if exc.position is None
                     else f"\n    {x}\n    {' ' * exc.position}^")
            raise InvalidArgument(f"{what} {x!r} cannot be read ({exc.code}): "
                                  f"{exc.message}{caret}") from None
    if isinstance(x, sp.Basic) or isinstance(x, sp.MatrixBase):
        return _rebind(x, ctx, what)
    raise InvalidArgument(f"{what} must be LaTeX, a SymPy expression or a callable, "
                          f"not {type(x).__name__}")


def _rebind(e: Any, ctx: Context, what: str) -> Any:
    """Replace the user's SymPy symbols by the declared ones with the same name, so
    ``Symbol('n')`` means the dim ``n`` whatever assumptions it was made with."""
    mapping: dict[Any, Any] = {}
    unknown = []
    atoms = set(e.atoms(sp.Symbol)) | set(e.atoms(sp.MatrixSymbol))
    bound = {v for s in e.atoms(sp.Sum) for v in s.variables}
    for a in atoms:
        name = a.name
        if a in bound:
            continue
        if name not in ctx.objects:
            unknown.append(name)
        elif ctx.objects[name] != a:
            mapping[a] = ctx.objects[name]
    if unknown:
        raise InvalidArgument(f"{what} uses undeclared symbols {sorted(unknown)} "
                              f"(declared: {', '.join(s.name for s in ctx.specs)})")
    # matrix symbols first-class: replace inside shapes too
    return e.xreplace(mapping) if mapping else e


def _callable_args(fn: Callable, values: dict[str, Any], what: str) -> dict[str, Any]:
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return dict(values)
    params = sig.parameters.values()
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return dict(values)
    out = {}
    for p in params:
        if p.kind in (p.VAR_POSITIONAL,):
            continue
        if p.name in values:
            out[p.name] = values[p.name]
        elif p.default is p.empty:
            raise InvalidArgument(f"{what} {getattr(fn, '__name__', fn)!r} takes {p.name!r}, "
                                  f"which is not a declared symbol "
                                  f"(declared: {', '.join(values)})")
    return out


class _Form:
    """A closed form or definition, ready to evaluate at a point."""

    def __init__(self, x: Any, ctx: Context, what: str):
        self.what, self.source = what, x
        self.fn: Callable | None = None
        self.compiled = None
        if callable(x) and not isinstance(x, (sp.Basic, sp.MatrixBase)):
            self.fn = x
            self.text = getattr(x, "__name__", repr(x))
        else:
            self.expr = _as_expr(x, ctx, what)
            self.compiled = compile_expr(self.expr)
            self.text = x if isinstance(x, str) else sp.sstr(self.expr)

    @property
    def is_expr(self) -> bool:
        return self.compiled is not None

    def matrix(self, env: Env) -> torch.Tensor:
        """Value in derive's layout ``(r, c)`` (a scalar is ``(1, 1)``)."""
        cache = getattr(env, "cache", None)
        if cache is not None and id(self) in cache:
            return cache[id(self)]
        v = evaluate(self.compiled, env)
        if v.dim() == 3:
            return v[0]
        return v.reshape(1, 1)


# --- comparison and reporting ---------------------------------------------------------------

def _fmt(v: Any) -> str:
    if isinstance(v, torch.Tensor):
        v = v.detach().cpu()
        if v.dim() == 0:
            return repr(float(v))
        return repr(_round(v.tolist()))
    return repr(v)


def _round(x: Any) -> Any:
    if isinstance(x, list):
        return [_round(y) for y in x]
    return float(f"{x:.10g}")


def _point_text(values: dict[str, Any], ctx: Context) -> tuple[str, str]:
    """(dims, point) as text; derived symbols are left out (they follow from the point)."""
    dim_names = {s.name for s in ctx.dims}
    derived = {s.name for s in ctx.specs if s.define}
    dims_txt = ", ".join(f"{k} = {values[k]}" for k in values if k in dim_names) or "(none)"
    pts = [f"{k} = {_fmt(v)}" for k, v in values.items()
           if k not in dim_names and k not in derived]
    return dims_txt, "; ".join(pts) or "(no symbols)"


def _compare(expected: torch.Tensor, got: torch.Tensor, rtol: float, atol: float
             ) -> tuple[bool, float, tuple[int, ...]]:
    """Within ``atol + rtol * (|expected| + max|expected|)``? The max term keeps an
    entry that cancels to ~0 from failing on rounding in a large matrix."""
    diff = (got - expected).abs()
    scale = expected.abs().max() if expected.numel() else expected.new_zeros(())
    tol = atol + rtol * (expected.abs() + scale)
    bad = ~(diff <= tol)                      # NaN counts as bad
    err = diff.nan_to_num(nan=math.inf)
    idx = int(torch.argmax(err)) if err.numel() else 0
    where = tuple(int(i) for i in np.unravel_index(idx, tuple(err.shape))) if err.dim() else ()
    return not bool(bad.any()), float(err.max()) if err.numel() else 0.0, where


def _kink_distance(env: Env) -> float:
    return float(env.kink.min())


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
            f"kink of a form, or near a zero of an avoid_zero quantity ({exc})") from None


# --- the assertions ----------------------------------------------------------------------

def _to_matrix(t: torch.Tensor, kind: str, out_shape: tuple, wrt_shape: tuple) -> torch.Tensor:
    """torch.func's result -> derive's layout, or InvalidArgument if it has none."""
    o, w = len(out_shape), len(wrt_shape)
    if kind == "value" or kind == "gradient":
        shape = out_shape if kind == "value" else wrt_shape
        return t.reshape(_matrix_shape(shape))
    if kind == "hessian":
        if w > 1:
            raise InvalidArgument("a Hessian in a matrix variable has four axes; derive's "
                                  "layout holds matrices: pass a callable closed form")
        n = wrt_shape[0] if w else 1
        return t.reshape(n, n)
    # jacobian: (df/dx)_{ij} = df_i / dx_j
    if o <= 1 and w <= 1:
        return t.reshape(out_shape[0] if o else 1, wrt_shape[0] if w else 1)
    if w == 0 and o == 2:
        return t.reshape(out_shape)
    raise InvalidArgument(f"the Jacobian of an output of shape {out_shape} in a variable of "
                          f"shape {wrt_shape} has {o + w} axes; derive's layout holds "
                          f"matrices: pass a callable closed form"
                          + (" (or use kind='gradient')" if o == 0 else ""))


def _matrix_shape(shape: tuple) -> tuple[int, int]:
    if len(shape) == 0:
        return (1, 1)
    if len(shape) == 1:
        return (shape[0], 1)
    return tuple(shape)


def _autograd(fn: Callable, x: torch.Tensor, kind: str) -> torch.Tensor:
    from torch import func
    if kind == "value":
        return fn(x)
    if kind == "gradient":
        return func.grad(fn)(x)
    if kind == "jacobian":
        return func.jacrev(fn)(x)
    # hessian: jacrev twice (jacfwd would vmap the definition, which breaks Python
    # control flow on tensor values)
    return func.jacrev(func.jacrev(fn))(x)


def _latex_definition(form: _Form, ctx: Context, dev: torch.device) -> Callable:
    """A LaTeX/SymPy definition as a torch function of natural-layout tensors."""
    def fn(**values):
        env = _env(ctx, dict(values), dev)
        v = evaluate(form.compiled, env)
        if v.dim() == 3:
            v = v[0]
            return v[:, 0] if v.shape[1] == 1 and _is_columnish(form.expr) else v
        return v.reshape(())
    return fn


def _is_columnish(e: Any) -> bool:
    return isinstance(e, (sp.MatrixExpr, sp.MatrixBase)) and e.shape[1] == 1


def assert_matches_autograd(closed_form: Any, definition: Any, *, wrt: str,
                            symbols: Any = None,
                            shapes: Mapping[str, Sequence[str | int]] | None = None,
                            domains: Mapping[str, str] | None = None,
                            dims: Mapping[str, tuple[int, int]] | None = None,
                            kind: str = "gradient", avoid_zero: Iterable[Any] = (),
                            device: str | torch.device | None = None,
                            max_examples: int = 50, rtol: float = 1e-7, atol: float = 1e-9,
                            kink_eps: float = KINK_EPS, seed: int | None = None) -> Agreement:
    """Assert that ``closed_form`` equals torch autograd of ``definition`` in ``wrt``.

    ``definition`` is a torch function whose parameters are named after declared
    symbols (it gets those it names, in natural layout), or LaTeX/SymPy. ``kind`` is
    ``"gradient"`` (``torch.func.grad``; scalar output), ``"jacobian"``
    (``torch.func.jacrev``; ``(df/dx)_{ij} = df_i/dx_j``), ``"hessian"``, or ``"value"``
    (no differentiation: the definition already computes the answer).
    ``closed_form`` is LaTeX, SymPy (derive's layout) or a callable (the same layout as
    torch.func's result). Hypothesis draws dims and points (``max_examples``; float64;
    deterministic unless ``seed`` is given); points within ``kink_eps`` of a kink of a
    LaTeX/SymPy form, or where an ``avoid_zero`` quantity (LaTeX, SymPy, or a callable)
    is within 0.05 of 0, are not compared. On disagreement raises :class:`Mismatch` (an
    ``AssertionError``) naming the smallest failing dims and point, expected and got, and
    the largest error.

    Call it from a plain test, not from inside a ``@given`` test (Hypothesis refuses
    nested ``@given``); to write your own properties, use :func:`points` there.
    """
    __tracebackhide__ = True
    if kind not in KINDS:
        raise InvalidArgument(f"kind={kind!r}; choose one of {', '.join(KINDS)}")
    if isinstance(symbols, Question) and not avoid_zero:
        avoid_zero = symbols.avoid_zero
    ctx = declare(symbols, shapes=shapes, domains=domains, dims=dims)
    spec = ctx.spec_of(wrt)
    if spec is None or spec.kind not in ("scalar", "vector", "matrix", "family") or spec.define:
        raise InvalidArgument(f"wrt={wrt!r} must name a declared scalar, vector or matrix "
                              f"(not derived); declared: "
                              f"{', '.join(s.name for s in ctx.specs)}")
    if max_examples < 1:
        raise InvalidArgument(f"max_examples={max_examples!r} must be >= 1")
    dev = resolve_device(device)
    form = _Form(closed_form, ctx, "closed form")
    defn = _Form(definition, ctx, "definition")
    def_fn = defn.fn if defn.fn is not None else _latex_definition(defn, ctx, dev)
    avoid = [_Form(a, ctx, "avoid_zero") for a in avoid_zero]
    stats = {"compared": 0, "rejected": 0, "max_err": 0.0}
    against = "the definition" if kind == "value" else f"torch autograd ({kind} in {wrt})"
    if form.is_expr and kind in ("gradient", "hessian"):
        _static_shape_check(form, ctx, wrt, kind, against)

    def closed_form_matches_autograd(case):
        __tracebackhide__ = True  # pytest shows the caller's line, not ours
        values, env = case
        if _rejected(env, values, (form, defn), avoid, kink_eps):
            stats["rejected"] += 1
            assume(False)
        x = values[wrt]
        others = {k: v for k, v in values.items() if k != wrt}

        def f(t):
            out = def_fn(**_callable_args(def_fn, {**others, wrt: t}, "definition"))
            out = torch.as_tensor(out, dtype=torch.float64, device=dev)
            if kind in ("gradient", "hessian") and out.numel() == 1:
                out = out.reshape(())
            return out
        out = f(x)
        if kind in ("gradient", "hessian") and out.dim() != 0:
            raise InvalidArgument(f"kind={kind!r} needs a scalar definition; it returned "
                                  f"shape {tuple(out.shape)} (use kind='jacobian')")
        expected = _autograd(f, x, kind).detach()
        if form.is_expr:
            expected = _to_matrix(expected, kind, tuple(out.shape), tuple(x.shape))
            got = form.matrix(env)
        else:
            got = torch.as_tensor(form.fn(**_callable_args(form.fn, dict(values),
                                                           "closed form")),
                                  dtype=torch.float64, device=dev)
        _check_pair(expected, got, values, ctx, subject="the closed form", against=against,
                    head=f"closed form {form.text}", rtol=rtol, atol=atol, dev=dev,
                    stats=stats)

    _run(closed_form_matches_autograd, _points(ctx, dev), max_examples=max_examples,
         seed=seed)
    return Agreement("numeric", stats["compared"], stats["rejected"], stats["max_err"],
                     str(dev))


def _static_shape_check(form: _Form, ctx: Context, wrt: str, kind: str, against: str) -> None:
    """A gradient has its variable's shape and a Hessian is n x n: check the closed
    form's shape before drawing any point, and name the smallest dims where it differs."""
    __tracebackhide__ = True
    import itertools
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


def _rejected(env: Env, values: dict, forms: Sequence[_Form], avoid: Sequence[_Form],
              kink_eps: float) -> bool:
    """Is this point too close to a kink of a form, or to a zero of an avoid_zero quantity?"""
    for fm in forms:
        if fm.is_expr:
            # evaluating records the distance to the form's kinks in env.kink
            env.cache[id(fm)] = fm.matrix(env)
    if _kink_distance(env) <= kink_eps:
        return True
    for a in avoid:
        v = a.matrix(env) if a.is_expr else torch.as_tensor(
            a.fn(**_callable_args(a.fn, dict(values), "avoid_zero")), dtype=torch.float64)
        if not bool((v.abs() > AVOID_EPS).all()):
            return True
    return False


def _check_pair(expected: torch.Tensor, got: torch.Tensor, values: dict, ctx: Context, *,
                subject: str, against: str, head: str, rtol: float, atol: float,
                dev: torch.device, stats: dict) -> None:
    """Raise AssertionError naming the point unless ``got`` (the subject's value)
    equals ``expected`` (``against``'s value)."""
    __tracebackhide__ = True
    dims_txt, point_txt = _point_text(values, ctx)
    case = (f"{head}\n  smallest failing case Hypothesis found:\n"
            f"    dims:     {dims_txt}\n    point:    {point_txt}\n")
    if tuple(got.shape) != tuple(expected.shape):
        raise Mismatch(
            f"wrong shape: {subject} has shape {tuple(got.shape)}, {against} has "
            f"{tuple(expected.shape)}\n  " + case)
    ok, err, where = _compare(expected, got, rtol, atol)
    if not ok:
        raise Mismatch(
            f"{subject} does not match {against}\n  " + case +
            f"    expected: {_fmt(expected)}   ({against})\n"
            f"    got:      {_fmt(got)}   ({subject})\n"
            f"    max abs error: {err:.6g} at entry {where}"
            f" (rtol={rtol:g}, atol={atol:g}; float64 on {dev})")
    stats["compared"] += 1
    stats["max_err"] = max(stats["max_err"], err)


def assert_equivalent(a: Any, b: Any, *, symbols: Any = None,
                      shapes: Mapping[str, Sequence[str | int]] | None = None,
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
    a disagreement raises ``AssertionError`` with the smallest counterexample.

    The proof runs ``simplify`` in this process: use it for your own expressions, not
    for untrusted text (derive.check runs students' answers in a sandboxed worker).
    """
    __tracebackhide__ = True
    if isinstance(symbols, Question) and not avoid_zero:
        avoid_zero = symbols.avoid_zero
    ctx = declare(symbols, shapes=shapes, domains=domains, dims=dims)
    fa, fb = _Form(a, ctx, "a"), _Form(b, ctx, "b")
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
        if proof.result is False:
            proof_note = f"symbolically: {proof.method}"
    avoid = [_Form(x, ctx, "avoid_zero") for x in avoid_zero]
    stats = {"compared": 0, "rejected": 0, "max_err": 0.0}

    def a_equals_b(case):
        __tracebackhide__ = True  # pytest shows the caller's line, not ours
        values, env = case
        if _rejected(env, values, (fa, fb), avoid, kink_eps):
            stats["rejected"] += 1
            assume(False)
        _check_pair(fb.matrix(env), fa.matrix(env), values, ctx, subject="a", against="b",
                    head=f"a = {fa.text}\n  b = {fb.text}", rtol=rtol, atol=atol, dev=dev,
                    stats=stats)

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


# the public classes are documented, raised and shown as derive.testing.X
for _cls in (Agreement, Mismatch, InvalidArgument, Undecided):
    _cls.__module__ = "derive.testing"
del _cls
