"""The code of exam neu-cs7150-f22: ground-truth definitions and claim settlers.

Definitions for neu-cs7150-f22 (CS 7150 Deep Learning, Fall 2022 midterm, Northeastern).

Every answer is computed the way a framework would: the weight-decay step is one
torch gradient-descent step, the matrix-calculus answers are ``torch.func``
autograd of the squared error, the parameter counts come from the exam's
``torch.nn`` network built on the meta device, and the label-smoothing answers
come from a numeric minimisation of the cross-entropy (L-BFGS in float64).

Tier-2 claims of neu-cs7150-f22: dividing the loss by 10 under SGD, momentum and Adam.

Each settler runs the real ``torch.optim`` optimiser for a few steps on a small
least-squares model from one fixed start (float64, its own seeded generator),
once on the loss L and once on L/10, and compares the parameter trajectories.
"Little effect" is measured by the relative trajectory gap

    gap = max_t ||theta_t(L/10) - theta_t(L)|| / max_t ||theta_t(L) - theta_0||,

the largest difference between the two runs as a fraction of how far the run on
L moves. The thresholds: a gap below ``LITTLE`` (1e-3) is "little effect", a gap
above ``LARGE`` (0.5) is not.
"""
from __future__ import annotations

import sympy as sp
import torch
from torch.func import grad, vmap
from typing import Callable

from derive import Settlement, definition, settles, tex_number


# --- 3.b: one step of gradient descent on the weight-decay loss alone -----------------


def _weight_decay_step_sympy(v):
    """SymPy: w - lambda dL/dw for L = delta w^2 (one term of delta sum_i w_i^2)."""
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
    """SymPy: L = (Wx - y)^T (Wx - y) for explicit W, x, y, differentiated entry by entry in W."""
    L, W, _ = _squared_error_sympy(v)
    return sp.Matrix(W.shape[0], W.shape[1], lambda i, j: sp.diff(L, W[i, j]))


def _grad_x_sympy(v):
    """SymPy: L = (Wx - y)^T (Wx - y) for explicit W, x, y, differentiated entry by entry in x."""
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
            sympy=lambda v: _smoothing_sympy(v)[0])  # noqa: E731
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


SEED = 7150
STEPS = 20
LR = 0.05
LITTLE, LARGE = 1e-3, 0.5


def _problem():
    """A small model and data set: a 4 -> 2 linear layer under mean squared error."""
    gen = torch.Generator().manual_seed(SEED)
    X = torch.randn(32, 4, dtype=torch.float64, generator=gen)
    Y = torch.randn(32, 2, dtype=torch.float64, generator=gen)
    model = torch.nn.Linear(4, 2, dtype=torch.float64)
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(torch.randn(p.shape, dtype=torch.float64, generator=gen))
    start = {k: v.clone() for k, v in model.state_dict().items()}
    return model, start, X, Y


def _trajectory(make_opt: Callable, scale: float) -> torch.Tensor:
    """Parameters (flattened) after each of STEPS optimiser steps on scale * L, row 0 the start."""
    model, start, X, Y = _problem()
    model.load_state_dict(start)
    opt = make_opt(model.parameters())
    rows = [torch.nn.utils.parameters_to_vector(model.parameters()).detach().clone()]
    for _ in range(STEPS):
        opt.zero_grad()
        loss = scale * torch.nn.functional.mse_loss(model(X), Y)
        loss.backward()
        opt.step()
        rows.append(torch.nn.utils.parameters_to_vector(model.parameters()).detach().clone())
    return torch.stack(rows)


def _little_effect(gap: float, optimiser: str) -> bool:
    """Below LITTLE: little effect; above LARGE: a large one; between: refuse to decide."""
    if LITTLE <= gap <= LARGE:
        raise RuntimeError(f"{optimiser} gap {gap} between the thresholds: the claim is not "
                           f"settled")
    return gap < LITTLE


def _gap(a: torch.Tensor, b: torch.Tensor) -> float:
    moved = (a - a[0]).norm(dim=1).max()
    return float((a - b).norm(dim=1).max() / moved)


def _tex(x: float, digits: int = 2) -> str:
    return tex_number(x, digits)


SETUP = (f"on a $4 \\to 2$ linear layer under mean squared error (float64, seed {SEED}, "
         f"{STEPS} steps)")


def _effect(gap: float) -> str:
    return (f"below the threshold ${_tex(LITTLE)}$ for little effect" if gap < LITTLE else
            f"above the threshold ${_tex(LARGE)}$ for a large effect")


@settles("neu-cs7150-f22/1.w")
def sgd_divide_loss_equals_divide_lr() -> Settlement:
    sgd = lambda lr: (lambda ps: torch.optim.SGD(ps, lr=lr))  # noqa: E731
    divided_loss = _trajectory(sgd(LR), 0.1)
    divided_lr = _trajectory(sgd(LR / 10), 1.0)
    undivided = _trajectory(sgd(LR), 1.0)
    same = _gap(divided_lr, divided_loss)
    versus_plain = _gap(undivided, divided_loss)
    holds = same < 1e-12
    return Settlement(
        holds, "computation",
        f"torch.optim.SGD {SETUP}: the run on $L/10$ with learning rate ${_tex(LR)}$ and the "
        f"run on $L$ with learning rate ${_tex(LR / 10)}$ differ by a relative trajectory gap "
        f"of ${_tex(same)}$, and the run on $L$ with ${_tex(LR)}$ differs from the first by "
        f"${_tex(versus_plain)}$. "
        + ("The two runs coincide up to rounding (gap below $10^{-12}$): the same effect as "
           "dividing the learning rate by 10, as $\\nabla(L/10) = \\nabla L/10$ predicts."
           if holds else "The two runs differ: not the same effect."),
        {"gap_L/10_vs_lr/10": same, "gap_L/10_vs_L": versus_plain, "steps": STEPS, "seed": SEED})


@settles("neu-cs7150-f22/1.x")
def momentum_divide_loss() -> Settlement:
    mom = lambda ps: torch.optim.SGD(ps, lr=LR, momentum=0.9)  # noqa: E731
    plain = _trajectory(mom, 1.0)
    divided = _trajectory(mom, 0.1)
    gap = _gap(plain, divided)
    moved = float((plain[-1] - plain[0]).norm())
    moved_div = float((divided[-1] - divided[0]).norm())
    holds = _little_effect(gap, "momentum")
    return Settlement(
        holds, "computation" if holds else "counterexample",
        f"torch.optim.SGD(lr={LR}, momentum=0.9) {SETUP}: the parameters move "
        f"${moved:.3f}$ on $L$ and ${moved_div:.3f}$ on $L/10$, a relative trajectory gap of "
        f"${_tex(gap)}$, {_effect(gap)}. "
        + ("Little effect: the statement holds." if holds else
           "Dividing the loss by 10 has a large effect (the velocity "
           "$v \\leftarrow \\mu v + \\nabla L$ is linear in the gradients, so a step on "
           "$L/10$ is a tenth of the step on $L$ from the same point; here the run on $L/10$ "
           f"travels ${_tex(moved_div / moved, 3)}$ times as far): the statement is false."),
        {"gap": gap, "distance_L": moved, "distance_L/10": moved_div, "steps": STEPS,
         "seed": SEED})


@settles("neu-cs7150-f22/1.y")
def adam_divide_loss() -> Settlement:
    adam = lambda ps: torch.optim.Adam(ps, lr=LR, eps=1e-8)  # noqa: E731
    plain = _trajectory(adam, 1.0)
    divided = _trajectory(adam, 0.1)
    gap = _gap(plain, divided)
    # with eps = 0 Adam's step m_hat / sqrt(v_hat) is exactly scale invariant
    adam0 = lambda ps: torch.optim.Adam(ps, lr=LR, eps=0.0)  # noqa: E731
    gap0 = _gap(_trajectory(adam0, 1.0), _trajectory(adam0, 0.1))
    holds = _little_effect(gap, "Adam")
    return Settlement(
        holds, "computation",
        f"torch.optim.Adam(lr={LR}, eps=1e-8) {SETUP}: the runs on $L$ and on $L/10$ differ "
        f"by a relative trajectory gap of ${_tex(gap)}$, {_effect(gap)}; with eps $= 0$ the "
        f"gap is ${_tex(gap0)}$. "
        + ("Little effect: the statement holds (the step "
           r"$\eta\,\hat m/(\sqrt{\hat v} + \epsilon)$ does not change when the gradients are "
           "scaled, except through $\\epsilon$)." if holds else
           "A large effect: the statement is false."),
        {"gap": gap, "gap_eps0": gap0, "steps": STEPS, "seed": SEED})
