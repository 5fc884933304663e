"""Definitions for neu-cs7150-f22 (CS 7150 Deep Learning, Fall 2022 midterm, Northeastern).

Every answer is computed the way a framework would: the weight-decay step is one
torch gradient-descent step, the matrix-calculus answers are ``torch.func``
autograd of the squared error, the parameter counts come from the exam's
``torch.nn`` network built on the meta device, and the label-smoothing answers
come from a numeric minimisation of the cross-entropy (L-BFGS in float64).
"""
from __future__ import annotations

import sympy as sp
import torch
from torch.func import grad, vmap

from . import definition

# --- 3.b: one step of gradient descent on the weight-decay loss alone -----------------


def _weight_decay_step_sympy(v):
    w, delta, lam = sp.Symbol("w"), v["delta"], v["lambda"]
    loss = delta * w ** 2                       # L_wd = delta * sum_i |w_i|^2, one term
    updated = w - lam * sp.diff(loss, w)
    return sp.nsimplify(updated).subs(w, v["w"])


@definition("neu-cs7150-f22/3.b",
            "one torch gradient-descent step w - lambda dL/dw (autograd) on "
            "L = delta * sum_i w_i^2 with delta = lambda = 0.1",
            sympy=_weight_decay_step_sympy)
def weight_decay_step(v):
    delta, lam = float(v["delta"]), float(v["lambda"])
    w = v["w"][:, 0, 0].clone().requires_grad_(True)
    loss = delta * (w ** 2).sum()               # the batch entries are independent parameters
    (g,) = torch.autograd.grad(loss, w)
    with torch.no_grad():
        return w - lam * g


# --- 4.W / 4.x: L = ||W x - y||^2 ------------------------------------------------------


def _squared_error(W, x, y):
    return ((W @ x - y) ** 2).sum()


def _squared_error_sympy(v):
    W, x, y = v["W"], v["x"], v["y"]
    d = W * x - y
    return (d.T * d)[0, 0], W, x


def _grad_W_sympy(v):
    L, W, _ = _squared_error_sympy(v)
    return sp.Matrix(W.shape[0], W.shape[1], lambda i, j: sp.diff(L, W[i, j]))


def _grad_x_sympy(v):
    L, _, x = _squared_error_sympy(v)
    return sp.Matrix(x.shape[0], 1, lambda i, _j: sp.diff(L, x[i, 0]))


@definition("neu-cs7150-f22/4.W", "torch.func.grad of L = ||W x - y||^2 in W (vmapped)",
            sympy=_grad_W_sympy)
def squared_error_grad_W(v):
    return vmap(grad(_squared_error, argnums=0))(v["W"], v["x"][..., 0], v["y"][..., 0])


@definition("neu-cs7150-f22/4.x", "torch.func.grad of L = ||W x - y||^2 in x (vmapped)",
            sympy=_grad_x_sympy)
def squared_error_grad_x(v):
    return vmap(grad(_squared_error, argnums=1))(v["W"], v["x"][..., 0], v["y"][..., 0])


# --- 5.b / 5.c: the exam's autoencoder, built on the meta device ------------------------


def exam_network() -> torch.nn.Module:
    """Lines 4-10 of question 5, without ``.cuda()``: on ``meta`` nothing is allocated."""
    from torch.nn import Linear, ReLU, Sequential
    num_pixels = 1000000
    bottleneck = 100
    with torch.device("meta"):
        return Sequential(
            Linear(in_features=num_pixels, out_features=bottleneck, bias=True),
            ReLU(),
            Linear(in_features=bottleneck, out_features=num_pixels, bias=False),
        )


@definition("neu-cs7150-f22/5.b",
            "len(list(net.named_parameters())) of the exam's Sequential, built on device='meta'")
def parameter_tensors(v=None):  # a count: called with no sampled values
    return len(list(exam_network().named_parameters()))


@definition("neu-cs7150-f22/5.c",
            "sum(p.numel() for p in net.parameters()) of the exam's Sequential on device='meta'")
def parameter_elements(v=None):
    return sum(p.numel() for p in exam_network().parameters())


# --- 6.a / 6.b: label smoothing, alpha = 0.1, two classes, true class c = 2 ---------------

ALPHA, N_CLASSES, TRUE_CLASS = 0.1, 2, 2


def smoothed_target(alpha: float = ALPHA, n: int = N_CLASSES, c: int = TRUE_CLASS) -> torch.Tensor:
    """1 - alpha on the true class, the rest spread evenly over the other classes."""
    y = torch.full((n,), alpha / (n - 1), dtype=torch.float64)
    y[c - 1] = 1 - alpha
    return y


def _cross_entropy(z: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return -(y * torch.log_softmax(z, dim=0)).sum()


def _minimise(fn, z0: torch.Tensor) -> torch.Tensor:
    z = z0.clone().requires_grad_(True)
    opt = torch.optim.LBFGS([z], lr=1.0, max_iter=200, tolerance_grad=1e-14,
                            tolerance_change=0.0, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = fn(z)
        loss.backward()
        return loss
    for _ in range(5):
        opt.step(closure)
    return z.detach()


def _smoothing_sympy(v):
    """Stationary point of -sum_i y_i log softmax(z)_i in t = z_2 - z_1."""
    t = sp.Symbol("t", real=True)
    alpha = sp.nsimplify(ALPHA)
    y1, y2 = alpha, 1 - alpha
    p2 = sp.exp(t) / (1 + sp.exp(t))
    loss = -(y1 * sp.log(1 - p2) + y2 * sp.log(p2))
    (t_star,) = sp.solve(sp.diff(loss, t), t)
    return sp.simplify(p2.subs(t, t_star)), sp.simplify(t_star)


@definition("neu-cs7150-f22/6.a",
            "L-BFGS (float64) minimisation of -sum_i y_i log softmax(z)_i over both logits, "
            "y the smoothed target (alpha = 0.1, 2 classes, class 2); returns softmax(z*)_2",
            sympy=lambda v: _smoothing_sympy(v)[0])
def smoothed_optimal_p2(v):
    y = smoothed_target()
    z = _minimise(lambda z: _cross_entropy(z, y), torch.zeros(N_CLASSES, dtype=torch.float64))
    return float(torch.softmax(z, dim=0)[TRUE_CLASS - 1])


@definition("neu-cs7150-f22/6.b",
            "L-BFGS (float64) minimisation of the smoothed cross-entropy over z_2 with z_1 = 0 "
            "held fixed; returns the minimising z_2",
            sympy=lambda v: _smoothing_sympy(v)[1])
def smoothed_optimal_z2(v):
    y = smoothed_target()
    z2 = _minimise(lambda z2: _cross_entropy(torch.cat([torch.zeros(1, dtype=torch.float64), z2]),
                                             y), torch.zeros(1, dtype=torch.float64))
    return float(z2[0])
