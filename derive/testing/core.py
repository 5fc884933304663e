"""What :mod:`derive.testing`'s two searches share: the public result and error types,
closed forms read once, the layouts (torch's natural one and derive's), matching a
callable's parameters to symbols, and the text of a report.

Importing this module imports torch; ``import derive`` does not.
"""
from __future__ import annotations

import inspect
import keyword
import math
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import sympy as sp
import torch

from ..errors import AnswerError, DeriveError
from ..judge.numeric import bind, compiled, derivation_order, derive_value
from ..judge.torch_eval import FUNCTIONS, Env, Unsupported, evaluate
from ..notation.answer import single_value
from ..notation.parser import parse_answer
from ..notation.symbols import Context, SymbolSpec

KINDS = ("gradient", "jacobian", "hessian", "value")
KINK_EPS = 1e-3                  # points this close to a kink are not compared
AVOID_EPS = 0.05                 # |avoid_zero quantity| must exceed this
DEFAULT_DIM_RANGE = (2, 5)       # the bank's default for a dim without ``range``

#: parameter names a callable may use for a symbol whose name is a Python keyword
#: (``lambda``): ``lambda_`` (any keyword plus ``_``) and these spellings
PARAM_ALIASES: dict[str, str] = {"lam": "lambda", "lmbda": "lambda", "lmbd": "lambda"}


class InvalidArgument(DeriveError, ValueError):
    """A wrong argument to a derive.testing function (the test author's error); the
    message says what to add or change."""


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
    examples: int = 0        # examples compared
    rejected: int = 0        # examples dropped near a kink or an avoid_zero zero
    max_abs_error: float = 0.0
    device: str = "cpu"
    #: examples outside the domain: the definition or its derivative not finite there,
    #: or the closed form not defined there (a singular matrix for an inverse)
    outside_domain: int = 0


# --- closed forms and definitions ------------------------------------------------------------

def as_expr(x: Any, ctx: Context, what: str) -> Any:
    """LaTeX (through derive's parser) or SymPy -> a SymPy object over ``ctx``'s symbols.
    LaTeX is read once per Context (the Context is cached by :func:`declare`)."""
    if isinstance(x, str):
        key = ("testing-latex", x)
        if key not in ctx.cache:
            try:
                ctx.cache[key] = single_value(parse_answer(x, ctx))
            except AnswerError as exc:
                caret = ("" if exc.position is None
                         else f"\n    {x}\n    {' ' * exc.position}^")
                raise InvalidArgument(f"{what} {x!r} cannot be read ({exc.code}): "
                                      f"{exc.message}{caret}{_hint(exc, ctx)}") from None
            except (RecursionError, MemoryError):
                raise
            except Exception as exc:   # noqa: BLE001 - the reader should raise AnswerError
                raise InvalidArgument(f"{what} {x!r} cannot be read: derive's reader failed "
                                      f"with {type(exc).__name__}: {exc} (a bug in derive; "
                                      f"please report it with this LaTeX)") from None
        return ctx.cache[key]
    if isinstance(x, sp.Basic) or isinstance(x, sp.MatrixBase):
        return _rebind(x, ctx, what)
    raise InvalidArgument(f"{what} must be LaTeX, a SymPy expression or a callable, "
                          f"not {type(x).__name__}")


def _hint(exc: AnswerError, ctx: Context) -> str:
    if "not a symbol of this question" not in exc.message:
        return ""
    if not ctx.specs:
        return ("\n  no symbol is declared: pass shapes=, e.g. shapes={'x': 'n'} for a "
                "vector, {'A': 'n n'} for a matrix, {'c': ()} for a scalar")
    return ("\n  declare it: add it to shapes= (e.g. 'x': 'n' a vector, 'A': 'm n' a matrix, "
            "'c': () a scalar), or give its spelling with symbols={name: {..., 'latex': "
            "[...]}}; declared: " + ", ".join(s.name for s in ctx.specs))


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
        raise InvalidArgument(f"{what} uses undeclared symbols {sorted(unknown)}: add them to "
                              f"shapes= (declared: "
                              f"{', '.join(s.name for s in ctx.specs) or 'nothing yet'})")
    return e.xreplace(mapping) if mapping else e


def parameter_for(param: str, values: dict[str, Any]) -> str | None:
    """The symbol a callable's parameter stands for: its own name, or, for a symbol
    whose name is a Python keyword, ``lambda_``/``lam``."""
    if param in values:
        return param
    if param.endswith("_") and keyword.iskeyword(param[:-1]) and param[:-1] in values:
        return param[:-1]
    alias = PARAM_ALIASES.get(param)
    return alias if alias in values else None


def callable_args(fn: Callable, values: dict[str, Any], what: str) -> dict[str, Any]:
    """The keyword arguments ``fn`` takes, from the values of the declared symbols."""
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
        name = parameter_for(p.name, values)
        if name is not None:
            out[p.name] = values[name]
        elif p.default is p.empty:
            raise InvalidArgument(
                f"{what} {getattr(fn, '__name__', fn)!r} takes {p.name!r}, which is not a "
                f"declared symbol: add it to shapes= (e.g. {p.name!r}: 'n' for a vector, "
                f"() for a scalar) or give the parameter a default (declared: "
                f"{', '.join(values) or 'nothing'})")
    return out


class Form:
    """A closed form or definition: LaTeX/SymPy (compiled once, evaluated in derive's
    layout) or a callable (natural layout)."""

    def __init__(self, x: Any, ctx: Context, what: str):
        self.what, self.source = what, x
        self.fn: Callable | None = None
        self.compiled = None
        self.expr = None
        if callable(x) and not isinstance(x, (sp.Basic, sp.MatrixBase)):
            self.fn = x
            self.text = getattr(x, "__name__", repr(x))
        else:
            self.expr = as_expr(x, ctx, what)
            try:
                self.compiled = compiled(self.expr)
            except (Unsupported, TypeError, ValueError, AttributeError) as exc:
                raise InvalidArgument(f"{what} {x if isinstance(x, str) else self.expr!r} "
                                      f"cannot be evaluated numerically: {exc}") from None
            self.text = x if isinstance(x, str) else sp.sstr(self.expr)

    @property
    def is_expr(self) -> bool:
        return self.compiled is not None

    def batch(self, env: Env) -> torch.Tensor:
        """Value on every point of ``env``: ``(B, r, c)`` (a scalar is ``(B, 1, 1)``)."""
        v = evaluate(self.compiled, env)
        if v.dim() != 3:
            v = v.reshape(-1, 1, 1)
        return v.expand(env.batch, *v.shape[1:])

    def matrix(self, env: Env) -> torch.Tensor:
        """Value at the one point of ``env``, in derive's layout ``(r, c)``."""
        cache = getattr(env, "cache", None)
        if cache is not None and id(self) in cache:
            return cache[id(self)]
        return self.batch(env)[0]


def is_columnish(e: Any) -> bool:
    return isinstance(e, (sp.MatrixExpr, sp.MatrixBase)) and e.shape[1] == 1


def latex_definition(form: Form, ctx: Context, dev: torch.device) -> Callable:
    """A LaTeX/SymPy definition as a torch function of natural-layout tensors."""
    def fn(**values):
        env = point_env(ctx, dict(values), dev)
        v = evaluate(form.compiled, env)
        if v.dim() == 3:
            v = v[0]
            return v[:, 0] if v.shape[1] == 1 and is_columnish(form.expr) else v
        return v.reshape(())
    return fn


# --- layouts ---------------------------------------------------------------------------------

def to_derive(v: Any, dev: torch.device) -> Any:
    """Natural layout -> derive's batched layout (batch 1)."""
    if isinstance(v, (int, float)):
        return torch.full((1, 1, 1), float(v), dtype=torch.float64, device=dev)
    v = v.to(device=dev, dtype=torch.float64)
    if v.dim() == 0:
        return v.reshape(1, 1, 1)
    if v.dim() == 1:
        return v.reshape(1, -1, 1)
    return v.unsqueeze(0)


def from_derive(v: torch.Tensor, s: SymbolSpec) -> torch.Tensor:
    """derive's layout at one point ``(1, r, c)`` -> natural layout."""
    if s.kind in ("scalar", "constant", "index"):
        return v.reshape(())
    if s.kind in ("vector", "family"):
        return v.reshape(-1)
    return v[0]


def natural_batch(v: torch.Tensor, s: SymbolSpec) -> torch.Tensor:
    """derive's layout ``(B, r, c)`` -> natural layout with a leading batch axis."""
    if s.kind in ("scalar", "constant", "index"):
        return v.reshape(v.shape[0])
    if s.kind in ("vector", "family"):
        return v.reshape(v.shape[0], -1)
    return v


def evaluation_env(ctx: Context, batch: int, dev: torch.device, dims: dict[str, Any],
                   value_of: Callable[[SymbolSpec], torch.Tensor]
                   ) -> tuple[Env, list[tuple[SymbolSpec, torch.Tensor]]]:
    """derive's evaluation environment for ``batch`` points: dims as given, every declared
    symbol bound to ``value_of(spec)`` (derive's layout), then the derived symbols computed
    from them in dependency order; returns the environment and the derived values."""
    env = Env({}, batch=batch, device=dev,
              functions={s.name: FUNCTIONS[s.torch] for s in ctx.specs
                         if s.kind == "function" and s.torch in FUNCTIONS})
    for name, v in dims.items():
        env[ctx.objects[name]] = float(v)
    derived = []
    for s in ctx.specs:
        if s.kind in ("dim", "identity", "ones", "function"):
            continue
        if s.define:
            derived.append(s)
            continue
        bind(env, s, ctx.objects[s.name], value_of(s))
    out = []
    for s in derivation_order(derived, ctx):
        val = derive_value(s, ctx, env, dims)
        bind(env, s, ctx.objects[s.name], val)
        out.append((s, val))
    return env, out


def point_env(ctx: Context, values: dict[str, Any], dev: torch.device) -> Env:
    """derive's evaluation environment for one point; adds derived symbols to ``values``."""
    env, derived = evaluation_env(ctx, 1, dev, {s.name: values[s.name] for s in ctx.dims},
                                  lambda s: to_derive(values[s.name], dev))
    for s, val in derived:
        values[s.name] = from_derive(val, s)
    env.cache = {}   # values of forms at this point, by id(form)
    return env


def matrix_shape(shape: tuple) -> tuple[int, int]:
    if len(shape) == 0:
        return (1, 1)
    if len(shape) == 1:
        return (shape[0], 1)
    return tuple(shape)


def layout_error(kind: str, out_shape: tuple, wrt_shape: tuple) -> str | None:
    """Why a LaTeX/SymPy closed form cannot hold this derivative (it has more than two
    axes), or None. Known before any point is drawn."""
    o, w = len(out_shape), len(wrt_shape)
    if kind == "hessian" and w > 1:
        return ("a Hessian in a matrix variable has four axes; derive's layout holds "
                "matrices: pass a callable closed form (it is compared with "
                "torch.func.jacrev(jacrev(f)) as it is), or differentiate in a vector")
    if kind == "jacobian" and o + w > 2 and not (w == 0 and o == 2):
        return (f"the Jacobian of an output of shape {tuple(out_shape)} in a variable of shape "
                f"{tuple(wrt_shape)} has {o + w} axes; derive's layout holds matrices: pass a "
                f"callable closed form (compared with torch.func.jacrev's layout as it is)"
                + (", or make the definition scalar (e.g. sum(u * f)) and compare a gradient"
                   if o else ", or kind='gradient'"))
    return None


def to_matrix(t: torch.Tensor, kind: str, out_shape: tuple, wrt_shape: tuple) -> torch.Tensor:
    """torch.func's result, batched (leading axis) -> derive's layout ``(B, r, c)``."""
    b = t.shape[0]
    o, w = len(out_shape), len(wrt_shape)
    if kind in ("value", "gradient"):
        return t.reshape(b, *matrix_shape(out_shape if kind == "value" else wrt_shape))
    if kind == "hessian":
        n = wrt_shape[0] if w else 1
        return t.reshape(b, n, n)
    if o <= 1 and w <= 1:
        return t.reshape(b, out_shape[0] if o else 1, wrt_shape[0] if w else 1)
    return t.reshape(b, *out_shape)


def autograd(fn: Callable, x: torch.Tensor, kind: str) -> torch.Tensor:
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


# --- comparison and reporting ----------------------------------------------------------------

def compare_batch(expected: torch.Tensor, got: torch.Tensor, rtol: float, atol: float
                  ) -> tuple[torch.Tensor, torch.Tensor]:
    """Per point: within ``atol + rtol * (|expected| + max|expected|)`` everywhere? The max
    term keeps an entry that cancels to ~0 from failing on rounding in a large matrix.
    Returns (ok per point, largest absolute error per point; NaN counts as inf)."""
    b = expected.shape[0]
    diff = (got - expected).abs().reshape(b, -1)
    e = expected.abs().reshape(b, -1)
    scale = e.amax(dim=1, keepdim=True) if e.shape[1] else e.new_zeros((b, 1))
    tol = atol + rtol * (e + scale)
    ok = (diff <= tol).all(dim=1)
    err = diff.nan_to_num(nan=math.inf)
    return ok, (err.amax(dim=1) if err.shape[1] else err.new_zeros(b))


def compare(expected: torch.Tensor, got: torch.Tensor, rtol: float, atol: float
            ) -> tuple[bool, float, tuple[int, ...]]:
    """One point: (agree, largest error, the entry where it is)."""
    ok, err = compare_batch(expected[None], got[None], rtol, atol)
    e = (got - expected).abs().nan_to_num(nan=math.inf)
    idx = int(torch.argmax(e)) if e.numel() else 0
    where = tuple(int(i) for i in np.unravel_index(idx, tuple(e.shape))) if e.dim() else ()
    return bool(ok[0]), float(err[0]), where


def fmt(v: Any) -> str:
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


def point_text(values: dict[str, Any], ctx: Context) -> tuple[str, str]:
    """(dims, point) as text; derived symbols are left out (they follow from the point)."""
    dim_names = {s.name for s in ctx.dims}
    derived = {s.name for s in ctx.specs if s.define}
    dims_txt = ", ".join(f"{k} = {values[k]}" for k in values if k in dim_names) or "(none)"
    pts = [f"{k} = {fmt(v)}" for k, v in values.items()
           if k not in dim_names and k not in derived]
    return dims_txt, "; ".join(pts) or "(no symbols)"


def mismatch_message(expected: torch.Tensor, got: torch.Tensor, values: dict, ctx: Context, *,
                     subject: str, against: str, head: str, found_by: str, rtol: float,
                     atol: float, dev: Any) -> str | None:
    """The report of a disagreement at one point, or None if the two agree there."""
    dims_txt, point_txt = point_text(values, ctx)
    case = (f"{head}\n  {found_by}:\n"
            f"    dims:     {dims_txt}\n    point:    {point_txt}\n")
    if tuple(got.shape) != tuple(expected.shape):
        return (f"wrong shape: {subject} has shape {tuple(got.shape)}, {against} has "
                f"{tuple(expected.shape)}\n  " + case)
    ok, err, where = compare(expected, got, rtol, atol)
    if ok:
        return None
    return (f"{subject} does not match {against}\n  " + case +
            f"    expected: {fmt(expected)}   ({against})\n"
            f"    got:      {fmt(got)}   ({subject})\n"
            f"    max abs error: {err:.6g} at entry {where}"
            f" (rtol={rtol:g}, atol={atol:g}; float64 on {dev})")


def is_domain_error(exc: BaseException) -> bool:
    """An exception that says the point is outside the domain (a singular matrix), not
    that the code is wrong."""
    return isinstance(exc, torch.linalg.LinAlgError)


def finite(t: Any) -> torch.Tensor:
    """Per point (leading axis): is every entry finite?"""
    t = torch.as_tensor(t)
    if t.dim() == 0:
        return torch.isfinite(t).reshape(1)
    return torch.isfinite(t.reshape(t.shape[0], -1)).all(dim=1)


# the public classes are documented, raised and shown as derive.testing.X
for _cls in (Agreement, Mismatch, InvalidArgument, Undecided):
    _cls.__module__ = "derive.testing"
del _cls
