"""Tier-2 claims of neu-cs7150-f22: dividing the loss by 10 under SGD, momentum and Adam.

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

from typing import Callable

import torch

from . import Settlement, settles

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
        f"Plain SGD updates theta <- theta - eta grad L, and grad(L/10) = grad(L)/10, so a step on "
        f"L/10 with rate eta is the step on L with rate eta/10. torch.optim.SGD on a 4->2 linear "
        f"layer under MSE (float64, seed {SEED}, {STEPS} steps): the run on L/10 with lr={LR} and "
        f"the run on L with lr={LR / 10} differ by a relative trajectory gap of {same:.1e} "
        f"(identical up to float rounding), while the run on L with lr={LR} differs from both "
        f"by {versus_plain:.2f}. "
        f"Same effect as dividing the learning rate by 10: the statement holds.",
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
        holds, "counterexample",
        f"SGD with momentum keeps a velocity v <- mu v + grad L and steps theta <- theta - eta v; "
        f"v is linear in the gradients, so dividing L by 10 divides every step by 10, exactly like "
        f"dividing eta by 10. torch.optim.SGD(lr={LR}, momentum=0.9) on a 4->2 linear layer under "
        f"MSE (float64, seed {SEED}, {STEPS} steps): the parameters move {moved:.3f} on L but only "
        f"{moved_div:.3f} on L/10, a relative trajectory gap of {gap:.2f} (above {LARGE}). "
        f"Dividing the loss by 10 has a large effect: the statement is false.",
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
        f"Adam steps by eta m_hat / (sqrt(v_hat) + eps), with m_hat and v_hat running averages of "
        f"g and g^2: scaling the loss by c scales m_hat by c and sqrt(v_hat) by |c|, so the step is "
        f"unchanged except through eps. torch.optim.Adam(lr={LR}, eps=1e-8) on a 4->2 linear layer "
        f"under MSE (float64, seed {SEED}, {STEPS} steps): the runs on L and on L/10 differ by a "
        f"relative trajectory gap of {gap:.1e} (below {LITTLE}); with eps = 0 the gap is "
        f"{gap0:.1e} "
        f"(float rounding). Little effect: the statement holds (it would fail only where "
        f"the "
        f"gradients are as small as eps, or with L2 weight decay added to the gradient).",
        {"gap": gap, "gap_eps0": gap0, "steps": STEPS, "seed": SEED})
