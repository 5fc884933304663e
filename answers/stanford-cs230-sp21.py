"""The code of exam stanford-cs230-sp21: ground-truth definitions and claim settlers.

Definitions for stanford-cs230-sp21 (CS 230 Spring 2021 midterm).

Settlers for stanford-cs230-sp21 (CS 230 Spring 2021 midterm).
"""
from __future__ import annotations

import sympy as sp
import torch
from torch.func import grad, vmap
import torch.nn.functional as F

from derive import Settlement, definition, settles


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


@settles("stanford-cs230-sp21/1.d.iii")
def softmax_scale_invariance() -> Settlement:
    """softmax(c y) = softmax(y) for every real c: a counterexample, computed with torch."""
    y = torch.tensor([0.0, 1.0], dtype=torch.float64)
    rows = {}
    first_bad = None
    for c in (1.0, 2.0, 0.0, -1.0):
        p, q = torch.softmax(y, dim=0), torch.softmax(c * y, dim=0)
        same = bool(torch.allclose(p, q, rtol=0, atol=1e-15))
        rows[c] = {"softmax(y)": p.tolist(), "softmax(cy)": q.tolist(), "equal": same}
        if not same and first_bad is None:
            first_bad = c
    holds = first_bad is None
    r = rows[2.0]
    evidence = (
        "torch.softmax at y = (0, 1): softmax(y) = "
        f"({r['softmax(y)'][0]:.4f}, {r['softmax(y)'][1]:.4f}) but softmax(2y) = "
        f"({r['softmax(cy)'][0]:.4f}, {r['softmax(cy)'][1]:.4f}); c = 0 gives the uniform "
        "(0.5, 0.5) and c = -1 reverses the order. Softmax is invariant to adding a constant "
        "to every entry (softmax(y + c1) = softmax(y)), not to multiplying by one: scaling "
        "by c acts as an inverse temperature. Equality holds only for c = 1 or a constant y."
    )
    return Settlement(holds, "counterexample", evidence,
                      {"y": y.tolist(), "first_counterexample_c": first_bad,
                       "rows": {str(k): v for k, v in rows.items()}})


def _train_separable(gen: torch.Generator) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """A linear softmax classifier (scores W x, no bias) trained to 100% accuracy on
    separable random data: K = 3 classes in R^5, labels from a random teacher matrix."""
    K, d, m = 3, 5, 60
    X = torch.randn(m, d, dtype=torch.float64, generator=gen)
    teacher = torch.randn(K, d, dtype=torch.float64, generator=gen)
    y = (X @ teacher.T).argmax(dim=1)
    W = torch.zeros(K, d, dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([W], lr=0.5)
    for _ in range(5000):
        opt.zero_grad()
        F.cross_entropy(X @ W.T, y).backward()
        opt.step()
        if bool(((X @ W.T).argmax(dim=1) == y).all()):
            break
    return X, y, W.detach()


@settles("stanford-cs230-sp21/1.c.iii")
def softmax_scale_weights() -> Settlement:
    """W -> 3W keeps a 100%-accurate softmax classifier's accuracy and lowers its loss.

    Proof: with margins m_j = s_y - s_j > 0 (j != y) for every example, the loss
    log(1 + sum_j e^{-t m_j}) is strictly decreasing in the scale t, and argmax is
    unchanged by t > 0. Computation: a trained classifier, before and after.
    """
    # the proof, in SymPy: d/dt of one example's loss at scale t, margins positive
    t = sp.Symbol("t", positive=True)
    m1, m2 = sp.symbols("m1 m2", positive=True)
    loss = sp.log(1 + sp.exp(-t * m1) + sp.exp(-t * m2))
    dloss = sp.simplify(sp.diff(loss, t))
    # -(positive) / (positive) with t, m_j > 0: SymPy's assumptions decide the sign
    decreasing = dloss.is_negative is True
    # the computation
    gen = torch.Generator().manual_seed(0)
    X, y, W = _train_separable(gen)
    acc = lambda W: float(((X @ W.T).argmax(dim=1) == y).double().mean())
    ce = lambda W: float(F.cross_entropy(X @ W.T, y))
    before = {"accuracy": acc(W), "cross_entropy": ce(W)}
    after = {"accuracy": acc(3 * W), "cross_entropy": ce(3 * W)}
    computed = (before["accuracy"] == 1.0 and after["accuracy"] == 1.0
                and after["cross_entropy"] < before["cross_entropy"])
    holds = decreasing and computed
    evidence = (
        "Scores s = W x. 100% accuracy means s_y > s_j for every example and every j != y, "
        "i.e. margins m_j = s_y - s_j > 0. Scaling W by t > 0 scales every margin by t: the "
        "argmax, hence the accuracy, is unchanged, and the cross-entropy "
        "log(1 + sum_{j != y} e^{-t m_j}) has derivative in t "
        f"{dloss} (SymPy, two wrong classes), negative for positive margins, so t = 3 gives "
        "a strictly smaller loss than t = 1 on every example. torch: a bias-free softmax "
        f"classifier trained to 100% on 60 separable points (K = 3, d = 5): accuracy "
        f"{before['accuracy']:.0%} -> {after['accuracy']:.0%}, cross-entropy "
        f"{before['cross_entropy']:.4f} -> {after['cross_entropy']:.4f}. (With an unscaled "
        "bias, or a tie s_y = s_j counted as correct, the statement can fail; the exam's "
        "classifier is W x.)"
    )
    return Settlement(holds, "proof", evidence,
                      {"dloss_dt": str(dloss), "before": before, "after": after})
