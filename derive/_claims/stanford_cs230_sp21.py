"""Settlers for stanford-cs230-sp21 (CS 230 Spring 2021 midterm)."""
from __future__ import annotations

import sympy as sp
import torch
import torch.nn.functional as F

from . import Settlement, settles


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
