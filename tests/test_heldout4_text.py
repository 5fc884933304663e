"""Notation families behind the misses of the fourth held-out corpus (bench/heldout4/,
issue 10), each with the corpus's example, variants of our own and a wrong or unreadable
variant that shows the meaning is kept: a count in ``\\text`` with more prose (digit groups,
a bracketed aside); Unicode mathematics pasted from a phone or a word processor;
``\\texttt`` names and spacing in a script; a superscript ``^-1``; a shape written with the
letter x; and three model responses (a markdown blockquote in bold, a concluding sentence
after a floor display, a bare ``aligned`` chain)."""
from __future__ import annotations

import pytest
import sympy as sp

import derive
from derive.notation.extract import extract_answer
from derive.notation.lexer import lex
from derive.notation.tables import SCALAR_FUNCS

TENSORS = "neu-cs7150-f22/5.b"      # 3 parameter tensors
ELEMENTS = "neu-cs7150-f22/5.c"     # 200000100
BN_STATS = "tum-in2346-ss22/7.3"    # 6
PERCEPTRON = "ucb-cs182-sp22/12"    # 4
ONE_LAYER = "tum-in2346-ss22/1.3"   # 33
DIST = "uw-cse493g1-sp23/3.2"       # D_E = sqrt(2 - 2 D_C)
GRAD_X = "neu-cs7150-f22/4.x"       # 2 W^T (W x - y)
MARGIN = "uw-cse493g1-sp23/3.6.1.2"  # b = 2 a Delta
DECAY = "neu-cs7150-f22/3.b"        # 0.98 w_i
SOFTMAX = "uw-cse493g1-sp23/2.5"
DOUT = "tum-in2346-ss22/2.3"        # dout W^T
OLS = "tum-in2346-ss22/2.8"         # W = (X^T X)^{-1} X^T Y
SHAPE_I = "stanford-cs230-sp21/3.i.shape"     # (126, 126, 64)
SHAPE_II = "stanford-cs230-sp21/3.ii.shape"   # (128, 128, 16)
SHAPE_III = "stanford-cs230-sp21/3.iii.shape"  # (64, 64, 32)

VERDICTS = [
    # 1. a count in \text: a leading number (digit groups too), then words and/or one
    # bracketed aside, whose own numbers are not the answer
    (TENSORS, r"\text{3 parameter tensors (weight and bias of layer 1, weight of layer 2)}",
     "equivalent", None),
    (BN_STATS, r"\text{6 values (3 running means, 3 running variances)}", "equivalent", None),
    (PERCEPTRON, r"\text{4 (3 weights + 1 bias)}", "equivalent", None),
    (ELEMENTS, r"\text{200,000,100 parameters}", "equivalent", None),
    (ONE_LAYER, r"\text{33 (32 weights and 1 bias)}", "equivalent", None),
    (ONE_LAYER, r"\text{thirty-three}", "invalid", None),
    (TENSORS, r"\text{three tensors (W_1, b_1, W_2)}", "equivalent", None),
    (ELEMENTS, r"\text{200,000,101 parameters}", "not_equivalent", "exact.mismatch"),
    (PERCEPTRON, r"\text{5 (3 weights + 1 bias)}", "not_equivalent", "exact.mismatch"),
    (PERCEPTRON, r"\text{3 (weights only)}", "not_equivalent", None),
    # an aside that offers another value is no count: nothing to grade
    (PERCEPTRON, r"\text{4 (or 3)}", "invalid", "input.empty"),
    # 2. Unicode mathematics: a table of characters, case and Greek letters kept
    (DIST, "D_E=√(2−2D_C)", "equivalent", None),
    (DIST, "√2 · √(1 − D_C)", "equivalent", None),
    (DIST, "D_E = (2−2D_C)^½", "equivalent", None),
    (DIST, "D_E² = 2 − 2D_C", "equivalent", None),
    (DIST, "D_E=√(2+2D_C)", "not_equivalent", None),
    (DIST, "D_E=√(2−2d_C)", "not_equivalent", "symbol.foreign"),
    (GRAD_X, "2Wᵀ(Wx−y)", "equivalent", None),
    (GRAD_X, "2W⊤(Wx − y)", "equivalent", None),
    (GRAD_X, "2wᵀ(wx−y)", "not_equivalent", None),
    (MARGIN, "b = 2·a·Δ", "equivalent", None),
    (MARGIN, "b = 2aδ", "not_equivalent", "symbol.foreign"),
    (DECAY, "(1 − 2λ·δ)·w_i", "equivalent", None),
    (DECAY, "0.98 × w_i", "equivalent", None),
    (DECAY, "(1 + 2λδ)w_i", "not_equivalent", None),
    (SOFTMAX, "e^{s_k}/∑_{j=1}^K e^{s_j} − b𝟙[k=y]", "equivalent", None),
    (OLS, "W = (XᵀX)⁻¹XᵀY", "equivalent", None),
    (DIST, "D_E=√(2−2D_C", "invalid", None),
    # 3. \texttt and \mathtt are fonts around a name; spacing inside a script
    (DOUT, r"\texttt{dout} \cdot W^{\!\top}", "equivalent", None),
    (DOUT, r"\mathtt{dout}\, W^{\!T}", "equivalent", None),
    (DOUT, r"\texttt{dout}^{\top} W", "not_equivalent", "shape.inconsistent"),
    (DOUT, r"\texttt{Dout} W^{\top}", "not_equivalent", None),
    # 4. a superscript that is a lone minus and one digit is that negative digit
    (OLS, r"W=(X^TX)^-1X^TY", "equivalent", None),
    (OLS, r"W = (X^\top X)^-1 X^\top Y", "equivalent", None),
    (OLS, r"W=(X^TX)^-2X^TY", "not_equivalent", None),
    (OLS, r"W=(X^TX)^-1Y^TX", "not_equivalent", None),
    # ... and with more digits derive does not choose between x^{-12} and x^{-1} 2
    (OLS, r"W=(X^TX)^-12X^TY", "undecided", "parse.ambiguous"),
    # 5. a shape: the letter x between whole numbers is the times sign
    (SHAPE_I, r"126\text{x}126\text{x}64", "equivalent", None),
    (SHAPE_I, r"126 x 126 x 64", "equivalent", None),
    (SHAPE_II, r"128\,\mathrm{x}\,128\,\mathrm{x}\,16", "equivalent", None),
    (SHAPE_III, "64×64×32", "equivalent", None),
    (SHAPE_I, r"126\text{x}126\text{x}32", "not_equivalent", "exact.mismatch"),
    (SHAPE_III, r"63\text{x}63\text{x}32", "not_equivalent", None),
    # floor and ceiling brackets
    (SHAPE_III, r"(\lfloor 126/2 \rfloor + 1, \lceil 127/2 \rceil, 32)", "equivalent", None),
    (SHAPE_III, r"(\left\lfloor \frac{125}{2} \right\rfloor, 64, 32)", "not_equivalent", None),
    # an aligned chain written outside any display: the rows are one chain
    (DECAY, r"w_i^{(\text{updated})} &= w_i - \lambda \cdot 0.2\,w_i \\ &= 0.98\,w_i",
     "equivalent", None),
    (DECAY, r"\begin{aligned} w_i^{(\text{new})} &= w_i - 0.02\,w_i \\ &= 0.98\,w_i "
            r"\end{aligned}", "equivalent", None),
    (DECAY, r"w_i^{(\text{updated})} &= w_i - 0.03\,w_i \\ &= 0.98\,w_i", "not_equivalent",
     "chain.false_link"),
]


@pytest.mark.parametrize("qid, latex, status, reason", VERDICTS)
def test_heldout4_text(qid, latex, status, reason):
    v = derive.check(qid, latex)
    assert v.status.value == status, (v.reason, v.message)
    if reason is not None:
        assert v.reason == reason, v.message


def test_count_aside_is_the_unit_not_the_value():
    toks = lex(r"\text{4 (3 weights + 1 bias)}")
    assert [(t.kind, t.text) for t in toks] == [("num", "4"), ("word", "(3 weights + 1 bias)")]
    assert [(t.kind, t.text) for t in lex(r"\text{200,000,100 parameters}")] == [
        ("num", "200000100"), ("word", "parameters")]
    # not a digit group of three: prose
    assert [t.kind for t in lex(r"\text{20,00 parameters}")] == ["word"]


@pytest.mark.parametrize("text, tex", [
    ("α−β", r"\alpha-\beta"), ("Δ≠δ", r"\Delta\ne\delta"), ("a≤b≥c", r"a\le b\ge c"),
    ("x≈2", r"x\approx 2"), ("a×b·c", r"a\times b\cdot c"), ("u⊙v", r"u\odot v"),
    ("∑_i x_i", r"\sum_i x_i"), ("∏_i x_i", r"\prod_i x_i"), ("∂f/∂x", r"\partial f/\partial x"),
    ("∇f", r"\nabla f"), ("x²+y³", "x^{2}+y^{3}"), ("x⁻¹", "x^{-1}"), ("Wᵀ", "W^T"),
    ("W⊤", "W^T"), ("W^⊤", "W^T"), ("√x", r"\sqrt x"), ("√12", r"\sqrt{12}"),
    ("√(a+b)", r"\sqrt{(a+b)}"), ("λσθμε∞", r"\lambda\sigma\theta\mu\epsilon\infty"),
    ("γ", r"\gamma"), ("x₁₂", "x_{12}"), ("½", r"\frac{1}{2}"),
])
def test_unicode_table(text, tex):
    assert [(t.kind, t.text) for t in lex(text)] == [(t.kind, t.text) for t in lex(tex)]


def test_unicode_keeps_case():
    assert [t.text for t in lex("ΔW")] == [r"\Delta", "W"]
    assert [t.text for t in lex("δw")] == [r"\delta", "w"]


def test_signed_superscript_only_one_digit():
    assert [t.text for t in lex("x^-1")] == [t.text for t in lex("x^{-1}")]
    # x^20 is still x^2 0 (TeX semantics), and x^+1 is not touched (X^+ is the
    # pseudo-inverse)
    assert derive.check(OLS, r"W=(X^TX)^-1X^TY").status.value == "equivalent"
    assert [t.text for t in lex("X^+1")] == ["X", "^", "+", "1"]


@pytest.mark.parametrize("name, t, value", [
    (r"\floor", sp.Rational(7, 2), 3), (r"\ceil", sp.Rational(7, 2), 4),
    (r"\floor", sp.Integer(-1) / 2, -1),
])
def test_floor_and_ceiling(name, t, value):
    assert SCALAR_FUNCS[name](t) == value


def test_floor_brackets_lex_as_a_function():
    assert [t.text for t in lex(r"\left\lfloor x \right\rfloor")] == [r"\floor", "(", "x", ")"]
    assert [t.text for t in lex("⌈x⌉")] == [r"\ceil", "(", "x", ")"]


def test_alignment_outside_environments_only():
    # a row that opens with a relation continues the chain; one that does not is a part
    assert [t.text for t in lex(r"a &= b \\ &= c")] == ["a", "=", "b", "=", "c"]
    assert [t.text for t in lex(r"a &= 1 \\ c &= 2")] == ["a", "=", "1", ",", "c", "=", "2"]
    # inside cases, & and \\ keep their meaning
    toks = [t.text for t in lex(r"\begin{cases} a & x > 0 \\ b & x < 0 \end{cases}")]
    assert "&" in toks and "\\\\" in toks


BLOCKQUOTE = """Expand the squared distance:

$$D_E^2 = \\sum_i (x_i - y_i)^2 = \\|x\\|^2 - 2\\,x\\cdot y + \\|y\\|^2.$$

For unit vectors $\\|x\\| = \\|y\\| = 1$ and $x \\cdot y = D_C$, so $D_E^2 = 2 - 2D_C$. Taking
the (nonnegative) square root:

> **$D_E = \\sqrt{2(1 - D_C)}$**
"""

FLOOR = """We apply the output-size formula with $W=128$, $F=2$, $P=0$, $S=2$:

\\[
O = \\left\\lfloor \\frac{128 - 2}{2} \\right\\rfloor + 1 = 63 + 1 = 64.
\\]

The number of output channels equals the number of filters, 32. Hence the output volume is $(64, 64, 32)$.
"""

ALIGNED = """We have $\\mathcal{L} = \\delta\\sum_i w_i^2$, so $\\frac{\\partial\\mathcal{L}}{\\partial w_i} = 2\\delta w_i = 0.2\\,w_i$.

Then
\\begin{aligned}
w_i^{(\\text{updated})} &= w_i - \\lambda \\cdot 0.2\\,w_i \\\\
&= w_i - 0.02\\,w_i \\\\
&= 0.98\\,w_i
\\end{aligned}

So each weight shrinks by 2% per step.
"""


@pytest.mark.parametrize("qid, response, extracted, status", [
    (DIST, BLOCKQUOTE, r"D_E = \sqrt{2(1 - D_C)}", "equivalent"),
    (DIST, BLOCKQUOTE.replace("2(1 - D_C)", "2(1 + D_C)"), r"D_E = \sqrt{2(1 + D_C)}",
     "not_equivalent"),
    (DIST, "Work: $$D_E^2 = 2 - 2D_C$$\n\n**$D_E = \\sqrt{2 - 2D_C}$**\n",
     r"D_E = \sqrt{2 - 2D_C}", "equivalent"),
    (DIST, "Work: $$D_E^2 = 2 - 2D_C$$\n\n## $D_E = \\sqrt{2 - 2D_C}$\n",
     r"D_E = \sqrt{2 - 2D_C}", "equivalent"),
    (SHAPE_III, FLOOR, "(64, 64, 32)", "equivalent"),
    (SHAPE_III, FLOOR.replace("(64, 64, 32)", "(63, 63, 32)"), "(63, 63, 32)",
     "not_equivalent"),
    (SHAPE_I, "With $W = 128$, $F = 3$: $$O = 128 - 3 + 1 = 126.$$\nThus the output is "
              "$126 \\times 126 \\times 64$.", r"126 \times 126 \times 64", "equivalent"),
    (DECAY, ALIGNED, None, "equivalent"),
    (DECAY, ALIGNED.replace("&= 0.98", "&= 0.97"), None, "not_equivalent"),
])
def test_heldout4_responses(qid, response, extracted, status):
    v = derive.check(qid, response=response)
    assert v.status.value == status, (v.reason, v.message, v.extracted)
    if extracted is not None:
        assert v.extracted == extracted


def test_highlighted_line_only_when_set_off_and_last():
    # bold mathematics inside a sentence is not set off; a bold line before more working
    # is not the last mathematics
    assert extract_answer("Work $$a = b$$\n\n**$x$** is the key step, then\n") == "a = b"
    assert extract_answer("> **$x = 1$**\n\nThen $$y = 2$$") == "y = 2"
    # a remark after the display is not a conclusion, even after "so"
    assert extract_answer("$$a = b$$\n\nSo for $n = 1$ it is easy.") == "a = b"
