"""Definitions for ucb-cs182-sp22 (CS 182/282A Spring 2022 midterm)."""
from __future__ import annotations

import functools

import sympy as sp
import torch
from torch.func import grad, jacrev, vmap

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


# --- 2: gradient of a one-hidden-layer ReLU network in its input ----------------------

@definition("ucb-cs182-sp22/2",
            "torch autograd (vmap of grad) of f(x) = w^T relu(A x) in x")
def relu_net_input_grad(v):
    f = lambda A, w, x: w @ torch.relu(A @ x)
    return vmap(grad(f, argnums=2))(v["A"], v["w"][..., 0], v["x"][..., 0])


# --- 3: the loss as a cross entropy ----------------------------------------------------

def _uniform_cross_entropy_sympy(v):
    z, K = v["z"], v["K"]
    total = sum(sp.exp(zi) for zi in z)
    p = [sp.exp(zi) / total for zi in z]
    return -sum(sp.Rational(1, K) * sp.log(pi) for pi in p)     # H(U; p) = -sum_i U_i log p_i


@definition("ucb-cs182-sp22/3",
            "torch.nn.functional.cross_entropy of the logits z against the uniform "
            "soft target U_i = 1/K, i.e. H(U; softmax(z))",
            sympy=_uniform_cross_entropy_sympy)
def uniform_cross_entropy(v):
    z = v["z"][..., 0]
    target = torch.full_like(z, 1.0 / z.shape[1])
    return torch.nn.functional.cross_entropy(z, target, reduction="none")


# --- 7: the cosine learning-rate schedule -----------------------------------------------

def _cosine_schedule_sympy(v):
    # a schedule a + b cos(pi i / N) that starts at alpha_initial and reaches 0 at i = N
    a, b = sp.symbols("a b")
    alpha0, i, N = v["alpha0"], v["i"], v["N"]
    sol = sp.solve([sp.Eq(a + b * sp.cos(0), alpha0), sp.Eq(a + b * sp.cos(sp.pi), 0)], [a, b])
    return sol[a] + sol[b] * sp.cos(sp.pi * i / N)


@definition("ucb-cs182-sp22/7",
            "torch.optim.lr_scheduler.CosineAnnealingLR(T_max=N, eta_min=0) stepped i times "
            "from lr = alpha_initial",
            sympy=_cosine_schedule_sympy)
def cosine_schedule(v):
    import warnings
    alpha0 = v["alpha0"].reshape(-1).tolist()
    steps = v["i"].reshape(-1).round().long().tolist()
    total = v["N"].reshape(-1).round().long().tolist()
    out = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for a0, i, n in zip(alpha0, steps, total):
            p = torch.zeros(1, requires_grad=True)
            opt = torch.optim.SGD([p], lr=a0)
            sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=n, eta_min=0.0)
            for _ in range(i):
                opt.step()
                sched.step()
            out.append(opt.param_groups[0]["lr"])
    return torch.tensor(out, dtype=torch.float64)


# --- 10: output variance of a deep linear network at N(0, 1) initialisation -------------

MC_SAMPLES = 2 ** 17      # sampled networks per (d, L)
MC_SIGMAS = 6.0           # the Monte Carlo estimate must be within 6 standard errors
MC_MAX_REL_SE = 0.03      # and precise enough to mean something (standard error <= 3%)


def _linear_net_output_variance(d: int, L: int) -> float:
    """Var of an output unit of L + 1 linear d x d layers, weights N(0, 1), input N(0, I).

    Exact second-moment forward pass: the input covariance is I (standardised input);
    through a layer with independent weights, Cov(W h) = E[W Cov(h) W^T], computed with
    the weights' covariance tensor E[W_ja W_kb] = delta_jk delta_ab (what
    nn.init.normal_(std=1) draws). Cross-checked by Monte Carlo over sampled networks.
    """
    return _variance_cached(int(d), int(L))


@functools.lru_cache(maxsize=64)
def _variance_cached(d: int, L: int) -> float:
    layers = [torch.nn.Linear(d, d, bias=False, device="meta") for _ in range(L + 1)]
    cov = torch.eye(d, dtype=torch.float64)
    for layer in layers:
        out_f, in_f = layer.weight.shape
        # E[W_ja W_kb] for iid N(0, 1) entries
        wcov = torch.einsum("jk,ab->jakb", torch.eye(out_f, dtype=torch.float64),
                            torch.eye(in_f, dtype=torch.float64))
        cov = torch.einsum("jakb,ab->jk", wcov, cov)
    exact = float(cov.diagonal().mean())
    # Monte Carlo: MC_SAMPLES networks, each with its own input, all drawn N(0, 1)
    gen = torch.Generator().manual_seed(1000 * d + L)
    h = torch.randn(MC_SAMPLES, d, 1, dtype=torch.float64, generator=gen)
    for _ in layers:
        W = torch.randn(MC_SAMPLES, d, d, dtype=torch.float64, generator=gen)
        h = W @ h
    stat = (h[..., 0] ** 2).mean(dim=1)      # mean square of the d outputs (their mean is 0)
    est, se = float(stat.mean()), float(stat.std() / MC_SAMPLES ** 0.5)
    if not (abs(est - exact) <= MC_SIGMAS * se and se <= MC_MAX_REL_SE * exact):
        raise AssertionError(f"Monte Carlo variance {est:.4g} +- {se:.2g} disagrees with the "
                             f"second-moment forward pass {exact:.6g} at d = {d}, L = {L}")
    return exact


def _deep_linear_variance_sympy(v):
    import sympy.stats as st
    d, L = v["d"], v["L"]
    s, l = sp.symbols("s l", positive=True)
    # one layer: Var(sum_a W_a h_a) with W_a ~ N(0, 1) and h_a of variance s, all independent
    W = [st.Normal(f"W{a}", 0, 1) for a in range(d)]
    h = [st.Normal(f"h{a}", 0, sp.sqrt(s)) for a in range(d)]
    factor = sp.simplify(st.variance(sum(Wa * ha for Wa, ha in zip(W, h))) / s)
    # Var after l layers: v(l + 1) = factor * v(l), v(0) = 1 (standardised input)
    var = sp.Function("var")
    sol = sp.rsolve(var(l + 1) - factor * var(l), var(l), {var(0): 1})
    return sol.subs(l, L + 1)


@definition("ucb-cs182-sp22/10",
            "exact second-moment forward pass through L + 1 torch.nn.Linear(d, d) layers "
            f"with N(0, 1) weights, checked against a Monte Carlo estimate over {MC_SAMPLES} "
            f"sampled networks (within {MC_SIGMAS:g} standard errors)",
            sympy=_deep_linear_variance_sympy)
def deep_linear_variance(v):
    d = v["d"]
    Ls = v["L"].reshape(-1).round().long().tolist()
    return torch.tensor([_linear_net_output_variance(d, L) for L in Ls], dtype=torch.float64)


# --- 12: parameters of a 1 x 1 convolution -----------------------------------------------

@definition("ucb-cs182-sp22/12",
            "sum of p.numel() over torch.nn.Conv2d(3, 1, kernel_size=1) built on the meta "
            "device (its output on a 256 x 256 x 3 meta input has one channel)")
def one_by_one_conv_params(v):
    conv = torch.nn.Conv2d(3, 1, kernel_size=1, bias=True, device="meta")
    out = conv(torch.empty(1, 3, 256, 256, device="meta"))
    assert tuple(out.shape) == (1, 1, 256, 256)
    return sum(p.numel() for p in conv.parameters())
