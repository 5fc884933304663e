"""Textbook matrix-calculus and backprop identities, written as their sources print them,
property-tested with one call each: ``assert_matches_autograd(latex, definition, ...)``.

Each identity is (the closed form as printed, the function it differentiates written in
torch, the variable, the shapes; domains where the source assumes one). The set is
this project's own, from standard references (the Matrix Cookbook, Petersen & Pedersen
2012, cited by section; Magnus & Neudecker; Boyd & Vandenberghe; Bishop's PRML;
Goodfellow, Bengio & Courville; the CS231n notes), plus wrong variants of the kind a
derivation goes wrong: a transpose dropped, a factor lost, a term missing.

Every label (true or wrong) is first checked independently of derive, with plain torch:
each identity carries its closed form as a torch function too, compared with
``torch.func`` autograd at points drawn here (test_label_holds_in_plain_torch). Then:

* test_identities_as_printed (``slow``: the full set) requires that at least 95% of the
  true identities pass, that every wrong variant is caught (:class:`Mismatch`), and that
  no exception other than derive.testing's own escapes; it prints the tally;
* test_identity_slice (the normal suite) runs a fixed slice of the set, one test each:
  every 4th true identity and every 2nd wrong one.
"""
from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field
from typing import Any, Callable

import pytest
import torch
import torch.nn.functional as F

from derive.testing import InvalidArgument, Mismatch, Undecided, assert_matches_autograd

COOKBOOK = "Matrix Cookbook"
SIGMA = {"sigma": {"kind": "function", "torch": "sigmoid", "latex": [r"\sigma"]}}
SOFTMAX = r"\frac{\exp(z)}{\mathbf{1}^T \exp(z)}"


@dataclass(frozen=True)
class Identity:
    id: str
    source: str
    latex: str                       # the closed form, as printed
    definition: Callable             # what it differentiates (torch)
    wrt: str
    shapes: dict
    torch_form: Callable             # the closed form in plain torch, torch.func's layout
    domains: dict = field(default_factory=dict)
    kind: str | None = None          # None: read off the definition's output
    dims: dict = field(default_factory=dict)
    symbols: dict | None = None      # functions (sigma)
    true: bool = True


def sm(z):
    return torch.softmax(z, 0)


def dsig(t):
    return torch.sigmoid(t) * (1 - torch.sigmoid(t))


def eye_like(t, n=None):
    return torch.eye(n if n is not None else t.shape[0], dtype=torch.float64)


def kron(a, b):
    # torch.kron of a transposed (non-contiguous) matrix fails in torch 2.13
    return torch.kron(a.contiguous(), b.contiguous())


def inv(X):
    return torch.linalg.inv(X)


def mp(X, k):
    return torch.linalg.matrix_power(X, k)


I = Identity  # noqa: E741 - a table reads better short

IDENTITIES: list[Identity] = [
    # --- scalar by vector (Cookbook §2.4.1, §2.4.2) ---------------------------------------
    I("a^T x", f"{COOKBOOK} §2.4.1", r"a", lambda a, x: a @ x, "x", {"a": "n", "x": "n"},
      lambda a, x: a),
    I("b^T A x", f"{COOKBOOK} §2.4.1", r"A^T b", lambda A, b, x: b @ A @ x, "x",
      {"A": "m n", "b": "m", "x": "n"}, lambda A, b, x: A.T @ b),
    I("x^T A x", f"{COOKBOOK} §2.4.2", r"(A + A^T) x", lambda A, x: x @ A @ x, "x",
      {"A": "n n", "x": "n"}, lambda A, x: (A + A.T) @ x),
    I("x^T A x, A symmetric", f"{COOKBOOK} §2.4.2", r"2 A x", lambda A, x: x @ A @ x, "x",
      {"A": "n n", "x": "n"}, lambda A, x: 2 * A @ x, domains={"A": "symmetric"}),
    I("x^T x", f"{COOKBOOK} §2.4.2", r"2 x", lambda x: x @ x, "x", {"x": "n"},
      lambda x: 2 * x),
    I("||x - a||_2", f"{COOKBOOK} §2.6", r"\frac{x - a}{\|x - a\|_2}",
      lambda a, x: torch.linalg.vector_norm(x - a), "x", {"a": "n", "x": "n"},
      lambda a, x: (x - a) / torch.linalg.vector_norm(x - a)),
    I("||Ax - b||^2", f"{COOKBOOK} §2.4.2", r"2 A^T (A x - b)",
      lambda A, b, x: ((A @ x - b) ** 2).sum(), "x", {"A": "m n", "b": "m", "x": "n"},
      lambda A, b, x: 2 * A.T @ (A @ x - b)),
    I("(Ax+b)^T C (Dx+e)", f"{COOKBOOK} §2.4.2", r"A^T C (D x + e) + D^T C^T (A x + b)",
      lambda A, b, C, D, e, x: (A @ x + b) @ C @ (D @ x + e), "x",
      {"A": "m n", "b": "m", "C": "m m", "D": "m n", "e": "m", "x": "n"},
      lambda A, b, C, D, e, x: A.T @ C @ (D @ x + e) + D.T @ C.T @ (A @ x + b)),
    I("Rayleigh quotient", "Golub & Van Loan §8.2",
      r"\frac{2}{x^T x}\left(A x - \frac{x^T A x}{x^T x} x\right)",
      lambda A, x: (x @ A @ x) / (x @ x), "x", {"A": "n n", "x": "n"},
      lambda A, x: 2 / (x @ x) * (A @ x - (x @ A @ x) / (x @ x) * x),
      domains={"A": "symmetric"}),
    I("log-sum-exp", "Boyd & Vandenberghe §3.1.5", r"\frac{\exp(x)}{\mathbf{1}^T \exp(x)}",
      lambda x: torch.logsumexp(x, 0), "x", {"x": "n"}, lambda x: sm(x)),
    I("Gaussian kernel", "Bishop PRML §6.4", r"-\exp\left(-\frac{1}{2} x^T x\right) x",
      lambda x: torch.exp(-x @ x / 2), "x", {"x": "n"}, lambda x: -torch.exp(-x @ x / 2) * x),
    I("softplus(a^T x)", "Goodfellow et al. §3.10", r"\sigma(a^T x) a",
      lambda a, x: F.softplus(a @ x), "x", {"a": "n", "x": "n"},
      lambda a, x: torch.sigmoid(a @ x) * a, symbols=SIGMA),
    I("logistic regression", "Bishop PRML §4.3.2", r"(\sigma(w^T x) - y) x",
      lambda w, x, y: -(y * torch.log(torch.sigmoid(w @ x))
                        + (1 - y) * torch.log(1 - torch.sigmoid(w @ x))), "w",
      {"w": "n", "x": "n", "y": ()}, lambda w, x, y: (torch.sigmoid(w @ x) - y) * x,
      domains={"y": "probability"}, symbols=SIGMA),
    I("ridge regression", "Goodfellow et al. §5.2.2", r"2 X^T (X w - y) + 2 \lambda w",
      lambda X, w, y, lam: ((X @ w - y) ** 2).sum() + lam * (w @ w), "w",
      {"X": "m n", "w": "n", "y": "m", "lambda": ()},
      lambda X, w, y, lam: 2 * X.T @ (X @ w - y) + 2 * lam * w,
      domains={"lambda": "positive"}),
    I("cross-entropy with logits", "Goodfellow et al. §6.2.2.3", SOFTMAX + " - y",
      lambda y, z: -(y * torch.log_softmax(z, 0)).sum(), "z", {"y": "n", "z": "n"},
      lambda y, z: sm(z) - y, domains={"y": "simplex"}),
    I("entropy", "Cover & Thomas §2.1", r"-(\log(p) + \mathbf{1})",
      lambda p: -(p * torch.log(p)).sum(), "p", {"p": "n"},
      lambda p: -(torch.log(p) + 1), domains={"p": "positive"}),
    I("||Qx||^2, Q orthogonal", "Golub & Van Loan §2.5", r"2 x",
      lambda Q, x: ((Q @ x) ** 2).sum(), "x", {"Q": "n n", "x": "n"}, lambda Q, x: 2 * x,
      domains={"Q": "orthogonal"}),
    I("projection residual, u unit", "Trefethen & Bau Lecture 6", r"2 (x - (u^T x) u)",
      lambda u, x: ((x - (u @ x) * u) ** 2).sum(), "x", {"u": "n", "x": "n"},
      lambda u, x: 2 * (x - (u @ x) * u), domains={"u": "unit"}),
    I("(a^T x)^2", f"{COOKBOOK} §2.4.2", r"2 (a^T x) a", lambda a, x: (a @ x) ** 2, "x",
      {"a": "n", "x": "n"}, lambda a, x: 2 * (a @ x) * a),
    # --- backprop through a layer (CS231n; Goodfellow et al. §6.5) --------------------------
    I("linear layer, dL/dx", "CS231n notes, backprop", r"W^T g",
      lambda W, b, g, x: g @ (W @ x + b), "x", {"W": "m n", "b": "m", "g": "m", "x": "n"},
      lambda W, b, g, x: W.T @ g),
    I("linear layer, dL/dW", "CS231n notes, backprop", r"g x^T",
      lambda W, b, g, x: g @ (W @ x + b), "W", {"W": "m n", "b": "m", "g": "m", "x": "n"},
      lambda W, b, g, x: torch.outer(g, x)),
    I("linear layer, dL/db", "CS231n notes, backprop", r"g",
      lambda W, b, g, x: g @ (W @ x + b), "b", {"W": "m n", "b": "m", "g": "m", "x": "n"},
      lambda W, b, g, x: g),
    I("delta rule, dL/dW", "Nielsen, NNDL ch. 2",
      r"\left((\sigma(Wx) - y) \odot \sigma(Wx) \odot (1 - \sigma(Wx))\right) x^T",
      lambda W, x, y: 0.5 * ((torch.sigmoid(W @ x) - y) ** 2).sum(), "W",
      {"W": "m n", "x": "n", "y": "m"},
      lambda W, x, y: torch.outer((torch.sigmoid(W @ x) - y) * dsig(W @ x), x),
      symbols=SIGMA),
    I("delta rule, dL/dx", "Nielsen, NNDL ch. 2",
      r"W^T \left((\sigma(Wx) - y) \odot \sigma(Wx) \odot (1 - \sigma(Wx))\right)",
      lambda W, x, y: 0.5 * ((torch.sigmoid(W @ x) - y) ** 2).sum(), "x",
      {"W": "m n", "x": "n", "y": "m"},
      lambda W, x, y: W.T @ ((torch.sigmoid(W @ x) - y) * dsig(W @ x)), symbols=SIGMA),
    I("tanh layer, dL/dW", "Goodfellow et al. §6.5",
      r"\left(g \odot (1 - \tanh^2(W x + b))\right) x^T",
      lambda W, b, g, x: g @ torch.tanh(W @ x + b), "W",
      {"W": "m n", "b": "m", "g": "m", "x": "n"},
      lambda W, b, g, x: torch.outer(g * (1 - torch.tanh(W @ x + b) ** 2), x)),
    I("tanh layer, dL/dv", "Goodfellow et al. §6.5", r"\tanh(W x)",
      lambda W, v, x: v @ torch.tanh(W @ x), "v", {"W": "m n", "v": "m", "x": "n"},
      lambda W, v, x: torch.tanh(W @ x)),
    # --- scalar by matrix: linear and quadratic forms, traces (Cookbook §2.4, §2.5) -------
    I("a^T X b", f"{COOKBOOK} §2.4.1", r"a b^T", lambda X, a, b: a @ X @ b, "X",
      {"X": "m n", "a": "m", "b": "n"}, lambda X, a, b: torch.outer(a, b)),
    I("a^T X^T b", f"{COOKBOOK} §2.4.1", r"b a^T", lambda X, a, b: a @ X.T @ b, "X",
      {"X": "m n", "a": "n", "b": "m"}, lambda X, a, b: torch.outer(b, a)),
    I("tr(X)", f"{COOKBOOK} §2.5.1", r"\mathbf{I}", lambda X: torch.trace(X), "X",
      {"X": "n n"}, lambda X: eye_like(X)),
    I("tr(AX)", f"{COOKBOOK} §2.5.1", r"A^T", lambda A, X: torch.trace(A @ X), "X",
      {"A": "n m", "X": "m n"}, lambda A, X: A.T),
    I("tr(XA)", f"{COOKBOOK} §2.5.1", r"A^T", lambda A, X: torch.trace(X @ A), "X",
      {"A": "n m", "X": "m n"}, lambda A, X: A.T),
    I("tr(X^T A)", f"{COOKBOOK} §2.5.1", r"A", lambda A, X: torch.trace(X.T @ A), "X",
      {"A": "m n", "X": "m n"}, lambda A, X: A),
    I("tr(AXB)", f"{COOKBOOK} §2.5.1", r"A^T B^T", lambda A, B, X: torch.trace(A @ X @ B),
      "X", {"A": "p m", "X": "m n", "B": "n p"}, lambda A, B, X: A.T @ B.T),
    I("tr(A X^T B)", f"{COOKBOOK} §2.5.1", r"B A", lambda A, B, X: torch.trace(A @ X.T @ B),
      "X", {"A": "p n", "X": "m n", "B": "m p"}, lambda A, B, X: B @ A),
    I("tr(X^T X)", f"{COOKBOOK} §2.5.2", r"2 X", lambda X: torch.trace(X.T @ X), "X",
      {"X": "m n"}, lambda X: 2 * X),
    I("tr(X B X^T)", f"{COOKBOOK} §2.5.2", r"X (B + B^T)",
      lambda B, X: torch.trace(X @ B @ X.T), "X", {"B": "n n", "X": "m n"},
      lambda B, X: X @ (B + B.T)),
    I("tr(X^T B X)", f"{COOKBOOK} §2.5.2", r"(B + B^T) X",
      lambda B, X: torch.trace(X.T @ B @ X), "X", {"B": "m m", "X": "m n"},
      lambda B, X: (B + B.T) @ X),
    I("tr(X^2)", f"{COOKBOOK} §2.5.2", r"2 X^T", lambda X: torch.trace(X @ X), "X",
      {"X": "n n"}, lambda X: 2 * X.T),
    I("tr(AXBX)", f"{COOKBOOK} §2.5.2", r"A^T X^T B^T + B^T X^T A^T",
      lambda A, B, X: torch.trace(A @ X @ B @ X), "X", {"A": "n n", "B": "n n", "X": "n n"},
      lambda A, B, X: A.T @ X.T @ B.T + B.T @ X.T @ A.T),
    I("tr(B^T X^T C X B)", f"{COOKBOOK} §2.5.2", r"C^T X B B^T + C X B B^T",
      lambda B, C, X: torch.trace(B.T @ X.T @ C @ X @ B), "X",
      {"B": "n p", "C": "m m", "X": "m n"},
      lambda B, C, X: C.T @ X @ B @ B.T + C @ X @ B @ B.T),
    I("tr(X^k)", f"{COOKBOOK} §2.5.3", r"k (X^{k-1})^T",
      lambda X, k: torch.trace(mp(X, k)), "X", {"X": "n n"},
      lambda X, k: k * mp(X, k - 1).T, dims={"k": (1, 4)}),
    I("tr(A X^k)", f"{COOKBOOK} §2.5.3", r"\sum_{r=0}^{k-1} (X^r A X^{k-1-r})^T",
      lambda A, X, k: torch.trace(A @ mp(X, k)), "X", {"A": "n n", "X": "n n"},
      lambda A, X, k: sum(mp(X, r) @ A @ mp(X, k - 1 - r) for r in range(k)).T,
      dims={"k": (1, 4)}),
    I("||XA - B||_F^2", f"{COOKBOOK} §2.7", r"2 (X A - B) A^T",
      lambda A, B, X: ((X @ A - B) ** 2).sum(), "X", {"A": "n p", "B": "m p", "X": "m n"},
      lambda A, B, X: 2 * (X @ A - B) @ A.T),
    I("||X||_F", f"{COOKBOOK} §2.7", r"\frac{X}{\|X\|_F}",
      lambda X: torch.linalg.matrix_norm(X), "X", {"X": "m n"},
      lambda X: X / torch.linalg.matrix_norm(X)),
    # --- determinants and inverses (Cookbook §2.1.2, §2.2) -------------------------------
    I("det(X)", f"{COOKBOOK} §2.1.2", r"\det(X) X^{-T}", lambda X: torch.det(X), "X",
      {"X": "n n"}, lambda X: torch.det(X) * inv(X).T, domains={"X": "invertible"}),
    I("det(AXB)", f"{COOKBOOK} §2.1.2", r"\det(AXB) X^{-T}",
      lambda A, B, X: torch.det(A @ X @ B), "X", {"A": "n n", "B": "n n", "X": "n n"},
      lambda A, B, X: torch.det(A @ X @ B) * inv(X).T, domains={"X": "invertible"}),
    I("log|det X|", f"{COOKBOOK} §2.1.2", r"X^{-T}", lambda X: torch.linalg.slogdet(X)[1],
      "X", {"X": "n n"}, lambda X: inv(X).T, domains={"X": "invertible"}),
    I("log det S, S spd", "Bishop PRML (C.28)", r"S^{-1}", lambda S: torch.logdet(S), "S",
      {"S": "n n"}, lambda S: inv(S), domains={"S": "spd"}),
    I("a^T X^{-1} b", f"{COOKBOOK} §2.2", r"-X^{-T} a b^T X^{-T}",
      lambda X, a, b: a @ inv(X) @ b, "X", {"X": "n n", "a": "n", "b": "n"},
      lambda X, a, b: -inv(X).T @ torch.outer(a, b) @ inv(X).T,
      domains={"X": "invertible"}),
    I("tr(A X^{-1} B)", f"{COOKBOOK} §2.5.1", r"-(X^{-1} B A X^{-1})^T",
      lambda A, B, X: torch.trace(A @ inv(X) @ B), "X", {"A": "n n", "B": "n n", "X": "n n"},
      lambda A, B, X: -(inv(X) @ B @ A @ inv(X)).T, domains={"X": "invertible"}),
    I("tr(X^{-1})", f"{COOKBOOK} §2.5.1", r"-(X^{-2})^T", lambda X: torch.trace(inv(X)),
      "X", {"X": "n n"}, lambda X: -(inv(X) @ inv(X)).T, domains={"X": "invertible"}),
    # --- values: Kronecker, vec, pseudo-inverse (Magnus & Neudecker ch. 2; Cookbook §10) -
    I("vec(AXB)", "Magnus & Neudecker ch. 2", r"(B^T \otimes A) \operatorname{vec}(X)",
      lambda A, B, X: (A @ X @ B).T.reshape(-1), "X", {"A": "m n", "B": "p p", "X": "n p"},
      lambda A, B, X: kron(B.T, A) @ X.T.reshape(-1), kind="value"),
    I("tr(A^T B) = vec(A)^T vec(B)", "Magnus & Neudecker ch. 2",
      r"\operatorname{vec}(A)^T \operatorname{vec}(B)", lambda A, B: torch.trace(A.T @ B), "A",
      {"A": "m n", "B": "m n"}, lambda A, B: A.T.reshape(-1) @ B.T.reshape(-1),
      kind="value"),
    I("(A ⊗ B)^T", f"{COOKBOOK} §10.2", r"(A \otimes B)^T", lambda A, B: kron(A.T, B.T),
      "A", {"A": "m n", "B": "p p"}, lambda A, B: kron(A, B).T, kind="value"),
    I("mixed product", f"{COOKBOOK} §10.2", r"(A \otimes B)(C \otimes D)",
      lambda A, B, C, D: kron(A @ C, B @ D), "A",
      {"A": "m n", "B": "p p", "C": "n m", "D": "p p"},
      lambda A, B, C, D: kron(A, B) @ kron(C, D), kind="value"),
    I("pseudo-inverse, full column rank", f"{COOKBOOK} §3.6", r"X^{+}",
      lambda X: inv(X.T @ X) @ X.T, "X", {"X": "m n"}, lambda X: torch.linalg.pinv(X),
      kind="value", dims={"m": (4, 6), "n": (2, 3)}),
    I("least-squares minimiser", "Strang, ILA §4.3", r"(X^T X)^{-1} X^T y",
      lambda X, y: torch.linalg.lstsq(X, y[:, None]).solution[:, 0], "X",
      {"X": "m n", "y": "m"}, lambda X, y: inv(X.T @ X) @ X.T @ y, kind="value",
      dims={"m": (4, 6), "n": (2, 3)}),
    I("ridge minimiser", "Goodfellow et al. §7.1.1",
      r"(X^T X + \lambda \mathbf{I})^{-1} X^T y",
      lambda X, y, lam, n: torch.linalg.lstsq(
          torch.cat([X, lam.sqrt() * torch.eye(n, dtype=X.dtype)]),
          torch.cat([y, torch.zeros(n, dtype=X.dtype)])[:, None]).solution[:, 0], "X",
      {"X": "m n", "y": "m", "lambda": ()},
      lambda X, y, lam, n: inv(X.T @ X + lam * torch.eye(n, dtype=X.dtype)) @ X.T @ y,
      kind="value", domains={"lambda": "positive"}),
    # --- Hessians (Boyd & Vandenberghe App. A.4) -------------------------------------------
    I("Hessian of x^T A x", "Boyd & Vandenberghe A.4.3", r"A + A^T",
      lambda A, x: x @ A @ x, "x", {"A": "n n", "x": "n"}, lambda A, x: A + A.T,
      kind="hessian"),
    I("Hessian of ||Ax - b||^2", "Boyd & Vandenberghe A.4.3", r"2 A^T A",
      lambda A, b, x: ((A @ x - b) ** 2).sum(), "x", {"A": "m n", "b": "m", "x": "n"},
      lambda A, b, x: 2 * A.T @ A, kind="hessian"),
    I("Hessian of log-sum-exp", "Boyd & Vandenberghe §3.1.5",
      r"\operatorname{diag}(p) - p p^T \text{ where } p = \frac{\exp(x)}{\mathbf{1}^T\exp(x)}",
      lambda x: torch.logsumexp(x, 0), "x", {"x": "n"},
      lambda x: torch.diag(sm(x)) - torch.outer(sm(x), sm(x)), kind="hessian"),
    I("Hessian of ridge", "Goodfellow et al. §7.1.1", r"2 X^T X + 2 \lambda \mathbf{I}",
      lambda X, w, y, lam: ((X @ w - y) ** 2).sum() + lam * (w @ w), "w",
      {"X": "m n", "w": "n", "y": "m", "lambda": ()},
      lambda X, w, y, lam: 2 * X.T @ X + 2 * lam * eye_like(w), kind="hessian"),
    # --- Jacobians (numerator layout, (df/dx)_ij = df_i/dx_j) -------------------------------
    I("Ax", f"{COOKBOOK} §2.4.1", r"A", lambda A, x: A @ x, "x", {"A": "m n", "x": "n"},
      lambda A, x: A),
    I("sigmoid, entrywise", "Goodfellow et al. §6.3.2",
      r"\operatorname{diag}(\sigma(x) \odot (1 - \sigma(x)))", lambda x: torch.sigmoid(x), "x",
      {"x": "n"}, lambda x: torch.diag(dsig(x)), symbols=SIGMA),
    I("tanh, entrywise", "Goodfellow et al. §6.3.2", r"\operatorname{diag}(1 - \tanh^2(x))",
      lambda x: torch.tanh(x), "x", {"x": "n"}, lambda x: torch.diag(1 - torch.tanh(x) ** 2)),
    I("softmax", "Goodfellow et al. §6.2.2.3",
      r"\operatorname{diag}(s) - s s^T \text{ where } s = \frac{\exp(x)}{\mathbf{1}^T\exp(x)}",
      lambda x: torch.softmax(x, 0), "x", {"x": "n"},
      lambda x: torch.diag(sm(x)) - torch.outer(sm(x), sm(x))),
    I("x ⊙ y", f"{COOKBOOK} §2.4", r"\operatorname{diag}(y)", lambda x, y: x * y, "x",
      {"x": "n", "y": "n"}, lambda x, y: torch.diag(y)),
    I("x / ||x||", f"{COOKBOOK} §2.6",
      r"\frac{1}{\|x\|}\left(\mathbf{I} - \frac{x x^T}{x^T x}\right)",
      lambda x: x / torch.linalg.vector_norm(x), "x", {"x": "n"},
      lambda x: (eye_like(x) - torch.outer(x, x) / (x @ x)) / torch.linalg.vector_norm(x)),
    I("exp, entrywise", "Goodfellow et al. §6.2.2", r"\operatorname{diag}(\exp(x))",
      lambda x: torch.exp(x), "x", {"x": "n"}, lambda x: torch.diag(torch.exp(x))),
    I("cos, entrywise", "calculus", r"-\operatorname{diag}(\sin(x))",
      lambda x: torch.cos(x), "x", {"x": "n"}, lambda x: -torch.diag(torch.sin(x))),
    I("sigma(Wx)", "Goodfellow et al. §6.5",
      r"\operatorname{diag}\left(\sigma(Wx) \odot (1 - \sigma(Wx))\right) W",
      lambda W, x: torch.sigmoid(W @ x), "x", {"W": "m n", "x": "n"},
      lambda W, x: torch.diag(dsig(W @ x)) @ W, symbols=SIGMA),
    I("tanh(Wx)", "Goodfellow et al. §6.5", r"\operatorname{diag}(1 - \tanh^2(Wx)) W",
      lambda W, x: torch.tanh(W @ x), "x", {"W": "m n", "x": "n"},
      lambda W, x: torch.diag(1 - torch.tanh(W @ x) ** 2) @ W),
    I("x / 1^T x", "Boyd & Vandenberghe §3.1",
      r"\frac{1}{\mathbf{1}^T x}\left(\mathbf{I} - \frac{x \mathbf{1}^T}{\mathbf{1}^T x}\right)",
      lambda x: x / x.sum(), "x", {"x": "n"},
      lambda x: (eye_like(x) - torch.outer(x, torch.ones_like(x)) / x.sum()) / x.sum(),
      domains={"x": "positive"}),
    I("x ⊗ a", "Magnus & Neudecker ch. 2", r"I_n \otimes a", lambda a, x: kron(x, a),
      "x", {"a": "m", "x": "n"},
      lambda a, x: kron(eye_like(x), a[:, None])),
    I("centring", "Bishop PRML §12.1", r"I_n - \frac{1}{n} \mathbf{1} \mathbf{1}^T",
      lambda x, n: x - x.mean(), "x", {"x": "n"},
      lambda x, n: eye_like(x) - torch.ones(n, n, dtype=x.dtype) / n),
    # --- scalar derivatives -------------------------------------------------------------
    I("sigmoid'", "Goodfellow et al. §3.10", r"\sigma(x)(1 - \sigma(x))",
      lambda x: torch.sigmoid(x), "x", {"x": ()}, lambda x: dsig(x), symbols=SIGMA),
    I("tanh'", "calculus", r"1 - \tanh^2(x)", lambda x: torch.tanh(x), "x", {"x": ()},
      lambda x: 1 - torch.tanh(x) ** 2),
    I("softplus'", "Goodfellow et al. §3.10", r"\sigma(x)", lambda x: F.softplus(x), "x",
      {"x": ()}, lambda x: torch.sigmoid(x), symbols=SIGMA),
    I("log sigmoid'", "Goodfellow et al. §3.10", r"1 - \sigma(x)",
      lambda x: torch.log(torch.sigmoid(x)), "x", {"x": ()}, lambda x: 1 - torch.sigmoid(x),
      symbols=SIGMA),
    I("log10'", "calculus", r"\frac{1}{x \ln 10}", lambda x: torch.log10(x), "x", {"x": ()},
      lambda x: 1 / (x * math.log(10)), domains={"x": "positive"}),

    # === wrong variants: each must be caught ==============================================
    I("wrong: x^T A x = 2Ax, A not symmetric", "dropped A^T", r"2 A x",
      lambda A, x: x @ A @ x, "x", {"A": "n n", "x": "n"}, lambda A, x: 2 * A @ x,
      true=False),
    I("wrong: tr(AX) = A", "dropped transpose", r"A", lambda A, X: torch.trace(A @ X), "X",
      {"A": "n n", "X": "n n"}, lambda A, X: A, true=False),
    I("wrong: log|det X| = X^{-1}", "dropped transpose", r"X^{-1}",
      lambda X: torch.linalg.slogdet(X)[1], "X", {"X": "n n"}, lambda X: inv(X),
      domains={"X": "invertible"}, true=False),
    I("wrong: a^T X b = b a^T", "transposed", r"b a^T", lambda X, a, b: a @ X @ b, "X",
      {"X": "n n", "a": "n", "b": "n"}, lambda X, a, b: torch.outer(b, a), true=False),
    I("wrong: ||Ax - b||^2 without the 2", "factor lost", r"A^T (A x - b)",
      lambda A, b, x: ((A @ x - b) ** 2).sum(), "x", {"A": "m n", "b": "m", "x": "n"},
      lambda A, b, x: A.T @ (A @ x - b), true=False),
    I("wrong: softmax Jacobian without -ss^T", "term missing",
      r"\operatorname{diag}(s) \text{ where } s = \frac{\exp(x)}{\mathbf{1}^T\exp(x)}",
      lambda x: torch.softmax(x, 0), "x", {"x": "n"}, lambda x: torch.diag(sm(x)),
      true=False),
    I("wrong: sigmoid Jacobian σ ⊙ σ", "wrong derivative",
      r"\operatorname{diag}(\sigma(x) \odot \sigma(x))", lambda x: torch.sigmoid(x), "x",
      {"x": "n"}, lambda x: torch.diag(torch.sigmoid(x) ** 2), symbols=SIGMA, true=False),
    I("wrong: tanh Jacobian 1 - tanh", "power lost", r"\operatorname{diag}(1 - \tanh(x))",
      lambda x: torch.tanh(x), "x", {"x": "n"}, lambda x: torch.diag(1 - torch.tanh(x)),
      true=False),
    I("wrong: tr(X^T A X) = 2AX", "assumed symmetric", r"2 A X",
      lambda A, X: torch.trace(X.T @ A @ X), "X", {"A": "m m", "X": "m n"},
      lambda A, X: 2 * A @ X, true=False),
    I("wrong: det(X) = det(X) X^{-1}", "dropped transpose", r"\det(X) X^{-1}",
      lambda X: torch.det(X), "X", {"X": "n n"}, lambda X: torch.det(X) * inv(X),
      domains={"X": "invertible"}, true=False),
    I("wrong: tr(AXB) = AB", "transposes lost", r"A B",
      lambda A, B, X: torch.trace(A @ X @ B), "X", {"A": "n n", "B": "n n", "X": "n n"},
      lambda A, B, X: A @ B, true=False),
    I("wrong: cross-entropy y - softmax", "sign", r"y - " + SOFTMAX,
      lambda y, z: -(y * torch.log_softmax(z, 0)).sum(), "z", {"y": "n", "z": "n"},
      lambda y, z: y - sm(z), domains={"y": "simplex"}, true=False),
    I("wrong: ridge with λw", "factor lost", r"2 X^T (X w - y) + \lambda w",
      lambda X, w, y, lam: ((X @ w - y) ** 2).sum() + lam * (w @ w), "w",
      {"X": "m n", "w": "n", "y": "m", "lambda": ()},
      lambda X, w, y, lam: 2 * X.T @ (X @ w - y) + lam * w, domains={"lambda": "positive"},
      true=False),
    I("wrong: a^T X^{-1} b without transposes", "dropped transposes",
      r"-X^{-1} a b^T X^{-1}", lambda X, a, b: a @ inv(X) @ b, "X",
      {"X": "n n", "a": "n", "b": "n"}, lambda X, a, b: -inv(X) @ torch.outer(a, b) @ inv(X),
      domains={"X": "invertible"}, true=False),
    I("wrong: vec(AXB) = (A ⊗ B^T) vec X", "factors swapped",
      r"(A \otimes B^T) \operatorname{vec}(X)", lambda A, B, X: (A @ X @ B).T.reshape(-1), "X",
      {"A": "n n", "B": "n n", "X": "n n"},
      lambda A, B, X: kron(A, B.T) @ X.T.reshape(-1), kind="value", true=False),
    I("wrong: tr(X^k) = k X^{k-1}", "dropped transpose", r"k X^{k-1}",
      lambda X, k: torch.trace(mp(X, k)), "X", {"X": "n n"}, lambda X, k: k * mp(X, k - 1),
      dims={"k": (1, 4)}, true=False),
    I("wrong: delta rule without σ'", "factor lost", r"(\sigma(Wx) - y) x^T",
      lambda W, x, y: 0.5 * ((torch.sigmoid(W @ x) - y) ** 2).sum(), "W",
      {"W": "m n", "x": "n", "y": "m"},
      lambda W, x, y: torch.outer(torch.sigmoid(W @ x) - y, x), symbols=SIGMA, true=False),
    I("wrong: log-sum-exp Hessian diag(p)", "term missing",
      r"\operatorname{diag}(p) \text{ where } p = \frac{\exp(x)}{\mathbf{1}^T\exp(x)}",
      lambda x: torch.logsumexp(x, 0), "x", {"x": "n"}, lambda x: torch.diag(sm(x)),
      kind="hessian", true=False),
    I("wrong: Rayleigh quotient without the 2", "factor lost",
      r"\frac{1}{x^T x}\left(A x - \frac{x^T A x}{x^T x} x\right)",
      lambda A, x: (x @ A @ x) / (x @ x), "x", {"A": "n n", "x": "n"},
      lambda A, x: 1 / (x @ x) * (A @ x - (x @ A @ x) / (x @ x) * x),
      domains={"A": "symmetric"}, true=False),
    I("wrong: Jacobian of Ax is A^T", "gradient layout", r"A^T", lambda A, x: A @ x, "x",
      {"A": "n n", "x": "n"}, lambda A, x: A.T, true=False),
]
TRUE = [i for i in IDENTITIES if i.true]
WRONG = [i for i in IDENTITIES if not i.true]


# --- the labels, checked with plain torch (no derive) ---------------------------------------

LABEL_DIMS = {"n": 3, "m": 4, "p": 2, "k": 3}


def _draw(shape: tuple[int, ...], domain: str | None, gen: torch.Generator) -> torch.Tensor:
    g = torch.randn(shape, dtype=torch.float64, generator=gen)
    if domain is None:
        return g
    if domain == "symmetric":
        return (g + g.T) / 2
    if domain == "spd":
        return g @ g.T + torch.eye(shape[0], dtype=torch.float64)
    if domain == "invertible":
        return g + 3 * torch.eye(shape[0], dtype=torch.float64)
    if domain == "orthogonal":
        return torch.linalg.qr(g)[0]
    if domain == "unit":
        return g / g.norm()
    if domain == "simplex":
        return torch.softmax(g, 0)
    if domain == "positive":
        return torch.exp(g)
    if domain == "probability":
        return torch.sigmoid(g)
    raise ValueError(domain)


def _values(ident: Identity, gen: torch.Generator) -> dict[str, Any]:
    dims = dict(LABEL_DIMS)
    for name, (lo, hi) in ident.dims.items():
        dims[name] = min(max(dims.get(name, lo), lo), hi)
    if "m" in ident.dims and "n" in ident.dims:   # a tall matrix
        dims["m"], dims["n"] = ident.dims["m"][0], ident.dims["n"][0]
    values: dict[str, Any] = dict(dims)
    for name, shape in ident.shapes.items():
        size = tuple(dims[d] for d in (shape.split() if isinstance(shape, str) else shape))
        key = "lam" if name == "lambda" else name
        values[key] = _draw(size, ident.domains.get(name), gen)
    return values


def _call(fn: Callable, values: dict[str, Any]) -> torch.Tensor:
    return fn(**{p: values[p] for p in inspect.signature(fn).parameters})


def _autograd(ident: Identity, values: dict[str, Any]) -> torch.Tensor:
    wrt = "lam" if ident.wrt == "lambda" else ident.wrt

    def f(t):
        return _call(ident.definition, {**values, wrt: t})
    out = f(values[wrt])
    kind = ident.kind or ("gradient" if out.dim() == 0 else "jacobian")
    if kind == "value":
        return out
    if kind == "gradient":
        return torch.func.grad(f)(values[wrt])
    if kind == "jacobian":
        return torch.func.jacrev(f)(values[wrt])
    return torch.func.hessian(f)(values[wrt])


@pytest.mark.parametrize("ident", IDENTITIES, ids=[i.id for i in IDENTITIES])
def test_label_holds_in_plain_torch(ident):
    gen = torch.Generator().manual_seed(1)
    agree = []
    for _ in range(5):
        values = _values(ident, gen)
        expected, got = _autograd(ident, values), _call(ident.torch_form, values)
        agree.append(expected.shape == got.shape
                     and torch.allclose(expected, got, rtol=1e-6, atol=1e-8))
    if ident.true:
        assert all(agree), f"{ident.id}: the torch form disagrees with autograd"
    else:
        assert not all(agree), f"{ident.id}: the wrong variant agrees with autograd"


def test_the_set_is_large_enough():
    assert len(TRUE) >= 50 and len(WRONG) >= 12


# --- derive, one call each -------------------------------------------------------------------

def outcome(ident: Identity, **kw: Any) -> tuple[str, str]:
    """('pass' | 'caught' | 'invalid' | 'undecided' | 'crash', message)."""
    try:
        assert_matches_autograd(ident.latex, ident.definition, wrt=ident.wrt,
                                shapes=ident.shapes, domains=ident.domains or None,
                                dims=ident.dims or None, symbols=ident.symbols,
                                kind=ident.kind, **kw)
        return "pass", ""
    except Mismatch as exc:
        return "caught", str(exc)
    except InvalidArgument as exc:
        return "invalid", str(exc)
    except Undecided as exc:
        return "undecided", str(exc)
    except Exception as exc:    # noqa: BLE001 - counted: no crash may escape
        return "crash", f"{type(exc).__name__}: {exc}"


@pytest.mark.slow
def test_identities_as_printed():
    results = {i.id: outcome(i) for i in IDENTITIES}
    passed = [i for i in TRUE if results[i.id][0] == "pass"]
    caught = [i for i in WRONG if results[i.id][0] == "caught"]
    crashes = {k: v for k, v in results.items() if v[0] == "crash"}
    lines = [f"{i.id}: {results[i.id][0]}: {results[i.id][1].splitlines()[0][:160]}"
             for i in IDENTITIES if results[i.id][0] not in ("pass", "caught")
             or (i.true and results[i.id][0] != "pass")
             or (not i.true and results[i.id][0] != "caught")]
    report = (f"true identities passed: {len(passed)}/{len(TRUE)} "
              f"({100 * len(passed) / len(TRUE):.1f}%); wrong variants caught: "
              f"{len(caught)}/{len(WRONG)}; crashes: {len(crashes)}\n  " + "\n  ".join(lines))
    print(report)
    assert not crashes, report
    assert len(caught) == len(WRONG), report
    assert len(passed) >= 0.95 * len(TRUE), report


#: identities derive does not read yet, with the reason (strict: a fix shows up here)
KNOWN_GAPS: dict[str, str] = {}

SLICE = TRUE[::4] + WRONG[::2]


@pytest.mark.parametrize("ident", [
    pytest.param(i, marks=pytest.mark.xfail(reason=KNOWN_GAPS[i.id], strict=True))
    if i.id in KNOWN_GAPS else i for i in SLICE], ids=[i.id for i in SLICE])
def test_identity_slice(ident):
    status, message = outcome(ident)
    assert status == ("pass" if ident.true else "caught"), message
