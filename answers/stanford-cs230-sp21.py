"""The code of exam stanford-cs230-sp21: ground-truth definitions and claim settlers.

Definitions for stanford-cs230-sp21 (CS 230 Spring 2021 midterm).

Settlers for stanford-cs230-sp21 (CS 230 Spring 2021 midterm).
"""
from __future__ import annotations

import functools
import sympy as sp
import torch
from torch.func import grad, vmap
import torch.nn.functional as F

from derive import Settlement, definition, settles


def _soft_threshold_sympy(v):
    """SymPy: the zero of the subgradient H(w - w*) + alpha d|w| of (H/2)(w - w*)^2 +
    alpha|w|, solved on each piece of |w| (w > 0, w < 0), each root kept where it lies in
    its piece, and w = 0 where 0 is in H(0 - w*) + alpha [-1, 1]."""
    ws, h, alpha = v["wstar"], v["H"], v["alpha"]
    w = sp.Symbol("w", real=True)
    quadratic = h / 2 * (w - ws) ** 2
    pieces = []
    for sign in (1, -1):                              # on the piece sign * w > 0, |w| = sign * w
        smooth = quadratic + alpha * sign * w
        (root,) = sp.solve(sp.diff(smooth, w), w)
        pieces.append((root, sign * root > 0))
    g0 = sp.diff(quadratic, w).subs(w, 0)             # the smooth part's slope at w = 0
    pieces.append((sp.Integer(0), sp.And(g0 - alpha <= 0, g0 + alpha >= 0)))
    return sp.Piecewise(*pieces)


@definition("stanford-cs230-sp21/4.ii",
            "torch bisection on the subgradient of (H/2)(w - w*)^2 + alpha |w| "
            "(the minimiser, found without the closed form)",
            sympy=_soft_threshold_sympy)
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
    """SymPy: the gradient of J(w) + alpha ||w||_1 for an explicit w, with J(w) = g^T w
    (any J whose gradient at w is g)."""
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
    """SymPy: d/dz of (1/n) log sigmoid(z) and of (1/n) log(1 - sigmoid(z)), at
    z = logit(D)."""
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

#: the exam's kernels, per output channel: a key kernel 3 x 3 x iC, a value kernel 3 x 3 x 1
KERNELS = {"key": (3, 3, "iC"), "value": (3, 3, 1)}


class ImageAttention(torch.nn.Module):
    """The exam's layer, as it is written: for output channel c,
    y_ij[c] = sum_{a,b} softmax_{a,b}(q_ij^T k^c_{a,b}) v^c_{a,b}, with q_ij the input
    pixel (iC values), k^c the key kernel and v^c the value kernel (KERNELS), stride 1 and
    no padding. Input and output are H x W x C, as in the exam."""

    def __init__(self, ic: int, oc: int, gen: torch.Generator):
        super().__init__()
        size = lambda shape: tuple(ic if d == "iC" else d for d in shape)  # noqa: E731
        self.key = torch.nn.Parameter(
            torch.randn(oc, *size(KERNELS["key"]), dtype=torch.float64, generator=gen))
        self.value = torch.nn.Parameter(
            torch.randn(oc, *size(KERNELS["value"]), dtype=torch.float64, generator=gen))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q = x[1:-1, 1:-1]                                          # centres, no padding
        scores = torch.einsum("hwi,cabi->hwcab", q, self.key)      # q_ij^T k^c_ab
        weights = torch.softmax(scores.flatten(-2), dim=-1).unflatten(-1, (3, 3))
        return (weights * self.value[..., 0]).sum(dim=(-2, -1))   # (H - 2, W - 2, oC)


@functools.lru_cache(maxsize=None)
def _attention_params(ic: int, oc: int) -> int:
    """The trainable parameters of the layer: the entries that receive a gradient from
    the output (torch autograd of a random projection of y on a random 6 x 7 x iC image),
    checked against every parameter's numel (none is left unused)."""
    gen = torch.Generator().manual_seed(61 + 100 * ic + oc)
    layer = ImageAttention(ic, oc, gen)
    x = torch.randn(6, 7, ic, dtype=torch.float64, generator=gen)
    y = layer(x)
    assert tuple(y.shape) == (4, 5, oc)
    grads = torch.autograd.grad((y * torch.randn(y.shape, dtype=torch.float64,
                                                  generator=gen)).sum(),
                                list(layer.parameters()))
    used = sum(int((g != 0).sum()) for g in grads)
    total = sum(p.numel() for p in layer.parameters() if p.requires_grad)
    assert used == total, f"only {used} of {total} parameter entries reach the output"
    return used


def _attention_params_sympy(v):
    """SymPy: the exam's kernel shapes (per output channel a key kernel 3 x 3 x iC and a
    value kernel 3 x 3 x 1) multiplied out and summed over the oC output channels."""
    ic, oc = v["iC"], v["oC"]
    c = sp.Symbol("c", integer=True, positive=True)
    per_channel = sum(sp.Mul(*(ic if d == "iC" else d for d in shape))
                      for shape in KERNELS.values())
    return sp.summation(per_channel, (c, 1, oc))


@definition("stanford-cs230-sp21/6.1",
            "the exam's attention layer as a torch.nn.Module (a 3x3xiC key kernel and a 3x3x1 "
            "value kernel per output channel, softmax over the 3x3 window); the parameter "
            "entries that receive a gradient from its output, for each sampled iC, oC",
            sympy=_attention_params_sympy)
def attention_params(v):
    ic = v["iC"][:, 0, 0].round().long().tolist()
    oc = v["oC"][:, 0, 0].round().long().tolist()
    out = [_attention_params(i, o) for i, o in zip(ic, oc)]
    return torch.tensor(out, dtype=torch.float64, device=v["iC"].device)


def _vec(values) -> str:
    return "(" + ", ".join(f"{x:.4f}" for x in values) + ")"


@settles("stanford-cs230-sp21/1.d.iii")
def softmax_scale_invariance() -> Settlement:
    """softmax(c y) = softmax(y) for every real c: tried with torch at y = (0, 1)."""
    y = torch.tensor([0.0, 1.0], dtype=torch.float64)
    rows = {}
    bad = []
    for c in (1.0, 2.0, 0.0, -1.0):
        p, q = torch.softmax(y, dim=0), torch.softmax(c * y, dim=0)
        same = bool(torch.allclose(p, q, rtol=0, atol=1e-15))
        rows[c] = {"softmax(y)": p.tolist(), "softmax(cy)": q.tolist(), "equal": same}
        if not same:
            bad.append(c)
    holds = not bad
    shown = "; ".join(
        f"$c = {c:g}$: $\\mathrm{{softmax}}(cy) = {_vec(r['softmax(cy)'])}$"
        f"{'' if r['equal'] else ' (different)'}" for c, r in rows.items())
    evidence = (
        "torch.softmax at $y = (0, 1)$, where $\\mathrm{softmax}(y) = "
        f"{_vec(rows[1.0]['softmax(y)'])}$: " + shown + ". "
        + (f"So the statement fails: $c = {bad[0]:g}$ is a counterexample (scaling by $c$ "
           "acts as an inverse temperature; softmax is invariant to adding a constant to "
           "every entry, not to multiplying by one)." if bad else
           "Every $c$ tried gives the same distribution."))
    return Settlement(holds, "counterexample" if bad else "computation", evidence,
                      {"y": y.tolist(), "counterexamples_c": bad,
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
    m1, m2 = sp.symbols("m_1 m_2", positive=True)
    loss = sp.log(1 + sp.exp(-t * m1) + sp.exp(-t * m2))
    dloss = sp.simplify(sp.diff(loss, t))
    # -(positive) / (positive) with t, m_j > 0: SymPy's assumptions decide the sign
    decreasing = dloss.is_negative is True
    # the computation
    gen = torch.Generator().manual_seed(0)
    X, y, W = _train_separable(gen)
    acc = lambda W: float(((X @ W.T).argmax(dim=1) == y).double().mean())  # noqa: E731
    ce = lambda W: float(F.cross_entropy(X @ W.T, y))  # noqa: E731
    before = {"accuracy": acc(W), "cross_entropy": ce(W)}
    after = {"accuracy": acc(3 * W), "cross_entropy": ce(3 * W)}
    computed = (before["accuracy"] == 1.0 and after["accuracy"] == 1.0
                and after["cross_entropy"] < before["cross_entropy"])
    holds = decreasing and computed
    sign = {True: "negative", False: "not shown negative"}[decreasing]
    evidence = (
        "Scores $s = Wx$. 100% accuracy means $s_y > s_j$ for every example and every "
        "$j \\ne y$, i.e. margins $m_j = s_y - s_j > 0$; scaling $W$ by $t > 0$ scales every "
        "margin by $t$ and keeps the argmax. One example's cross-entropy "
        f"${sp.latex(loss)}$ (two wrong classes) has derivative in $t$ "
        f"${sp.latex(dloss)}$, which SymPy finds {sign} for positive margins. torch: a "
        "bias-free softmax classifier trained on 60 separable points ($K = 3$, $d = 5$) has "
        f"accuracy {before['accuracy']:.0%} and cross-entropy "
        f"${before['cross_entropy']:.4f}$; with $3W$, accuracy {after['accuracy']:.0%} and "
        f"cross-entropy ${after['cross_entropy']:.4f}$. "
        + ("So the accuracy is kept and the loss is smaller: the statement holds (for the "
           "exam's classifier $Wx$; an unscaled bias could break it)." if holds else
           "So the statement is not established."))
    return Settlement(holds, "proof", evidence,
                      {"dloss_dt": sp.latex(dloss), "before": before, "after": after})
