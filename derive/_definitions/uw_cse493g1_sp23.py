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
