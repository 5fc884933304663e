"""Calculus notation families still missed by the dev corpora (issue 10), each with the
corpus's example, variants of our own on other questions or spellings, and a wrong variant
that stays wrong:

C. the gradient of an expression evaluated at a point, ``\\nabla_\\theta(L + \\frac{\\lambda}{2}
   \\|\\theta\\|^2)\\big|_{\\theta=\\theta_k}``: the bar's variable is bound in what is
   differentiated, the gradient is linear, a name whose gradient the question declares
   (``\\nabla_\\theta L``) has that gradient (at the point it is declared at), and the norm
   of a matrix is the norm of its entries;
D. an update written in place, ``\\theta \\leftarrow (1 - \\alpha\\lambda)\\theta - \\ldots``:
   the left is the new iterate, the bare name on the right the old one (an assignment only);
E. the chain rule through a quantity the question defines (``y_i = \\gamma\\hat x_i + \\beta``):
   ``\\frac{\\partial y_i}{\\partial\\beta}`` is the derivative of that definition.
"""
from __future__ import annotations

import pytest

import derive
from derive.notation.lexer import lex
from derive.notation.operators import in_place_update

DECAY = "tum-in2346-ss22/2.4"
NEWTON = "tum-in2346-ss22/8.7"
L1 = "stanford-cs230-sp21/4.i"
BETA = "ucb-cs182-sp22/9.beta"
GAMMA = "ucb-cs182-sp22/9.gamma"

VERDICTS = [
    # C. the corpus's three spellings
    (DECAY, r"\theta_{k+1} = \theta_k - \alpha\,\nabla_\theta\left(L + \tfrac{\lambda}{2}"
            r"\|\theta\|^2\right)\big|_{\theta=\theta_k}", "equivalent", None),
    (DECAY, r"\theta_{k+1} = \theta_k - \alpha\,\nabla_{\theta}\left(L(\theta) + "
            r"\frac{\lambda}{2}\|\theta\|_2^2\right)\Big|_{\theta = \theta_k}", "equivalent", None),
    (DECAY, r"\theta_{k+1} = \theta_k - \alpha\left.\frac{\partial}{\partial\theta}\left("
            r"L(\theta) + \frac{\lambda}{2}\|\theta\|_2^2\right)\right|_{\theta=\theta_k}",
     "equivalent", None),
    # ... our own: the Frobenius norm by name, the declared gradient at theta_k
    (DECAY, r"\theta_{k+1} = \theta_k - \alpha\nabla_\theta\left(L + \frac{\lambda}{2}"
            r"\|\theta\|_F^2\right)\Big|_{\theta=\theta_k}", "equivalent", None),
    (DECAY, r"\theta_{k+1} = \theta_k - \alpha\lambda\theta_k - \alpha\frac{\partial L}"
            r"{\partial \theta_k}", "equivalent", None),
    # ... on another question: linearity, the declared \nabla_w J, the gradient of the L1 norm
    (L1, r"\nabla_{\mathbf w}\left(J + \alpha\|\mathbf w\|_1\right)", "equivalent", None),
    (L1, r"\frac{\partial}{\partial \mathbf w}\left(J(\mathbf w) + \alpha\sum_i |w_i|\right)",
     "equivalent", None),
    # wrong: the regulariser without 1/2; the bar at another point than the declared
    # gradient's; no bar (theta is then no quantity of the question); the L2 penalty for L1
    (DECAY, r"\theta_{k+1} = \theta_k - \alpha\,\nabla_\theta\left(L + \lambda\|\theta\|^2"
            r"\right)\big|_{\theta=\theta_k}", "not_equivalent", "equation.not_equivalent"),
    (DECAY, r"\theta_{k+1} = \theta_k - \alpha\,\nabla_\theta\left(L + \tfrac{\lambda}{2}"
            r"\|\theta\|^2\right)\big|_{\theta=\theta_{k+1}}", "not_equivalent", None),
    (DECAY, r"\theta_{k+1} = \theta_k - \alpha\,\nabla_\theta\left(L + \tfrac{\lambda}{2}"
            r"\|\theta\|^2\right)", "not_equivalent", None),
    (L1, r"\nabla_{\mathbf w}\left(J + \alpha\|\mathbf w\|_2^2\right)", "not_equivalent", None),
    # a name whose gradient in that variable the question does not declare stays unknown
    (L1, r"\nabla_{\mathbf v}\left(J + \alpha\|\mathbf v\|_1\right)\Big|_{\mathbf v = "
         r"\mathbf w}", "not_equivalent", "symbol.foreign"),
    # D. an update in place: the corpus's example and our own
    (DECAY, r"\theta \leftarrow (1 - \alpha\lambda)\,\theta - \alpha\,\nabla L(\theta)",
     "equivalent", None),
    (DECAY, r"\theta \gets \theta - \alpha(\nabla L(\theta) + \lambda\theta)", "equivalent", None),
    (DECAY, r"\theta := \theta - \alpha\lambda\theta - \alpha\nabla_\theta L", "equivalent", None),
    (NEWTON, r"w \leftarrow w - \frac{f'(w)}{f''(w)}", "equivalent", None),
    (NEWTON, r"w \gets w - f'(w)/f''(w)", "equivalent", None),
    # wrong: the decay's sign, the step's sign; "=" is no assignment (w = w - ... is false)
    (DECAY, r"\theta \leftarrow (1 + \alpha\lambda)\,\theta - \alpha\,\nabla L(\theta)",
     "not_equivalent", "equation.not_equivalent"),
    (NEWTON, r"w \leftarrow w + \frac{f'(w)}{f''(w)}", "not_equivalent", None),
    (DECAY, r"\theta = (1 - \alpha\lambda)\,\theta - \alpha\,\nabla L(\theta)",
     "not_equivalent", None),
    (NEWTON, r"w = w - \frac{f'(w)}{f''(w)}", "not_equivalent", None),
    # E. the chain rule through y_i = \gamma \hat x_i + \beta (the question defines y_i)
    (BETA, r"\sum_{i=1}^m \frac{\partial f}{\partial y_i}\frac{\partial y_i}{\partial \beta}",
     "equivalent", None),
    (GAMMA, r"\sum_i \frac{\partial f}{\partial y_i}\frac{\partial y_i}{\partial \gamma}",
     "equivalent", None),
    (BETA, r"\frac{\partial f}{\partial \beta} = \sum_{i} \frac{\partial f}{\partial y_i}\,"
           r"\frac{\partial y_i}{\partial \beta} = \sum_i \frac{\partial f}{\partial y_i}",
     "equivalent", None),
    (GAMMA, r"\sum_{j=1}^m \frac{\partial f}{\partial y_j}\,\partial y_j/\partial \gamma",
     "equivalent", None),
    # wrong: the other parameter's derivative (the chain through the wrong definition)
    (BETA, r"\sum_{i=1}^m \frac{\partial f}{\partial y_i}\frac{\partial y_i}{\partial \gamma}",
     "not_equivalent", "misconception.match"),
    (GAMMA, r"\sum_i \frac{\partial f}{\partial y_i}\frac{\partial y_i}{\partial \beta}",
     "not_equivalent", "misconception.match"),
]


@pytest.mark.parametrize("qid, latex, status, reason", VERDICTS)
def test_calculus_families(qid, latex, status, reason):
    v = derive.check(qid, latex)
    assert v.status.value == status, (v.reason, v.message)
    if reason is not None:
        assert v.reason == reason, v.message


def test_upstream_gradient_is_not_differentiated():
    # \frac{\partial f}{\partial y_i} stays the declared family g: it is not the derivative
    # of f through y_i's definition (f is not given), so the sum of it is option A as is
    v = derive.check(BETA, r"\sum_{i=1}^m \frac{\partial f}{\partial y_i}")
    assert v.status.value == "equivalent"
    v = derive.check(GAMMA, r"\sum_i y_i")
    assert v.status.value == "not_equivalent"


def test_in_place_update_only_for_an_assignment():
    q = derive.load_bank().question(DECAY).context
    toks = lex(r"\theta \leftarrow \theta - \alpha\nabla L(\theta)")
    out = " ".join(t.text for t in in_place_update(toks, q))
    assert out == r"\theta _ { k + 1 } = \theta _ k - \alpha \nabla L ( \theta _ k )"
    eq = lex(r"\theta = \theta - \alpha\nabla L(\theta)")
    assert in_place_update(eq, q) == eq
    # an accented name is another name: \hat\theta is not the old iterate
    toks = lex(r"\theta \leftarrow \hat\theta")
    out = " ".join(t.text for t in in_place_update(toks, q))
    assert out == r"\theta _ { k + 1 } = \hat \theta"
