"""The gallery (docs/gallery.md): derivations from deep-learning practice, each checked
with one call, and the slip each one catches (a transpose, a lost factor or term).

Every item's derivation must pass; every item's slip must fail; and the output printed
under each item in docs/gallery.md must be what the slip really prints (so the gallery
cannot go stale). ``python tests/test_gallery.py`` prints those outputs.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pytest
import torch
import torch.nn.functional as F

from derive.testing import Mismatch, assert_matches_autograd

GALLERY = Path(__file__).resolve().parent.parent / "docs" / "gallery.md"
SIGMA = {"sigma": {"kind": "function", "torch": "sigmoid", "latex": [r"\sigma"]}}


def normalisation(n: str, epsilon: str | None = None) -> dict[str, Any]:
    """x in R^n normalised by its mean and standard deviation: mu, sigma and xhat are
    declared as derived symbols (computed from x at every point); epsilon is drawn, or
    a constant."""
    eps = ({"kind": "constant", "value": epsilon} if epsilon
           else {"kind": "scalar", "domain": "positive"})
    return {
        "x": {"kind": "vector", "shape": [n]},
        "epsilon": {**eps, "latex": [r"\epsilon"]},
        "mu": {"kind": "scalar", "latex": [r"\mu"],
               "define": rf"\frac{{1}}{{{n}}}\sum_{{i=1}}^{{{n}}} x_i"},
        "sigma": {"kind": "scalar", "latex": [r"\sigma"],
                  "define": rf"\sqrt{{\frac{{1}}{{{n}}}\sum_{{i=1}}^{{{n}}} (x_i - \mu)^2 "
                            rf"+ \epsilon}}"},
        "xhat": {"kind": "vector", "shape": [n], "latex": [r"\hat{x}"],
                 "define": r"\frac{x - \mu \mathbf{1}}{\sigma}"},
    }


def layer_norm(x, epsilon):
    mu = x.mean()
    return (x - mu) / torch.sqrt(((x - mu) ** 2).mean() + epsilon)


def batch_norm_loss(x, g, gamma, beta, epsilon):
    """One feature over a batch of m examples, training mode (batch statistics);
    L = g^T y, so g is the upstream gradient dL/dy. epsilon is a constant (a float)."""
    y = F.batch_norm(x[:, None], None, None, weight=gamma[None], bias=beta[None],
                     training=True, eps=epsilon)[:, 0]
    return g @ y


def attention_loss(Q, K, V, G, d):
    """L = <G, softmax(Q K^T / sqrt(d)) V>: G is the upstream gradient of the output."""
    return (G * (torch.softmax(Q @ K.T / math.sqrt(d), dim=1) @ V)).sum()


def mlp_loss(W, b, x, g):
    """h = sigma(W x + b), L = g^T h: g is the upstream gradient dL/dh."""
    return g @ torch.sigmoid(W @ x + b)


def ridge(X, w, y, lam):
    return 0.5 * ((X @ w - y) ** 2).sum() + 0.5 * lam * (w @ w)


def linearised_loss(X, w, y, v):
    """1/2 ||r(w) + J (v - w)||^2 for r(w) = tanh(X w) - y: its Hessian in v is the
    Gauss-Newton matrix J^T J (J computed here by torch, at w)."""
    def r(u):
        return torch.tanh(X @ u) - y
    J = torch.func.jacrev(r)(w)
    return 0.5 * ((r(w) + J @ (v - w)) ** 2).sum()


SOFTMAX = r"\frac{\exp(z)}{\mathbf{1}^T \exp(z)}"
ATTN_P = (r"\text{ where } P = \operatorname{diag}(\exp(Q K^T / \sqrt{d})\mathbf{1})^{-1}"
          r"\exp(Q K^T / \sqrt{d})")
GELU_U = r"\text{ where } u = \sqrt{\frac{2}{\pi}}\left(x + 0.044715 x^3\right)"


@dataclass(frozen=True)
class Item:
    key: str
    latex: str                     # the derivation
    definition: Callable
    wrt: str
    slip: str                      # the same derivation with a typical slip
    kw: dict = field(default_factory=dict)


ITEMS = [
    Item("softmax", r"\operatorname{diag}(s) - s s^T \text{ where } s = " + SOFTMAX,
         lambda z: torch.softmax(z, 0), "z",
         r"s s^T - \operatorname{diag}(s) \text{ where } s = " + SOFTMAX,
         dict(shapes={"z": "n"})),
    Item("log-softmax", r"I_n - \mathbf{1} s^T \text{ where } s = " + SOFTMAX,
         lambda z: torch.log_softmax(z, 0), "z",
         r"I_n - s \mathbf{1}^T \text{ where } s = " + SOFTMAX, dict(shapes={"z": "n"})),
    Item("cross-entropy", SOFTMAX + " - y",
         lambda z, y: F.cross_entropy(z[None], y[None]), "z", "y - " + SOFTMAX,
         dict(shapes={"z": "n", "y": "n"}, domains={"y": "simplex"})),
    Item("layer-norm",
         r"\frac{1}{\sigma}\left(I_n - \frac{1}{n}\mathbf{1}\mathbf{1}^T"
         r" - \frac{1}{n}\hat{x}\hat{x}^T\right)", layer_norm, "x",
         r"\frac{1}{\sigma}\left(I_n - \frac{1}{n}\mathbf{1}\mathbf{1}^T\right)",
         dict(symbols=normalisation("n"))),
    Item("batch-norm",
         r"\frac{\gamma}{\sigma}\left(g - \frac{1}{m}(\mathbf{1}^T g)\mathbf{1}"
         r" - \frac{1}{m}(\hat{x}^T g)\hat{x}\right)", batch_norm_loss, "x",
         r"\frac{\gamma}{\sigma}\left(g - \frac{1}{m}(\mathbf{1}^T g)\mathbf{1}\right)",
         dict(symbols=normalisation("m", epsilon="10^{-5}"),
              shapes={"g": "m", "gamma": (), "beta": ()})),
    Item("attention",
         r"\frac{1}{\sqrt{d}}\left(P \odot \left(G V^T - (P \odot (G V^T))\mathbf{1}"
         r"\mathbf{1}^T\right)\right) K" + ATTN_P, attention_loss, "Q",
         r"\left(P \odot \left(G V^T - (P \odot (G V^T))\mathbf{1}\mathbf{1}^T\right)\right) K"
         + ATTN_P, dict(shapes={"Q": "t d", "K": "s d", "V": "s e", "G": "t e"})),
    Item("mlp-delta", r"\left(g \odot \sigma(W x + b) \odot (1 - \sigma(W x + b))\right) x^T",
         mlp_loss, "W", r"x \left(g \odot \sigma(W x + b) \odot (1 - \sigma(W x + b))\right)^T",
         dict(shapes={"W": "m n", "b": "m", "x": "n", "g": "m"}, symbols=SIGMA)),
    Item("gelu",
         r"\frac{1}{2}(1 + \tanh(u)) + \frac{x}{2}(1 - \tanh^2(u))\sqrt{\frac{2}{\pi}}"
         r"\left(1 + 3 \cdot 0.044715 x^2\right)" + GELU_U,
         lambda x: F.gelu(x, approximate="tanh"), "x",
         r"\frac{1}{2}(1 + \tanh(u))" + GELU_U, dict(shapes={"x": ()})),
    Item("silu", r"\sigma(x)\left(1 + x (1 - \sigma(x))\right)", lambda x: F.silu(x), "x",
         r"\sigma(x)(1 - \sigma(x))", dict(shapes={"x": ()}, symbols=SIGMA)),
    Item("ridge", r"X^T (X w - y) + \lambda w", ridge, "w", r"X^T (X w - y) + 2 \lambda w",
         dict(shapes={"X": "m n", "w": "n", "y": "m", "lambda": ()},
              domains={"lambda": "positive"})),
    Item("gauss-newton", r"X^T \operatorname{diag}(1 - \tanh^2(X w))^2 X", linearised_loss,
         "v", r"X^T \operatorname{diag}(1 - \tanh^2(X w)) X",
         dict(shapes={"X": "m n", "w": "n", "y": "m", "v": "n"}, kind="hessian")),
]
IDS = [i.key for i in ITEMS]


def slip_output(item: Item) -> str:
    try:
        assert_matches_autograd(item.slip, item.definition, wrt=item.wrt, device="cpu",
                                **item.kw)
    except Mismatch as exc:
        return str(exc)
    return "(no error: the slip passed)"


def documented_outputs() -> dict[str, str]:
    """key -> the output block under ``<!-- output: key -->`` in docs/gallery.md."""
    text = GALLERY.read_text(encoding="utf-8")
    return {m.group(1): m.group(2).rstrip("\n")
            for m in re.finditer(r"<!-- output: ([\w-]+) -->\s*```text\n(.*?)```", text,
                                 re.S)}


@pytest.mark.parametrize("item", ITEMS, ids=IDS)
def test_derivation_passes(item):
    r = assert_matches_autograd(item.latex, item.definition, wrt=item.wrt, **item.kw)
    assert r.examples >= 50 and r.outside_domain == 0


@pytest.mark.parametrize("item", ITEMS, ids=IDS)
def test_slip_is_caught_as_documented(item):
    output = slip_output(item)
    assert not output.startswith("(no error"), f"{item.key}: the slip passed"
    docs = documented_outputs()
    assert item.key in docs, f"docs/gallery.md has no output block for {item.key}"
    assert docs[item.key] == output


def test_gallery_code_matches_these_items():
    """The LaTeX shown in the gallery is the LaTeX tested here."""
    text = GALLERY.read_text(encoding="utf-8")
    for item in ITEMS:
        for latex in (item.latex, item.slip):
            # a `where` clause is shown once per item, as a string of its own
            for piece in latex.split(r"\text{ where }"):
                assert piece in text, f"{item.key}: {piece!r} is not in docs/gallery.md"


if __name__ == "__main__":
    for item in ITEMS:
        print(f"<!-- output: {item.key} -->\n```text\n{slip_output(item)}\n```\n")
