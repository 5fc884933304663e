"""Notation families behind the misses of the second held-out corpus (bench/heldout2/,
issue 10), each with examples of our own, right and wrong: responses cut off inside their
final answer (no answer, never an earlier piece of the working); an inline equation that
ends a response after its last display; definitions made in a response's working; mathtools'
cases environments and row spacing ``\\\\[4pt]``; a capitalised prose label (``\\text{Parameters:
} 4``); a count followed by the list of what it counts; a count written as a product with a
bracket; the asked quantity starred (``p_2^*``) or subscripted by a declared parameter
(``L_\\Delta``) as the label."""
from __future__ import annotations

import pytest

import derive
from derive import Status
from derive.notation.extract import extract_answer, working_definitions

GRAD_X = "neu-cs7150-f22/4.x"
HUBER = "uw-cse493g1-sp23/3.6.1.1"
SMOOTH_HINGE = "uw-cse493g1-sp23/3.6.2.2"
CONV_COUNT = "tum-in2346-ss22/1.3"         # 32 weights + 1 bias = 33
SMOOTHING = "neu-cs7150-f22/6.a"          # p_2 = 0.9

VERDICTS = [
    # mathtools' cases (dcases, rcases, cases*) and row spacing after \\ are cases
    (HUBER, r"\begin{dcases*} b & s_j > s_{y_i} \\ 2a\max(0, s_j - s_{y_i} + \Delta)"
            r" & \text{otherwise} \end{dcases*}", "equivalent", None),
    (HUBER, r"\begin{rcases} 2a\max(s_j - s_{y_i} + \Delta, 0), & s_j \le s_{y_i} \\ b, & "
            r"s_j > s_{y_i} \end{rcases}", "equivalent", None),
    (HUBER, r"\begin{dcases} 2a\max(s_j - s_{y_i} + \Delta, 0) & s_j \le s_{y_i} \\ 2b & "
            r"s_j > s_{y_i} \end{dcases}", "not_equivalent", None),
    (HUBER, r"\begin{cases} 2a\max(s_j - s_{y_i} + \Delta, 0) & s_j \le s_{y_i} \\[1ex] "
            r"b & s_j > s_{y_i} \end{cases}", "equivalent", None),
    (HUBER, r"\begin{cases} 2a\max(s_j - s_{y_i} + \Delta, 0) & s_j \le s_{y_i} \\*[-2pt] "
            r"b & s_j > s_{y_i} \end{cases}", "equivalent", None),
    (HUBER, r"\left\{\begin{array}{ll} a\max(s_j - s_{y_i} + \Delta, 0) & s_j \le s_{y_i} "
            r"\\[0.5em] b & s_j > s_{y_i} \end{array}\right.", "not_equivalent", None),
    # a square matrix written by its diagonal entries alone is diagonal (the convention of
    # "D is diagonal with D_{kk} = ..."); a nonzero off-diagonal part makes it no diagonal
    ("ucb-cs182-sp22/2", r"\mathbf{A}^\top D\mathbf{w},\ D_{kk} = \mathbb{1}[(\mathbf{A}"
     r"\mathbf{x})_k > 0]", "equivalent", None),
    ("ucb-cs182-sp22/2", r"\mathbf{A}^\top D\mathbf{w} \text{ where } D_{ll} = \begin{cases} 1"
     r" & (\mathbf{A}\mathbf{x})_l \ge 0 \\ -1 & \text{otherwise} \end{cases}",
     "not_equivalent", None),
    ("ucb-cs182-sp22/2", r"\mathbf{A}^\top D\mathbf{w},\ D_{kk} = \mathbb{1}[(\mathbf{A}"
     r"\mathbf{x})_k > 0],\ D_{kl} = 1", "not_equivalent", None),
    # a prime on a declared matrix or vector: its transpose (MATLAB, statistics texts)
    ("tum-in2346-ss22/2.8", r"(X'X)^{-1}X'Y", "equivalent", None),
    ("tum-in2346-ss22/2.8", r"(XX')^{-1}X'Y", "not_equivalent", "shape.inconsistent"),
    (GRAD_X, r"2W'Wx - 2W'y", "equivalent", None),
    (GRAD_X, r"2W'Wx - W'y", "not_equivalent", None),
    # a capitalised word before a colon, or a capitalised label: never a declared letter
    # plus the rest of the word
    (CONV_COUNT, r"\text{Parameters} = 33", "equivalent", None),
    (CONV_COUNT, r"\text{Total: } 34", "not_equivalent", "exact.mismatch"),
    # a count, then the list of what it counts
    (CONV_COUNT, r"33 \quad (W, \mathbf{b})", "equivalent", None),
    (CONV_COUNT, r"34\ (W_1, b_1)", "not_equivalent", "exact.mismatch"),
    # a count written as a product with a bracket: the bracket is a factor, not a shape
    (CONV_COUNT, r"32 \times (1 \times 1) + 1", "equivalent", None),
    (CONV_COUNT, r"32 \times (1 \times 1)", "not_equivalent", "misconception.match"),
    # the asked quantity starred: the value asked for ("what value should p_2 take")
    (SMOOTHING, r"p_2^\ast = 0.9", "equivalent", None),
    (SMOOTHING, r"p_2^{*} = 0.8", "not_equivalent", None),
    (SMOOTHING, r"p_1^* = 0.9", "not_equivalent", "symbol.foreign"),
    # the asked quantity subscripted by a declared parameter (the loss with margin \Delta)
    (SMOOTH_HINGE, r"L_\Delta = \log\left(1 + \sum_{j \ne y_i}\exp(s_j - s_{y_i} + \Delta)"
                   r"\right)", "equivalent", None),
    (SMOOTH_HINGE, r"L_{\Delta} = \log\sum_{j \ne y_i} e^{s_j - s_{y_i} + \Delta}",
     "not_equivalent", None),
    # an index is no parameter: L_{y_i} is not read as a label
    (SMOOTH_HINGE, r"L_{y_i} = \log\left(1 + \sum_{j \ne y_i} e^{s_j - s_{y_i} + \Delta}"
                   r"\right)", "invalid", None),
]


@pytest.mark.parametrize("qid, latex, status, reason", VERDICTS)
def test_heldout2_families(qid, latex, status, reason):
    v = derive.check(qid, latex)
    assert v.status.value == status, (v.reason, v.message)
    if reason is not None:
        assert v.reason == reason, v.message


# --- whole responses ---------------------------------------------------------------------

CUT_OFF = [
    # cut off inside the final answer: never an earlier, complete piece of the working
    "Let $r = Wx - y$. Then the gradient is\n\n$$\\boxed{2W^\\top(",
    "Let $r = Wx - y$, so $\\nabla_x L = 2W^\\top r$ and, written out,\n$2W^\\top(Wx",
    "We have $L = \\|Wx - y\\|^2$. Hence\n\\[ \\nabla_x L = 2W^\\top",
    "We have $L = \\|Wx - y\\|^2$, giving \\boxed{2W^\\top(Wx - y)} and, simplified, "
    "\\boxed{2W^\\top W x - ",
]


@pytest.mark.parametrize("response", CUT_OFF)
def test_a_cut_off_response_has_no_answer(response):
    assert extract_answer(response) is None
    v = derive.check(GRAD_X, response=response)
    assert v.status is Status.INVALID and v.reason == "input.no_answer", v.message
    assert "cut off" in v.message


def test_an_inline_conclusion_after_the_last_display():
    concl = ("\\begin{align} L &= \\|Wx - y\\|^2 \\\\ &= (Wx - y)^\\top(Wx - y). \\end{align}\n"
             "Differentiating, $\\nabla_x L = 2W^\\top(Wx - y)$.")
    assert extract_answer(concl) == r"\nabla_x L = 2W^\top(Wx - y)"
    assert derive.check(GRAD_X, response=concl).status is Status.EQUIVALENT
    wrong = concl.replace("2W^\\top(Wx - y)$", "2W(Wx - y)$")
    assert derive.check(GRAD_X, response=wrong).status is Status.NOT_EQUIVALENT
    # a remark on the display ("where ...") is not a conclusion; nor is a name alone
    remark = "$$\\frac{n}{S^2}(S\\,I - x\\mathbf{1}^\\top)$$\nwhere $S = \\sum_i x_i$."
    assert extract_answer(remark) == r"\frac{n}{S^2}(S\,I - x\mathbf{1}^\top)"
    assert extract_answer("\\[ y = 2x \\]\nThis is linear in $x$.") == "y = 2x"
    assert extract_answer("\\[ y = 2x \\]\nFor $x = 1$ this is 2.") == "y = 2x"


def test_definitions_in_the_working():
    text = ("Write $r = Wx - y$, so that $L = r^\\top r$.\n\nThe gradient is\n"
            "$$\\boxed{2W^\\top r}$$")
    assert working_definitions(text, "2W^\\top r") == ["r = Wx - y"]
    v = derive.check(GRAD_X, response=text)
    assert v.status is Status.EQUIVALENT, v.message
    assert v.extracted == "2W^\\top r,\\quad r = Wx - y"
    flipped = text.replace("$r = Wx - y$", "$r = y - Wx$")
    assert derive.check(GRAD_X, response=flipped).status is Status.NOT_EQUIVALENT
    # a name the working never defines stays the response's own name: foreign
    bare = "The gradient is\n$$\\boxed{2W^\\top r}$$"
    assert derive.check(GRAD_X, response=bare).reason == "symbol.foreign"
    # a chain is working, not a definition; the last definition of a name is the one used
    assert working_definitions("$r = a = b$ then $$r$$", "r") == []
    assert working_definitions("$r = 1$, no, $r = 2$: $$\\boxed{3r}$$", "3r") == ["r = 2"]
    # what comes after the answer is not its working
    assert working_definitions("$$\\boxed{3r}$$ with $r = 2$", "3r") == []
