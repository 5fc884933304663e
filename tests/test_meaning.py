"""Reading keeps meaning (issue 10): a label is part of the statement, every step of a chain
is judged, a dimensionally inconsistent answer is a wrong answer, an ambiguous notation is
reported. Each example the issue names gets the verdict the issue gives it.

The answers are written here, independently of the bank's accepted forms.
"""
from __future__ import annotations

import pytest

import derive
from derive import Status
from derive.errors import AnswerError
from derive.judge import check as check_module

GRAD_X = "neu-cs7150-f22/4.x"          # dL/dx of ||Wx - y||^2, W m x n: 2 W^T (W x - y)
DIST = "uw-cse493g1-sp23/3.2"          # D_E in terms of D_C: sqrt(2 - 2 D_C)
STATS = "tum-in2346-ss22/7.3"          # a count, P = 6
FLAT = "tum-in2346-ss22/4.3"           # a count, k = 784
L1 = "stanford-cs230-sp21/4.ii"        # w_i, with w_i^* (w^*) another declared quantity
SHAPE = "stanford-cs230-sp21/3.i.shape"  # (H, W, C) = (126, 126, 64)
BACKPROP = "tum-in2346-ss22/6.3"       # two parts: dL/dw_11 = 1.5, w_11^* = -0.65
CONT = "uw-cse493g1-sp23/3.6.1.2"      # an equation: b = 2 a Delta
RELU = "ucb-cs182-sp22/2"              # A^T Z w, Z a k x k matrix
SOFTMAX = "uw-cse493g1-sp23/2.5"       # dL/ds_k = softmax(s)_k - b [k = y]
L1_VALUE = r"\operatorname{sign}(w_i^*)\max\left(|w_i^*| - \frac{\alpha}{H_{i,i}}, 0\right)"


def check(qid: str, answer: str) -> derive.Verdict:
    v = derive.check(qid, answer)
    assert v.reason in derive.REASONS and derive.REASONS[v.reason] is v.status
    return v


# --- a label is part of the statement -----------------------------------------------------

LABEL_MISMATCH = [
    # (question, answer, what the message must say)
    (GRAD_X, r"-\nabla_x \mathcal{L} = 2W^\top(Wx-y)", r"-\left(2W^\top(Wx-y)\right)"),
    (GRAD_X, r"-\frac{\partial L}{\partial x} = 2\mathbf{W}^\top(\mathbf{W}\mathbf{x}-\mathbf{y})",
     "is right for"),
    (STATS, r"P^2 = 6", r"P = \sqrt{6}"),
    (FLAT, r"k^2 = 784", r"k = \sqrt{784}"),
    (DIST, r"D_E^2 = \sqrt{2-2D_C}", r"\sqrt{\sqrt{2-2D_C}}"),
    (L1, r"10\,w_i = " + L1_VALUE, r"\frac{"),
    # a label that names another declared quantity
    (DIST, r"D_C = \sqrt{2-2D_C}", "another quantity"),
    (L1, r"10\,w^* = " + L1_VALUE, "another quantity"),
    (L1, r"w_i^* = " + L1_VALUE, "another quantity"),
]


@pytest.mark.parametrize("qid, answer, said", LABEL_MISMATCH)
def test_a_label_that_is_not_the_asked_quantity_makes_the_statement_false(qid, answer, said):
    v = check(qid, answer)
    assert v.status is Status.NOT_EQUIVALENT, v.to_dict()
    assert v.reason == "label.mismatch", v.to_dict()
    assert said in v.message, v.message
    assert v.evidence["label"]["written"] in answer


def test_the_message_says_the_value_is_right_for_the_asked_quantity_itself():
    v = check(GRAD_X, r"-\nabla_x \mathcal{L} = 2W^\top(Wx-y)")
    assert "the label states -\\nabla_x \\mathcal{L} = 2W^\\top(Wx-y)" in v.message
    assert "is right for \\frac{\\partial \\mathcal{L}}{\\partial x} itself" in v.message
    assert v.evidence["label"]["states"].endswith(r"= -\left(2W^\top(Wx-y)\right)")
    v = check(DIST, r"D_C = \sqrt{2-2D_C}")
    assert "the value is right for D_E" in v.message
    assert v.evidence["false_links"] == ["D_C"]


def test_a_wrong_value_under_a_wrong_label_says_both():
    v = check(DIST, r"D_C = 2 - 2D_C")
    assert v.reason == "label.mismatch"
    assert "not right for D_E either" in v.message
    assert v.misconception == "squared distance"      # the known mistake is still named


TRUE_LABELLED_STATEMENTS = [
    # a labelled statement that is true determines the asked quantity: it is the answer
    (GRAD_X, r"-\nabla_x \mathcal{L} = -2W^\top(Wx-y)"),
    (GRAD_X, r"\frac{1}{2}\nabla_x L = W^\top(Wx-y)"),
    (STATS, r"P^2 = 36"),
    (STATS, r"2P = 12"),
    (DIST, r"D_E^2 = 2 - 2D_C"),
    (DIST, r"D_E = \sqrt{2-2D_C}"),
]


@pytest.mark.parametrize("qid, answer", TRUE_LABELLED_STATEMENTS)
def test_a_true_labelled_statement_is_equivalent(qid, answer):
    v = check(qid, answer)
    assert v.status is Status.EQUIVALENT, v.to_dict()


def test_the_asked_name_on_the_right():
    assert check(STATS, "6 = P").status is Status.EQUIVALENT
    assert check(STATS, "7 = P").status is Status.NOT_EQUIVALENT
    assert check(DIST, r"\sqrt{2-2D_C} = D_E").status is Status.EQUIVALENT
    v = check(BACKPROP, r"-0.65 = w_{11}^*,\ 1.5 = \frac{\partial L}{\partial w_{11}}")
    assert v.status is Status.EQUIVALENT, v.to_dict()      # parts found by their labels
    # a relation between the asked quantity and another one is not a value of it: it gives
    # the other (declared) quantity in terms of the asked one
    v = check("stanford-cs230-sp21/4.i",
              r"\nabla_{\mathbf w} J = \nabla_{\mathbf w}\tilde J + \alpha\operatorname{sign}(\mathbf w)")
    assert v.status is Status.NOT_EQUIVALENT and v.reason == "symbol.asked_in_value", v.to_dict()


def test_a_label_that_does_not_give_the_asked_quantity():
    v = check(L1, r"\sin(w_i) = 0")
    assert v.status is Status.NOT_EQUIVALENT and v.reason == "label.mismatch"
    assert v.evidence["label"] == {"written": r"\sin(w_i)", "states": None}
    assert "cannot be read as a value of w_i" in v.message


def test_a_label_in_a_tuple_answer():
    v = check(BACKPROP, r"\frac{\partial L}{\partial w_{11}} = 1.5,\ 10\,w_{11}^* = -0.65")
    assert v.status is Status.NOT_EQUIVALENT and v.reason == "label.mismatch", v.to_dict()
    v = check(BACKPROP, r"\frac{\partial L}{\partial w_{11}} = 1.5,\ 10\,w_{11}^* = -6.5")
    assert v.status is Status.EQUIVALENT, v.to_dict()


# --- every step of a chain is judged ------------------------------------------------------

FALSE_LINKS = [
    # (question, answer, the false step as written)
    (DIST, r"D_E = \sqrt{2+2D_C} = \sqrt{2-2D_C}", r"\sqrt{2+2D_C}"),
    (GRAD_X, r"\nabla_x L = 2W^\top(Wx+y) = 2W^\top(Wx-y)", r"2W^\top(Wx+y)"),
    (SOFTMAX, r"\frac{\partial L}{\partial s_k} = \frac{e^{s_k}}{\sum_j e^{s_j}} + b\mathbb{1}[k=y]"
              r" = \frac{e^{s_k}}{\sum_j e^{s_j}} - b\mathbb{1}[k=y]",
     r"\frac{e^{s_k}}{\sum_j e^{s_j}} + b\mathbb{1}[k=y]"),
    (STATS, r"P = 2 \cdot 4 = 6", r"2 \cdot 4"),                       # a count
    (STATS, r"3 + 4 = 6", "3 + 4"),                                    # a count, no label
    (SHAPE, r"(H, W, C) = (128, 126, 64) = (126, 126, 64)", "(128, 126, 64)"),   # a shape
    (CONT, r"b = a\Delta = 2a\Delta", r"a\Delta"),                     # an equation
]


@pytest.mark.parametrize("qid, answer, step", FALSE_LINKS)
def test_a_chain_with_a_false_step_is_not_equivalent(qid, answer, step):
    v = check(qid, answer)
    assert v.status is Status.NOT_EQUIVALENT, v.to_dict()
    assert v.reason == "chain.false_link", v.to_dict()
    assert "final" in v.message and "is right" in v.message
    assert f"'{step}'" in v.message
    assert v.evidence["false_links"] == [step]


HINGE = "uw-cse493g1-sp23/3.6.1.1"     # dL/ds_j: 2a max(s_j - s_y + Delta, 0) if s_j <= s_y, else b
HINGE_FINAL = r"2a\max(s_j-s_{y_i}+\Delta,0) \text{ if } s_j\le s_{y_i}, \text{ else } b"


def test_a_condition_after_the_last_value_qualifies_the_whole_chain():
    step = r"\frac{d}{ds_j}\left[a\max(s_j-s_{y_i}+\Delta,0)^2\right]"
    v = check(HINGE, r"\frac{\partial L}{\partial s_j} = " + step + " = " + HINGE_FINAL)
    assert v.status is Status.EQUIVALENT, v.to_dict()       # the step holds where s_j <= s_y
    v = check(HINGE, r"\frac{\partial L}{\partial s_j} = 3a = " + HINGE_FINAL)
    assert v.reason == "chain.false_link" and v.evidence["false_links"] == ["3a"]
    # a cases environment is a value of its own: the step before it must equal it everywhere
    v = check(HINGE, r"\frac{\partial L}{\partial s_j} = 2a\max(s_j-s_{y_i}+\Delta,0) = "
                     r"\begin{cases} 2a\max(s_j-s_{y_i}+\Delta,0) & s_j \le s_{y_i} \\ "
                     r"b & \text{otherwise}\end{cases}")
    assert v.reason == "chain.false_link", v.to_dict()


def test_a_false_step_in_a_part_of_a_tuple():
    v = check(BACKPROP, r"\frac{\partial L}{\partial w_{11}} = 2 = 1.5,\ w_{11}^* = -0.65")
    assert v.status is Status.NOT_EQUIVALENT and v.reason == "chain.false_link", v.to_dict()
    assert v.evidence["false_links"] == ["2"]
    assert v.evidence["parts"]["grad"]["reason"] == "chain.false_link"
    assert v.evidence["parts"]["w11"]["status"] == "equivalent"


def test_a_false_step_carries_its_counterexample():
    v = check(DIST, r"D_E = \sqrt{2+2D_C} = \sqrt{2-2D_C}")
    assert v.counterexample is not None and v.counterexample.got != v.counterexample.expected


def test_a_wrong_final_value_keeps_its_reason_and_lists_the_false_steps():
    v = check(DIST, r"D_E = \sqrt{2+2D_C} = 2 - 2D_C")
    assert v.status is Status.NOT_EQUIVALENT and v.reason == "misconception.match"
    assert v.evidence["false_links"] == [r"\sqrt{2+2D_C}"]


TRUE_CHAINS = [
    (DIST, r"D_E = \sqrt{2 - 2D_C} = \sqrt{2}\sqrt{1 - D_C}"),
    (STATS, r"P = 2 \cdot 3 = 6"),
    (SHAPE, r"(H, W, C) = (128 - 3 + 1, 126, 64) = (126, 126, 64)"),
    (CONT, r"b = 2a\Delta = a\Delta + a\Delta"),
]


@pytest.mark.parametrize("qid, answer", TRUE_CHAINS)
def test_a_true_chain_is_equivalent(qid, answer):
    v = check(qid, answer)
    assert v.status is Status.EQUIVALENT, v.to_dict()
    assert "false_links" not in v.evidence


# --- well formed but dimensionally inconsistent: a wrong answer -----------------------------

INCONSISTENT = [
    (GRAD_X, r"2W(Wx-y)", 2),                 # W is m x n, Wx - y has length m
    (GRAD_X, r"x^\top(Wx-y)", 6),             # x has length n, Wx - y length m
    (GRAD_X, r"2(Wx-y)^\top W + x", None),    # a row plus a column
    (GRAD_X, r"\frac{\partial L}{\partial x} = 2W(Wx-y)", None),
]


@pytest.mark.parametrize("qid, answer, position", INCONSISTENT)
def test_a_dimensionally_inconsistent_answer_is_a_wrong_answer(qid, answer, position):
    v = check(qid, answer)
    assert v.status is Status.NOT_EQUIVALENT, v.to_dict()
    assert v.reason == "shape.inconsistent"
    assert "cannot" in v.message
    if position is not None:
        assert v.position == position


def test_unreadable_text_stays_invalid():
    for answer in (r"2W^\top(Wx-y", r"2W^\top(Wx - )", r"\foo{x}"):
        assert check(GRAD_X, answer).status is Status.INVALID


# --- ambiguity is reported, never resolved silently ------------------------------------------

def test_a_matrix_function_of_a_square_matrix_is_ambiguous():
    v = check(RELU, r"\mathbf{A}^\top \sin(\mathbf{Z})\mathbf{w}")
    assert v.status is Status.UNDECIDED, v.to_dict()
    assert v.reason == "parse.ambiguous"
    assert "ambiguous" in v.message and "entrywise" in v.message


def test_a_parse_error_takes_the_status_of_its_code(monkeypatch):
    """Whatever code the notation layer raises, check turns it into a verdict of that code's
    status (an unknown code into parse.syntax), and never raises."""
    q = derive.load_bank().question(GRAD_X)

    def raising(code):
        def kind(*args, **kw):
            raise AnswerError(code, f"{code} here (position 1)", 1)
        return kind

    for code, status in (("parse.ambiguous", Status.UNDECIDED),
                         ("shape.inconsistent", Status.NOT_EQUIVALENT),
                         ("shape.invalid", Status.INVALID),
                         ("no.such.code", Status.INVALID)):
        monkeypatch.setitem(check_module.KINDS, "expression", raising(code))
        v = check_module.check_question(q, "x", check_module.Options())
        assert v.status is status and v.position == 1
        assert v.reason == (code if code in derive.REASONS else "parse.syntax")


# --- never raises ------------------------------------------------------------------------

STRANGE_LABELS = [
    (STATS, r"P^{0} = 1"), (STATS, r"0 \cdot P = 0"), (STATS, r"P^P = 6"), (STATS, r"-P = -6"),
    (STATS, r"P + 1 = 7"), (STATS, r"P^{1/2} = 6"), (STATS, r"P = P"), (STATS, r"6 = P"),
    (STATS, r"2P = 3P"), (GRAD_X, r"\nabla_x L^2 = 2W^\top(Wx-y)"),
    (GRAD_X, r"x^\top \nabla_x L = 2x^\top W^\top(Wx-y)"), (DIST, r"D_E D_C = 0"),
    (DIST, r"D_E + D_E = 2\sqrt{2-2D_C}"), (DIST, r"D_C^2 = 2 - 2D_C"),
    (SHAPE, r"(H, W, C)^2 = (126, 126, 64)"), (BACKPROP, r"2 = 1.5, w_{11}^* = -0.65"),
]


@pytest.mark.parametrize("qid, answer", STRANGE_LABELS)
def test_strange_labels_get_a_verdict(qid, answer):
    v = check(qid, answer)       # no exception; the verdict's code matches its status
    assert v.reason != "internal.error", v.to_dict()


def test_true_statements_in_strange_forms():
    assert check(STATS, r"-P = -6").status is Status.EQUIVALENT
    assert check(STATS, r"P + 1 = 7").status is Status.EQUIVALENT
    assert check(DIST, r"D_E + D_E = 2\sqrt{2-2D_C}").status is Status.EQUIVALENT
    assert check(STATS, r"P^{1/2} = 6").status is Status.NOT_EQUIVALENT   # P = 36


# --- an equation that must give its target itself ------------------------------------------

OLS = "tum-in2346-ss22/2.8"       # W = (X^T X)^{-1} X^T Y, explicit
NEWTON = "tum-in2346-ss22/8.7"    # w_{k+1} = w_k - f'(w_k)/f''(w_k), explicit
DECAY = "tum-in2346-ss22/2.4"     # theta_{k+1} = (1 - alpha lambda) theta_k - alpha grad L, explicit


@pytest.mark.parametrize("qid, answer", [
    (OLS, r"W^{\top} = Y^{\top}X(X^{\top}X)^{-1}"),           # the transpose of W
    (OLS, r"X^\top X W = X^\top Y"),                          # the normal equations
    (OLS, r"X^\top (X W - Y) = 0"),
    (NEWTON, r"w_{k+1} - w_k = -\frac{f'(w_k)}{f''(w_k)}"),
    (NEWTON, r"f''(w_k)\,(w_{k+1} - w_k) = -f'(w_k)"),
    (DECAY, r"\theta_{k+1} + \alpha\nabla L(\theta_k) = (1-\alpha\lambda)\theta_k"),
])
def test_the_same_constraint_that_does_not_give_the_target_is_not_the_closed_form(qid, answer):
    v = check(qid, answer)
    assert (v.status, v.reason) == (Status.NOT_EQUIVALENT, "equation.not_solved"), v.to_dict()
    assert v.evidence["same_constraint"] is True
    assert "in closed form" in v.message


@pytest.mark.parametrize("qid, answer", [
    (OLS, r"W = (X^\top X)^{-1}X^\top Y"),
    (OLS, r"(X^\top X)^{-1}X^\top Y = W"),                    # the target on the right
    (OLS, r"(X^\top X)^{-1}X^\top Y"),                        # a bare value: target = value
    (NEWTON, r"w_{k+1} = w_k - \frac{f'(w_k)}{f''(w_k)}"),
    (DECAY, r"(\theta_{k+1})_{ij} = (1-\alpha\lambda)(\theta_k)_{ij} - \alpha\,[\nabla L(\theta_k)]_{ij}"),
    # a constraint question (not explicit) takes the constraint in any form
    (CONT, r"\frac{b}{a} = 2\Delta"),
    (CONT, r"b - 2a\Delta = 0"),
])
def test_the_target_given_itself_or_a_constraint_in_any_form(qid, answer):
    v = check(qid, answer)
    assert v.status is Status.EQUIVALENT, v.to_dict()


def test_a_wrong_rearrangement_is_still_wrong_not_unsolved():
    v = check(OLS, r"X^\top X W = Y^\top X")
    assert v.status is Status.NOT_EQUIVALENT and v.reason != "equation.not_solved", v.to_dict()


def test_another_quantity_given_in_terms_of_the_asked_one_is_not_an_answer():
    # the relation is true, but it gives D_C in terms of D_E, where D_E in terms of D_C is asked
    v = check(DIST, r"D_C = 1 - \tfrac{1}{2}D_E^2")
    assert (v.status, v.reason) == (Status.NOT_EQUIVALENT, "symbol.asked_in_value"), v.to_dict()
    # the asked name alone on the right is still read as its value
    assert check(DIST, r"\sqrt{2-2D_C} = D_E").status is Status.EQUIVALENT


# --- an answer that opens with its relation ------------------------------------------------

@pytest.mark.parametrize("qid, answer, status", [
    (STATS, "= 6", Status.EQUIVALENT),                        # the asked quantity left implicit
    (STATS, r"\approx 6", Status.EQUIVALENT),
    (STATS, "= 7", Status.NOT_EQUIVALENT),
    (DIST, r"= \sqrt{2-2D_C}", Status.EQUIVALENT),
    # the exact count is 200,000,100: the rounded value is the count without its biases
    ("neu-cs7150-f22/5.c", r"\approx 2 \times 10^8", Status.NOT_EQUIVALENT),
    (STATS, "< 6", Status.INVALID),                           # a bound is not a value
    (STATS, "=", Status.INVALID),
])
def test_an_answer_that_opens_with_equals_or_approx_states_the_value_after_it(qid, answer, status):
    v = check(qid, answer)
    assert v.status is status, v.to_dict()


# --- a prose definition that says the function applies entrywise ---------------------------

RELU_GRAD = r"\nabla_x f = A^\top \big(w \odot H(Ax)\big), \text{ with } H \text{ the "


@pytest.mark.parametrize("said, status", [
    ("Heaviside step applied elementwise}", Status.EQUIVALENT),
    ("Heaviside step (entrywise)}", Status.EQUIVALENT),
    ("unit step, applied componentwise}", Status.EQUIVALENT),
    ("sigmoid applied elementwise}", Status.NOT_EQUIVALENT),   # another function: wrong
    ("step applied elementwise}", Status.INVALID),             # names no known function
])
def test_a_prose_definition_may_say_the_function_applies_entrywise(said, status):
    v = check("ucb-cs182-sp22/2", RELU_GRAD + said)
    assert v.status is status, v.to_dict()
