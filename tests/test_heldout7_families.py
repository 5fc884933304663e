"""Notation families behind the misses of the seventh held-out corpus (bench/heldout7/,
issue 10), each a grammar or table rule, with the corpus's example, spellings of our own on
several questions and wrong answers in the same spelling, which stay wrong: reading keeps
the meaning (``W`` is not ``w``, ``\\Delta`` is not ``\\delta``)."""
from __future__ import annotations

import pytest

import derive

HINGE = "uw-cse493g1-sp23/3.6.1.1"              # cases: 2a max(s_j - s_y + Delta, 0) | b
LOGIT = "uw-cse493g1-sp23/2.5"                  # softmax(s)_k - b 1[k = y]
PROX = "stanford-cs230-sp21/4.ii"               # sign(w*) max(|w*| - alpha/H, 0)
SHAPE_II = "stanford-cs230-sp21/3.ii.shape"     # (128, 128, 16)
PARAMS_II = "stanford-cs230-sp21/3.ii.params"   # 1216
TENSORS = "neu-cs7150-f22/5.b"                  # 3 parameter tensors
GRAD_X = "neu-cs7150-f22/4.x"                   # 2 W^T (W x - y)
SGD_STEP = "tum-in2346-ss22/6.3"                # (dL/dw11, new w11) = (1.5, -0.65)
OUTPUTS = "tum-in2346-ss22/6.1"                 # (y1, y2) = (2, 0)
L1_GRAD = "stanford-cs230-sp21/4.i"             # grad J + alpha sign(w)
CROSS_ENTROPY = "ucb-cs182-sp22/3"              # H(U; p) = -1/K sum_i log p_i
RELU_GRAD = "ucb-cs182-sp22/2"                  # A^T diag(1[Ax > 0]) w
JACOBIAN = "ucb-cs182-sp22/1"                   # n (S I - x 1^T) / S^2, S = 1^T x
DISTANCE = "uw-cse493g1-sp23/3.2"               # D_E = sqrt(2 - 2 D_C)
DECAY_STEP = "tum-in2346-ss22/2.4"              # theta_{k+1} = (1 - alpha lambda) theta_k - ...

VERDICTS = [
    # 1. cases written in a line without a cases environment: a value, then its condition
    # opened by "for", "if" or "when"; the other branch a value with "otherwise"/"else" or
    # with a condition of its own; read as the cases environment would be
    (HINGE, r"2a\left[s_j - s_{y_i} + \Delta\right]_+ \text{ for } s_j \le s_{y_i}, \quad b "
            r"\text{ otherwise}", "equivalent", None),
    (HINGE, r"2a\left[s_j - s_{y_i} + \Delta\right]_+ \text{ if } s_j \le s_{y_i}, \; b "
            r"\text{ if } s_j > s_{y_i}", "equivalent", None),
    (HINGE, r"2a(s_j - s_{y_i} + \Delta)_+ \text{ when } s_j \le s_{y_i}, b \text{ else}",
     "equivalent", None),
    (HINGE, r"\frac{\partial L}{\partial s_j} = 2a\max(s_j - s_{y_i} + \Delta, 0) \text{ for } "
            r"s_j \le s_{y_i},\quad b \text{ otherwise}", "equivalent", None),
    (LOGIT, r"\frac{e^{s_k}}{\sum_{j=1}^K e^{s_j}} - b \text{ if } k = y, \quad "
            r"\frac{e^{s_k}}{\sum_{j=1}^K e^{s_j}} \text{ otherwise}", "equivalent", None),
    (LOGIT, r"\frac{e^{s_k}}{\sum_{j=1}^K e^{s_j}} - b \text{ for } k = y, \; "
            r"\frac{e^{s_k}}{\sum_{j=1}^K e^{s_j}} \text{ for } k \ne y", "equivalent", None),
    (PROX, r"\operatorname{sign}(w_i^*)\left(|w_i^*| - \frac{\alpha}{H_{i,i}}\right) \text{ if } "
           r"|w_i^*| > \frac{\alpha}{H_{i,i}}, \quad 0 \text{ otherwise}", "equivalent", None),
    # ... the same spellings with a wrong branch, a wrong condition or another letter
    (HINGE, r"2a\left[s_j - s_{y_i} + \Delta\right]_+ \text{ for } s_j \le s_{y_i}, \quad 2b "
            r"\text{ otherwise}", "not_equivalent", None),
    (HINGE, r"2a\left[s_j - s_{y_i} + \Delta\right]_+ \text{ for } s_j \ge s_{y_i}, \quad b "
            r"\text{ otherwise}", "not_equivalent", None),
    (HINGE, r"2a\left[s_j - s_{y_i} + \delta\right]_+ \text{ for } s_j \le s_{y_i}, \quad b "
            r"\text{ otherwise}", "not_equivalent", "symbol.foreign"),
    (LOGIT, r"\frac{e^{s_k}}{\sum_{j=1}^K e^{s_j}} + b \text{ for } k = y, \; "
            r"\frac{e^{s_k}}{\sum_{j=1}^K e^{s_j}} \text{ for } k \ne y", "not_equivalent", None),
    (PROX, r"w_i^* - \frac{\alpha}{H_{i,i}} \text{ if } |w_i^*| > \frac{\alpha}{H_{i,i}}, \quad "
           r"0 \text{ otherwise}", "not_equivalent", None),
    # ... one branch alone is not cases
    (HINGE, r"2a\left[s_j - s_{y_i} + \Delta\right]_+ \text{ for } s_j \le s_{y_i}", "invalid",
     None),
    # 2. a tuple of the parts' labels equal to a tuple of values names each part; labels
    # in another order assign by name; a label tuple that names a non-part stays wrong
    (SGD_STEP, r"\left(\frac{\partial L}{\partial w_{11}},\, w_{11}^{*}\right) = (1.5,\,-0.65)",
     "equivalent", None),
    (SGD_STEP, r"(w_{11}^{*}, \frac{\partial L}{\partial w_{11}}) = (-0.65, 1.5)", "equivalent",
     None),
    (SGD_STEP, r"\left(\frac{\partial L}{\partial w_{11}},\, w_{11}^{*}\right) = (0.5 \cdot 3, "
               r"-0.5 - 0.15) = (1.5,\,-0.65)", "equivalent", None),
    (OUTPUTS, r"(\hat y_2, \hat y_1) = (0, 2)", "equivalent", None),
    (OUTPUTS, r"(\hat y_1, \hat y_2) = (2, 0)", "equivalent", None),
    (SGD_STEP, r"(w_{11}^{*}, \frac{\partial L}{\partial w_{11}}) = (1.5, -0.65)",
     "not_equivalent", None),
    (SGD_STEP, r"\left(\frac{\partial L}{\partial w_{11}},\, w_{11}^{*}\right) = (1.5,\,-0.6)",
     "not_equivalent", None),
    (SGD_STEP, r"\left(\frac{\partial L}{\partial w_{11}},\, w_{11}^{*}\right) = (0.5 \cdot 2, "
               r"-0.5 - 0.15) = (1.5,\,-0.65)", "not_equivalent", "chain.false_link"),
    (OUTPUTS, r"(\hat y_2, \hat y_1) = (2, 0)", "not_equivalent", None),
    (SGD_STEP, r"\left(\frac{\partial L}{\partial w_{11}},\, w_{12}^{*}\right) = (1.5,\,-0.65)",
     "not_equivalent", "symbol.foreign"),
    (SGD_STEP, r"\left(\frac{\partial L}{\partial w_{11}},\, h_1\right) = (1.5,\,-0.65)",
     "not_equivalent", None),
    (SGD_STEP, r"\left(\frac{\partial L}{\partial w_{11}},\, \frac{\partial L}{\partial w_{11}}"
               r"\right) = (1.5,\,-0.65)", "not_equivalent", None),
    (OUTPUTS, r"(\hat y_1, \hat y_1) = (2, 0)", "not_equivalent", None),
    # 3. an asked label written with its own argument list (the function's variables,
    # ";" or "," separated) names the asked quantity; at another argument it is a step
    # that is checked, never the label
    (L1_GRAD, r"\nabla_{\mathbf w}\tilde J(\mathbf w) = \nabla_{\mathbf w} J(\mathbf w) + "
              r"\alpha\,\mathrm{sign}(\mathbf w)", "equivalent", None),
    (L1_GRAD, r"\nabla_{\mathbf w}\tilde J(\mathbf w, \mathbf X, \mathbf y) = \nabla_{\mathbf w} "
              r"J + \alpha\,\mathrm{sign}(\mathbf w)", "equivalent", None),
    (L1_GRAD, r"\nabla_{w}\tilde{J}(w;X,y) = \nabla_{w} J + \alpha\,\operatorname{sign}(w)",
     "equivalent", None),
    (CROSS_ENTROPY, r"H(U;p) = -\frac{1}{K}\sum_{i=1}^K \log p_i", "equivalent", None),
    (CROSS_ENTROPY, r"H(U, p) = -\frac{1}{K}\sum_{i=1}^K \log p_i", "equivalent", None),
    (L1_GRAD, r"\nabla_{\mathbf w}\tilde J(\mathbf w) = \nabla_{\mathbf w} J(\mathbf w) + "
              r"\alpha\,\mathbf w", "not_equivalent", None),
    (L1_GRAD, r"\nabla_{\mathbf w}\tilde J(\mathbf 0) = \nabla_{\mathbf w} J(\mathbf w) + "
              r"\alpha\,\mathrm{sign}(\mathbf w)", "not_equivalent", None),
    (L1_GRAD, r"\nabla_{\mathbf w}\tilde J(\mathbf X) = \nabla_{\mathbf w} J(\mathbf w) + "
              r"\alpha\,\mathrm{sign}(\mathbf w)", "not_equivalent", None),
    (L1_GRAD, r"\nabla_{\mathbf w}\tilde J(\mathbf w) = \nabla_{\mathbf w} J(\mathbf W) + "
              r"\alpha\,\mathrm{sign}(\mathbf w)", "not_equivalent", "symbol.foreign"),
    (CROSS_ENTROPY, r"H(p;U) = -\frac{1}{K}\sum_{i=1}^K \log p_i", "not_equivalent", None),
    (CROSS_ENTROPY, r"H(U;p) = -\frac{1}{K}\sum_{i=1}^K p_i \log p_i", "not_equivalent", None),
    # 6. the indicator written as a bold or blackboard 1 with its condition as a subscript
    # (\mathbf 1 without braces takes the digit, as TeX does); a vector condition is
    # entrywise
    (RELU_GRAD, r"\mathbf A^\top \operatorname{diag}(\mathbf 1_{\mathbf A\mathbf x>0})\,\mathbf w",
     "equivalent", None),
    (RELU_GRAD, r"\mathbf A^\top \operatorname{diag}(\mathbb 1_{\mathbf A\mathbf x>0})\,\mathbf w",
     "equivalent", None),
    (RELU_GRAD, r"\mathbf A^\top \operatorname{diag}(\mathbb{1}_{\{\mathbf A\mathbf x>0\}})\,"
                r"\mathbf w", "equivalent", None),
    (RELU_GRAD, r"\mathbf A^\top (\mathbf 1_{\mathbf A\mathbf x>0} \odot \mathbf w)", "equivalent",
     None),
    (LOGIT, r"\frac{e^{s_k}}{\sum_{j=1}^K e^{s_j}} - b\,\mathbf 1_{k=y}", "equivalent", None),
    (JACOBIAN, r"\frac{n}{(\mathbf 1^\top \mathbf x)^2}\left(\mathbf 1^\top \mathbf x\, "
               r"\mathbf I_n - \mathbf x \mathbf 1^\top\right)", "equivalent", None),
    (RELU_GRAD, r"\mathbf A^\top \operatorname{diag}(\mathbf 1_{\mathbf A\mathbf x<0})\,\mathbf w",
     "not_equivalent", None),
    (RELU_GRAD, r"\mathbf A \operatorname{diag}(\mathbf 1_{\mathbf A\mathbf x>0})\,\mathbf w",
     "not_equivalent", "shape.inconsistent"),
    (RELU_GRAD, r"\mathbf A^\top \operatorname{diag}(\mathbf 1_{\mathbf x>0})\,\mathbf w",
     "not_equivalent", None),
    (LOGIT, r"\frac{e^{s_k}}{\sum_{j=1}^K e^{s_j}} - b\,\mathbf 1_{k\ne y}", "not_equivalent",
     None),
    (JACOBIAN, r"\frac{n}{(\mathbf 1^\top \mathbf x)^2}\left(\mathbf 1^\top \mathbf x\, "
               r"\mathbf I_n - \mathbf 1 \mathbf x^\top\right)", "not_equivalent", None),
    # 4. a bracket with an evaluation subscript after a gradient in a variable the question
    # does not declare is the evaluation bar (\nabla_\theta[\ldots]_{\theta=\theta_k} as
    # \nabla_\theta(\ldots)\big|_{\theta=\theta_k}); \mathcal L for the question's loss L is a
    # form its bank declares (tum 2.4)
    (DECAY_STEP, r"\theta_{k+1} = \theta_k - \alpha\,\nabla_\theta\!\left[L(\theta) + "
                 r"\tfrac{\lambda}{2}\|\theta\|_2^2\right]_{\theta=\theta_k} = (1-\alpha\lambda)"
                 r"\theta_k - \alpha\nabla L(\theta_k)", "equivalent", None),
    (DECAY_STEP, r"\theta_{k+1} = \theta_k - \alpha\,\nabla_\theta\left(L + \tfrac{\lambda}{2}"
                 r"\|\theta\|^2\right)_{\theta=\theta_k}", "equivalent", None),
    (DECAY_STEP, r"\theta_{k+1}=(1-\alpha\lambda)\theta_k-\alpha\nabla\mathcal L(\theta_k)",
     "equivalent", None),
    (DECAY_STEP, r"\theta_{k+1}=(1-\alpha\lambda)\theta_k-\alpha\nabla_\theta\mathcal{L}"
                 r"(\theta_k)", "equivalent", None),
    (DECAY_STEP, r"\theta_{k+1} = \theta_k - \alpha\,\nabla_\theta\!\left[L(\theta) + "
                 r"\lambda\|\theta\|_2^2\right]_{\theta=\theta_k}", "not_equivalent", None),
    (DECAY_STEP, r"\theta_{k+1} = \theta_k - \alpha\,\nabla_\theta\!\left[L(\theta) + "
                 r"\tfrac{\lambda}{2}\|\theta\|_2^2\right]_{\theta=\theta_k} = (1-\alpha\lambda)"
                 r"\theta_k + \alpha\nabla L(\theta_k)", "not_equivalent", None),
    (DECAY_STEP, r"\theta_{k+1}=(1-\alpha\lambda)\theta_k+\alpha\nabla\mathcal L(\theta_k)",
     "not_equivalent", None),
    # ... at another point than the declared one, the bar is refused, as after \big|
    (DECAY_STEP, r"\theta_{k+1} = \theta_k - \alpha\,\nabla_\theta\!\left[L(\theta) + "
                 r"\tfrac{\lambda}{2}\|\theta\|_2^2\right]_{\theta=\theta_{k+1}}", "invalid",
     None),
    # 5. a sum without bounds ranges over the dim of what its index indexes (declared
    # vectors and matrices; uses that disagree are a dimension error); where it indexes only
    # names the question does not declare, the range is the student's own: a step that
    # cannot be checked, and wrong (symbol.foreign) as the value
    (DISTANCE, r"D_E = \sqrt{\sum_i (x_i^2 - 2x_iy_i + y_i^2)} = \sqrt{2 - 2D_C}", "equivalent",
     None),
    (DISTANCE, r"D_E = \sqrt{\sum_j (x_j - y_j)^2} = \sqrt{2 - 2D_C}", "equivalent", None),
    (GRAD_X, r"\frac{\partial L}{\partial x_j} = 2\sum_i W_{ij}\left(\sum_k W_{ik}x_k - y_i\right)",
     "equivalent", None),
    (DISTANCE, r"D_E = \sqrt{\sum_i (x_i^2 - 2x_iy_i + y_i^2)} = \sqrt{2 - D_C}",
     "not_equivalent", None),
    (DISTANCE, r"D_E = \sqrt{\sum_i (x_i^2 - 2x_iy_i + y_i^2)} = \sqrt{2 - 2d_C}",
     "not_equivalent", "symbol.foreign"),
    (DISTANCE, r"\sqrt{\sum_i (x_i - y_i)^2}", "not_equivalent", "symbol.foreign"),
    (GRAD_X, r"\frac{\partial L}{\partial x_j} = 2\sum_i W_{ji}\left(\sum_k W_{ik}x_k - y_i\right)",
     "not_equivalent", "shape.inconsistent"),
    (GRAD_X, r"\frac{\partial L}{\partial x_j} = \sum_i W_{ij}\left(\sum_k W_{ik}x_k - y_i\right)",
     "not_equivalent", None),
    (DISTANCE, r"D_E = \sqrt{\sum_i 1} = \sqrt{2 - 2D_C}", "invalid", None),
    # 7. a justification after the value (since, because, as) is working, not part of the
    # answer: the value before it is graded, for shapes, counts and expressions
    (SHAPE_II, r"(124, 124, 16) \text{ since } 128 - 5 + 1 = 124", "not_equivalent", None),
    (SHAPE_II, r"(128, 128, 16) \text{ since } 128 + 2\cdot 2 - 5 + 1 = 128", "equivalent", None),
    (SHAPE_II, r"(128, 128, 16) \text{ because the padding keeps } H, W", "equivalent", None),
    (PARAMS_II, r"1216 \text{ since } 16(5 \cdot 5 \cdot 3 + 1) = 1216", "equivalent", None),
    (PARAMS_II, r"1200 \text{ as } 16 \cdot 75 = 1200", "not_equivalent", None),
    (TENSORS, r"3 \text{ because } W_1, b_1, W_2", "equivalent", None),
    (TENSORS, r"4 \text{ because } W_1, b_1, W_2, b_2", "not_equivalent", None),
    (GRAD_X, r"2W^\top(Wx - y) \text{ since } L = \|Wx - y\|^2", "equivalent", None),
    (GRAD_X, r"2W(Wx - y) \text{ since } L = \|Wx - y\|^2", "not_equivalent", None),
    (SGD_STEP, r"1.5 \text{ since } 0.5 \cdot 3 = 1.5; \; -0.65", "equivalent", None),
    (SGD_STEP, r"1.5 \text{ since } 0.5 \cdot 3 = 1.5; \; -0.6", "not_equivalent", None),
]


RESPONSE = (r"Averaging uniformly over the $K$ classes, this is the cross-entropy" "\n\n"
            r"$$\boxed{H(U;p) = -\frac{1}{K}\sum_{i=1}^K %s}$$" "\n\n"
            r"so the answer is **A**.")


@pytest.mark.parametrize("value, status", [(r"\log p_i", "equivalent"),
                                           (r"p_i \log p_i", "not_equivalent")])
def test_bold_option_letter_is_passed_over(value, status):
    """3. in a whole response, "the answer is **A**." names an option letter in bold (the
    period after the bold): where the question has no options, the boxed mathematics is the
    answer, and a wrong one stays wrong."""
    from derive import extract_answer
    assert extract_answer("so the answer is **A**.") == "A"
    v = derive.check(CROSS_ENTROPY, response=RESPONSE % value)
    assert v.status.value == status, (v.reason, v.message)


@pytest.mark.parametrize("qid, latex, status, reason", VERDICTS)
def test_heldout7_families(qid, latex, status, reason):
    v = derive.check(qid, latex)
    assert v.status.value == status, (v.reason, v.message)
    if reason is not None:
        assert v.reason == reason, v.message
