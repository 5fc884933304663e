"""Notation families behind the misses of the third held-out corpus (bench/heldout3/,
issue 10), each with the corpus's example, examples of our own and wrong or ambiguous
variants that show the meaning is kept: parts named by prose after their values
(``\\text{ for } X^i``, ``\\text{ (real)}``); the sample index ``X^{(i)}``; the old value of
an updated quantity inside its update; a declared family defined after the answer without
"where"; named activation functions (softplus, logsumexp, GELU, SiLU); a vector written with
``\\vdots``; ``\\nabla^2_w``; a count inside ``\\text``; the asked name as a count's unit; a
label with a prose subscript naming the method (``\\hat W_{\\text{OLS}}``); a prose heading
before an equation."""
from __future__ import annotations

import pytest
import sympy as sp

import derive
from derive.notation.lexer import lex
from derive.notation.tables import SCALAR_FUNCS

GAN = "stanford-cs230-sp21/5.ii"
SGD = "tum-in2346-ss22/6.3"
CE = "ucb-cs182-sp22/3"
HINGE = "uw-cse493g1-sp23/3.6.2.1"
L1_GRAD = "stanford-cs230-sp21/4.i"
NEWTON = "tum-in2346-ss22/8.7"
COUNT = "neu-cs7150-f22/5.b"
PARAMS = "stanford-cs230-sp21/3.iii.params"
OLS = "tum-in2346-ss22/2.8"
HUBER_B = "uw-cse493g1-sp23/3.6.1.2"

VERDICTS = [
    # 1. parts named by prose after their values: "for" and the part's asked form, a
    # bracketed part name, "for a <part> sample"; "and" at the end of prose separates
    (GAN, r"\frac{\partial L}{\partial z_{d,i}^{L_d}} = \frac{1}{n}\left(1 - D(X^i)\right) "
          r"\text{ (real)}, \quad \frac{\partial L}{\partial z_{d,i}^{L_d}} = -\frac{1}{n} "
          r"D(G(Z^i)) \text{ (generated)}", "equivalent", None),
    (GAN, r"\frac{1}{n}\big(1 - D(X^i)\big) \text{ for a real sample and } -\frac{1}{n} "
          r"D(G(Z^i)) \text{ for a generated sample}", "equivalent", None),
    (GAN, r"-\frac{1}{n} D(G(Z^i)) \text{ for a generated sample and } \frac{1}{n}\big(1 - "
          r"D(X^i)\big) \text{ for a real sample}", "equivalent", None),
    (GAN, r"\frac{\partial L}{\partial z_d^{L_d}} = -\frac{1}{n} D(G(Z^i)) \text{ for } "
          r"G(Z^i), \quad \frac{1}{n}(1 - D(X^i)) \text{ for } X^i", "equivalent", None),
    (GAN, r"\frac{1}{n}(1 - D(X^i)) \text{ (fake)}, -\frac{1}{n} D(G(Z^i)) \text{ (real)}",
     "not_equivalent", "tuple.part_mismatch"),
    (GAN, r"\frac{1}{n} D(G(Z^i)) \text{ (generated)}, \frac{1}{n}(1 - D(X^i)) "
          r"\text{ (real)}", "not_equivalent", "misconception.match"),
    # the sample index in brackets, X^{(i)}, is the declared X^i
    (GAN, r"\tfrac{1}{n}\bigl(1-D(X^{(i)})\bigr)\ \text{and}\ -\tfrac{1}{n}D\bigl(G(Z^{(i)})"
          r"\bigr)", "equivalent", None),
    (GAN, r"\frac{1 - D(x^{(i)})}{n},\ -\frac{D(G(z^{(i)}))}{n}", "equivalent", None),
    (GAN, r"\tfrac{1}{n}\bigl(1-D(X^{(i)})\bigr)\ \text{and}\ \tfrac{1}{n}D\bigl(G(Z^{(i)})"
          r"\bigr)", "not_equivalent", "misconception.match"),
    # 2. the asked name with its update mark labels the new value; the bare name in the
    # update is the old value (working), never the asked quantity
    (SGD, r"\frac{\partial L}{\partial w_{11}} = 1.5,\quad w_{11}^{*} = w_{11} - 0.1\cdot 1.5"
          r" = -0.65", "equivalent", None),
    (SGD, r"\frac{\partial L}{\partial w_{11}} = 1.5,\quad w_{11}^{\text{new}} = w_{11} - "
          r"0.15 = -0.65", "equivalent", None),
    (SGD, r"w_{11}' = w_{11} - 0.1 \cdot 1.5 = -0.65,\ \frac{\partial L}{\partial w_{11}} = "
          r"1.5", "equivalent", None),
    (SGD, r"\frac{\partial L}{\partial w_{11}} = 1.5,\quad w_{11}^{*} = w_{11} - 0.1\cdot 1.5"
          r" = -0.5", "not_equivalent", "tuple.part_mismatch"),
    (SGD, r"\frac{\partial L}{\partial w_{11}} = 1.5,\quad w_{11}^{*} = w_{11} - 0.15",
     "not_equivalent", "symbol.foreign"),
    (SGD, r"\frac{\partial L}{\partial w_{11}} = 1.5,\quad w_{11} = w_{11} - 0.15 = -0.65",
     "not_equivalent", "symbol.asked_in_value"),
    # 3. a declared family defined after the answer without "where": the definition as
    # written (right or wrong) is used
    (CE, r"-\frac{1}{K}\sum_{i=1}^{K}\log p_i,\quad p_i = \frac{e^{z_i}}{\sum_{j} e^{z_j}}",
     "equivalent", None),
    (CE, r"-\frac{1}{K}\sum_{k=1}^{K}\log p_k,\ p_k = \frac{\exp(z_k)}{\sum_{j=1}^K "
         r"\exp(z_j)}", "equivalent", None),
    (CE, r"-\frac{1}{K}\sum_{i=1}^{K}\log p_i,\quad p_i = \frac{e^{2z_i}}{\sum_{j} e^{2z_j}}",
     "not_equivalent", None),
    (CE, r"-\frac{1}{K}\sum_{i=1}^{K}\log p_i,\quad p_i = \frac{1}{K}", "not_equivalent",
     None),
    # 4. and 5. named functions: logsumexp of a vector, softplus
    (CE, r"\operatorname{logsumexp}(\mathbf z) - \bar{z}, \quad \bar z = \tfrac{1}{K}"
         r"\textstyle\sum_i z_i", "equivalent", None),
    (CE, r"\operatorname{logsumexp}(\mathbf z) - \frac{1}{K}\sum_i z_i", "equivalent", None),
    (CE, r"\mathrm{LogSumExp}(z) - \bar z,\ \bar z = \frac{1}{K}\sum_{i=1}^K z_i",
     "equivalent", None),
    (CE, r"\operatorname{logsumexp}(\mathbf z) - \sum_i z_i", "not_equivalent", None),
    (HINGE, r"\operatorname{softplus}\!\Big(\log\sum_{j\neq y_i} e^{s_j - s_{y_i}}\Big)",
     "equivalent", None),
    (HINGE, r"\mathrm{softplus}\left(\log\sum_{j\ne y_i}\exp(s_j - s_{y_i})\right)",
     "equivalent", None),
    (HINGE, r"\operatorname{logsumexp}(s) - s_{y_i}", "equivalent", None),
    (HINGE, r"\operatorname{softplus}\Big(\sum_{j\neq y_i} (s_j - s_{y_i})\Big)",
     "not_equivalent", None),
    # 7. a vector by its first and last entries with \vdots (a row with \cdots): the entry
    # pattern in one index; entries that follow no pattern are ambiguous
    (L1_GRAD, r"\nabla_{\mathbf{w}}J + \alpha \begin{bmatrix}\operatorname{sign}(w_1) \\ "
              r"\vdots \\ \operatorname{sign}(w_n)\end{bmatrix}", "equivalent", None),
    (L1_GRAD, r"\nabla_{\mathbf{w}}J + \alpha \begin{pmatrix}\operatorname{sign}(w_1) \\ "
              r"\operatorname{sign}(w_2) \\ \vdots \\ \operatorname{sign}(w_n)\end{pmatrix}",
     "equivalent", None),
    (L1_GRAD, r"\nabla_{\mathbf{w}}J + \alpha \begin{bmatrix}\operatorname{sign}(w_1) & "
              r"\cdots & \operatorname{sign}(w_n)\end{bmatrix}^T", "equivalent", None),
    (L1_GRAD, r"\nabla_{\mathbf{w}}J + \alpha \begin{bmatrix} w_1 \\ \vdots \\ w_n"
              r"\end{bmatrix}", "not_equivalent", "misconception.match"),
    (L1_GRAD, r"\nabla_{\mathbf{w}}J + \alpha \begin{bmatrix}\operatorname{sign}(w_1) \\ "
              r"\vdots \\ \operatorname{sign}(w_{n-1})\end{bmatrix}", "not_equivalent",
     "shape.inconsistent"),
    (L1_GRAD, r"\nabla_{\mathbf{w}}J + \alpha \begin{bmatrix}\operatorname{sign}(w_1) \\ "
              r"\vdots \\ |w_n|\end{bmatrix}", "undecided", "parse.ambiguous"),
    (L1_GRAD, r"\nabla_{\mathbf{w}}J + \alpha \begin{bmatrix}\operatorname{sign}(w_1) \\ "
              r"\operatorname{sign}(w_1) \\ \vdots \\ \operatorname{sign}(w_n)\end{bmatrix}",
     "undecided", "parse.ambiguous"),
    # 8. \nabla^2_w and \nabla_w^2: the second derivative in one variable
    (NEWTON, r"w_{k+1} = w_k - \frac{\nabla_w f(x, w_k)}{\nabla^2_w f(x, w_k)}", "equivalent",
     None),
    (NEWTON, r"w_{k+1} = w_k - \frac{\nabla_w f(x, w_k)}{\nabla_w^2 f(x, w_k)}", "equivalent",
     None),
    (NEWTON, r"w_{k+1} = w_k - \frac{\nabla_w f(x, w_k)}{\nabla^{2}_{w} f(x, w_k)}",
     "equivalent", None),
    (NEWTON, r"w_{k+1} = w_k - \frac{\nabla^2_w f(x, w_k)}{\nabla_w f(x, w_k)}",
     "not_equivalent", None),
    # 9. a number at the start of \text, then what it counts
    (COUNT, r"\text{3 tensors}", "equivalent", None),
    (COUNT, r"\text{three tensors}", "equivalent", None),
    (COUNT, r"\boxed{\text{3 parameter tensors}}", "equivalent", None),
    (COUNT, r"\text{4 tensors}", "not_equivalent", None),
    (COUNT, r"\text{about 3 tensors}", "invalid", None),
    # 10. the asked name after a chain's last number is the count's unit
    (PARAMS, r"32 \cdot (2 \cdot 2 \cdot 3 + 1) = 416 \text{ params}", "equivalent", None),
    (PARAMS, r"416 \text{ params}", "equivalent", None),
    (PARAMS, r"(2 \times 2 \times 3 + 1) \times 32 = 416\,\text{params}", "equivalent", None),
    (PARAMS, r"32 \cdot 12 = 384 \text{ params}", "not_equivalent", "misconception.match"),
    (PARAMS, r"32 \cdot 13 = 400 \text{ params}", "not_equivalent", None),
    # 11. the asked name with a prose subscript that names the method is the name; a
    # subscript of time names another value
    (OLS, r"\hat{W}_{\text{OLS}} = \left(X^{T}X\right)^{-1}X^{T}Y", "equivalent", None),
    (OLS, r"W_{\text{LS}} = (X^\top X)^{-1} X^\top Y", "equivalent", None),
    (OLS, r"\hat W_{\text{least squares}} = (X^\top X)^{-1} X^\top Y", "equivalent", None),
    (OLS, r"\hat{W}_{\text{OLS}} = \left(XX^{T}\right)^{-1}X^{T}Y", "not_equivalent", None),
    (OLS, r"W_{\text{new}} = (X^\top X)^{-1} X^\top Y", "invalid", None),
    # 12. a prose heading before an equation, and an aside that opens in \text
    (HUBER_B, r"\text{Constraint: } b = 2a\Delta \text{ (then both value and slope match at "
              r"} s_j = s_{y_i}\text{)}", "equivalent", None),
    (HUBER_B, r"\text{Condition}: b = 2a\Delta", "equivalent", None),
    (HUBER_B, r"\text{Constraint: } b = a\Delta", "not_equivalent", None),
    (HUBER_B, r"\text{Constraint: } 2a\Delta", "not_equivalent", "symbol.foreign"),
]


@pytest.mark.parametrize("qid, latex, status, reason", VERDICTS)
def test_heldout3_families(qid, latex, status, reason):
    v = derive.check(qid, latex)
    assert v.status.value == status, (v.reason, v.message)
    if reason is not None:
        assert v.reason == reason, v.message


@pytest.mark.parametrize("name, t, value", [
    (r"\softplus", 0, sp.log(2)),
    (r"\softplus", 1, sp.log(1 + sp.E)),
    (r"\gelu", 0, 0),
    (r"\gelu", 1, (1 + sp.erf(1 / sp.sqrt(2))) / 2),
    (r"\silu", 1, 1 / (1 + sp.exp(-1))),
    (r"\sigmoid", 0, sp.Rational(1, 2)),
    (r"\relu", -2, 0),
])
def test_named_activation_functions(name, t, value):
    assert sp.simplify(SCALAR_FUNCS[name](sp.Integer(t)) - value) == 0


@pytest.mark.parametrize("word, command", [
    ("softplus", r"\softplus"), ("logsumexp", r"\logsumexp"), ("GELU", r"\gelu"),
    ("SiLU", r"\silu"), ("softmax", r"\softmax"), ("ReLU", r"\relu"), ("tanh", r"\tanh"),
    ("sigmoid", r"\sigmoid"),
])
def test_activation_names_are_in_the_table(word, command):
    assert [t.text for t in lex(rf"\operatorname{{{word}}}(x)")][0] == command


def test_a_count_in_text_only_at_its_start():
    # a leading number then words: the number and its unit; anything else is prose
    toks = lex(r"\text{3 tensors}")
    assert [(t.kind, t.text) for t in toks] == [("num", "3"), ("word", "tensors")]
    assert [t.kind for t in lex(r"\text{about 3 tensors}")] == ["word"]
    assert [t.kind for t in lex(r"\text{3 or 4}")] == ["word"]
