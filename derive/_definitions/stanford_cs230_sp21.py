"""Definitions for stanford-cs230-sp21 (CS 230 Spring 2021 midterm)."""
from __future__ import annotations

import torch

from . import definition


@definition("stanford-cs230-sp21/4.ii",
            "torch bisection on the subgradient of (H/2)(w - w*)^2 + alpha |w| "
            "(the minimiser, found without the closed form)")
def soft_threshold_minimiser(v):
    wstar, h, alpha = v["wstar"], v["H"], v["alpha"]
    # g(w) = H (w - w*) + alpha sign(w) is monotone; its zero (or the jump over
    # zero at w = 0) is the minimiser. 200 halvings reach float64 resolution.
    lo = -wstar.abs() - alpha / h - 1.0
    hi = wstar.abs() + alpha / h + 1.0
    for _ in range(200):
        mid = (lo + hi) / 2
        g = h * (mid - wstar) + alpha * torch.sign(mid)
        lo = torch.where(g > 0, lo, mid)
        hi = torch.where(g > 0, mid, hi)
    return (lo + hi) / 2
