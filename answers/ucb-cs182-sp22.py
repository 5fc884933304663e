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
from torch.func import functional_call, grad, jacrev, vmap
import math
import torch.nn.functional as F

from derive import Settlement, definition, settles, tex_number


def _mean_normalisation_sympy(v):
    """SymPy: the Jacobian of f(x) = n x / sum_i x_i for an explicit x."""
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


def _batchnorm_sympy(v, wrt: str):
    """f = sum_i g_i y_i through the batch-norm forward pass, in SymPy, differentiated."""
    x, g, m = v["x"], v["g"], v["m"]
    gamma, beta, eps = v["gamma"], v["beta"], v["epsilon"]
    mu = sum(x) / m
    var = sum((xi - mu) ** 2 for xi in x) / m
    xhat = [(xi - mu) / sp.sqrt(var + eps) for xi in x]
    f = sum(gi * (gamma * xh + beta) for gi, xh in zip(g, xhat))
    return sp.diff(f, gamma if wrt == "gamma" else beta)


def _batchnorm_beta_sympy(v):
    """SymPy: f = sum_i g_i y_i with mu_B, sigma_B^2, xhat_i, y_i = gamma xhat_i + beta
    written out for explicit x and upstream g, differentiated in beta."""
    return _batchnorm_sympy(v, "beta")


def _batchnorm_gamma_sympy(v):
    """SymPy: f = sum_i g_i y_i with mu_B, sigma_B^2, xhat_i, y_i = gamma xhat_i + beta
    written out for explicit x and upstream g, differentiated in gamma."""
    return _batchnorm_sympy(v, "gamma")


@definition("ucb-cs182-sp22/9.beta",
            "torch autograd of f = sum_i (df/dy_i) y_i through y_i = gamma xhat_i + beta, in beta",
            sympy=_batchnorm_beta_sympy)
def batchnorm_beta(v):
    return _batchnorm_grad(v, "beta")


@definition("ucb-cs182-sp22/9.gamma",
            "torch autograd of f = sum_i (df/dy_i) y_i through batch norm, in gamma",
            sympy=_batchnorm_gamma_sympy)
def batchnorm_gamma(v):
    return _batchnorm_grad(v, "gamma")


# --- 2: gradient of a one-hidden-layer ReLU network in its input ----------------------

def _relu_net_sympy(v):
    """SymPy: the gradient in x of f(x) = sum_i w_i max((A x)_i, 0) for explicit A, w, x
    (each max differentiates to a step of its argument; compared region by region)."""
    A, w, x = v["A"], v["w"], v["x"]
    h = A * x
    f = sum(w[i] * sp.Max(h[i], 0) for i in range(h.rows))
    return sp.Matrix([sp.diff(f, xj) for xj in x])


@definition("ucb-cs182-sp22/2",
            "torch autograd (vmap of grad) of f(x) = w^T relu(A x) in x",
            sympy=_relu_net_sympy)
def relu_net_input_grad(v):
    f = lambda A, w, x: w @ torch.relu(A @ x)
    return vmap(grad(f, argnums=2))(v["A"], v["w"][..., 0], v["x"][..., 0])


# --- 3: the loss as a cross entropy ----------------------------------------------------

def _uniform_cross_entropy_sympy(v):
    """SymPy: H(U; p) = -sum_i U_i log p_i with U_i = 1/K and p = softmax(z), explicit z."""
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
    """SymPy: the schedule a + b cos(pi i / N) of the exam's blanks, with a and b solved
    from alpha_0 = alpha_initial and alpha_N = 0."""
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

MC_NETWORKS = 2 ** 15     # sampled nn.Linear stacks per (d, L)
MC_SIGMAS = 5.0           # the Monte Carlo mean must be within 5 standard errors
MC_MAX_REL_SE = 0.03      # and precise enough to mean something (standard error <= 3%)


def _linear_stack(d: int, L: int) -> torch.nn.Sequential:
    """The exam's network without nonlinearities: L hidden layers and the output layer,
    each torch.nn.Linear(d, d, bias=False)."""
    return torch.nn.Sequential(*[torch.nn.Linear(d, d, bias=False, dtype=torch.float64)
                                 for _ in range(L + 1)])


def _second_moment_forward(net: torch.nn.Sequential, d: int) -> torch.Tensor:
    """E over the N(0, 1) weights of the output covariance, by forward passes.

    The input is standardised (covariance I). A layer with weights W maps a covariance
    C to W C W^T, two forward passes of the layer itself (``layer(C)`` is C W^T, and
    ``layer((C W^T)^T)`` is W C W^T). That is quadratic in W, so its expectation over
    the d^2 independent N(0, 1) weights is computed exactly by the symmetric cubature
    rule with the 2 d^2 points +-sqrt(d^2) e_k (exact for polynomials of degree <= 3).
    Layers are independent, so the expectations compose layer by layer.
    """
    n = d * d
    points = (torch.cat([torch.eye(n, dtype=torch.float64), -torch.eye(n, dtype=torch.float64)])
              * n ** 0.5).reshape(2 * n, d, d)
    cov = torch.eye(d, dtype=torch.float64)
    for layer in net:
        def through(W, C, layer=layer):
            once = functional_call(layer, {"weight": W}, (C,))
            return functional_call(layer, {"weight": W}, (once.T,))
        cov = vmap(through, in_dims=(0, None))(points, cov).mean(dim=0)
    return cov


def _sampled_networks(net: torch.nn.Sequential, d: int, L: int) -> tuple[float, float]:
    """Monte Carlo over MC_NETWORKS copies of the stack, weights drawn by
    ``torch.nn.init.normal_(std=1)``; for each, the output variance over the
    standardised input is exact: the network is linear, so it is the squared norm of
    the output's rows over the input basis (forward passes of e_1..e_d)."""
    gen = torch.Generator().manual_seed(1000 * d + L)
    params = {}
    for name, p in net.named_parameters():
        w = torch.empty((MC_NETWORKS, *p.shape), dtype=torch.float64)
        torch.nn.init.normal_(w, 0.0, 1.0, generator=gen)
        params[name] = w
    basis = torch.eye(d, dtype=torch.float64)
    out = vmap(lambda p: functional_call(net, p, (basis,)))(params)   # row i: net(e_i)
    per_network = (out ** 2).sum(dim=1).mean(dim=1)    # Var of an output unit, mean over units
    return float(per_network.mean()), float(per_network.std() / MC_NETWORKS ** 0.5)


@functools.lru_cache(maxsize=64)
def _linear_net_output_variance(d: int, L: int) -> float:
    net = _linear_stack(d, L)
    exact = float(_second_moment_forward(net, d).diagonal().mean())
    est, se = _sampled_networks(net, d, L)
    if not (abs(est - exact) <= MC_SIGMAS * se and se <= MC_MAX_REL_SE * exact):
        raise AssertionError(f"{MC_NETWORKS} sampled networks give variance {est:.4g} +- "
                             f"{se:.2g}, the exact second-moment forward pass {exact:.6g} "
                             f"(d = {d}, L = {L})")
    return exact


def _deep_linear_variance_sympy(v):
    """SymPy (sympy.stats): one layer multiplies the variance by Var(sum_a W_a h_a) / s for
    independent W_a ~ N(0, 1), h_a of variance s; the recurrence solved over L + 1 layers."""
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
            "forward passes of L + 1 torch.nn.Linear(d, d, bias=False) layers: the output "
            "covariance of a standardised input pushed through each layer (W C W^T), its "
            "expectation over N(0, 1) weights exact by a degree-3 cubature rule; checked "
            f"against {MC_NETWORKS} stacks initialised with nn.init.normal_ (within "
            f"{MC_SIGMAS:g} standard errors, standard error at most {MC_MAX_REL_SE:.0%})",
            sympy=_deep_linear_variance_sympy)
def deep_linear_variance(v):
    d = v["d"]
    Ls = v["L"].reshape(-1).round().long().tolist()
    return torch.tensor([_linear_net_output_variance(int(d), L) for L in Ls],
                        dtype=torch.float64)


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


def _tex(x: float, digits: int = 4) -> str:
    return tex_number(x, digits)


def _join(items: list[str]) -> str:
    if not items:
        return "none"
    return ", ".join(items[:-1]) + (" and " if len(items) > 1 else "") + items[-1]


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


#: the exam's options: the alternative losses (as LaTeX), as functions of (y_hat, y)
LOSS_OPTIONS = {
    "A": (r"\ell(\hat y, y) + 10", lambda yh, y: _squared_error(yh, y) + 10.0),
    "B": (r"10\,\ell(\hat y, y)", lambda yh, y: 10.0 * _squared_error(yh, y)),
    "C": (r"\ell(10\hat y, 10 y)", lambda yh, y: _squared_error(10.0 * yh, 10.0 * y)),
    "D": (r"\mathbb{1}[\ell(\hat y, y) \ge 0.5]", _step_loss),
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
    trials = 5
    holds = {k: True for k in LOSS_OPTIONS}
    ratios: dict[str, list[float]] = {k: [] for k in LOSS_OPTIONS}
    for trial in range(trials):
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
    # the step loss: a central difference along a random direction (l != 0.5 there)
    model = torch.nn.Linear(x.shape[1], 1, dtype=DT)
    with torch.no_grad():
        flat = torch.nn.utils.parameters_to_vector(model.parameters())
        direction = torch.randn(flat.shape, dtype=DT, generator=gen)
        fd = []
        for h in (1e-7, -1e-7):
            torch.nn.utils.vector_to_parameters(flat + h * direction, model.parameters())
            fd.append(float(_step_loss(model(x), y)))
    mean = {k: sum(v) / len(v) for k, v in ratios.items()}
    same = [f"${LOSS_OPTIONS[k][0]}$ ({k})" for k in LOSS_OPTIONS if holds[k]]
    other = [f"${LOSS_OPTIONS[k][0]}$ ({k})" for k in LOSS_OPTIONS if not holds[k]]
    evidence = (
        "A linear classifier (torch.nn.Linear(3, 1)) on 64 separable examples with labels "
        r"$\pm 1$, $\ell$ the summed squared error; at "
        f"{trials} random parameter settings torch autograd gives the gradient of each "
        r"alternative loss, compared with $\nabla\ell$ (relative tolerance $10^{-12}$). "
        r"Projected on $\nabla\ell$, the gradient is "
        + ", ".join(f"${_tex(mean[k], 6)}$ times it for {k}" for k in LOSS_OPTIONS)
        + f". A central difference of the step loss along a random direction (step "
        f"$10^{{-7}}$) gives ${_tex(fd[0])} - {_tex(fd[1])} = {_tex(fd[0] - fd[1])}$. The "
        f"same gradient as $\\ell$ at every setting: {_join(same)}; a different one: "
        f"{_join(other)}.")
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
    # the step loss: try learning rates from 1e-3 to 1e3
    moved, d_final = 0.0, (0.0, 0.0)
    for lr in (1e-3, 1e-1, 1.0, 10.0, 1000.0):
        traj, model = _train(LOSS_OPTIONS["D"][1], x, y, lr, 50)
        moved = max(moved, float(traj.abs().max()))
        with torch.no_grad():
            out = model(x)
        d_final = (float(_squared_error(out, y)), float((torch.sign(out) == y).double().mean()))
    holds["D"] = d_final[0] <= best * (1 + 1e-6) + 1e-9 and d_final[1] == 1.0
    final["D"] = d_final
    rows = [f"{k} (${LOSS_OPTIONS[k][0]}$, learning rate ${_tex(lrs[k])}$): squared error "
            f"${_tex(final[k][0], 6)}$, accuracy {final[k][1]:.0%}, largest parameter "
            f"difference from the run on $\\ell$ ${_tex(same_path[k], 2)}$"
            for k in ("A", "B", "C")]
    evidence = (
        f"Gradient descent (torch.optim.SGD, {steps} full-batch steps from zero weights) on a "
        r"separable 64-example problem with labels $\pm 1$ and a linear classifier; the "
        f"least-squares minimum of $\\ell$ is ${_tex(best, 6)}$. " + "; ".join(rows)
        + f". The step loss (D) at learning rates $10^{{-3}}$ to $10^{{3}}$ for 50 steps: the "
        f"largest parameter move is ${_tex(moved)}$, leaving squared error "
        f"${_tex(d_final[0], 6)}$ and accuracy {d_final[1]:.0%}. Reaching the minimum with "
        f"full accuracy: {_join([k for k in holds if holds[k]])}; not: "
        f"{_join([k for k in holds if not holds[k]])}.")
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
            leaky = lambda u, v: _output_variance(wx, b, sw * u, sb * v, slope)  # noqa: E731
            base = leaky(1.0, 1.0)
            # A: increase both; B: keep sigma_W, increase sigma_b (grids up to 10x)
            min_a = min(leaky(u, v) for u in up[1:] for v in up[1:])
            min_b = min(leaky(1.0, v) for v in up[1:])
            # C: keep sigma_W, decrease sigma_b: variance 1 is reachable iff it is crossed
            c_vals = [leaky(1.0, v) for v in down[:-1]]
            c_ok = min(c_vals) <= 1.0
            # D: decrease both by the same factor
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
        return f"${min(vals):.3f}$ to ${max(vals):.3f}$"
    c_reach = sum(r[6] <= 1.0 for r in rows)
    reach = lambda ok: "reaches 1 in some setting" if ok else "never reaches 1"  # noqa: E731
    evidence = (
        f"One output unit of $\\mathrm{{ReLU}}(Wx + b)$, sampled with torch over {SAMPLES} "
        r"independent draws of $x \sim N(0, I_n)$, $W_{ij} \sim N(0, \sigma_W^2)$, "
        r"$b \sim N(0, \sigma_b^2)$ (common random numbers across settings), for $n = 1, 4, "
        r"16$ inputs and $\sigma_b/\sigma_W = 0.25, 1, 4$, each rescaled so that the ReLU "
        f"output variance is 1 (measured: {span(2)}). With F.leaky_relu(., {slope}) instead "
        f"the variance is {span(3)}. A (both multiplied by 1 to 10): the smallest variance "
        f"is {span(4)}, so it {reach(holds['A'])}. B (only $\\sigma_b$ up to 10 times): "
        f"{span(5)}, {reach(holds['B'])}. C (only $\\sigma_b$ lowered, multipliers 0 to "
        f"0.95): variance 1 is crossed in {c_reach} of {len(rows)} settings (smallest "
        f"{span(6)}). D (both multiplied by $1/\\sqrt{{\\mathrm{{variance}}}}$, factor "
        f"{span(7)}): the variance becomes {span(8)}. May keep the variance at 1: "
        f"{_join([k for k in holds if holds[k]])}; cannot: "
        f"{_join([k for k in holds if not holds[k]])}. Every setting's figures are in the "
        "settlement's details.")
    return Settlement(holds, "computation", evidence, {"rows": rows})


# --- 32: properties of ReLU, GELU and sigmoid ------------------------------------------

def _gelu(x: torch.Tensor) -> torch.Tensor:
    return F.gelu(x)               # x Phi(x), the exact (erf) form


ACTIVATIONS = {"ReLU": torch.relu, "GELU": _gelu, "sigmoid": torch.sigmoid}
TEX_NAMES = {"ReLU": r"\mathrm{ReLU}", "GELU": r"\mathrm{GELU}", "sigmoid": r"\sigma"}


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
        tn = TEX_NAMES[name]
        # convexity: midpoint inequality f((a+b)/2) <= (f(a)+f(b))/2 on all pairs of a grid
        a, b = torch.meshgrid(coarse, coarse, indexing="ij")
        gap = f((a + b) / 2) - (f(a) + f(b)) / 2
        worst = int(torch.argmax(gap))
        convex = float(gap.max()) <= 1e-12
        holds[f"{name} convex"] = convex
        if convex:
            notes.append(f"${tn}$ meets the midpoint inequality on every pair (largest excess "
                         f"${_tex(float(gap.max()), 2)}$)")
        else:
            notes.append(f"${tn}$ is not convex: at $x_1 = {_tex(float(a.flatten()[worst]))}$, "
                         f"$x_2 = {_tex(float(b.flatten()[worst]))}$ the midpoint value "
                         f"exceeds the chord by ${_tex(float(gap.max()))}$")
        # monotonicity: no decrease between neighbouring points of a fine grid
        vals = f(grid)
        drops = vals[1:] - vals[:-1]
        k = int(torch.argmin(drops))
        mono = float(drops.min()) >= 0
        holds[f"{name} monotone"] = mono
        if mono:
            notes.append(f"${tn}$ never decreases between neighbouring grid points")
        else:
            notes.append(f"${tn}$ is not monotone: ${tn}({_tex(float(grid[k]))}) = "
                         f"{_tex(float(vals[k]), 6)} > {tn}({_tex(float(grid[k + 1]))}) = "
                         f"{_tex(float(vals[k + 1]), 6)}$")
        # zero gradient: torch autograd derivative on the grid, then a root where it changes sign
        der = _derivative(f, grid)
        zero = bool((der == 0).any())
        if not zero and bool((der[1:] * der[:-1] < 0).any()):
            j = int(torch.nonzero(der[1:] * der[:-1] < 0)[0])
            root = _bisect(lambda t: float(_derivative(f, torch.tensor([t], dtype=DT))[0]),
                           float(grid[j]), float(grid[j + 1]))
            g_root = float(_derivative(f, torch.tensor([root], dtype=DT))[0])
            zero = abs(g_root) < 1e-12
            notes.append(f"${tn}'({root:.10f}) = {_tex(g_root, 2)}$ (autograd, root by bisection)")
        elif zero:
            x0 = float(grid[int(torch.nonzero(der == 0)[0])])
            notes.append(f"${tn}'({_tex(x0)}) = 0$ (autograd)")
        else:
            notes.append(f"${tn}'$ has no zero: autograd's smallest value on $[-8, 8]$ is "
                         f"${_tex(float(der.min()), 3)}$ and it never changes sign")
        holds[f"{name} zero gradient"] = zero
        # invertibility (one-to-one): two inputs with the same output, or a strict increase
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
            notes.append(f"${tn}({pair[0]:.10g}) = {y1:.10g}$ and ${tn}({pair[1]:g}) = "
                         f"{y2:.10g}$")
        else:
            strict = bool((drops > 0).all())
            back = float((torch.logit(f(grid)) - grid).abs().max())
            inj = strict and back < 1e-8
            notes.append(f"${tn}$ strictly increases on the grid "
                         f"({'yes' if strict else 'no'}), and torch.logit recovers $x$ from "
                         f"${tn}(x)$ on $[-8, 8]$ to ${_tex(back, 2)}$")
        holds[f"{name} invertible"] = inj
    verdicts = []
    for name in ACTIVATIONS:
        props = [p for p in ("convex", "monotone", "invertible", "zero gradient")
                 if holds[f"{name} {p}"]]
        verdicts.append(f"{name}: {_join(props)}")
    evidence = (
        "Computed with torch in float64 (torch.relu, F.gelu in its exact form "
        r"$x\Phi(x)$, torch.sigmoid): convexity by the midpoint inequality over all pairs of "
        r"a 321-point grid on $[-8, 8]$, monotonicity on a 3201-point grid, derivatives by "
        "autograd, invertibility read as one-to-one (onto the range). " + "; ".join(notes)
        + ". Properties found: " + "; ".join(verdicts) + ".")
    return Settlement(holds, "computation", evidence, {"notes": notes})
