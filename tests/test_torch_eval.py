"""The torch evaluator against SymPy's own arithmetic, on sums in particular: a sum is
evaluated with all its terms at once (the index along a new axis) where that is safe, and
must agree with the term-by-term value everywhere, nested sums and entrywise functions
included."""
from __future__ import annotations

import pytest
import sympy as sp
import torch

from derive.judge.torch_eval import Env, compile_expr, evaluate

N = 4
x = sp.MatrixSymbol("x", N, 1)
A = sp.MatrixSymbol("A", N, N)
i, j = sp.symbols("i j", integer=True, positive=True)
d = sp.Dummy("d", real=True)
y = sp.Symbol("y", real=True)

CASES = [
    sp.Sum(x[i - 1, 0] ** 2, (i, 1, N)),
    sp.Sum(x[i - 1, 0] * A[i - 1, j - 1] * x[j - 1, 0], (i, 1, N), (j, 1, N)),
    sp.Sum(y, (i, 1, N)),                                               # body free of i
    sp.Sum(sp.Piecewise((x[i - 1, 0], x[i - 1, 0] > 0), (0, True)), (i, 1, N)),
    sp.Sum(sp.KroneckerDelta(i, 2) * x[i - 1, 0], (i, 1, N)),
    sp.Sum(sp.exp(x[i - 1, 0] - y), (i, 1, N)) * sp.log(sp.Sum(sp.exp(x[j - 1, 0]), (j, 1, N))),
]


def values(seed: int):
    g = torch.Generator().manual_seed(seed)
    xv = torch.randn(2, N, 1, dtype=torch.float64, generator=g)
    av = torch.randn(2, N, N, dtype=torch.float64, generator=g)
    yv = torch.randn(2, 1, 1, dtype=torch.float64, generator=g)
    return xv, av, yv


@pytest.mark.parametrize("expr", CASES, ids=[str(k) for k in range(len(CASES))])
def test_sums_match_sympy(expr):
    xv, av, yv = values(0)
    env = Env({"x": xv, "A": av, y: yv}, batch=2, device=torch.device("cpu"))
    got = evaluate(compile_expr(expr), env).reshape(-1).expand(2)
    for b in range(2):
        subs = {x: sp.Matrix(xv[b].tolist()), A: sp.Matrix(av[b].tolist()), y: float(yv[b])}
        want = float(expr.xreplace(subs).doit().evalf())
        assert got[b].item() == pytest.approx(want, rel=1e-12, abs=1e-12), expr


def test_inner_bound_from_the_outer_index():
    expr = sp.Sum(sp.Sum(A[i - 1, j - 1], (i, 1, j)), (j, 1, N))   # the upper triangle
    xv, av, yv = values(2)
    env = Env({"A": av}, batch=2, device=torch.device("cpu"))
    got = evaluate(compile_expr(expr), env).reshape(-1)
    want = torch.triu(av).sum(dim=(1, 2))
    assert torch.allclose(got, want, rtol=1e-12)


def test_sum_inside_an_entrywise_function_keeps_its_own_axis():
    """softmax-like: exp(d) / sum_k exp(x_k - d) with d running over x itself."""
    from sympy.matrices.expressions.applyfunc import ElementwiseApplyFunction
    body = sp.exp(d) / sp.Sum(sp.exp(x[i - 1, 0] - d), (i, 1, N))
    expr = ElementwiseApplyFunction(sp.Lambda(d, body), x)
    xv, av, yv = values(1)
    env = Env({"x": xv}, batch=2, device=torch.device("cpu"))
    got = evaluate(compile_expr(expr), env)
    for b in range(2):
        xs = xv[b, :, 0]
        want = torch.stack([torch.exp(t) / torch.exp(xs - t).sum() for t in xs])
        assert torch.allclose(got[b, :, 0], want, rtol=1e-12)
