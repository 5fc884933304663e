"""The code of exam tum-in2346-ss22: ground-truth definitions and claim settlers.

Definitions for tum-in2346-ss22 (TUM IN2346 Introduction to Deep Learning, SS 2022 endterm).

Counts and shapes come from ``torch.nn`` modules built on the ``meta`` device (a
forward pass on a meta tensor gives the shape, ``numel`` gives the count); the
Problem 6 numbers come from a torch forward pass, ``MSELoss`` and one
``torch.optim.SGD`` step with Table 6.1's values; the update rules come from
autograd of the loss they minimise.
"""
from __future__ import annotations

import sympy as sp
import torch
from torch import nn
from torch.func import grad, vmap

from derive import definition, require_close


META = torch.device("meta")


# --- Problem 1.3: a 1x1 convolution filter on a 16 x 32 x 64 x 64 batch ---------------

@definition("tum-in2346-ss22/1.3",
            "torch.nn.Conv2d(32, 1, kernel_size=1) on the meta device, run on a meta "
            "16x32x64x64 batch; sum of p.numel() over its parameters")
def conv1x1_filter_params(v):
    batch = torch.empty(16, 32, 64, 64, device=META)          # N x C x H x W
    conv = nn.Conv2d(batch.shape[1], 1, kernel_size=1, bias=True, device=META)
    conv(batch)  # the filter must accept this input: C is the second axis
    return sum(p.numel() for p in conv.parameters())


# --- Problem 2.3: backprop through Y = X W + b ----------------------------------------

def _fc_input_grad_sympy(v):
    """SymPy: L = sum(dout * (X W + b)) for explicit X, W, b, dout, differentiated entry
    by entry in X."""
    X, W, b, dout = v["X"], v["W"], v["b"], v["dout"]
    Y = X * W + sp.ones(X.rows, 1) * b.T
    L = sum(dout[i, j] * Y[i, j] for i in range(Y.rows) for j in range(Y.cols))
    return sp.Matrix(X.rows, X.cols, lambda i, j: sp.diff(L, X[i, j]))


@definition("tum-in2346-ss22/2.3",
            "torch autograd (torch.func.grad) in X of L = sum(dout * (X W + b)), "
            "i.e. the upstream gradient dout pulled back through the layer",
            sympy=_fc_input_grad_sympy)
def fc_input_grad(v):
    def loss(X, W, b, dout):
        return (dout * (X @ W + b[:, 0])).sum()
    return vmap(grad(loss))(v["X"], v["W"], v["b"], v["dout"])


# --- Problem 2.4: gradient descent with weight decay -----------------------------------

def _weight_decay_sympy(v):
    """SymPy: one step theta_k - alpha grad of a loss with gradient G at theta_k plus
    (lambda/2)||theta||^2, differentiated entry by entry."""
    th, G, a, lam = v["theta_k"], v["G"], v["alpha"], v["lam"]
    t = sp.Matrix(th.rows, th.cols, lambda i, j: sp.Symbol(f"t_{i}_{j}", real=True))
    # a loss whose gradient at theta_k is G, plus the L2 penalty (lambda/2) ||theta||^2
    reg = sum(G[i, j] * t[i, j] for i in range(t.rows) for j in range(t.cols)) \
        + lam / 2 * sum(x ** 2 for x in t)
    step = sp.Matrix(t.rows, t.cols, lambda i, j: sp.diff(reg, t[i, j]))
    return (t - a * step).subs({t[i, j]: th[i, j] for i in range(t.rows) for j in range(t.cols)})


@definition("tum-in2346-ss22/2.4",
            "one gradient-descent step theta_k - alpha * grad, with the gradient taken by "
            "torch autograd of L(theta) + (lambda/2)||theta||^2, L linear with "
            "grad L(theta_k) = the given gradient", sympy=_weight_decay_sympy)
def weight_decay_step(v):
    def regularised(theta, g, lam):
        return (g * theta).sum() + lam / 2 * (theta ** 2).sum()
    th, g = v["theta_k"], v["G"]
    lam, alpha = v["lam"][:, 0, 0], v["alpha"]
    return th - alpha * vmap(grad(regularised))(th, g, lam)


# --- Problem 2.8: the least-squares coefficient matrix ---------------------------------

def _least_squares_sympy(v):
    """SymPy: the W that zeroes every partial derivative of (1/2n)||X W - Y||^2, solved
    entry by entry for explicit X (n > d) and Y."""
    X, Y, n = v["X"], v["Y"], v["n"]
    W = sp.Matrix(X.cols, Y.cols, lambda i, j: sp.Symbol(f"omega_{i + 1}_{j + 1}", real=True))
    R = X * W - Y
    loss = sum(r ** 2 for r in R) / (2 * n)
    (sol,) = sp.linsolve([sp.diff(loss, w) for w in W], list(W))   # linear in W: one solution
    return sp.Matrix(W.rows, W.cols, list(sol))


@definition("tum-in2346-ss22/2.8",
            "torch.linalg.lstsq(X, Y): the minimiser of ||X W - Y||^2 found by the LAPACK "
            "least-squares solver, not by the normal equations",
            sympy=_least_squares_sympy,
            dims=[{"n": 3, "d": 2, "m": 1}, {"n": 4, "d": 2, "m": 2}])
def least_squares(v):
    X, Y = v["X"], v["Y"]
    if X.device.type == "cpu":
        return torch.linalg.lstsq(X, Y, driver="gelsd").solution
    return torch.linalg.lstsq(X, Y).solution


# --- Problem 4.3: input size of the Linear layer ---------------------------------------

def mnist_sum_features() -> nn.Sequential:
    """Problem 4's trunk, on the meta device, with the (3, 1, 1) triplet of 4.1."""
    return nn.Sequential(
        nn.Conv2d(2, 8, kernel_size=3, stride=1, padding=1, device=META),
        nn.MaxPool2d(2), nn.BatchNorm2d(8, device=META), nn.ReLU(),
        nn.Conv2d(8, 16, kernel_size=3, stride=1, padding=1, device=META),
        nn.MaxPool2d(2), nn.BatchNorm2d(16, device=META), nn.ReLU(),
        nn.Flatten(),
    )


@definition("tum-in2346-ss22/4.3",
            "the Problem 4 network (Conv2d k=3 s=1 p=1, MaxPool2d(2), BatchNorm2d, ReLU, twice, "
            "Flatten) run on a meta tensor N x 2 x 28 x 28; k = the flattened width")
def linear_in_features(v):
    out = mnist_sum_features().eval()(torch.empty(4, 2, 28, 28, device=META))
    return int(out.shape[1])


# --- Problem 6: the small Leaky ReLU network of Table 6.1 ------------------------------

TABLE_6_1 = {
    "x1": 1.0, "x2": -2.0,
    "w11": -0.5, "w12": 1.0, "w13": 2.0, "w21": -1.0, "w22": 0.5, "w23": 1.5,
    "b1": 0.5, "b2": 0.0, "b3": -1.0,
    "v11": 1.0, "v12": -0.5, "v21": -0.5, "v22": 2.0, "v31": -1.0, "v32": 1.0,
    "b4": -1.0, "b5": 2.0, "y1": 1.0, "y2": 1.0,
}


def table_network() -> tuple[nn.Sequential, torch.Tensor, torch.Tensor]:
    """Figure 6.1 as torch modules: x (2) -> Linear -> LeakyReLU(0.5) -> Linear -> y_hat (2).

    w_ij joins x_i to h_j and v_ij joins h_{3+i} to y_hat_j, so the Linear weights
    (out x in) hold them transposed.
    """
    t = TABLE_6_1
    f64 = dict(dtype=torch.float64)
    hidden = nn.Linear(2, 3, **f64)
    out = nn.Linear(3, 2, **f64)
    with torch.no_grad():
        hidden.weight.copy_(torch.tensor([[t["w11"], t["w21"]],
                                          [t["w12"], t["w22"]],
                                          [t["w13"], t["w23"]]], **f64))
        hidden.bias.copy_(torch.tensor([t["b1"], t["b2"], t["b3"]], **f64))
        out.weight.copy_(torch.tensor([[t["v11"], t["v21"], t["v31"]],
                                       [t["v12"], t["v22"], t["v32"]]], **f64))
        out.bias.copy_(torch.tensor([t["b4"], t["b5"]], **f64))
    net = nn.Sequential(hidden, nn.LeakyReLU(0.5), out)
    x = torch.tensor([t["x1"], t["x2"]], **f64)
    y = torch.tensor([t["y1"], t["y2"]], **f64)
    return net, x, y


def _table_sympy() -> dict[str, sp.Expr]:
    """Table 6.1 as exact numbers (the printed decimals)."""
    return {k: sp.Rational(str(x)) for k, x in TABLE_6_1.items()}


def _network_sympy(t: dict[str, sp.Expr]) -> list[sp.Expr]:
    """Figure 6.1 written out: h_j = w_1j x_1 + w_2j x_2 + b_j, h_{3+j} = max(0.5 h_j, h_j),
    y_hat_j = v_1j h_4 + v_2j h_5 + v_3j h_6 + b_{3+j}."""
    h = [t[f"w1{j}"] * t["x1"] + t[f"w2{j}"] * t["x2"] + t[f"b{j}"] for j in (1, 2, 3)]
    act = [sp.Max(sp.Rational(1, 2) * hj, hj) for hj in h]
    return [sum(t[f"v{i}{j}"] * act[i - 1] for i in (1, 2, 3)) + t[f"b{3 + j}"] for j in (1, 2)]


def _mse_sympy(t: dict[str, sp.Expr]) -> sp.Expr:
    y_hat = _network_sympy(t)
    return sum((yh - t[f"y{j}"]) ** 2 for j, yh in zip((1, 2), y_hat)) / 2


def _forward_pass_sympy(v):
    """SymPy: Figure 6.1's forward pass written out with Table 6.1's exact values."""
    y_hat = _network_sympy(_table_sympy())
    return {"y1": y_hat[0], "y2": y_hat[1]}


def _mse_sympy_value(v):
    """SymPy: the mean over the two outputs of (y_hat_j - y_j)^2, Table 6.1's exact values."""
    return _mse_sympy(_table_sympy())


def _sgd_step_sympy(v):
    """SymPy: the MSE with w_11 left a symbol, differentiated in w_11 at its table value;
    then w_11 - 0.1 times that derivative."""
    t = _table_sympy()
    w = sp.Symbol("w_11", real=True)
    grad = sp.diff(_mse_sympy({**t, "w11": w}), w).subs(w, t["w11"])
    return {"grad": grad, "w11": t["w11"] - sp.Rational(1, 10) * grad}


@definition("tum-in2346-ss22/6.1",
            "torch forward pass of Linear(2,3) -> LeakyReLU(0.5) -> Linear(3,2) with "
            "Table 6.1's weights and biases on x = (1, -2)",
            sympy=_forward_pass_sympy)
def forward_pass(v):
    net, x, _ = table_network()
    with torch.no_grad():
        y_hat = net(x)
    return {"y1": y_hat[0], "y2": y_hat[1]}


@definition("tum-in2346-ss22/6.2",
            "torch.nn.MSELoss() (mean over the 2 outputs) of the forward pass against "
            "y = (1, 1)", sympy=_mse_sympy_value)
def mse(v):
    net, x, y = table_network()
    with torch.no_grad():
        return nn.MSELoss()(net(x), y)


@definition("tum-in2346-ss22/6.3",
            "loss.backward() of nn.MSELoss() through the Table 6.1 network, then one "
            "torch.optim.SGD(lr=0.1) step; reads w_11's gradient and new value",
            sympy=_sgd_step_sympy)
def sgd_step(v):
    net, x, y = table_network()
    hidden = net[0]
    opt = torch.optim.SGD(net.parameters(), lr=0.1)
    opt.zero_grad()
    loss = nn.MSELoss()(net(x), y)
    loss.backward()
    g = hidden.weight.grad[0, 0].clone()          # w_11: from x_1 to h_1
    opt.step()
    return {"grad": g, "w11": hidden.weight.detach()[0, 0].clone()}


# --- Problem 7.3: running statistics of BatchNorm2d ------------------------------------

@definition("tum-in2346-ss22/7.3",
            "torch.nn.BatchNorm2d on the meta device for a meta 8x3x32x64 input; numel of "
            "its running_mean and running_var buffers")
def batchnorm_running_stats(v):
    x = torch.empty(8, 3, 32, 64, device=META)
    bn = nn.BatchNorm2d(x.shape[1], device=META)
    bn(x)  # accepts the input: one statistic per channel
    return sum(b.numel() for name, b in bn.named_buffers()
               if name in ("running_mean", "running_var"))


# --- Problem 8.7: Newton's method ------------------------------------------------------

def taylor_test_function(w, wk, fp, fpp, lib):
    """A smooth, non-quadratic f with f'(w_k) = fp and f''(w_k) = fpp:
    f(w) = fp sin(w - w_k) + fpp (1 - cos(w - w_k)). ``lib`` is torch or sympy."""
    return fp * lib.sin(w - wk) + fpp * (1 - lib.cos(w - wk))


def _newton_sympy(v):
    """SymPy: the second-order Taylor expansion (sympy.series) of a non-quadratic f around
    w_k, with f'(w_k), f''(w_k) the question's symbols; its stationary point solved."""
    w, wk, fp, fpp = sp.Symbol("w", real=True), v["w_k"], v["fp"], v["fpp"]
    f = taylor_test_function(w, wk, fp, fpp, sp)
    model = sp.series(f, w, wk, 3).removeO()
    (root,) = sp.solve(sp.diff(model, w), w)
    return root


@definition("tum-in2346-ss22/8.7",
            "the stationary point of the second-order Taylor model of a non-quadratic f "
            "(f(w) = f'(w_k) sin(w - w_k) + f''(w_k)(1 - cos(w - w_k))), the model built from "
            "torch autograd's f(w_k), f'(w_k), f''(w_k); its root found from autograd of the "
            "model's slope at two points",
            sympy=_newton_sympy)
def newton_step(v):
    wk, fp, fpp = v["w_k"][:, 0, 0], v["fp"][:, 0, 0], v["fpp"][:, 0, 0]

    def f(w, wk, fp, fpp):
        return taylor_test_function(w, wk, fp, fpp, torch)
    value = f(wk, wk, fp, fpp)
    d1 = vmap(grad(f))(wk, wk, fp, fpp)                   # f'(w_k) by autograd
    d2 = vmap(grad(grad(f)))(wk, wk, fp, fpp)             # f''(w_k) by autograd
    require_close(d1, fp, "f'(w_k) by autograd and the given value")
    require_close(d2, fpp, "f''(w_k) by autograd and the given value")

    def model(w, wk, value, d1, d2):                      # the second-order Taylor model
        return value + d1 * (w - wk) + d2 / 2 * (w - wk) ** 2
    slope = vmap(grad(model))
    a, b = wk, wk + 1.0
    ga, gb = slope(a, wk, value, d1, d2), slope(b, wk, value, d1, d2)
    return a - ga * (b - a) / (gb - ga)                   # m' is linear: its root
