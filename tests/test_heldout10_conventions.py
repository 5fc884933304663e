"""Notation conventions of other traditions behind the misses of the tenth held-out corpus
(bench/heldout10/, issue 10): each a general rule (a table in the lexer or a grammar rule),
with the corpus's example, spellings of our own on several questions and wrong answers in the
same spelling, which stay wrong: reading keeps the meaning."""
from __future__ import annotations

import pytest

import derive
from derive.errors import AnswerError
from derive.notation.lexer import lex
from derive.notation.parser import parse_answer
from derive.notation.symbols import Context, SymbolSpec as S

GRAD_W = "neu-cs7150-f22/4.W"                   # 2 (W x - y) x^T
GRAD_X = "neu-cs7150-f22/4.x"                   # 2 W^T (W x - y)
JACOBIAN = "ucb-cs182-sp22/1"                   # n (S I - x 1^T) / S^2, S = 1^T x
RELU_GRAD = "ucb-cs182-sp22/2"                  # A^T diag(1[Ax > 0]) w
GAMMA = "ucb-cs182-sp22/9.gamma"                # sum_i df/dy_i \hat x_i
DECAY_STEP = "tum-in2346-ss22/2.4"              # theta_{k+1} = theta_k - alpha(G + lambda theta_k)
LEAST_SQUARES = "tum-in2346-ss22/2.8"           # W = (X^T X)^{-1} X^T Y
HINGE = "uw-cse493g1-sp23/3.6.1.1"              # cases: 2a max(s_j - s_y + Delta, 0) | b
HINGE_B = "uw-cse493g1-sp23/3.6.1.2"            # b = 2 a Delta
LOGIT = "uw-cse493g1-sp23/2.5"                  # softmax(s)_k - b 1[k = y]
LOGIT_CASES = (r"\frac{\partial L}{\partial s_k} = \begin{cases} p_k - b & k = y\\ p_k & "
               r"k \neq y\end{cases}")

VERDICTS = [
    # 0. Einstein summation in an entrywise answer: an index the label does not give, written
    # twice in a product term, over one dim, is summed
    (GRAD_W, r"\frac{\partial L}{\partial W_{ij}} = 2\,(W_{ik}x_k - y_i)\,x_j", "equivalent"),
    (GRAD_W, r"(\nabla_W L)_{ij} = 2\,x_j\,(W_{il}x_l - y_i)", "equivalent"),
    (GRAD_W, r"\frac{\partial L}{\partial W_{ij}} = 2\,(W_{ik}x_k + y_i)\,x_j", "not_equivalent"),
    (GRAD_W, r"\frac{\partial L}{\partial W_{ij}} = 2\,(W_{ik}y_k - y_i)\,x_j",
     "not_equivalent"),                                    # k over n and over m: not summed
    (GRAD_W, r"\frac{\partial L}{\partial W_{ij}} = 2\,(W_{ik}x_k x_k - y_i)\,x_j",
     "not_equivalent"),                                    # k three times: not summed
    (GRAD_W, r"\frac{\partial L}{\partial W_{ij}} = 2\,(W_{kk}x_k - y_i)\,x_j",
     "not_equivalent"),
    (GRAD_X, r"\partial_{x_j} L = 2\,W_{ij}\,(W_{ik}\,x_k - y_i)", "equivalent"),
    (GRAD_X, r"\frac{\partial L}{\partial x_j} = 2\,W_{ij}\,(W_{ik}\,x_k - y_i)", "equivalent"),
    (GRAD_X, r"\partial_{x_j} L = 2\,W_{ij}\,(W_{ik}\,x_k + y_i)", "not_equivalent"),
    (GRAD_X, r"\partial_{x_j} L = 2\,W_{ij}\,(W_{ik}\,x_i - y_i)", "not_equivalent"),
    # 1. ^t (and ^{\,t}) on a vector or matrix is the transpose where no name t is declared
    (RELU_GRAD, r"A^{t}\operatorname{diag}\bigl(\mathbb{1}_{\{Ax>0\}}\bigr)\,w", "equivalent"),
    (RELU_GRAD, r"A^{t}\operatorname{diag}\bigl(\mathbb{1}_{\{Ax>0\}}\bigr)\,x",
     "not_equivalent"),
    (RELU_GRAD, r"A^t\operatorname{diag}(\mathbb{1}[Ax>0])\,w", "equivalent"),
    (RELU_GRAD, r"A\operatorname{diag}(\mathbb{1}[Ax>0])^t\,w", "not_equivalent"),
    (GRAD_W, r"2\,(W\,x-y)\,x^{\,t}", "equivalent"),
    (GRAD_W, r"2\,(W\,x-y)^{t}\,x", "not_equivalent"),
    (GRAD_X, r"2\,W^t(Wx-y)", "equivalent"),
    (GRAD_X, r"2\,W(Wx-y)^t", "not_equivalent"),
    (LEAST_SQUARES, r"W^{\star} = X^{+}Y,\quad X^{+} := (X^tX)^{-1}X^t", "equivalent"),
    (LEAST_SQUARES, r"W = (X^tX)^{-1}X^tY", "equivalent"),
    (LEAST_SQUARES, r"W = (X^tX)^{-1}Y^tX", "not_equivalent"),
    # \underline{W}, \vec{x}, \vec 1 are the declared names (presentation, as \mathbf)
    (GRAD_W, r"2\,(\underline{W}\,\underline{x}-\underline{y})\,\underline{x}^{t}", "equivalent"),
    (GRAD_W, r"2\,(\underline{W}\,\underline{x}-\underline{y})\,\underline{x}", "not_equivalent"),
    (JACOBIAN, r"\frac{n}{s}\Bigl(\mathbb{I}_n - \frac{1}{s}\,\vec{x}\,\vec{1}^{\,t}\Bigr),"
               r"\quad s = \vec 1^{\,t}\vec x", "equivalent"),
    (JACOBIAN, r"\frac{n}{s}\Bigl(\mathbb{I}_n - \frac{1}{s}\,\vec{1}\,\vec{x}^{\,t}\Bigr),"
               r"\quad s = \vec 1^{\,t}\vec x", "not_equivalent"),
    # 2. \mathbb{I}, \mathbb{I}_n without a condition after them: the identity
    (DECAY_STEP, r"\theta_{k+1} = (\mathbb{I} - \alpha\lambda\,\mathbb{I})\,\theta_k "
                 r"- \alpha\nabla L(\theta_k)", "equivalent"),
    (DECAY_STEP, r"\theta_{k+1} = (\mathbb{I} + \alpha\lambda\,\mathbb{I})\,\theta_k "
                 r"- \alpha\nabla L(\theta_k)", "not_equivalent"),
    (JACOBIAN, r"\frac{n}{\mathbf 1^\top x}\mathbb{I}_n - \frac{n\,x\mathbf 1^\top}"
               r"{(\mathbf 1^\top x)^2}", "equivalent"),
    (JACOBIAN, r"\frac{n}{\mathbf 1^\top x}\mathbb{I}_n - \frac{n\,\mathbf 1 x^\top}"
               r"{(\mathbf 1^\top x)^2}", "not_equivalent"),
    # ... while \mathbb{I}[cond] and \mathbb{I}_{cond} stay the indicator
    (RELU_GRAD, r"A^\top\operatorname{diag}(\mathbb{I}[Ax>0])\,w", "equivalent"),
    (RELU_GRAD, r"A^\top\operatorname{diag}(\mathbb{I}_{\{Ax>0\}})\,w", "equivalent"),
    (RELU_GRAD, r"A^\top\operatorname{diag}(\mathbb{I}[Ax<0])\,w", "not_equivalent"),
    # 3. \langle a, b\rangle is the inner product
    (JACOBIAN, r"\frac{n}{\langle \mathbf{1}, \mathbf{x}\rangle}\,\mathbb{I}_n - \frac{n}"
               r"{\langle \mathbf{1}, \mathbf{x}\rangle^2}\mathbf{x}\mathbf{1}^\top", "equivalent"),
    (JACOBIAN, r"\frac{n}{\langle \mathbf{1}, \mathbf{x}\rangle}\,\mathbb{I}_n - \frac{n}"
               r"{\langle \mathbf{x}, \mathbf{x}\rangle^2}\mathbf{x}\mathbf{1}^\top",
     "not_equivalent"),
    (GAMMA, r"\left\langle \frac{\partial f}{\partial \mathbf y},\ \hat{\mathbf x}\right\rangle",
     "equivalent"),
    (GAMMA, r"\left\langle \frac{\partial f}{\partial \mathbf y},\ \mathbf 1\right\rangle",
     "not_equivalent"),
    (GRAD_X, r"2\,W^\top(Wx-y) + 0\,\langle x, x\rangle\,x", "equivalent"),
    (GRAD_X, r"2\,W^\top(Wx-y) + \langle x, x\rangle\,x", "not_equivalent"),
    # 4. \overset{!}{=} ("must equal") and \stackrel{\text{def}}{=} are =
    (HINGE_B, r"b \overset{!}{=} 2\,a\,\Delta", "equivalent"),
    (HINGE_B, r"b \overset{!}{=} a\,\Delta", "not_equivalent"),
    (HINGE_B, r"b \stackrel{!}{=} 2a\Delta", "equivalent"),
    # 5. a TeX comment runs to the end of the line
    (DECAY_STEP, "\\theta_{k+1} = \\theta_k - \\alpha\\nabla_{\\theta}L(\\theta_k) "
                 "- \\alpha\\lambda\\theta_k % weight decay", "equivalent"),
    (DECAY_STEP, "\\theta_{k+1} = \\theta_k - \\alpha\\nabla_{\\theta}L(\\theta_k) "
                 "% weight decay\n - \\alpha\\lambda\\theta_k", "equivalent"),
    (DECAY_STEP, "\\theta_{k+1} = \\theta_k - \\alpha\\nabla_{\\theta}L(\\theta_k) "
                 "% - \\alpha\\lambda\\theta_k", "not_equivalent"),
    # 6. a wide space before NAME := sets a definition off, as a comma does
    (LOGIT, LOGIT_CASES + r"\qquad p_k := \frac{e^{s_k}}{\sum_j e^{s_j}}", "equivalent"),
    (LOGIT, LOGIT_CASES.replace("p_k - b", "p_k - 1")
     + r"\qquad p_k := \frac{e^{s_k}}{\sum_j e^{s_j}}", "not_equivalent"),
    (LOGIT, r"p_k - b\,[k=y] \quad p_k \coloneqq \frac{e^{s_k}}{\sum_j e^{s_j}}", "equivalent"),
    (LOGIT, r"p_k - b\,[k=y] \quad p_k \coloneqq \frac{e^{s_k}}{\sum_{j\ne k} e^{s_j}}",
     "not_equivalent"),
    (GRAD_X, r"2\,W^\top r \qquad r := Wx - y", "equivalent"),
    (GRAD_X, r"2\,W^\top r \qquad r := y - Wx", "not_equivalent"),
    # 8. a bar in the derivative operator's own variable after its product evaluates the
    # derivative, not the product's last factor
    (HINGE_B, r"b = \frac{\mathrm{d}}{\mathrm{d}s_j}\,a\,(s_j - s_{y_i} + \Delta)^2"
              r"\Big|_{s_j = s_{y_i}} = 2a\Delta", "equivalent"),
    (HINGE_B, r"b = \frac{\partial}{\partial s_j}\,a\,(s_j - s_{y_i} + \Delta)^2"
              r"\Big|_{s_j = s_{y_i}}", "equivalent"),
    (HINGE_B, r"b = \frac{\mathrm{d}}{\mathrm{d}s_j}\,a\,(s_j - s_{y_i} + \Delta)^3"
              r"\Big|_{s_j = s_{y_i}}", "not_equivalent"),
    (HINGE_B, r"b = \frac{\mathrm{d}}{\mathrm{d}s_j}\,a\,(s_j - s_{y_i} + \Delta)^2"
              r"\Big|_{s_j = s_{y_i}} = a\Delta", "not_equivalent"),
    # 7. otherwise in other languages (sonst, sinon, sino) in cases
    (HINGE, r"\begin{cases} 2a\max(s_j - s_{y_i} + \Delta, 0) & s_j \le s_{y_i} \\ b & "
            r"\text{sonst} \end{cases}", "equivalent"),
    (HINGE, r"\begin{cases} 2a\max(s_j - s_{y_i} + \Delta, 0) & s_j \le s_{y_i} \\ b & "
            r"\text{sinon} \end{cases}", "equivalent"),
    (HINGE, r"\begin{cases} 2a\max(s_j - s_{y_i} + \Delta, 0) & s_j \le s_{y_i} \\ b & "
            r"\text{sino} \end{cases}", "equivalent"),
    (HINGE, r"\begin{cases} 2a\max(s_j - s_{y_i} + \Delta, 0) & s_j \le s_{y_i} \\ 2b & "
            r"\text{sonst} \end{cases}", "not_equivalent"),
]


@pytest.mark.parametrize("qid, latex, status", VERDICTS)
def test_heldout10_conventions(qid, latex, status):
    v = derive.check(qid, latex)
    assert v.status.value == status, (v.reason, v.message)


@pytest.mark.parametrize("text", [
    r"W = \left(X^\top X\right^{-1} X^\top Y", r"\left x \right)", r"(a + b\right", r"\left(a\right_1",
])
def test_right_without_delimiter_is_unreadable(text):
    """``\\right^{-1}``: TeX needs a delimiter after ``\\left``/``\\right`` ("Missing
    delimiter"), so the answer is unreadable, never a bracket closed by the sizing."""
    with pytest.raises(AnswerError) as e:
        lex(text)
    assert e.value.code == "parse.syntax"
    assert derive.check(LEAST_SQUARES, r"W = \left(X^\top X\right^{-1} X^\top Y").status.value \
        == "invalid"


def test_delimiters_after_left_right_still_read():
    for text in (r"\left\{ a \right.", r"\left\| x \right\|", r"\left| x\right|_2",
                 r"\left.\frac{a}{b}\right|_{x=1}", r"\left[x\right]_+", r"\left.5\right)"):
        assert lex(text)


def test_percent_after_a_number_is_not_a_comment():
    """``98%`` is refused as before (not 98 with a comment): only a % after a space or at a
    line's start opens a comment."""
    with pytest.raises(AnswerError):
        lex("98%")
    assert [t.text for t in lex("x % a comment\n + 1")] == ["x", "+", "1"]


def test_angle_bracket_without_comma_is_a_bracket():
    assert [t.text for t in lex(r"\langle x \rangle")] == ["(", "x", ")"]
    assert [t.text for t in lex(r"\langle a, b\rangle")][0] == r"\inner"
    # a scalar with a vector is no inner product
    v = derive.check(GRAD_X, r"\langle 2, W^\top(Wx-y)\rangle")
    assert v.status.value == "not_equivalent" and v.reason == "shape.inconsistent", v.message


def test_overset_other_marks_not_read():
    """``\\overset{?}{=}`` asks a question: it is not read as ``=``."""
    assert derive.check(HINGE_B, r"b \overset{?}{=} 2a\Delta").status.value != "equivalent"


def test_t_declared_is_not_the_transpose():
    """Where the question declares a name t, ``W^t`` is not read as the transpose (the rule
    is for a t that names nothing); where it does not, ``W^t`` is ``W^\\top``."""
    spec = [S("n", "dim"), S("k", "dim"), S("x", "vector", shape=("n",), latex=("x",)),
            S("W", "matrix", shape=("k", "n"), latex=("W",))]
    plain = Context(spec)
    assert parse_answer("W^t", plain).parts[0].items[-1] == plain.objects["W"].T
    assert parse_answer("x^{\\,t}", plain).parts[0].items[-1] == plain.objects["x"].T
    with_t = Context(spec + [S("t", "scalar", latex=("t",))])
    with pytest.raises(AnswerError):
        parse_answer("W^t", with_t)   # a matrix power takes an integer exponent
