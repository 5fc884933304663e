"""SymPy expression -> batched torch evaluation, compiled once per expression.

:func:`compile_expr` walks the SymPy tree once and returns a closure; calling it
with an environment of batched tensors evaluates the whole batch at once, in
float64, on whatever device the tensors live on (CUDA when present).

Layout: every scalar is a ``(B, 1, 1)`` tensor and every matrix ``(B, r, c)``,
so scalars broadcast over matrices and entrywise functions need no special
case. While it evaluates, the closure records in ``env.kink`` how close each
point is to a kink (the argument of ``sign``/``Abs``, the two sides of
``Max``/``Min`` and of every ``Piecewise`` condition), so the caller can drop
points where two equal functions may still differ.

The SymPy -> torch knowledge is in tables (:data:`UNARY`, :data:`RELATIONAL`);
node types with structure have a compiler in :data:`_COMPILERS`.
"""
from __future__ import annotations

from typing import Any, Callable

import sympy as sp
import torch
from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
from sympy.matrices.expressions.matexpr import MatrixElement

from ..notation.shapes import Gradient, PseudoInverse, Vec

Fn = Callable[["Env"], Any]


class Env(dict):
    """Values of symbols (keyed by SymPy object, or by name for matrices),
    the batch size and device, the numeric function table, and the kink record."""

    def __init__(self, values: dict, *, batch: int, device: torch.device,
                 functions: dict[str, Callable] | None = None):
        super().__init__(values)
        self.batch, self.device = batch, device
        self.functions = functions or {}
        self._kink: torch.Tensor | None = None  # made when first needed (most have none)

    @property
    def kink(self) -> torch.Tensor:
        """Per point, the distance to the nearest kink noted so far (inf: none)."""
        if self._kink is None:
            self._kink = torch.full((self.batch,), float("inf"), dtype=torch.float64,
                                    device=self.device)
        return self._kink

    @kink.setter
    def kink(self, value: torch.Tensor) -> None:
        self._kink = value

    def kinks(self) -> torch.Tensor | None:
        """:attr:`kink`, or None while no kink has been noted."""
        return self._kink

    def note_kink(self, distance: Any) -> None:
        if isinstance(distance, torch.Tensor):
            d = distance.abs().reshape(distance.shape[0], -1).amin(dim=1)
            self.kink = torch.minimum(self.kink, d)


class Unsupported(Exception):
    """The expression has a node the numeric engine cannot evaluate."""


UNARY: dict[type, Callable] = {
    sp.exp: torch.exp, sp.log: torch.log, sp.sin: torch.sin, sp.cos: torch.cos,
    sp.tan: torch.tan, sp.tanh: torch.tanh, sp.sinh: torch.sinh, sp.cosh: torch.cosh,
    sp.asin: torch.asin, sp.acos: torch.acos, sp.atan: torch.atan, sp.erf: torch.erf,
}
KINKED: dict[type, Callable] = {sp.sign: torch.sign, sp.Abs: torch.abs,
                                sp.Heaviside: lambda t: (t > 0).double()}
RELATIONAL: dict[type, Callable] = {
    sp.StrictLessThan: torch.lt, sp.LessThan: torch.le, sp.StrictGreaterThan: torch.gt,
    sp.GreaterThan: torch.ge, sp.Equality: torch.eq, sp.Unequality: torch.ne,
}
FUNCTIONS: dict[str, Callable] = {
    "sigmoid": torch.sigmoid, "relu": torch.relu, "tanh": torch.tanh, "exp": torch.exp,
    "log": torch.log, "softplus": torch.nn.functional.softplus,
}


def compile_expr(expr: Any) -> Fn:
    """Compile ``expr`` once; the result evaluates it on a batch."""
    for cls in type(expr).__mro__:
        c = _COMPILERS.get(cls)
        if c is not None:
            return c(expr)
    if type(expr) in UNARY:
        f, arg = UNARY[type(expr)], compile_expr(expr.args[0])
        return lambda env: f(_t(arg(env), env))
    if type(expr) in KINKED:
        f, arg = KINKED[type(expr)], compile_expr(expr.args[0])

        def kinked(env):
            a = _t(arg(env), env)
            env.note_kink(a)
            return f(a)
        return kinked
    if type(expr) in RELATIONAL:
        return _relational(expr)
    if isinstance(expr, sp.core.function.AppliedUndef):
        return _applied(expr)
    raise Unsupported(f"no numeric rule for {type(expr).__name__}")


def evaluate(fn: Fn, env: Env) -> torch.Tensor:
    """Run a compiled expression; constants come back as a full batch tensor."""
    return _t(fn(env), env)


def _t(v: Any, env: Env) -> torch.Tensor:
    if isinstance(v, torch.Tensor):
        return v
    return torch.full((env.batch, 1, 1), float(v), dtype=torch.float64, device=env.device)


# --- leaves -----------------------------------------------------------------------

def _number(e: Any) -> Fn:
    v = float(e)
    return lambda env: v


def _symbol(e: sp.Symbol) -> Fn:
    def get(env):
        try:
            return env[e]
        except KeyError:
            raise Unsupported(f"no value for symbol {e}") from None
    return get


def _matrix_symbol(e: sp.MatrixSymbol) -> Fn:
    name = e.name

    def get(env):
        try:
            return env[name]
        except KeyError:
            raise Unsupported(f"no value for {name}") from None
    return get


def _identity(e: sp.Identity) -> Fn:
    n = compile_expr(e.shape[0])
    return lambda env: torch.eye(_int(n(env)), dtype=torch.float64, device=env.device)[None]


def _ones(e: sp.OneMatrix) -> Fn:
    r, c = compile_expr(e.shape[0]), compile_expr(e.shape[1])
    return lambda env: torch.ones((1, _int(r(env)), _int(c(env))), dtype=torch.float64,
                                  device=env.device)


def _zeros(e: sp.ZeroMatrix) -> Fn:
    r, c = compile_expr(e.shape[0]), compile_expr(e.shape[1])
    return lambda env: torch.zeros((1, _int(r(env)), _int(c(env))), dtype=torch.float64,
                                   device=env.device)


def _explicit_matrix(e: sp.MatrixBase) -> Fn:
    rows, cols = e.shape
    cells = [compile_expr(x) for x in e]

    def build(env):
        vals = [_t(c(env), env).reshape(env.batch) for c in cells]
        return torch.stack(vals, dim=1).reshape(env.batch, rows, cols)
    return build


def _int(v: Any) -> int:
    if isinstance(v, torch.Tensor):
        if v.numel() == 0:
            raise Unsupported("empty dimension")
        first = v.reshape(-1)[0]
        if not bool((v == first).all()):
            raise Unsupported("a dimension varies across the batch")
        v = first.item()
    iv = int(round(float(v)))
    if abs(iv - float(v)) > 1e-9:
        raise Unsupported(f"dimension {v} is not an integer")
    return iv


# --- arithmetic -------------------------------------------------------------------

def _add(e: sp.Add) -> Fn:
    parts = [compile_expr(a) for a in e.args]

    def add(env):
        acc = parts[0](env)
        for p in parts[1:]:
            acc = acc + p(env)
        return acc
    return add


def _mul(e: sp.Mul) -> Fn:
    parts = [compile_expr(a) for a in e.args]

    def mul(env):
        acc = parts[0](env)
        for p in parts[1:]:
            acc = acc * p(env)
        return acc
    return mul


def _pow(e: sp.Pow) -> Fn:
    base, ex = compile_expr(e.base), compile_expr(e.exp)

    def power(env):
        b, x = base(env), ex(env)
        if not isinstance(b, torch.Tensor) and not isinstance(x, torch.Tensor):
            return float(b) ** float(x)
        return torch.pow(_t(b, env), x if not isinstance(x, torch.Tensor) else x)
    return power


def _minmax(e: Any) -> Fn:
    parts = [compile_expr(a) for a in e.args]
    op = torch.maximum if isinstance(e, sp.Max) else torch.minimum

    def mm(env):
        vals = [_t(p(env), env) for p in parts]
        acc = vals[0]
        for v in vals[1:]:
            env.note_kink(acc - v)
            acc = op(acc, v)
        return acc
    return mm


def _piecewise(e: sp.Piecewise) -> Fn:
    branches = [(compile_expr(v), _condition(c)) for v, c in e.args]

    def pw(env):
        out = None
        for value, cond in reversed(branches):
            v = _t(value(env), env)
            c = cond(env)
            if out is None:
                out = v if c is True else torch.where(_bool(c, env), v, torch.nan)
            else:
                out = torch.where(_bool(c, env), v, out)
        return out
    return pw


def _bool(c: Any, env: Env) -> torch.Tensor:
    if isinstance(c, torch.Tensor):
        return c
    return torch.full((env.batch, 1, 1), bool(c), device=env.device)


def _condition(c: Any) -> Fn:
    if c is sp.true or c is True:
        return lambda env: True
    if c is sp.false or c is False:
        return lambda env: False
    return compile_expr(c)


def _relational(e: Any) -> Fn:
    f = RELATIONAL[type(e)]
    lhs, rhs = compile_expr(e.lhs), compile_expr(e.rhs)
    # a comparison of integers (entry indices, 0 <= p < m) has no kink to stay away from
    discrete = isinstance(e, (sp.Equality, sp.Unequality)) or (
        e.lhs.is_integer is True and e.rhs.is_integer is True)

    def rel(env):
        a, b = _t(lhs(env), env), _t(rhs(env), env)
        if not discrete:
            env.note_kink(a - b)
        return f(a, b)
    return rel


def _logic(e: Any) -> Fn:
    parts = [_condition(a) for a in e.args]
    op = {sp.And: torch.logical_and, sp.Or: torch.logical_or}[type(e)]

    def logic(env):
        acc = _bool(parts[0](env), env)
        for p in parts[1:]:
            acc = op(acc, _bool(p(env), env))
        return acc
    return logic


def _not(e: Any) -> Fn:
    inner = _condition(e.args[0])
    return lambda env: torch.logical_not(_bool(inner(env), env))


def _kronecker(e: sp.KroneckerDelta) -> Fn:
    i, j = compile_expr(e.args[0]), compile_expr(e.args[1])
    return lambda env: (_t(i(env), env) == _t(j(env), env)).double()


def _sum(e: sp.Sum) -> Fn:
    # Sum(f, (i, ..), (j, ..)): the innermost limit first (SymPy would merge a nested
    # Sum built here back into one, so the loops are nested as closures instead)
    fn = compile_expr(e.function)
    scalar = not isinstance(e.function, sp.MatrixExpr)
    free = {x for x in e.function.free_symbols if isinstance(x, sp.Symbol)}
    for var, lo_e, hi_e in e.limits:
        fn = _sum_over(fn, var, compile_expr(lo_e), compile_expr(hi_e), vectorise=scalar,
                       scalars=frozenset(free - {var}))
        free.add(var)  # the outer limits see the inner index as bound by its own loop
    return fn


def _sum_over(body: Fn, var: Any, lo: Fn, hi: Fn, vectorise: bool,
              scalars: frozenset = frozenset()) -> Fn:
    """A sum over one index: all terms at once where the body allows it (the index as a
    tensor along a new axis 1), else a loop over the terms.

    Axis 1 must be free: when a scalar the body uses is itself spread along axis 1 (the
    index of an enclosing vectorised sum, or the variable of an entrywise function), the
    terms are looped, so two indices never share the axis."""
    state = {"vectorise": vectorise}

    def axis_taken(env) -> bool:
        for x in scalars:
            v = env.get(x, None)
            if isinstance(v, torch.Tensor) and v.dim() == 3 and v.shape[1] > 1:
                return True
        return False

    def at_once(env, a: int, b: int):
        ks = torch.arange(a, b + 1, dtype=torch.float64, device=env.device).reshape(1, -1, 1)
        env[var] = ks
        v = _t(body(env), env)
        if v.dim() != 3 or v.shape[2] != 1 or v.shape[1] not in (1, ks.shape[1]):
            raise Unsupported("not an entrywise body")
        if v.shape[1] == 1:  # the body does not depend on the index
            return v * float(ks.shape[1])
        return v.sum(dim=1, keepdim=True)

    def total(env):
        if _varies(lo(env)) or _varies(hi(env)):
            return _masked_loop(body, var, lo, hi, env, torch.add, 0.0)
        a, b = _int(lo(env)), _int(hi(env))
        saved = env.get(var, None)
        try:
            if state["vectorise"] and b >= a and not axis_taken(env):
                try:
                    return at_once(env, a, b)
                except (Unsupported, RuntimeError, IndexError):
                    state["vectorise"] = False  # this body needs the loop; remember it
            acc: Any = 0.0
            for k in range(a, b + 1):
                env[var] = float(k)
                acc = acc + _t(body(env), env)
            return acc
        finally:
            if saved is None:
                env.pop(var, None)
            else:
                env[var] = saved
    return total


MAX_LOOP_TERMS = 100_000


def _varies(v: Any) -> bool:
    """A bound that differs from point to point (``\\sum_{o=1}^{oC}``, oC drawn per point)."""
    if not isinstance(v, torch.Tensor) or v.numel() <= 1:
        return False
    flat = v.reshape(-1)
    return not bool((flat == flat[0]).all())


def _masked_loop(body: Fn, var: Any, lo: Fn, hi: Fn, env: Env, op: Callable,
                 unit: float) -> torch.Tensor:
    """A sum or product whose bounds differ from point to point: every term from the least
    lower bound to the greatest upper bound, each counted only where it is in range."""
    lo_t = _t(lo(env), env).reshape(-1, 1, 1).expand(env.batch, 1, 1)
    hi_t = _t(hi(env), env).reshape(-1, 1, 1).expand(env.batch, 1, 1)
    a, b = int(lo_t.min().round()), int(hi_t.max().round())
    if b - a > MAX_LOOP_TERMS:
        raise Unsupported("a sum with too many terms")
    saved = env.get(var, None)
    acc = torch.full((env.batch, 1, 1), unit, dtype=torch.float64, device=env.device)
    try:
        for k in range(a, b + 1):
            env[var] = float(k)
            v = _t(body(env), env)
            inside = (lo_t <= k) & (k <= hi_t)
            acc = op(acc, torch.where(inside, v, torch.full_like(v, unit)))
    finally:
        if saved is None:
            env.pop(var, None)
        else:
            env[var] = saved
    return acc


def _product(e: sp.Product) -> Fn:
    """A product over one or more indices, term by term."""
    fn = compile_expr(e.function)
    for var, lo_e, hi_e in e.limits:
        fn = (lambda body, var, lo, hi: lambda env: _masked_loop(body, var, lo, hi, env,
                                                                 torch.mul, 1.0))(
            fn, var, compile_expr(lo_e), compile_expr(hi_e))
    return fn


def _applied(e: Any) -> Fn:
    name = type(e).__name__
    args = [compile_expr(a) for a in e.args]

    def call(env):
        f = env.functions.get(name)
        if f is None:
            raise Unsupported(f"no numeric definition for the function {name}")
        return f(*[_t(a(env), env) for a in args])
    return call


# --- matrices -----------------------------------------------------------------------

def _matadd(e: Any) -> Fn:
    return _add(e)


def _matmul(e: sp.MatMul) -> Fn:
    scal = [compile_expr(a) for a in e.args if not isinstance(a, sp.MatrixExpr)]
    mats = [compile_expr(a) for a in e.args if isinstance(a, sp.MatrixExpr)]

    def matmul(env):
        acc = mats[0](env)
        for m in mats[1:]:
            acc = acc @ m(env)
        for s in scal:
            acc = acc * s(env)
        return acc
    return matmul


def _transpose(e: sp.Transpose) -> Fn:
    inner = compile_expr(e.arg)
    return lambda env: inner(env).transpose(-1, -2)


def _inverse(e: sp.Inverse) -> Fn:
    inner = compile_expr(e.arg)
    return lambda env: torch.linalg.inv(inner(env))


def _matpow(e: sp.MatPow) -> Fn:
    """``A^k``; ``k`` may be an integer symbol that differs from point to point."""
    inner, k = compile_expr(e.base), compile_expr(e.exp)

    def power(env):
        a, kv = inner(env), k(env)
        if not isinstance(kv, torch.Tensor):
            return torch.linalg.matrix_power(a, _int(kv))
        ks = kv.reshape(-1).round().long()
        if ks.numel() == 1 or bool((ks == ks[0]).all()):
            return torch.linalg.matrix_power(a, int(ks[0]))
        a = a.expand(env.batch, *a.shape[1:])
        out = torch.empty_like(a)
        for value in torch.unique(ks).tolist():
            rows = ks == value
            out[rows] = torch.linalg.matrix_power(a[rows], int(value))
        return out
    return power


def _pinv(e: Any) -> Fn:
    inner = compile_expr(e.arg)
    return lambda env: torch.linalg.pinv(inner(env))


def _vec(e: Any) -> Fn:
    inner = compile_expr(e.arg)

    def vec(env):
        a = inner(env)
        return a.transpose(-1, -2).reshape(a.shape[0], -1, 1)   # columns stacked
    return vec


def _det(e: Any) -> Fn:
    inner = compile_expr(e.arg)
    return lambda env: torch.linalg.det(inner(env))[:, None, None]


def _kron(e: Any) -> Fn:
    parts = [compile_expr(a) for a in e.args]

    def kron(env):
        acc = parts[0](env)
        for p in parts[1:]:
            b = p(env)
            n = max(acc.shape[0], b.shape[0])
            acc = torch.einsum("nab,ncd->nacbd", acc.expand(n, *acc.shape[1:]),
                               b.expand(n, *b.shape[1:]))
            acc = acc.reshape(n, acc.shape[1] * acc.shape[2], acc.shape[3] * acc.shape[4])
        return acc
    return kron


def _hadamard_power(e: Any) -> Fn:
    base, ex = compile_expr(e.base), compile_expr(e.exp)
    return lambda env: torch.pow(_t(base(env), env), ex(env))


def _gradient(e: Any) -> Fn:
    """The gradient of a scalar expression in a vector or matrix, by torch autograd."""
    inner = compile_expr(e.expr)
    name = e.var.name

    def grad(env):
        try:
            value = env[name]
        except KeyError:
            raise Unsupported(f"no value for {name}") from None
        leaf = value.detach().clone().requires_grad_(True)
        env[name] = leaf
        try:
            with torch.enable_grad():
                out = _t(inner(env), env)
                if not out.requires_grad:
                    return torch.zeros_like(value)
                (g,) = torch.autograd.grad(out.sum(), leaf, allow_unused=True)
        finally:
            env[name] = value
        return torch.zeros_like(value) if g is None else g.detach()
    return grad


def _function_matrix(e: Any) -> Fn:
    """A matrix given by its entries, ``Lambda((i, j), body)`` (0-based i, j): the body is
    evaluated once per entry."""
    lam = e.lamda
    rows, cols = compile_expr(e.shape[0]), compile_expr(e.shape[1])
    i, j = lam.variables
    body = compile_expr(lam.expr)

    def build(env):
        r, c = _int(rows(env)), _int(cols(env))
        saved = (env.get(i, None), env.get(j, None))
        try:
            entries = []
            for a in range(r):
                for b in range(c):
                    env[i], env[j] = float(a), float(b)
                    entries.append(_t(body(env), env).reshape(-1))
        finally:
            for var, old in zip((i, j), saved):
                if old is None:
                    env.pop(var, None)
                else:
                    env[var] = old
        n = max(v.shape[0] for v in entries)
        return torch.stack([v.expand(n) for v in entries], dim=1).reshape(n, r, c)
    return build


def _hadamard(e: Any) -> Fn:
    return _mul(e)


def _diag(e: Any) -> Fn:
    inner = compile_expr(e.args[0])  # DiagMatrix(vector)
    return lambda env: torch.diag_embed(inner(env)[..., 0])


def _trace(e: Any) -> Fn:
    inner = compile_expr(e.arg)
    return lambda env: inner(env).diagonal(dim1=-2, dim2=-1).sum(-1)[:, None, None]


def _element(e: MatrixElement) -> Fn:
    parent, r, c = compile_expr(e.parent), compile_expr(e.i), compile_expr(e.j)

    def element(env):
        m = _t(parent(env), env)
        ri, ci = _t(r(env), env), _t(c(env), env)
        if m.shape[0] == 1 and env.batch > 1:
            m = m.expand(env.batch, *m.shape[1:])
        # an index is one value per point, (B, 1, 1), or, inside a vectorised sum, one per
        # term of the sum, (B or 1, K, 1): the result then has the sum's axis too
        k = max(ri.shape[1] if ri.dim() == 3 else 1, ci.shape[1] if ci.dim() == 3 else 1)
        rows = torch.arange(env.batch, device=env.device)[:, None]
        got = m[rows, _index(ri, env, m.shape[1], k), _index(ci, env, m.shape[2], k)]
        return got[..., None]
    return element


def _index(v: torch.Tensor, env: Env, size: int, k: int) -> torch.Tensor:
    t = v.reshape(v.shape[0], -1, 1).expand(env.batch, k, 1)[..., 0].round().long()
    if bool(((t < 0) | (t >= size)).any()):
        raise Unsupported("an index runs outside its vector")
    return t


def _applyfunc(e: ElementwiseApplyFunction) -> Fn:
    lam = e.function
    var = lam.variables[0]
    body, inner = compile_expr(lam.expr), compile_expr(e.expr)

    def apply(env):
        env[var] = inner(env)
        try:
            return _t(body(env), env).expand_as(env[var])
        finally:
            env.pop(var, None)
    return apply


_COMPILERS: dict[type, Callable[[Any], Fn]] = {
    sp.Number: _number, sp.NumberSymbol: _number,
    sp.Dummy: _symbol, sp.Symbol: _symbol,
    sp.MatrixSymbol: _matrix_symbol, sp.Identity: _identity, sp.OneMatrix: _ones,
    sp.ZeroMatrix: _zeros, sp.MatrixBase: _explicit_matrix,
    sp.Add: _add, sp.Mul: _mul, sp.Pow: _pow, sp.Max: _minmax, sp.Min: _minmax,
    sp.Piecewise: _piecewise, sp.And: _logic, sp.Or: _logic, sp.Not: _not,
    sp.KroneckerDelta: _kronecker, sp.Sum: _sum,
    sp.MatAdd: _matadd, sp.MatMul: _matmul, sp.Transpose: _transpose,
    sp.Inverse: _inverse, sp.MatPow: _matpow, sp.HadamardProduct: _hadamard,
    sp.DiagMatrix: _diag, sp.Trace: _trace, MatrixElement: _element,
    ElementwiseApplyFunction: _applyfunc, sp.FunctionMatrix: _function_matrix,
    sp.HadamardPower: _hadamard_power, sp.Determinant: _det, sp.KroneckerProduct: _kron,
    PseudoInverse: _pinv, Vec: _vec, sp.Product: _product, Gradient: _gradient,
}
