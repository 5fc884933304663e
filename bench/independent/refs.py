"""Reference values for the 41 closed-form questions, written independently of derive.

Each question has
  * ``sample(rng, k)``: a dict of the question's symbols at random point number ``k``
    (vectors are columns, shape (n, 1); dims are small and, where it matters, unequal so that
    dimension errors show), kept inside the question's domain and away from kinks;
  * ``ref(env)``: the value of the correct answer computed from the question's DEFINITION
    (torch autograd in float64 for derivatives, a forward pass for the table network, an
    argmin for soft thresholding, ...), not from the catalogue's closed form;
  * ``closed(env)``: the catalogue's closed form, typed once here only for the self-test
    (``python refs.py``) that cross-checks it against ``ref``.

Symbol names used by the ``meaning`` expressions of the corpus are listed in ``SYMBOLS``.
Index symbols that name a class (``y`` in uw 2.5 and 3.6.2) are 0-based Python ints.

Nothing here imports derive.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import torch

torch.set_default_dtype(torch.float64)

Env = dict[str, Any]


def _t(a) -> torch.Tensor:
    return torch.tensor(np.asarray(a, dtype=float), dtype=torch.float64, requires_grad=True)


def _col(rng, k, lo=-2.0, hi=2.0):
    return rng.uniform(lo, hi, size=(k, 1))


def _away_from_zero(rng, shape, lo=0.3, hi=2.0):
    """Entries with |v| in [lo, hi] and random sign (keeps sign() and max(.,0) off their kinks)."""
    mag = rng.uniform(lo, hi, size=shape)
    return mag * rng.choice([-1.0, 1.0], size=shape)


@dataclass(frozen=True)
class Question:
    qid: str
    kind: str                      # value | equation | number | shape | pair
    what: str
    symbols: str
    sample: Callable[[np.random.Generator, int], Env]
    ref: Callable[[Env], Any]
    closed: Callable[[Env], Any] | None = None
    target: str | None = None      # for equations: the variable solved for
    extra: dict = field(default_factory=dict)


QUESTIONS: dict[str, Question] = {}


def q(qid, kind, what, symbols, sample, ref, closed=None, target=None):
    QUESTIONS[qid] = Question(qid, kind, what, symbols, sample, ref, closed, target)


def _const(v):
    return (lambda rng, k: {}), (lambda env: v)


# --------------------------------------------------------------------------------------------
# ucb-cs182-sp22
# --------------------------------------------------------------------------------------------

def _s_ucb1(rng, k):
    n = int(rng.integers(3, 6))
    x = rng.uniform(0.2, 2.0, size=(n, 1)) * rng.choice([1.0, -0.4], size=(n, 1))
    if abs(x.sum()) < 0.5:           # keep away from sum = 0
        x[0, 0] += 1.5
    return {"n": n, "x": x}


def _r_ucb1(env):
    n = env["n"]
    f = lambda v: n * v / v.sum()
    J = torch.autograd.functional.jacobian(f, torch.tensor(env["x"].ravel()))
    return J.numpy()                 # J[i, j] = d f_i / d x_j


q("ucb-cs182-sp22/1", "value", "Jacobian of n x / sum(x), n x n", "n, x (n,1)",
  _s_ucb1, _r_ucb1,
  lambda e: e["n"] / e["x"].sum() ** 2 * (np.eye(e["n"]) * e["x"].sum() - e["x"] @ np.ones((1, e["n"]))))


def _s_ucb2(rng, k):
    kk, d = 4, 3
    A = rng.normal(size=(kk, d))
    x = rng.normal(size=(d, 1))
    while np.min(np.abs(A @ x)) < 0.2:   # avoid (Ax)_i = 0
        x = rng.normal(size=(d, 1))
    # make x have both signs and differ in sign pattern from Ax as often as possible
    return {"A": A, "w": rng.normal(size=(kk, 1)), "x": x, "k": kk, "d": d}


def _r_ucb2(env):
    A, w, x = _t(env["A"]), _t(env["w"]), _t(env["x"])
    f = (w.T @ torch.clamp(A @ x, min=0)).sum()
    (g,) = torch.autograd.grad(f, x)
    return g.numpy()


q("ucb-cs182-sp22/2", "value", "grad_x w^T max(Ax,0), a d-vector", "A (4,3), w (4,1), x (3,1), k=4, d=3",
  _s_ucb2, _r_ucb2,
  lambda e: e["A"].T @ np.diag((e["A"] @ e["x"]).ravel() > 0).astype(float) @ e["w"])


def _s_ucb3(rng, k):
    K = int(rng.integers(2, 6))
    return {"K": K, "z": rng.normal(size=(K, 1)) * 1.5}


def _r_ucb3(env):
    # H(U; p) = - sum_x U(x) log p(x), p = softmax(z), U uniform on K classes
    z = torch.tensor(env["z"].ravel())
    K = env["K"]
    logp = torch.log_softmax(z, dim=0)
    return float(-(torch.full((K,), 1.0 / K) * logp).sum())


q("ucb-cs182-sp22/3", "value", "H(U;p) = -(1/K) sum z + log sum e^z", "K, z (K,1)",
  _s_ucb3, _r_ucb3,
  lambda e: -e["z"].sum() / e["K"] + np.log(np.exp(e["z"]).sum()))


def _s_ucb7(rng, k):
    N = float(rng.integers(5, 200))
    return {"alpha0": float(rng.uniform(0.01, 2)), "i": float(rng.integers(0, int(N) + 1)), "N": N}


def _r_ucb7(env):
    # cosine decay: starts at alpha0 (i=0), ends at 0 (i=N), half a cosine period in between
    a0, i, N = env["alpha0"], env["i"], env["N"]
    lo, hi = 0.0, a0
    return lo + (hi - lo) * (1 + math.cos(math.pi * i / N)) / 2


q("ucb-cs182-sp22/7", "value", "cosine schedule alpha_i", "alpha0 (= alpha_initial = alpha_0), i, N",
  _s_ucb7, _r_ucb7, lambda e: e["alpha0"] * 0.5 * (1 + np.cos(np.pi * e["i"] / e["N"])))


def _s_bn(rng, k):
    m = int(rng.integers(3, 7))
    x = rng.normal(size=(m, 1)) * 2 + 0.5
    eps = float(rng.uniform(1e-3, 0.5))
    mu = x.mean()
    var = ((x - mu) ** 2).mean()
    env = {"m": m, "x": x, "dy": rng.normal(size=(m, 1)), "gamma": float(rng.normal()),
           "beta": float(rng.normal()), "eps": eps, "mu": mu, "var": var,
           "xhat": (x - mu) / np.sqrt(var + eps)}
    # df/dx_i through the layer (used by the exam's wrong option that sums df/dx_i)
    xt = _t(x)
    mu_t = xt.mean()
    y = env["gamma"] * (xt - mu_t) / torch.sqrt(((xt - mu_t) ** 2).mean() + eps) + env["beta"]
    (dx,) = torch.autograd.grad((torch.tensor(env["dy"]) * y).sum(), xt)
    env["dx"] = dx.numpy()
    return env


def _bn_grads(env):
    x = torch.tensor(env["x"])
    gamma = _t(env["gamma"])
    beta = _t(env["beta"])
    mu = x.mean()
    var = ((x - mu) ** 2).mean()
    xhat = (x - mu) / torch.sqrt(var + env["eps"])
    y = gamma * xhat + beta
    f = (torch.tensor(env["dy"]) * y).sum()     # f with df/dy_i = dy_i
    gg, gb = torch.autograd.grad(f, (gamma, beta))
    return float(gg), float(gb)


q("ucb-cs182-sp22/9.beta", "value", "df/dbeta of batch norm",
  "m, x (m,1), dy (m,1) = df/dy_i, dx (m,1) = df/dx_i, gamma, beta, eps, mu, var (sigma_B^2), xhat (m,1)",
  _s_bn, lambda e: _bn_grads(e)[1], lambda e: e["dy"].sum())
q("ucb-cs182-sp22/9.gamma", "value", "df/dgamma of batch norm", "as 9.beta",
  _s_bn, lambda e: _bn_grads(e)[0], lambda e: (e["dy"] * e["xhat"]).sum())


def _s_ucb10(rng, k):
    return {"d": int(rng.integers(2, 6)), "L": int(rng.integers(0, 5))}


def _r_ucb10(env):
    # y = W_{L+1} ... W_1 x, Var(x_j) = 1, W_ij ~ N(0,1) independent: each layer sums d
    # independent zero-mean terms of variance 1 * v, so the variance is multiplied by d.
    v = 1.0
    for _ in range(env["L"] + 1):
        v = sum(1.0 * v for _ in range(env["d"]))
    return v


q("ucb-cs182-sp22/10", "value", "output variance", "d, L (ints)", _s_ucb10, _r_ucb10,
  lambda e: float(e["d"]) ** (e["L"] + 1))

# 1x1 conv, 3 input channels, one filter, bias
q("ucb-cs182-sp22/12", "number", "parameter count", "-", *_const(1 * 1 * 3 * 1 + 1), lambda e: 4)

# --------------------------------------------------------------------------------------------
# uw-cse493g1-sp23
# --------------------------------------------------------------------------------------------


def _s_uw25(rng, k):
    K = int(rng.integers(3, 6))
    return {"K": K, "s": rng.normal(size=(K, 1)), "y": int(rng.integers(0, K)),
            "a": float(rng.uniform(0.2, 3)), "b": float(rng.uniform(-2, 3)), "c": float(rng.normal())}


def _r_uw25(env):
    s = _t(env["s"])
    a, b, c = env["a"], env["b"], env["c"]
    L = -torch.log(a * torch.exp(b * s[env["y"], 0]) / torch.exp(s).sum()) + c
    (g,) = torch.autograd.grad(L, s)
    return g.numpy()


def _onehot(y, K):
    e = np.zeros((K, 1))
    e[y, 0] = 1
    return e


q("uw-cse493g1-sp23/2.5", "value", "dL/ds_k, as the K-vector over k", "K, s (K,1), y (0-based int), a, b, c",
  _s_uw25, _r_uw25, lambda e: np.exp(e["s"]) / np.exp(e["s"]).sum() - e["b"] * _onehot(e["y"], e["K"]))


def _unit(v):
    return v / np.linalg.norm(v)


def _s_uw32(rng, k):
    n = int(rng.integers(2, 6))
    u, v = _unit(rng.normal(size=(n, 1))), _unit(rng.normal(size=(n, 1)))
    return {"x": u, "y": v, "n": n, "D_C": float((u * v).sum()), "d_C": float(rng.uniform(-1, 1))}


q("uw-cse493g1-sp23/3.2", "value", "D_E in terms of D_C", "D_C (and the unit vectors x, y it came from); d_C unrelated",
  _s_uw32, lambda e: float(np.sqrt(((e["x"] - e["y"]) ** 2).sum())), lambda e: np.sqrt(2 - 2 * e["D_C"]))


def _s_huber(rng, k):
    Delta = float(rng.uniform(0.5, 2))
    region = k % 3               # cycle through the three pieces
    if region == 0:              # s_j - s_y < -Delta: first piece, max(.) = 0
        gap = -Delta - rng.uniform(0.2, 2)
    elif region == 1:            # -Delta < s_j - s_y < 0: first piece, max(.) > 0
        gap = -Delta * rng.uniform(0.15, 0.85)
    else:                        # s_j > s_y: second piece
        gap = rng.uniform(0.2, 2)
    s_y = float(rng.normal())
    return {"s_j": s_y + gap, "s_y": s_y, "a": float(rng.uniform(0.2, 3)), "b": float(rng.uniform(0.2, 3)),
            "Delta": Delta, "delta": float(rng.uniform(0.5, 2))}


def _r_huber(env):
    sj = _t(env["s_j"])
    a, b, D, sy = env["a"], env["b"], env["Delta"], env["s_y"]
    if env["s_j"] <= sy:
        Lj = a * torch.clamp(sj - sy + D, min=0) ** 2
    else:
        Lj = b * (sj - sy + 0.5 * D)
    (g,) = torch.autograd.grad(Lj, sj)
    return float(g)


q("uw-cse493g1-sp23/3.6.1.1", "value", "dL/ds_j of the Huber loss (piecewise)",
  "s_j, s_y (= s_{y_i}), a, b, Delta; delta is an unrelated symbol", _s_huber, _r_huber,
  lambda e: 2 * e["a"] * max(e["s_j"] - e["s_y"] + e["Delta"], 0) if e["s_j"] <= e["s_y"] else e["b"])


def _s_uw3612(rng, k):
    return {"a": float(rng.uniform(0.2, 3)), "Delta": float(rng.uniform(0.2, 3)), "delta": float(rng.uniform(0.2, 3)),
            "A": float(rng.uniform(0.2, 3))}


def _r_uw3612(env):
    # value continuity at s_j = s_y:  a*Delta^2 = b*(0.5*Delta)  -> solve for b
    a, D = env["a"], env["Delta"]
    return a * D ** 2 / (0.5 * D)


def _slope_b(env):
    # slope continuity: d/dt a*max(t+Delta,0)^2 at t=0-  equals b
    t = _t(0.0)
    (g,) = torch.autograd.grad(env["a"] * torch.clamp(t + env["Delta"], min=0) ** 2, t)
    return float(g)


q("uw-cse493g1-sp23/3.6.1.2", "equation", "constraint on a, b; the solved value of b", "a, Delta; delta and A unrelated",
  _s_uw3612, _r_uw3612, _slope_b, target="b")


def _s_smooth(rng, k):
    C = int(rng.integers(3, 6))
    return {"C": C, "s": rng.normal(size=(C, 1)) * 1.5, "y": int(rng.integers(0, C)),
            "Delta": float(rng.uniform(0.2, 2)), "delta": float(rng.uniform(0.2, 2))}


def _r_smooth(env, margin):
    # L = max(max_{j != y} s_j - s_y + margin, 0) = max over {0} U {s_j - s_y + margin};
    # relaxation (2): max(x_1..x_n) ~ log sum_i e^{x_i}
    s = env["s"].ravel()
    y = env["y"]
    terms = [0.0] + [s[j] - s[y] + margin for j in range(len(s)) if j != y]
    return float(torch.logsumexp(torch.tensor(terms), dim=0))


q("uw-cse493g1-sp23/3.6.2.1", "value", "smooth hinge loss", "C, s (C,1), y (0-based int)",
  _s_smooth, lambda e: _r_smooth(e, 0.0),
  lambda e: np.log(1 + sum(np.exp(e["s"][j, 0] - e["s"][e["y"], 0]) for j in range(e["C"]) if j != e["y"])))
q("uw-cse493g1-sp23/3.6.2.2", "value", "smooth hinge loss with margin", "C, s, y, Delta; delta unrelated",
  _s_smooth, lambda e: _r_smooth(e, e["Delta"]),
  lambda e: np.log(1 + sum(np.exp(e["s"][j, 0] - e["s"][e["y"], 0] + e["Delta"]) for j in range(e["C"]) if j != e["y"])))

# --------------------------------------------------------------------------------------------
# neu-cs7150-f22
# --------------------------------------------------------------------------------------------


def _s_neu3b(rng, k):
    return {"w": float(rng.normal() * 2), "W_i": float(rng.normal() * 2)}


def _r_neu3b(env):
    delta, lam = 0.1, 0.1
    w = _t(env["w"])
    (g,) = torch.autograd.grad(delta * w ** 2, w)
    return float((w - lam * g).detach())


q("neu-cs7150-f22/3.b", "equation", "w_i after one step", "w (= w_i); W_i unrelated", _s_neu3b, _r_neu3b,
  lambda e: 0.98 * e["w"], target="w_i^(updated)")


def _s_neu4(rng, k):
    m, n = 4, 3
    return {"m": m, "n": n, "W": rng.normal(size=(m, n)), "x": rng.normal(size=(n, 1)),
            "y": rng.normal(size=(m, 1)), "w": rng.normal(size=(m, n)), "X": rng.normal(size=(n, 1)),
            "Y": rng.normal(size=(m, 1))}


def _neu4_grads(env):
    W, x, y = _t(env["W"]), _t(env["x"]), torch.tensor(env["y"])
    L = ((W @ x - y) ** 2).sum()
    gW, gx = torch.autograd.grad(L, (W, x))
    return gW.numpy(), gx.numpy()


q("neu-cs7150-f22/4.W", "value", "dL/dW, L = ||Wx-y||^2", "m=4, n=3, W (m,n), x (n,1), y (m,1); w, X, Y are unrelated symbols of the same shapes",
  _s_neu4, lambda e: _neu4_grads(e)[0], lambda e: 2 * (e["W"] @ e["x"] - e["y"]) @ e["x"].T)
q("neu-cs7150-f22/4.x", "value", "dL/dx", "as 4.W", _s_neu4, lambda e: _neu4_grads(e)[1],
  lambda e: 2 * e["W"].T @ (e["W"] @ e["x"] - e["y"]))

# Linear(1e6 -> 100, bias) + Linear(100 -> 1e6, no bias): weight, bias, weight
q("neu-cs7150-f22/5.b", "number", "parameter tensors", "-", *_const(len(["w1", "b1", "w2"])), lambda e: 3)
q("neu-cs7150-f22/5.c", "number", "parameter elements", "-",
  *_const(10 ** 6 * 100 + 100 + 100 * 10 ** 6), lambda e: 200000100)


def _p2_opt():
    # minimise -(0.1 log p1 + 0.9 log p2) over p2 in (0,1) on a fine grid, refined
    y1, y2 = 0.1, 0.9
    ps = np.linspace(1e-4, 1 - 1e-4, 200001)
    vals = -(y1 * np.log(1 - ps) + y2 * np.log(ps))
    return round(float(ps[np.argmin(vals)]), 6)


q("neu-cs7150-f22/6.a", "number", "optimal p_2", "-", *_const(_p2_opt()), lambda e: 0.9)


def _z2():
    # softmax([0, z2])_2 = p2  <=>  e^{z2} / (1 + e^{z2}) = p2; solve by bisection
    p2 = 0.9
    lo, hi = -50.0, 50.0
    for _ in range(200):
        mid = (lo + hi) / 2
        if 1 / (1 + math.exp(-mid)) < p2:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


q("neu-cs7150-f22/6.b", "equation", "z_2", "-", *_const(_z2()), lambda e: math.log(9), target="z_2")

# --------------------------------------------------------------------------------------------
# tum-in2346-ss22
# --------------------------------------------------------------------------------------------

# 1x1 conv filter over C=32 channels, plus bias
q("tum-in2346-ss22/1.3", "number", "parameter count", "-", *_const(1 * 1 * 32 + 1), lambda e: 33)


def _s_tum23(rng, k):
    N, D, M = 2, 4, 3
    return {"N": N, "D": D, "M": M, "X": rng.normal(size=(N, D)), "W": rng.normal(size=(D, M)),
            "b": rng.normal(size=(M, 1)), "dout": rng.normal(size=(N, M))}


def _r_tum23(env):
    X, W, b = _t(env["X"]), _t(env["W"]), _t(env["b"])
    Y = X @ W + b.T
    L = (torch.tensor(env["dout"]) * Y).sum()     # dL/dY = dout
    (g,) = torch.autograd.grad(L, X)
    return g.numpy()


q("tum-in2346-ss22/2.3", "value", "dL/dX for Y = XW + b", "N=2, D=4, M=3, X (N,D), W (D,M), b (M,1), dout (N,M)",
  _s_tum23, _r_tum23, lambda e: e["dout"] @ e["W"].T)


def _s_tum24(rng, k):
    return {"theta": rng.normal(size=(3, 2)), "alpha": float(rng.uniform(0.01, 0.5)),
            "lam": float(rng.uniform(0.01, 2)), "gL": rng.normal(size=(3, 2)),
            "Lam": float(rng.uniform(0.01, 2))}


def _r_tum24(env):
    # loss L(theta) + (lam/2)||theta||^2; one gradient step of size alpha. L is replaced by a
    # linear function with the given gradient gL at theta_k.
    th = _t(env["theta"])
    tot = (torch.tensor(env["gL"]) * th).sum() + env["lam"] / 2 * (th ** 2).sum()
    (g,) = torch.autograd.grad(tot, th)
    return (th - env["alpha"] * g).detach().numpy()


q("tum-in2346-ss22/2.4", "equation", "theta_{k+1}", "theta (3,2) = theta_k, alpha, lam (lambda), gL = grad L(theta_k); Lam (capital Lambda) unrelated",
  _s_tum24, _r_tum24, lambda e: (1 - e["alpha"] * e["lam"]) * e["theta"] - e["alpha"] * e["gL"],
  target="theta_{k+1}")


def _s_tum28(rng, k):
    return {"X": rng.normal(size=(5, 3)), "Y": rng.normal(size=(5, 2)), "n": 5, "d": 3}


q("tum-in2346-ss22/2.8", "equation", "closed-form W", "X (5,3) full column rank, Y (5,2)",
  _s_tum28, lambda e: np.linalg.lstsq(e["X"], e["Y"], rcond=None)[0],
  lambda e: np.linalg.inv(e["X"].T @ e["X"]) @ e["X"].T @ e["Y"], target="W")


def _k_tum43():
    h = 28
    for _ in range(2):        # conv keeps size, maxpool halves
        h = h // 2
    return 16 * h * h


q("tum-in2346-ss22/4.3", "number", "k", "-", *_const(_k_tum43()), lambda e: 784)


def _tum6_forward():
    x = torch.tensor([1.0, -2.0])
    W = torch.tensor([[-0.5, 1.0, 2.0], [-1.0, 0.5, 1.5]], requires_grad=True)   # W[i, j] = w_{i+1, j+1}
    b = torch.tensor([0.5, 0.0, -1.0])
    V = torch.tensor([[1.0, -0.5], [-0.5, 2.0], [-1.0, 1.0]])
    b45 = torch.tensor([-1.0, 2.0])
    h = x @ W + b
    h = torch.where(h > 0, h, 0.5 * h)    # leaky ReLU, alpha = 0.5 (max(0.5h, h))
    yhat = h @ V + b45
    return W, yhat


def _tum61():
    _, yhat = _tum6_forward()
    return tuple(round(float(v), 12) for v in yhat.detach())


def _tum62():
    _, yhat = _tum6_forward()
    return round(float(((yhat.detach() - torch.tensor([1.0, 1.0])) ** 2).mean()), 12)


def _tum63():
    W, yhat = _tum6_forward()
    L = ((yhat - torch.tensor([1.0, 1.0])) ** 2).mean()
    (g,) = torch.autograd.grad(L, W)
    g11 = float(g[0, 0])
    return (round(g11, 12), round(-0.5 - 0.1 * g11, 12))


q("tum-in2346-ss22/6.1", "pair", "(yhat_1, yhat_2)", "-", *_const(_tum61()), lambda e: (2.0, 0.0))
q("tum-in2346-ss22/6.2", "number", "MSE", "-", *_const(_tum62()), lambda e: 1.0)
q("tum-in2346-ss22/6.3", "pair", "(dL/dw11, updated w11)", "-", *_const(_tum63()), lambda e: (1.5, -0.65))
# BatchNorm2d over C = 3 channels: running mean and running variance, one per channel
q("tum-in2346-ss22/7.3", "number", "running-stat values", "-", *_const(2 * 3), lambda e: 6)


def _s_newton(rng, k):
    c = rng.normal(size=4)
    w = float(rng.normal())
    wt = _t(w)
    f = c[0] + c[1] * wt + c[2] * wt ** 2 + c[3] * wt ** 3
    (fp,) = torch.autograd.grad(f, wt, create_graph=True)
    (fpp,) = torch.autograd.grad(fp, wt)
    if abs(float(fpp)) < 0.3:
        c[2] += 1.0 if c[2] >= 0 else -1.0
        return _s_newton(np.random.default_rng(rng.integers(1 << 30)), k)
    return {"w": w, "f": float(f.detach()), "fp": float(fp.detach()), "fpp": float(fpp), "coef": c,
            "alpha": float(rng.uniform(0.01, 1))}


def _r_newton(env):
    # Newton: jump to the stationary point of the second-order Taylor model at w_k
    w, fp, fpp = env["w"], env["fp"], env["fpp"]
    # model q(t) = f + fp (t - w) + fpp/2 (t - w)^2;  q'(t) = fp + fpp (t - w) = 0
    root = np.roots([fpp, fp - fpp * w])
    return float(root[0].real)


q("tum-in2346-ss22/8.7", "equation", "w_{k+1}", "w (= w_k), f = f(w_k), fp = f'(w_k), fpp = f''(w_k); alpha unrelated (a learning rate the question does not have)",
  _s_newton, _r_newton, lambda e: e["w"] - e["fp"] / e["fpp"], target="w_{k+1}")

# --------------------------------------------------------------------------------------------
# stanford-cs230-sp21
# --------------------------------------------------------------------------------------------


def _conv_out(h, f, s, p):
    return (h + 2 * p - f) // s + 1


for part, (f, s, p, nf) in {"i": (3, 1, 0, 64), "ii": (5, 1, 2, 16), "iii": (2, 2, 0, 32)}.items():
    o = _conv_out(128, f, s, p)
    q(f"stanford-cs230-sp21/3.{part}.shape", "shape", "output shape (H, W, C)", "-", *_const((o, o, nf)),
      {"i": lambda e: (126, 126, 64), "ii": lambda e: (128, 128, 16), "iii": lambda e: (64, 64, 32)}[part])
    q(f"stanford-cs230-sp21/3.{part}.params", "number", "parameter count", "-", *_const(nf * (f * f * 3 + 1)),
      {"i": lambda e: 1792, "ii": lambda e: 1216, "iii": lambda e: 416}[part])


def _s_st4i(rng, k):
    n = 4
    Q = rng.normal(size=(n, n))
    Q = Q @ Q.T + np.eye(n)
    c = rng.normal(size=(n, 1))
    w = _away_from_zero(rng, (n, 1))
    return {"n": n, "w": w, "alpha": float(rng.uniform(0.1, 2)), "Q": Q, "cvec": c, "gJ": Q @ w + c,
            "W": _away_from_zero(rng, (n, 1))}


def _r_st4i(env):
    # J(w) = 1/2 w^T Q w + c^T w stands in for the objective; gJ is its gradient at w
    w = _t(env["w"])
    Q, c = torch.tensor(env["Q"]), torch.tensor(env["cvec"])
    Jt = 0.5 * (w.T @ Q @ w).sum() + (c * w).sum() + env["alpha"] * w.abs().sum()
    (g,) = torch.autograd.grad(Jt, w)
    return g.numpy()


q("stanford-cs230-sp21/4.i", "value", "grad_w (J + alpha ||w||_1)", "n=4, w (n,1) no zero entries, alpha, gJ = grad_w J (n,1); W unrelated",
  _s_st4i, _r_st4i, lambda e: e["gJ"] + e["alpha"] * np.sign(e["w"]))


def _s_st4ii(rng, k):
    n = 5
    H = rng.uniform(0.3, 3, size=(n, 1))
    alpha = float(rng.uniform(0.1, 2))
    thr = alpha / H
    # entries on both sides of the threshold and of zero, away from |w*| = alpha/H
    fac = rng.choice([0.3, 0.6, 1.5, 2.5], size=(n, 1)) * rng.uniform(0.9, 1.1, size=(n, 1))
    w_star = thr * fac * rng.choice([-1.0, 1.0], size=(n, 1))
    return {"n": n, "H": H, "alpha": alpha, "w_star": w_star, "w": rng.normal(size=(n, 1))}


def _r_st4ii(env):
    # argmin_w 1/2 H (w - w*)^2 + alpha |w|, per coordinate: compare the candidates
    # w = 0 and the stationary points of each smooth piece that lie in their piece
    out = []
    for h, ws in zip(env["H"].ravel(), env["w_star"].ravel()):
        obj = lambda v: 0.5 * h * (v - ws) ** 2 + env["alpha"] * abs(v)
        cands = [0.0]
        for sgn in (1.0, -1.0):
            v = ws - sgn * env["alpha"] / h
            if v * sgn > 0:
                cands.append(v)
        out.append(min(cands, key=obj))
    return np.array(out).reshape(-1, 1)


q("stanford-cs230-sp21/4.ii", "value", "soft thresholding, per element (as the n-vector)",
  "n=5, w_star (n,1) = w_i^*, H (n,1) = H_{i,i}, alpha; w (the unknown) unrelated", _s_st4ii, _r_st4ii,
  lambda e: np.sign(e["w_star"]) * np.maximum(np.abs(e["w_star"]) - e["alpha"] / e["H"], 0))


def _s_st5(rng, k):
    n = int(rng.integers(2, 8))
    zr, zf = rng.normal(size=2) * 1.5
    sig = lambda z: 1 / (1 + math.exp(-z))
    return {"n": n, "zr": float(zr), "zf": float(zf), "DX": sig(zr), "DG": sig(zf)}


def _r_st5(env):
    # L = 1/n sum_i [log D(X^i) + log(1 - D(G(Z^i)))], D = sigmoid(z); derivative w.r.t. the
    # logit of sample 0 (real) and of generated sample 0, with the other samples random
    n = env["n"]
    zr = torch.cat([_t([env["zr"]]).detach(), torch.linspace(-1, 1, n - 1)]).requires_grad_(True)
    zf = torch.cat([_t([env["zf"]]).detach(), torch.linspace(-0.5, 0.7, n - 1)]).requires_grad_(True)
    L = (torch.log(torch.sigmoid(zr)) + torch.log(1 - torch.sigmoid(zf))).sum() / n
    gr, gf = torch.autograd.grad(L, (zr, zf))
    return (float(gr[0]), float(gf[0]))


q("stanford-cs230-sp21/5.ii", "pair", "(dL/dz for a real sample, for a generated sample)",
  "n, zr, zf (the logits), DX = D(X^i) = sigmoid(zr), DG = D(G(Z^i)) = sigmoid(zf)",
  _s_st5, _r_st5, lambda e: ((1 - e["DX"]) / e["n"], -e["DG"] / e["n"]))


def _s_st61(rng, k):
    return {"iC": int(rng.integers(1, 9)), "oC": int(rng.integers(1, 9))}


def _r_st61(env):
    key = 3 * 3 * env["iC"]       # key kernel 3x3xiC per output channel
    val = 3 * 3 * 1               # value kernel 3x3x1 per output channel
    return env["oC"] * (key + val)


q("stanford-cs230-sp21/6.1", "value", "trainable parameters", "iC, oC (ints)", _s_st61, _r_st61,
  lambda e: e["oC"] * (9 * e["iC"] + 9))


SYMBOLS = {k: v.symbols for k, v in QUESTIONS.items()}


def points(qid: str, count: int = 20, seed: int = 20240611) -> list[Env]:
    qq = QUESTIONS[qid]
    return [qq.sample(np.random.default_rng([seed, hash_id(qid), k]), k) for k in range(count)]


def hash_id(qid: str) -> int:
    return sum((i + 1) * ord(c) for i, c in enumerate(qid))


def _close(a, b) -> bool:
    if isinstance(a, tuple) or isinstance(b, tuple):
        return len(a) == len(b) and all(_close(x, y) for x, y in zip(a, b))
    a, b = np.asarray(a, float), np.asarray(b, float)
    return a.shape == b.shape and np.allclose(a, b, rtol=1e-9, atol=1e-12)


def self_test() -> int:
    assert len(QUESTIONS) == 41, len(QUESTIONS)
    bad = 0
    for qid, qq in QUESTIONS.items():
        for env in points(qid, 20):
            r, c = qq.ref(env), qq.closed(env)
            if not _close(r, c):
                print(f"MISMATCH {qid}: ref={r!r} closed={c!r}")
                bad += 1
                break
    # Monte Carlo sanity check of the variance question (d=3, L=1 -> 9)
    g = np.random.default_rng(0)
    d, L, N = 3, 1, 200000
    x = g.normal(size=(N, d))
    for _ in range(L + 1):
        W = g.normal(size=(N, d, d))
        x = np.einsum("nij,nj->ni", W, x)
    mc = x[:, 0].var()
    if abs(mc - 9) > 0.3:
        print("MC variance check failed", mc)
        bad += 1
    print(f"refs self-test: {len(QUESTIONS)} questions, {'OK' if not bad else f'{bad} mismatches'}")
    return bad


if __name__ == "__main__":
    raise SystemExit(1 if self_test() else 0)
