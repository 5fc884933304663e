"""The code of exam ucb-cs182-sp22: ground-truth definitions and claim settlers.

Definitions for ucb-cs182-sp22 (CS 182/282A Spring 2022 midterm).

Settlers for the tier-2 claims of ucb-cs182-sp22 (CS 182/282A Spring 2022 midterm).

Every settler computes with torch in float64 on the CPU, with its own seeded
generator, and returns one truth value per option (the exam's letters), so
``derive validate`` can compare it with the printed key.
"""
from __future__ import annotations

import functools
import sympy as sp
import torch
from torch.func import grad, jacrev, vmap
import math
import torch.nn.functional as F

from derive import Settlement, definition, settles


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


DT = torch.float64


# --- 18 and 19: modified squared-error losses ------------------------------------------

def _squared_error(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The exam's loss l(y_hat, y): the squared error, summed over the batch."""
    return ((y_hat - y) ** 2).sum()


def _step_loss(y_hat: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """0 if l(y_hat, y) < 0.5 else 1, per example, summed.

    Written with torch.where over two branches that are functions of l (0 l and
    0 l + 1) so that autograd returns the derivative of the piecewise-constant
    function where it exists, instead of refusing a tensor with no graph.
    """
    per = (y_hat - y) ** 2
    return torch.where(per < 0.5, 0.0 * per, 0.0 * per + 1.0).sum()


#: the exam's options: the alternative losses, as functions of (y_hat, y)
LOSS_OPTIONS = {
    "A": ("l(y_hat, y) + 10", lambda yh, y: _squared_error(yh, y) + 10.0),
    "B": ("10 l(y_hat, y)", lambda yh, y: 10.0 * _squared_error(yh, y)),
    "C": ("l(10 y_hat, 10 y)", lambda yh, y: _squared_error(10.0 * yh, 10.0 * y)),
    "D": ("0 if l(y_hat, y) < 0.5 else 1", _step_loss),
}


def _classifier_data(gen: torch.Generator, n: int = 64, d: int = 3):
    """A linearly separable binary problem with labels +-1 and a margin."""
    teacher = torch.randn(d, dtype=DT, generator=gen)
    x = torch.randn(4 * n, d, dtype=DT, generator=gen)
    s = x @ teacher
    keep = s.abs() > 0.5
    x, s = x[keep][:n], s[keep][:n]
    return x, torch.sign(s)[:, None]


def _grads(model: torch.nn.Module, loss_fn, x, y) -> torch.Tensor:
    loss = loss_fn(model(x), y)
    gs = torch.autograd.grad(loss, list(model.parameters()))
    return torch.cat([g.reshape(-1) for g in gs])


@settles("ucb-cs182-sp22/18")
def same_gradient() -> Settlement:
    gen = torch.Generator().manual_seed(18)
    x, y = _classifier_data(gen)
    holds = {k: True for k in LOSS_OPTIONS}
    ratios: dict[str, list[float]] = {k: [] for k in LOSS_OPTIONS}
    for trial in range(5):
        model = torch.nn.Linear(x.shape[1], 1, dtype=DT)
        with torch.no_grad():
            for p in model.parameters():
                p.copy_(torch.randn(p.shape, dtype=DT, generator=gen))
        g0 = _grads(model, _squared_error, x, y)
        for k, (_, fn) in LOSS_OPTIONS.items():
            g = _grads(model, fn, x, y)
            ratios[k].append(float(g @ g0 / (g0 @ g0)))
            if not torch.allclose(g, g0, rtol=1e-12, atol=1e-12):
                holds[k] = False
    # the step loss: its autograd gradient is 0; a central difference agrees (l != 0.5 there)
    model = torch.nn.Linear(x.shape[1], 1, dtype=DT)
    with torch.no_grad():
        flat = torch.nn.utils.parameters_to_vector(model.parameters())
        direction = torch.randn(flat.shape, dtype=DT, generator=gen)
        fd = []
        for h in (1e-3, -1e-3):
            torch.nn.utils.vector_to_parameters(flat + h * direction, model.parameters())
            fd.append(float(_step_loss(model(x), y)))
    mean = {k: sum(v) / len(v) for k, v in ratios.items()}
    evidence = (
        "A linear classifier (torch.nn.Linear(3, 1)) on 64 separable examples with labels "
        "+-1, l = sum of squared errors; at 5 random parameter settings torch autograd gives "
        "the gradient of each alternative loss, compared with the gradient of l "
        "(rtol 1e-12). Projected on grad l, the ratio is "
        + ", ".join(f"{k}: {mean[k]:.6g}" for k in LOSS_OPTIONS)
        + ". So only l + 10 gives the same update (a constant has zero gradient); 10 l scales "
        "it by 10, l(10 y_hat, 10 y) = 100 l by 100, and the 0/1 step is piecewise constant "
        f"in the parameters, so its gradient is 0 wherever it exists (a central difference "
        f"of step 1e-3 gives {fd[0]:g} - {fd[1]:g} = {fd[0] - fd[1]:g}).")
    return Settlement(holds, "computation", evidence,
                      {"gradient_ratio": mean, "step_loss_central_difference": fd[0] - fd[1]})


def _train(loss_fn, x, y, lr: float, steps: int) -> tuple[torch.Tensor, torch.nn.Module]:
    model = torch.nn.Linear(x.shape[1], 1, dtype=DT)
    with torch.no_grad():
        for p in model.parameters():
            p.zero_()
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    traj = []
    for _ in range(steps):
        opt.zero_grad()
        loss_fn(model(x), y).backward()
        opt.step()
        traj.append(torch.nn.utils.parameters_to_vector(model.parameters()).detach().clone())
    return torch.stack(traj), model


@settles("ucb-cs182-sp22/19")
def can_be_optimised() -> Settlement:
    gen = torch.Generator().manual_seed(19)
    x, y = _classifier_data(gen)
    n = x.shape[0]
    xb = torch.cat([x, torch.ones(n, 1, dtype=DT)], dim=1)
    best = float(((xb @ torch.linalg.lstsq(xb, y).solution - y) ** 2).sum())  # min of l
    base_lr, steps = 0.2 / n, 400
    # "an appropriate learning rate": the base rate divided by the loss's scale
    lrs = {"A": base_lr, "B": base_lr / 10, "C": base_lr / 100}
    ref_traj, _ = _train(_squared_error, x, y, base_lr, steps)
    holds, final, same_path = {}, {}, {}
    for k in ("A", "B", "C"):
        traj, model = _train(LOSS_OPTIONS[k][1], x, y, lrs[k], steps)
        with torch.no_grad():
            out = model(x)
        final[k] = (float(_squared_error(out, y)), float((torch.sign(out) == y).double().mean()))
        same_path[k] = float((traj - ref_traj).abs().max())
        holds[k] = final[k][0] <= best * (1 + 1e-6) + 1e-9 and final[k][1] == 1.0
    # the step loss: no learning rate moves the parameters off their start
    moved, d_final = 0.0, None
    for lr in (1e-3, 1e-1, 1.0, 10.0, 1000.0):
        traj, model = _train(LOSS_OPTIONS["D"][1], x, y, lr, 50)
        moved = max(moved, float(traj.abs().max()))
        with torch.no_grad():
            out = model(x)
        d_final = (float(_squared_error(out, y)), float((torch.sign(out) == y).double().mean()))
    holds["D"] = d_final[0] <= best * (1 + 1e-6) + 1e-9 and d_final[1] == 1.0
    evidence = (
        f"Gradient descent (torch.optim.SGD, {steps} full-batch steps from zero weights) on a "
        f"separable 64-example problem, labels +-1, linear classifier. The least-squares "
        f"minimum of l is {best:.6g}. With lr = {base_lr:.4g} for l + 10, lr/10 for 10 l and "
        f"lr/100 for l(10 y_hat, 10 y) = 100 l, the three runs follow the same path as "
        f"training l itself (largest parameter difference "
        + ", ".join(f"{k}: {same_path[k]:.1e}" for k in same_path)
        + ") and end at squared error "
        + ", ".join(f"{k}: {final[k][0]:.6g} (accuracy {final[k][1]:.0%})" for k in final)
        + ": positive rescaling and shifting keep the minimisers, and the learning rate "
        "absorbs the scale. The 0/1 step loss has gradient 0 wherever it is differentiable: "
        f"at learning rates 1e-3 to 1e3 the parameters never leave 0 (largest move {moved:g}), "
        f"leaving squared error {d_final[0]:g}, accuracy {d_final[1]:.0%}.")
    return Settlement(holds, "computation", evidence,
                      {"least_squares_minimum": best, "final": final,
                       "path_difference": same_path, "step_loss_largest_move": moved})


# --- 24: leaky ReLU and the output variance --------------------------------------------

SAMPLES = 2 ** 16


def _unit_samples(n: int, count: int, gen: torch.Generator):
    """Common random numbers for one output unit: input x ~ N(0, I_n), weights and bias
    N(0, 1) (scaled by sigma_W, sigma_b later), one independent draw per network."""
    x = torch.randn(count, n, dtype=DT, generator=gen)
    w = torch.randn(count, n, dtype=DT, generator=gen)
    b = torch.randn(count, dtype=DT, generator=gen)
    return (w * x).sum(dim=1), b


def _output_variance(wx, b, sigma_w: float, sigma_b: float, slope: float) -> float:
    """Var of leaky_relu(W x + b) for one unit, over weights, bias and input (slope 0: ReLU)."""
    z = sigma_w * wx + sigma_b * b
    out = F.relu(z) if slope == 0 else F.leaky_relu(z, negative_slope=slope)
    return float(out.var())


@settles("ucb-cs182-sp22/24")
def leaky_relu_variance() -> Settlement:
    gen = torch.Generator().manual_seed(24)
    slope = 0.2
    up = [1.0, 1.05, 1.1, 1.25, 1.5, 2.0, 3.0, 5.0, 10.0]     # multipliers 1 .. 10
    down = [k / 20 for k in range(21)]                          # multipliers 0 .. 1
    found = {"A": False, "B": False, "C": False, "D": False}
    rows = []
    for n in (1, 4, 16):
        wx, b = _unit_samples(n, SAMPLES, gen)
        for ratio in (0.25, 1.0, 4.0):                # sigma_b / sigma_W before rescaling
            v0 = _output_variance(wx, b, 1.0, ratio, 0.0)
            sw, sb = 1 / math.sqrt(v0), ratio / math.sqrt(v0)   # ReLU output variance 1
            relu_var = _output_variance(wx, b, sw, sb, 0.0)
            leaky = lambda u, v: _output_variance(wx, b, sw * u, sb * v, slope)
            base = leaky(1.0, 1.0)
            # A: increase both; B: keep sigma_W, increase sigma_b (grids up to 10x)
            min_a = min(leaky(u, v) for u in up[1:] for v in up[1:])
            min_b = min(leaky(1.0, v) for v in up[1:])
            # C: keep sigma_W, decrease sigma_b: variance 1 is reachable iff it is crossed
            c_vals = [leaky(1.0, v) for v in down[:-1]]
            c_ok = min(c_vals) <= 1.0
            # D: decrease both by the same factor: the output scales with it (homogeneity)
            lam = 1 / math.sqrt(base)
            d_var = leaky(lam, lam)
            found["A"] |= min_a <= 1.0
            found["B"] |= min_b <= 1.0
            found["C"] |= c_ok
            found["D"] |= abs(d_var - 1.0) < 1e-9 and lam < 1
            rows.append((n, ratio, relu_var, base, min_a, min_b, min(c_vals), lam, d_var))
    holds = found
    def span(k: int) -> str:
        vals = [r[k] for r in rows]
        return f"{min(vals):.3f} to {max(vals):.3f}"
    c_reach = sum(r[6] <= 1.0 for r in rows)
    table = (f"Over the {len(rows)} settings: leaky ReLU variance {span(3)} (ReLU {span(2)}); "
             f"the smallest variance reachable under A is {span(4)} and under B {span(5)}, "
             f"never 1; under C variance 1 is crossed in {c_reach} of {len(rows)} settings "
             f"(smallest {span(6)}); D, with factor {span(7)}, gives {span(8)}. Every "
             f"setting's figures are in the settlement's details")
    evidence = (
        f"One output unit of ReLU(W x + b), sampled with torch over {SAMPLES} independent draws of "
        "x ~ N(0, I_n), W_ij ~ N(0, sigma_W^2), b ~ N(0, sigma_b^2) (common random numbers "
        "across settings), for n = 1, 4, 16 inputs and three ratios sigma_b/sigma_W, each "
        "rescaled so the ReLU output variance is 1. Swapping in F.leaky_relu(., 0.2) raises "
        "the variance (the negative half now contributes), so the pre-activation scale must "
        "shrink. Increasing sigma_W and sigma_b (grid of multipliers up to 10) or only "
        "sigma_b never brings it back to 1; keeping sigma_W and lowering sigma_b reaches 1 "
        "when the bias carries enough of the variance (so it may work); lowering both by "
        "1/sqrt(variance) gives exactly 1, since leaky ReLU is positively homogeneous. "
        + table + ".")
    return Settlement(holds, "computation", evidence, {"rows": rows})


# --- 32: properties of ReLU, GELU and sigmoid ------------------------------------------

def _gelu(x: torch.Tensor) -> torch.Tensor:
    return F.gelu(x)               # x Phi(x), the exact (erf) form


ACTIVATIONS = {"ReLU": torch.relu, "GELU": _gelu, "sigmoid": torch.sigmoid}


def _derivative(f, x: torch.Tensor) -> torch.Tensor:
    x = x.clone().requires_grad_(True)
    (g,) = torch.autograd.grad(f(x).sum(), x)
    return g


def _bisect(fn, lo: float, hi: float, steps: int = 200) -> float:
    """A root of fn on [lo, hi], where fn(lo) and fn(hi) differ in sign."""
    flo = fn(lo)
    for _ in range(steps):
        mid = (lo + hi) / 2
        if (fn(mid) > 0) == (flo > 0):
            lo, flo = mid, fn(mid)
        else:
            hi = mid
    return (lo + hi) / 2


@settles("ucb-cs182-sp22/32")
def activation_properties() -> Settlement:
    grid = torch.linspace(-8, 8, 3201, dtype=DT)
    coarse = torch.linspace(-8, 8, 321, dtype=DT)
    holds: dict[str, bool] = {}
    notes: list[str] = []
    for name, f in ACTIVATIONS.items():
        # convexity: midpoint inequality f((a+b)/2) <= (f(a)+f(b))/2 on all pairs of a grid
        a, b = torch.meshgrid(coarse, coarse, indexing="ij")
        gap = f((a + b) / 2) - (f(a) + f(b)) / 2
        worst = int(torch.argmax(gap))
        convex = float(gap.max()) <= 1e-12
        holds[f"{name} convex"] = convex
        if not convex:
            notes.append(f"{name} is not convex: at x1 = {float(a.flatten()[worst]):g}, "
                         f"x2 = {float(b.flatten()[worst]):g}, t = 1/2 the midpoint value "
                         f"exceeds the chord by {float(gap.max()):.4g}")
        # monotonicity: no decrease between neighbouring points of a fine grid
        vals = f(grid)
        drops = vals[1:] - vals[:-1]
        k = int(torch.argmin(drops))
        mono = float(drops.min()) >= 0
        holds[f"{name} monotone"] = mono
        if not mono:
            notes.append(f"{name} is not monotone: f({float(grid[k]):g}) = {float(vals[k]):.6g} "
                         f"> f({float(grid[k + 1]):g}) = {float(vals[k + 1]):.6g}")
        # zero gradient: torch autograd derivative on the grid, then a root where it changes sign
        der = _derivative(f, grid)
        zero = bool((der == 0).any())
        if not zero and bool((der[1:] * der[:-1] < 0).any()):
            j = int(torch.nonzero(der[1:] * der[:-1] < 0)[0])
            root = _bisect(lambda t: float(_derivative(f, torch.tensor([t], dtype=DT))[0]),
                           float(grid[j]), float(grid[j + 1]))
            g_root = float(_derivative(f, torch.tensor([root], dtype=DT))[0])
            zero = abs(g_root) < 1e-12
            notes.append(f"{name}'({root:.10f}) = {g_root:.1e} (autograd, root by bisection)")
        elif zero:
            x0 = float(grid[int(torch.nonzero(der == 0)[0])])
            notes.append(f"{name}'({x0:g}) = 0 (autograd)")
        else:
            notes.append(f"{name}' > 0 everywhere: autograd's minimum on [-8, 8] is "
                         f"{float(der.min()):.3g} > 0, and sigma' = sigma (1 - sigma) > 0 for "
                         f"every real x since 0 < sigma < 1")
        holds[f"{name} zero gradient"] = zero
        # invertibility (injectivity): two inputs with the same output, or a strict increase
        if name == "ReLU":
            pair = (-1.0, -2.0)
        elif name == "GELU":
            xmin = _bisect(lambda t: float(_derivative(f, torch.tensor([t], dtype=DT))[0]),
                           -2.0, 0.0)
            target = float(f(torch.tensor(-0.3, dtype=DT)))
            x1 = _bisect(lambda t: float(f(torch.tensor(t, dtype=DT))) - target, -10.0, xmin)
            pair = (x1, -0.3)
        else:
            pair = None
        if pair is not None:
            y1, y2 = (float(f(torch.tensor(p, dtype=DT))) for p in pair)
            inj = not abs(y1 - y2) < 1e-12
            notes.append(f"{name} is not invertible: f({pair[0]:.10g}) = {y1:.10g} and "
                         f"f({pair[1]:g}) = {y2:.10g}")
        else:
            strict = bool((drops > 0).all())
            back = float((torch.logit(f(grid)) - grid).abs().max())
            inj = strict and back < 1e-8
            notes.append(f"{name} is strictly increasing (sigma' > 0), so invertible onto "
                         f"(0, 1): torch.logit(sigmoid(x)) recovers x on [-8, 8] to {back:.1e}")
        holds[f"{name} invertible"] = inj
    evidence = (
        "Computed with torch in float64 (torch.relu, F.gelu in its exact form x Phi(x), "
        "torch.sigmoid): convexity by the midpoint inequality over all pairs of a 321-point "
        "grid on [-8, 8] (ReLU = max(0, x) is a maximum of linear functions, hence convex), "
        "monotonicity on a 3201-point grid, derivatives by autograd. "
        + "; ".join(notes) + ". Invertible is read as one-to-one (invertible onto the range).")
    return Settlement(holds, "computation", evidence, {"notes": notes})
