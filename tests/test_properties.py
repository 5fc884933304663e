"""The bank's derivative keys, property-tested against torch autograd over random dims.

Each reference (and each accepted form) is read from the loaded bank, so these tests
follow the bank; each definition below is written here, independently of the bank's
own exam code (``answers/<exam>.py``), as the function a student was asked to differentiate.
Every known wrong form of these questions must be caught: a property test that cannot
fail proves nothing.

A question not in the bank yet is skipped with the reason.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import pytest
import torch

import derive
from derive.testing import assert_matches_autograd, bank_definition

EXAMPLES = 40          # per reference, and per wrong form (a wrong form fails early)
ACCEPT_EXAMPLES = 20   # per accepted form: several per question, each equal to the reference


def question(qid: str) -> derive.Question:
    try:
        return derive.load_bank().question(qid)
    except derive.UnknownQuestion:
        pytest.skip(f"{qid} is not in the bank (answers/) yet")


def symbol(q: derive.Question, *forms: str) -> str:
    """The declared name of the symbol written as one of ``forms`` (a name or a LaTeX
    form), so a test does not guess what another author called it."""
    for s in q.symbols:
        if s.name in forms or any(f in s.latex for f in forms):
            return s.name
    pytest.skip(f"{q.id}: no declared symbol written as any of {forms}; "
                f"declared: {[s.name for s in q.symbols]}")


@dataclass(frozen=True)
class Case:
    """One question: what is differentiated, in what, and how."""

    qid: str
    kind: str
    # (question) -> (wrt, definition); may pytest.skip if a symbol is missing
    build: Callable[[derive.Question], tuple[str, Callable[..., Any]]]


def _mean_normalisation(q):
    return "x", lambda x, n: n * x / x.sum()


def _batchnorm(wrt):
    def build(q):
        def f(x, g, gamma, beta, epsilon):
            """f = sum_i g_i y_i, y = gamma * BN(x) + beta: so df/dy_i = g_i."""
            mu = x.mean()
            var = ((x - mu) ** 2).mean()
            y = gamma * (x - mu) / torch.sqrt(var + epsilon) + beta
            return (g * y).sum()
        return wrt, f
    return build


def _huber(q):
    def loss(s_j, s_y, a, b, Delta):
        """The exam's L_j as a function of s_j (the other terms do not depend on it)."""
        return torch.where(s_j <= s_y, a * torch.clamp(s_j - s_y + Delta, min=0) ** 2,
                           b * (s_j - s_y + 0.5 * Delta))
    return "s_j", loss


def _l1_gradient(q):
    w = symbol(q, "w", r"\mathbf{w}")
    alpha = symbol(q, "alpha", r"\alpha")
    grad_j = symbol(q, r"\nabla_{\mathbf{w}} J", r"\nabla_{\mathbf w} J", r"\nabla_w J",
                    "gradJ", "grad_J", "gJ")

    def objective(**v):
        # J(w) = g^T w has gradient g at every w: the symbol grad J's value
        return (v[grad_j] * v[w]).sum() + v[alpha] * v[w].abs().sum()
    return w, objective


def _least_squares(in_):
    def build(q):
        W, x, y = symbol(q, "W", r"\mathbf{W}"), symbol(q, "x", r"\mathbf{x}"), \
            symbol(q, "y", r"\mathbf{y}")

        def loss(**v):
            return ((v[W] @ v[x] - v[y]) ** 2).sum()
        return {"W": W, "x": x}[in_], loss
    return build


def _affine_backward(q):
    X, W = symbol(q, "X", r"\mathbf{X}"), symbol(q, "W", r"\mathbf{W}")
    dout = symbol(q, "dout", r"\mathrm{dout}", r"\text{dout}", r"\frac{\partial L}{\partial Y}")

    def loss(**v):
        # L with upstream gradient dL/dY = dout: L = sum(dout * Y), Y = X W (+ b)
        return (v[dout] * (v[X] @ v[W])).sum()
    return X, loss


CASES = [
    Case("ucb-cs182-sp22/1", "jacobian", _mean_normalisation),
    Case("ucb-cs182-sp22/9.beta", "gradient", _batchnorm("beta")),
    Case("ucb-cs182-sp22/9.gamma", "gradient", _batchnorm("gamma")),
    Case("uw-cse493g1-sp23/3.6.1.1", "gradient", _huber),
    Case("stanford-cs230-sp21/4.i", "gradient", _l1_gradient),
    Case("neu-cs7150-f22/4.W", "gradient", _least_squares("W")),
    Case("neu-cs7150-f22/4.x", "gradient", _least_squares("x")),
    Case("tum-in2346-ss22/2.3", "gradient", _affine_backward),
]
IDS = [c.qid for c in CASES]


def _check(q, case, latex, examples=EXAMPLES):
    wrt, definition = case.build(q)
    return assert_matches_autograd(latex, definition, wrt=wrt, kind=case.kind, symbols=q,
                                   max_examples=examples)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_reference_matches_autograd(case):
    q = question(case.qid)
    result = _check(q, case, q.reference)
    assert result.examples > EXAMPLES // 2, result   # most draws were compared
    assert result.max_abs_error < 1e-8


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_accepted_forms_match_autograd(case):
    q = question(case.qid)
    if not q.accept:
        pytest.skip(f"{q.id} lists no accepted forms")
    for form in q.accept:
        _check(q, case, form.latex, examples=ACCEPT_EXAMPLES)


NUMERIC_REASONS = (None, "misconception.match", "numeric.mismatch", "shape.mismatch")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_rejected_forms_fail(case):
    q = question(case.qid)
    wrong = [f for f in q.reject if f.reason in NUMERIC_REASONS]
    if not wrong:
        pytest.skip(f"{q.id} lists no numerically wrong forms")
    for form in wrong:
        with pytest.raises(AssertionError, match="smallest failing case"):
            _check(q, case, form.latex)


# ucb-cs182-sp22/1 spelled out: the options printed on the exam, one test each, so a
# regression names the option it let through.
UCB1_WRONG = ["option A", "option B", "option C", "transposed Jacobian"]


@pytest.mark.parametrize("label", UCB1_WRONG)
def test_ucb1_wrong_option_fails(label):
    q = question("ucb-cs182-sp22/1")
    form = next((f for f in q.reject if f.label == label), None)
    if form is None:
        pytest.skip(f"the bank no longer lists {label!r} for {q.id}")
    with pytest.raises(AssertionError) as info:
        assert_matches_autograd(form.latex, lambda x, n: n * x / x.sum(), wrt="x",
                                kind="jacobian", symbols=q, max_examples=EXAMPLES)
    message = str(info.value)
    assert "dims:     n = " in message and "point:    x = [" in message, message


def test_ucb1_over_larger_dims():
    """Not only the bank's n in 2..6: the key holds for n up to 12."""
    q = question("ucb-cs182-sp22/1")
    assert_matches_autograd(q.reference, lambda x, n: n * x / x.sum(), wrt="x",
                            kind="jacobian", symbols=q, max_examples=20)
    big = {s.name: {"kind": s.kind, "shape": list(s.shape), "latex": list(s.latex)}
           for s in q.symbols}
    big["n"] = {"kind": "dim", "range": [7, 12]}
    assert_matches_autograd(q.reference, lambda x, n: n * x / x.sum(), wrt="x",
                            kind="jacobian", symbols=big, avoid_zero=q.avoid_zero,
                            max_examples=10)


# --- stanford 4.ii: a minimiser, not a derivative: compared with the bank's definition
# (bisection on the subgradient), which never uses the closed form.

def test_soft_threshold_matches_bisection():
    q = question("stanford-cs230-sp21/4.ii")
    wstar = symbol(q, "wstar", "w_i^*")
    assert_matches_autograd(q.reference, bank_definition(q), wrt=wstar, kind="value",
                            symbols=q, max_examples=EXAMPLES)
    for form in q.accept:
        assert_matches_autograd(form.latex, bank_definition(q), wrt=wstar, kind="value",
                                symbols=q, max_examples=ACCEPT_EXAMPLES)


def test_soft_threshold_wrong_forms_fail():
    q = question("stanford-cs230-sp21/4.ii")
    wstar = symbol(q, "wstar", "w_i^*")
    for form in q.reject:
        with pytest.raises(AssertionError, match="does not match the definition"):
            assert_matches_autograd(form.latex, bank_definition(q), wrt=wstar, kind="value",
                                    symbols=q, max_examples=EXAMPLES)
