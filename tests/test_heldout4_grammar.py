"""Notation families found by the fourth held-out corpus (bench/heldout4, issue 10), each with
the corpus's example, variants of our own (other questions, spellings) and a wrong variant
that stays wrong:

1. a script whose argument is an accent or font command takes the command's argument
   (``\\mu_\\mathcal{B}`` is ``\\mu_{\\mathcal B}``, as TeX typesets it);
2. a declared family written without its index (``\\frac{\\partial f}{\\partial \\mathbf y}``
   where ``\\frac{\\partial f}{\\partial y_i}`` is declared, ``\\hat{\\mathbf x}``, ``\\mathbf p``)
   is the family as a vector;
3. an evaluation bar whose subscript is only the point (``\\big|_{\\theta_k}``) names the
   variable of the derivative before it (``\\nabla_\\theta``);
4. a bracketed list with dots between its first and last entries,
   ``[a_1, \\dots, a_n]^\\top``, is the vector of the pattern they follow (a row; transposed,
   a column); entries that follow no pattern are ambiguous;
5. a one-branch cases that states the range of the question's step (``0 \\le i \\le N``) is
   its branch on that range (a chained inequality is the conjunction);
6. a trailing equation about notation the answer uses (``X^{+} = (X^\\top X)^{-1}X^\\top``) is
   a remark saying what the notation is, read as its definition: a false one makes the
   answer wrong.
"""
from __future__ import annotations

import pytest

import derive
from derive.notation.lexer import lex

GAMMA = "ucb-cs182-sp22/9.gamma"
BETA = "ucb-cs182-sp22/9.beta"
CE = "ucb-cs182-sp22/3"
DECAY = "tum-in2346-ss22/2.4"
L1 = "stanford-cs230-sp21/4.i"
COSINE = "ucb-cs182-sp22/7"
LSQ = "tum-in2346-ss22/2.8"

VERDICTS = [
    # 1. scripts: \mathcal after _ takes its argument
    (GAMMA, r"\frac{\partial f}{\partial \gamma} = \sum_{i=1}^m \frac{\partial f}{\partial y_i}"
            r"\,\frac{x_i - \mu_\mathcal{B}}{\sqrt{\sigma_\mathcal{B}^2 + \epsilon}}",
     "equivalent", None),
    (GAMMA, r"\sum_i \frac{\partial f}{\partial y_i}\,(x_i - \mu_\mathcal{B})"
            r"(\sigma^2_\mathcal{B} + \epsilon)^{-1/2}", "equivalent", None),
    (BETA, r"\sum_{i=1}^m \frac{\partial f}{\partial y_i} + 0\cdot\mu_\mathcal{B}",
     "equivalent", None),
    # ... the corpus's wrong answer (epsilon dropped: sigma_B is no declared name) stays wrong
    (GAMMA, r"\frac{\partial f}{\partial \gamma} = \sum_{i=1}^m \frac{\partial f}{\partial y_i}"
            r"\,\frac{x_i - \mu_\mathcal{B}}{\sigma_\mathcal{B}}", "not_equivalent", None),
    (GAMMA, r"\sum_{i=1}^m \frac{\partial f}{\partial y_i}\,\frac{x_i - \mu_\mathcal{B}}"
            r"{\sqrt{\sigma_\mathcal{B}^2}}", "not_equivalent", None),
    # 2. a family without its index is the vector
    (BETA, r"\mathbf{1}_m^{\top}\,\frac{\partial f}{\partial \mathbf{y}}", "equivalent", None),
    (BETA, r"\mathbf{1}^\top \frac{\partial f}{\partial y}", "equivalent", None),
    (GAMMA, r"\hat{\mathbf{x}}^\top \frac{\partial f}{\partial \mathbf{y}}", "equivalent", None),
    (GAMMA, r"\left(\frac{\partial f}{\partial \mathbf{y}}\right)^\top \hat{\mathbf{x}}",
     "equivalent", None),
    (CE, r"-\frac{1}{K}\mathbf{1}^\top \log \mathbf{p}", "equivalent", None),
    # ... the wrong vector stays wrong
    (BETA, r"\mathbf{1}_m^{\top}\,\frac{\partial f}{\partial \mathbf{x}}", "not_equivalent",
     "misconception.match"),
    (BETA, r"\hat{\mathbf{x}}^\top \frac{\partial f}{\partial \mathbf{y}}", "not_equivalent",
     "misconception.match"),
    (CE, r"-\frac{1}{K}\mathbf{1}^\top \mathbf{p}", "not_equivalent", None),
    # 3. a bar that gives only the point
    (DECAY, r"\theta_{k+1} = \theta_k - \alpha\,\nabla_\theta\left(L(\theta) + \tfrac{\lambda}{2}"
            r"\|\theta\|^2\right)\Big|_{\theta_k} = \theta_k - \alpha\left(\nabla L(\theta_k) + "
            r"\lambda\theta_k\right)", "equivalent", None),
    (DECAY, r"\theta_{k+1} = \theta_k - \alpha\,\nabla_\theta\left(L + \frac{\lambda}{2}"
            r"\|\theta\|_F^2\right)\big|_{\theta_k}", "equivalent", None),
    (DECAY, r"\theta_{k+1} = \theta_k - \alpha\left.\frac{\partial}{\partial\theta}\left("
            r"L(\theta) + \frac{\lambda}{2}\|\theta\|^2\right)\right|_{\theta_k}",
     "equivalent", None),
    (DECAY, r"\theta_{k+1} = \theta_k - \alpha\,\nabla_\theta\left(L(\theta) + \lambda"
            r"\|\theta\|^2\right)\Big|_{\theta_k}", "not_equivalent", None),
    # 4. a bracket list with dots
    (L1, r"\left[\frac{\partial J}{\partial w_1} + \alpha\,\mathrm{sign}(w_1),\ \dots,\ "
         r"\frac{\partial J}{\partial w_n} + \alpha\,\mathrm{sign}(w_n)\right]^{\top}",
     "equivalent", None),
    (L1, r"\left(\frac{\partial J}{\partial w_1} + \alpha\operatorname{sgn}(w_1), \ldots, "
         r"\frac{\partial J}{\partial w_n} + \alpha\operatorname{sgn}(w_n)\right)^T",
     "equivalent", None),
    (L1, r"\left[\frac{\partial J}{\partial w_1} + \alpha\,\mathrm{sign}(w_1),\ "
         r"\frac{\partial J}{\partial w_2} + \alpha\,\mathrm{sign}(w_2),\ \cdots,\ "
         r"\frac{\partial J}{\partial w_n} + \alpha\,\mathrm{sign}(w_n)\right]^{\top}",
     "equivalent", None),
    # ... a row where a column is asked, a wrong pattern, and no pattern
    (L1, r"\left[\frac{\partial J}{\partial w_1} + \alpha\,\mathrm{sign}(w_1),\ \dots,\ "
         r"\frac{\partial J}{\partial w_n} + \alpha\,\mathrm{sign}(w_n)\right]",
     "not_equivalent", "shape.mismatch"),
    (L1, r"\left[\frac{\partial J}{\partial w_1} + \alpha w_1,\ \dots,\ "
         r"\frac{\partial J}{\partial w_n} + \alpha w_n\right]^{\top}", "not_equivalent", None),
    (L1, r"\left[\frac{\partial J}{\partial w_1} + \alpha,\ \dots,\ "
         r"\frac{\partial J}{\partial w_n} + \alpha\,\mathrm{sign}(w_n)\right]^{\top}",
     "undecided", "parse.ambiguous"),
    # 5. a one-branch cases that states the range
    (COSINE, r"\alpha_i = \begin{cases} \frac{\alpha_{\text{initial}}}{2}\left(1 + "
             r"\cos\frac{i\pi}{N}\right) & 0 \le i \le N \end{cases}", "equivalent", None),
    (COSINE, r"\begin{cases} \frac{\alpha_0}{2}\left(1 + \cos(\pi i / N)\right), & "
             r"\text{if } 0 \leq i \leq N \end{cases}", "equivalent", None),
    # ... a range narrower than the steps leaves steps without a value; a wrong branch
    (COSINE, r"\alpha_i = \begin{cases} \frac{\alpha_{\text{initial}}}{2}\left(1 + "
             r"\cos\frac{i\pi}{N}\right) & 0 \le i \le N/2 \end{cases}", "not_equivalent", None),
    (COSINE, r"\alpha_i = \begin{cases} \frac{\alpha_{\text{initial}}}{2}\left(1 + "
             r"\cos\frac{2i\pi}{N}\right) & 0 \le i \le N \end{cases}", "not_equivalent", None),
    # 6. a trailing identity about the notation the answer uses
    (LSQ, r"W = X^{+}Y, \quad X^{+} = (X^\top X)^{-1}X^\top", "equivalent", None),
    (LSQ, r"W = X^{\dagger}Y,\ X^{\dagger} = (X^T X)^{-1} X^T", "equivalent", None),
    (LSQ, r"W^* = X^{+}Y \text{ with } X^{+} = (X^\top X)^{-1}X^\top", "equivalent", None),
    # ... a false identity makes the answer wrong
    (LSQ, r"W = X^{+}Y, \quad X^{+} = 2(X^\top X)^{-1}X^\top", "not_equivalent", None),
    (LSQ, r"W = X^{+}Y, \quad X^{+} = X^\top(X X^\top)^{-1}", "not_equivalent", None),
]


@pytest.mark.parametrize("qid, latex, status, reason", VERDICTS)
def test_heldout4_families(qid, latex, status, reason):
    v = derive.check(qid, latex)
    assert v.status.value == status, (v.reason, v.message)
    if reason is not None:
        assert v.reason == reason, v.message


def test_script_takes_the_accents_argument():
    # TeX: \mu_\mathcal{B} and \mu_{\mathcal{B}} typeset alike; the bare command is no script
    assert [t.text for t in lex(r"\mu_\mathcal{B}")] == [t.text for t in lex(r"\mu_{\mathcal{B}}")]
    assert [t.text for t in lex(r"x^\hat{y} z")] == ["x", "^", "{", r"\hat", "y", "}", "z"]
