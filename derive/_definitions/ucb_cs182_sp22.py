"""Definitions for ucb-cs182-sp22 (CS 182/282A Spring 2022 midterm)."""
from __future__ import annotations

import sympy as sp
import torch
from torch.func import jacrev, vmap

from . import definition


def _mean_normalisation_sympy(v):
    x, n = v["x"], v["n"]
    f = n * x / sum(x)
    return f.jacobian(x)


@definition("ucb-cs182-sp22/1", "torch autograd Jacobian (jacrev) of f(x) = n x / sum_i x_i",
            sympy=_mean_normalisation_sympy)
def mean_normalisation_jacobian(v):
    n = v["n"]
    return vmap(jacrev(lambda x: n * x / x.sum()))(v["x"][..., 0])


def _batchnorm_grad(v, wrt: str):
    """f = sum_i g_i y_i with y = BN(x): autograd of f in gamma or beta."""
    x = v["x"][..., 0]
    g = v["g"][..., 0]
    gamma = v["gamma"][:, 0, 0].clone().requires_grad_(True)
    beta = v["beta"][:, 0, 0].clone().requires_grad_(True)
    eps = v["epsilon"][:, 0, 0]
    mu = x.mean(dim=1, keepdim=True)
    var = ((x - mu) ** 2).mean(dim=1, keepdim=True)
    xhat = (x - mu) / torch.sqrt(var + eps[:, None])
    y = gamma[:, None] * xhat + beta[:, None]
    f = (g * y).sum()
    (grad,) = torch.autograd.grad(f, gamma if wrt == "gamma" else beta)
    return grad


@definition("ucb-cs182-sp22/9.beta",
            "torch autograd of f = sum_i (df/dy_i) y_i through y_i = gamma xhat_i + beta, in beta")
def batchnorm_beta(v):
    return _batchnorm_grad(v, "beta")


@definition("ucb-cs182-sp22/9.gamma",
            "torch autograd of f = sum_i (df/dy_i) y_i through batch norm, in gamma")
def batchnorm_gamma(v):
    return _batchnorm_grad(v, "gamma")
