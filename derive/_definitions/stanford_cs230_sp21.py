"""Definitions for stanford-cs230-sp21 (CS 230 Spring 2021 midterm)."""
from __future__ import annotations

import sympy as sp
import torch
from torch.func import grad, vmap

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


# --- Question 3: the first convolutional layer on a 128 x 128 x 3 image ---------------

#: the three settings the exam offers: (stride, filter size, padding, number of filters)
_CONV_SETTINGS = {"i": (1, 3, 0, 64), "ii": (1, 5, 2, 16), "iii": (2, 2, 0, 32)}


def _first_conv(part: str) -> torch.nn.Conv2d:
    stride, size, pad, filters = _CONV_SETTINGS[part]
    return torch.nn.Conv2d(3, filters, kernel_size=size, stride=stride, padding=pad,
                           device="meta")


def _conv_shape(part: str) -> tuple[int, int, int]:
    """Run a meta 128 x 128 x 3 image through the layer; PyTorch is NCHW, the exam (H, W, C)."""
    out = _first_conv(part)(torch.empty(1, 3, 128, 128, device="meta"))
    _, c, h, w = out.shape
    return (int(h), int(w), int(c))


def _conv_params(part: str) -> int:
    return int(sum(p.numel() for p in _first_conv(part).parameters()))


for _part, (_s, _f, _p, _k) in _CONV_SETTINGS.items():
    definition(f"stanford-cs230-sp21/3.{_part}.shape",
               f"torch.nn.Conv2d(3, {_k}, kernel_size={_f}, stride={_s}, padding={_p}) on "
               f"device='meta', forward pass of a 1x3x128x128 meta tensor, NCHW read as (H, W, C)")(
        lambda v, _part=_part: _conv_shape(_part))
    definition(f"stanford-cs230-sp21/3.{_part}.params",
               f"sum(p.numel()) over torch.nn.Conv2d(3, {_k}, kernel_size={_f}, stride={_s}, "
               f"padding={_p}) on device='meta' (weights and biases)")(
        lambda v, _part=_part: _conv_params(_part))


# --- Question 4.i: gradient of the L1-regularised objective ----------------------------

def _l1_grad_sympy(v):
    w, g, alpha = v["w"], v["gradJ"], v["alpha"]
    # J is any function whose gradient at w is g: the linear J(w) = g^T w
    obj = (g.T * w)[0, 0] + alpha * sum(sp.Abs(x) for x in w)
    return sp.Matrix([sp.diff(obj, x) for x in w])


@definition("stanford-cs230-sp21/4.i",
            "torch.func.grad of J(w) + alpha ||w||_1 in w, with J(w) = g^T w so that "
            "grad_w J = g (any J with that gradient at w gives the same value)",
            sympy=_l1_grad_sympy)
def l1_objective_grad(v):
    w, g, alpha = v["w"][..., 0], v["gradJ"][..., 0], v["alpha"][:, 0, 0]

    def objective(w, g, alpha):
        return (g * w).sum() + alpha * torch.linalg.vector_norm(w, ord=1)
    return vmap(grad(objective))(w, g, alpha)


# --- Question 5.ii: the discriminator's loss, back to its last pre-activation ---------

def _gan_logit_grads(v) -> dict[str, torch.Tensor]:
    """Autograd of L = (1/n) sum_i [log D(X^i) + log(1 - D(G(Z^i)))], D = sigmoid(z), in the
    last pre-activation z of sample i (real) and of generated sample i.

    The sampled D(X^i), D(G(Z^i)) fix sample i's logits; the other n - 1 samples of the
    minibatch get random logits (they must not matter)."""
    n = int(v["n"])
    d_real, d_fake = v["DX"][:, 0, 0], v["DG"][:, 0, 0]
    batch = d_real.shape[0]
    gen = torch.Generator().manual_seed(1)
    z_real = torch.randn(batch, n, dtype=torch.float64, generator=gen).to(d_real.device)
    z_fake = torch.randn(batch, n, dtype=torch.float64, generator=gen).to(d_real.device)
    z_real[:, 0] = torch.logit(d_real)
    z_fake[:, 0] = torch.logit(d_fake)
    z_real.requires_grad_(True)
    z_fake.requires_grad_(True)
    D = torch.sigmoid
    L = (torch.log(D(z_real)) + torch.log(1 - D(z_fake))).sum(dim=1) / n
    g_real, g_fake = torch.autograd.grad(L.sum(), (z_real, z_fake))
    return {"real": g_real[:, 0], "generated": g_fake[:, 0]}


def _gan_logit_grads_sympy(v):
    n, d_real, d_fake = v["n"], v["DX"], v["DG"]
    z = sp.Symbol("z", real=True)
    sigma = 1 / (1 + sp.exp(-z))
    at = lambda expr, p: sp.simplify(expr.subs(z, sp.log(p / (1 - p))))  # z = logit(D)
    return {"real": at(sp.diff(sp.log(sigma) / n, z), d_real),
            "generated": at(sp.diff(sp.log(1 - sigma) / n, z), d_fake)}


@definition("stanford-cs230-sp21/5.ii",
            "torch autograd of L = (1/n) sum_i [log D(X^i) + log(1 - D(G(Z^i)))] with "
            "D = sigmoid(z_d^{L_d}), in the real and the generated sample's z_d^{L_d}",
            sympy=_gan_logit_grads_sympy)
def gan_logit_grads(v):
    return _gan_logit_grads(v)


# --- Question 6.1: the attention layer's trainable parameters --------------------------

def _attention_params(ic: int, oc: int) -> int:
    """Per output channel a key kernel 3 x 3 x iC and a value kernel 3 x 3 x 1, no biases:
    the key kernels are one Conv2d(iC, oC, 3); the value kernels, one 3 x 3 x 1 kernel per
    output channel, are a depthwise Conv2d(oC, oC, 3, groups=oC)."""
    key = torch.nn.Conv2d(ic, oc, kernel_size=3, bias=False, device="meta")
    value = torch.nn.Conv2d(oc, oc, kernel_size=3, groups=oc, bias=False, device="meta")
    return sum(p.numel() for m in (key, value) for p in m.parameters())


@definition("stanford-cs230-sp21/6.1",
            "sum(p.numel()) of torch.nn.Conv2d(iC, oC, 3, bias=False) (key kernels) and "
            "torch.nn.Conv2d(oC, oC, 3, groups=oC, bias=False) (value kernels) on "
            "device='meta', for each sampled iC, oC")
def attention_params(v):
    ic = v["iC"][:, 0, 0].round().long().tolist()
    oc = v["oC"][:, 0, 0].round().long().tolist()
    cache: dict[tuple[int, int], int] = {}
    out = []
    for i, o in zip(ic, oc):
        if (i, o) not in cache:
            cache[(i, o)] = _attention_params(i, o)
        out.append(cache[(i, o)])
    return torch.tensor(out, dtype=torch.float64, device=v["iC"].device)
