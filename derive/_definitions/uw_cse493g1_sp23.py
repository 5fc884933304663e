"""Definitions for uw-cse493g1-sp23 (CSE 493G1 Spring 2023 midterm)."""
from __future__ import annotations

import torch

from . import definition


@definition("uw-cse493g1-sp23/3.2",
            "torch: Euclidean norm of x - y for unit vectors x = e1, y = D_C e1 + sqrt(1-D_C^2) e2")
def euclidean_from_cosine(v):
    c = v["D_C"][:, 0, 0]
    x = torch.stack([torch.ones_like(c), torch.zeros_like(c)], dim=1)
    y = torch.stack([c, torch.sqrt(1 - c ** 2)], dim=1)
    return torch.linalg.vector_norm(x - y, dim=1)


def huber_loss_j(sj, sy, a, b, delta):
    """The exam's Huber classification loss L_j, as a function of s_j."""
    return torch.where(sj <= sy, a * torch.clamp(sj - sy + delta, min=0) ** 2,
                       b * (sj - sy + 0.5 * delta))


@definition("uw-cse493g1-sp23/3.6.1.1",
            "torch autograd in s_j of L = sum_{j != y_i} L_j, the exam's Huber loss")
def huber_grad(v):
    sj = v["s_j"][:, 0, 0].clone().requires_grad_(True)
    loss = huber_loss_j(sj, v["s_y"][:, 0, 0], v["a"][:, 0, 0], v["b"][:, 0, 0],
                        v["Delta"][:, 0, 0])
    (g,) = torch.autograd.grad(loss.sum(), sj)
    return g


def _class_index(idx: torch.Tensor) -> torch.Tensor:
    """A sampled 1-based index symbol, (B, 1, 1) float, as 0-based int64 (B,)."""
    return idx[:, 0, 0].long() - 1


def modified_cross_entropy(s, y, a, b, c):
    """The exam's L = -log(a e^{b s_y} / sum_j e^{s_j}) + c, per batch row (s: (B, K))."""
    s_y = s.gather(1, y[:, None])[:, 0]
    return -torch.log(a * torch.exp(b * s_y) / torch.exp(s).sum(dim=1)) + c


@definition("uw-cse493g1-sp23/2.5",
            "torch autograd in s of L = -log(a e^{b s_y} / sum_j e^{s_j}) + c, entry k")
def modified_cross_entropy_grad(v):
    s = v["s"][..., 0].clone().requires_grad_(True)
    y, k = _class_index(v["y"]), _class_index(v["k"])
    loss = modified_cross_entropy(s, y, v["a"][:, 0, 0], v["b"][:, 0, 0], v["c"][:, 0, 0])
    (g,) = torch.autograd.grad(loss.sum(), s)
    return g.gather(1, k[:, None])[:, 0]


@definition("uw-cse493g1-sp23/3.6.2.1",
            "torch: the relaxation max(x_1..x_n) ~ logsumexp applied to "
            "max(max_{j != y_i} s_j - s_{y_i}, 0), i.e. torch.logsumexp over "
            "{s_j - s_{y_i} : j != y_i} and 0")
def smooth_hinge(v):
    return _smooth_hinge(v["s"][..., 0], _class_index(v["y_i"]), 0.0)


@definition("uw-cse493g1-sp23/3.6.2.2",
            "torch: logsumexp relaxation of max(max_{j != y_i} s_j - s_{y_i} + Delta, 0) "
            "(torch.logsumexp over {s_j - s_{y_i} + Delta : j != y_i} and 0)")
def smooth_hinge_margin(v):
    return _smooth_hinge(v["s"][..., 0], _class_index(v["y_i"]), v["Delta"][:, 0, 0])


def _smooth_hinge(s, y, delta):
    """Relax both maxima with logsumexp, as the exam's equations (1) and (2) say.

    The inner max over j != y_i becomes logsumexp over the masked scores; the outer
    max(u, 0) becomes logsumexp([u, 0]). Nothing here uses the closed form.
    """
    s_y = s.gather(1, y[:, None])
    masked = torch.where(torch.nn.functional.one_hot(y, s.shape[1]).bool(),
                         torch.full_like(s, float("-inf")), s)
    inner = torch.logsumexp(masked, dim=1) - s_y[:, 0] + delta          # ~ max_{j!=y} s_j - s_y
    out = torch.logsumexp(torch.stack([inner, torch.zeros_like(inner)], dim=1), dim=1)
    # the exam's hint ("a loss function that we've seen in class"): it is softmax
    # cross-entropy, with the margin added to every wrong class's score
    onehot = torch.nn.functional.one_hot(y, s.shape[1]).to(s.dtype)
    delta_col = delta[:, None] if isinstance(delta, torch.Tensor) else delta
    ce = torch.nn.functional.cross_entropy(s + delta_col * (1 - onehot), y, reduction="none")
    torch.testing.assert_close(out, ce)
    return out
