"""Labels behind misses of the eighth and ninth held-out corpora (issue 10), each a grammar
or table rule, never a case for one question: the corpus's example, spellings of our own on
several questions, and wrong answers in the same spelling, which stay wrong (a label never
makes a wrong value right, and another variable or name keeps its meaning)."""
from __future__ import annotations

import pytest

import derive

RELU_GRAD = "ucb-cs182-sp22/2"                  # A^T diag(1[Ax > 0]) w
L1_GRAD = "stanford-cs230-sp21/4.i"             # grad J + alpha sign(w)
GRAD_X = "neu-cs7150-f22/4.x"                   # 2 W^T (W x - y)
ATTN_PARAMS = "stanford-cs230-sp21/6.1"         # oC (9 iC + 9)
SMOOTH = "uw-cse493g1-sp23/3.6.2.1"             # log(1 + sum_{j != y_i} e^{s_j - s_{y_i}})
DISTANCE = "uw-cse493g1-sp23/3.2"               # D_E = sqrt(2 - 2 D_C)
TENSORS = "neu-cs7150-f22/5.b"                  # 3 parameter tensors
SHAPE_III = "stanford-cs230-sp21/3.iii.shape"   # (64, 64, 32)
LINEAR_BACK = "tum-in2346-ss22/2.3"             # dout W^T
JACOBIAN = "ucb-cs182-sp22/1"                   # n (S I - x 1^T) / S^2, S = 1^T x
COSINE = "ucb-cs182-sp22/7"                     # alpha_i = alpha_0 (1 + cos(i pi / N)) / 2
PROX = "stanford-cs230-sp21/4.ii"               # sign(w*) max(|w*| - alpha/H, 0)
HINGE = "uw-cse493g1-sp23/3.6.1.1"              # cases: 2a max(s_j - s_y + Delta, 0) | b
DECAY = "neu-cs7150-f22/3.b"                    # w_i^{(1)} = 0.98 w_i

VERDICTS = [
    # 1. the gradient operator alone as a label names the asked gradient in that variable
    # (as \frac{\partial}{\partial w_i} = does), and (\nabla_x)_j an entry of it; another
    # variable names a derivative the question does not give
    (RELU_GRAD, r"\nabla_x = A^T\left(w \odot \mathbb{1}[Ax > 0]\right)", "equivalent", None),
    (RELU_GRAD, r"\nabla_{\mathbf{x}} = \mathbf{A}^\top \mathbf{Z}\mathbf{w}", "equivalent",
     None),
    (RELU_GRAD, r"\left(\nabla_x\right)_j = \sum_{i=1}^{k} w_i A_{ij}\,\mathbb{1}[(Ax)_i > 0]",
     "equivalent", None),
    (RELU_GRAD, r"(\nabla_{\mathbf x})_i = \sum_{r=1}^{k} w_r A_{ri}\,\mathbb{1}[(Ax)_r > 0]",
     "equivalent", None),
    (L1_GRAD, r"\nabla_{\mathbf w} = \nabla_{\mathbf w} J + \alpha\,\operatorname{sign}"
              r"(\mathbf w)", "equivalent", None),
    (GRAD_X, r"\nabla_x = 2W^\top(Wx - y)", "equivalent", None),
    # ... wrong values in the same spelling, and another variable
    (RELU_GRAD, r"\nabla_x = A^T\left(w \odot \mathbb{1}[Ax < 0]\right)", "not_equivalent",
     None),
    (RELU_GRAD, r"\left(\nabla_x\right)_j = \sum_{i=1}^{k} w_i A_{ij}\,\mathbb{1}[(Ax)_i < 0]",
     "not_equivalent", None),
    (RELU_GRAD, r"\nabla_A = A^T\left(w \odot \mathbb{1}[Ax > 0]\right)", "not_equivalent",
     "symbol.foreign"),
    (RELU_GRAD, r"\nabla_w = A^T\left(w \odot \mathbb{1}[Ax > 0]\right)", "not_equivalent",
     "symbol.foreign"),
    (L1_GRAD, r"\nabla_{\mathbf w} = \nabla_{\mathbf w} J - \alpha\,\operatorname{sign}"
              r"(\mathbf w)", "not_equivalent", None),
    (GRAD_X, r"\nabla_x = 2W(Wx - y)", "not_equivalent", None),
    (GRAD_X, r"\nabla_W = 2W^\top(Wx - y)", "not_equivalent", "symbol.foreign"),
    # 2. a letter with a prose subscript opening a chain: the asked name described
    # (N asked; L(x_i) asked), or the student's own name for the answer; a letter the
    # question declares as another quantity keeps its meaning
    (ATTN_PARAMS, r"N_{\text{params}} = 9\,oC\,iC + 9\,oC", "equivalent", None),
    (ATTN_PARAMS, r"Q_{\text{params}} = oC(9iC+9)", "equivalent", None),
    (SMOOTH, r"L_{\text{smooth}}(x_i) = \log\Big(1+\sum_{j\neq y_i} e^{s_j-s_{y_i}}\Big)",
     "equivalent", None),
    (SMOOTH, r"J_{\text{smooth}} = \log\Big(1+\sum_{j\neq y_i} e^{s_j-s_{y_i}}\Big)",
     "equivalent", None),
    (GRAD_X, r"G_{\text{input}} = 2W^\top(Wx - y)", "equivalent", None),
    (DISTANCE, r"d_{\text{Euclid}} = \sqrt{2-2D_C}", "equivalent", None),
    # ... wrong values in the same spelling, and declared letters
    (ATTN_PARAMS, r"N_{\text{params}} = 9\,oC\,iC + 8\,oC", "not_equivalent", None),
    (ATTN_PARAMS, r"Q_{\text{params}} = oC(9iC+8)", "not_equivalent", None),
    (ATTN_PARAMS, r"N_{\text{weights}} = 9\,oC\,iC", "not_equivalent", None),
    (SMOOTH, r"L_{\text{smooth}}(x_i) = \log\Big(1+\sum_{j\neq y_i} e^{s_j+s_{y_i}}\Big)",
     "not_equivalent", None),
    (SMOOTH, r"L_{\text{smooth}}(y_i) = \log\Big(1+\sum_{j\neq y_i} e^{s_j-s_{y_i}}\Big)",
     "not_equivalent", "label.mismatch"),
    (GRAD_X, r"G_{\text{input}} = 2W(Wx - y)", "not_equivalent", None),
    (GRAD_X, r"W_{\text{grad}} = 2W^\top(Wx - y)", "not_equivalent", "label.mismatch"),
    (DISTANCE, r"D_{\text{Euclid}} = \sqrt{2-2D_C}", "not_equivalent", "symbol.foreign"),
    (DISTANCE, r"d_{\text{Euclid}} = \sqrt{2+2D_C}", "not_equivalent", None),
    # 3. a count, its unit, a colon and the list of what it counts; a shape, then its axes'
    # names as an aside across \text groups
    (TENSORS, r"3 \text{ tensors: } W_1, b_1, W_2", "equivalent", None),
    (TENSORS, r"3\text{ tensors}: W_1, b_1, W_2", "equivalent", None),
    (TENSORS, r"3 \text{ parameter tensors: } W_1,\ b_1,\ W_2", "equivalent", None),
    (SHAPE_III, r"64 \times 64 \times 32 \text{ (H} \times \text{W} \times \text{C)}",
     "equivalent", None),
    # ... a wrong count or shape in the same spelling; a list that does not match the count
    (TENSORS, r"4 \text{ tensors: } W_1, b_1, W_2, b_2", "not_equivalent", None),
    (TENSORS, r"2 \text{ parameter tensors: } W_1,\ b_1", "not_equivalent", None),
    (TENSORS, r"3 \text{ tensors: } W_1, b_1, W_2, b_2", "not_equivalent", None),
    (SHAPE_III, r"64 \times 64 \times 16 \text{ (H} \times \text{W} \times \text{C)}",
     "not_equivalent", None),
    # 6. a where-definition followed by where its value lives
    (LINEAR_BACK, r"\nabla_X L = \delta_{\text{out}} W^\top, \ \text{where } \delta_{\text{out}} "
                  r"= \frac{\partial L}{\partial Y} \in \mathbb{R}^{N\times M}", "equivalent", None),
    (LINEAR_BACK, r"\nabla_X L = \delta W^\top \text{ where } \delta = \frac{\partial L}"
                  r"{\partial Y} \in \mathbb{R}^{N \times M}", "equivalent", None),
    (JACOBIAN, r"J = \frac{n}{S^2}\left(S\,\mathbf{I}_n - \mathbf{x}\mathbf{1}_n^\top\right) "
               r"\text{ where } S = \sum_i x_i \in \mathbb{R}", "equivalent", None),
    # ... wrong values in the same spelling
    (LINEAR_BACK, r"\nabla_X L = \delta_{\text{out}} W, \ \text{where } \delta_{\text{out}} "
                  r"= \frac{\partial L}{\partial Y} \in \mathbb{R}^{N\times M}", "not_equivalent",
     None),
    (JACOBIAN, r"J = \frac{n}{S^2}\left(S\,\mathbf{I}_n - \mathbf{1}_n\mathbf{x}^\top\right) "
               r"\text{ where } S = \sum_i x_i \in \mathbb{R}", "not_equivalent", None),
    # 7. a trailing "for" stating an index's range is a qualifier, not a case
    (COSINE, r"\alpha_i = \frac{1}{2}\alpha_{\text{initial}}\left(1+\cos\left(\frac{i}{N}\pi"
             r"\right)\right) \text{ for } i = 0,\dots,N", "equivalent", None),
    (COSINE, r"\alpha_i = \frac{1}{2}\alpha_{\text{initial}}\left(1+\cos\left(\frac{i}{N}\pi"
             r"\right)\right) \text{ for } i \in \{0, \ldots, N\}", "equivalent", None),
    (COSINE, r"\alpha_i = \frac{1}{2}\alpha_{\text{initial}}\left(1+\cos\left(\frac{i}{N}\pi"
             r"\right)\right) \text{ for } 0 \le i \le N", "equivalent", None),
    (PROX, r"w_i = \operatorname{sign}(w_i^*)\max\left(|w_i^*| - \frac{\alpha}{H_{i,i}}, 0"
           r"\right) \text{ for } i = 1, \dots, n", "equivalent", None),
    (PROX, r"w_i = \operatorname{sign}(w_i^*)\max\left(|w_i^*| - \frac{\alpha}{H_{i,i}}, 0"
           r"\right) \text{ for all } i \in [n]", "equivalent", None),
    # ... wrong values in the same spelling; inline cases are still cases
    (COSINE, r"\alpha_i = \frac{1}{2}\alpha_{\text{initial}}\left(1-\cos\left(\frac{i}{N}\pi"
             r"\right)\right) \text{ for } i = 0,\dots,N", "not_equivalent", None),
    (COSINE, r"\alpha_i = \alpha_{\text{initial}}\left(1+\cos\left(\frac{i}{N}\pi"
             r"\right)\right) \text{ for } 0 \le i \le N", "not_equivalent", None),
    (PROX, r"w_i = \operatorname{sign}(w_i^*)\max\left(|w_i^*| + \frac{\alpha}{H_{i,i}}, 0"
           r"\right) \text{ for all } i \in [n]", "not_equivalent", None),
    (HINGE, r"2a\left[s_j - s_{y_i} + \Delta\right]_+ \text{ for } s_j \le s_{y_i}, \quad b "
            r"\text{ otherwise}", "equivalent", None),
    (HINGE, r"2a\left[s_j - s_{y_i} + \Delta\right]_+ \text{ for } s_j \ge s_{y_i}, \quad b "
            r"\text{ otherwise}", "not_equivalent", None),
    # 5. update superscripts on the asked variable: a bracketed \text word, and an iterate
    # counter of the student's own, (t+1) for the new value and (t) for the old one
    (DECAY, r"w_i^{\text{(updated)}} = \tfrac{49}{50}w_i", "equivalent", None),
    (DECAY, r"w_i^{(t+1)} = \tfrac{49}{50}\,w_i^{(t)}", "equivalent", None),
    (DECAY, r"w_i^{(k+1)} = w_i^{(k)} - 0.02\, w_i^{(k)}", "equivalent", None),
    # ... wrong values in the same spelling, the old value as the label, a mixed counter
    (DECAY, r"w_i^{\text{(updated)}} = \tfrac{51}{50}w_i", "not_equivalent", None),
    (DECAY, r"w_i^{(t+1)} = \tfrac{51}{50}\,w_i^{(t)}", "not_equivalent", None),
    (DECAY, r"w_i^{(t+1)} = \tfrac{49}{50}\,w_i^{(t+1)}", "not_equivalent", None),
    (DECAY, r"w_i^{(t+1)} = \tfrac{49}{50}\,w_i^{(s)}", "not_equivalent", "symbol.foreign"),
    (DECAY, r"w_i^{\text{(old)}} = \tfrac{49}{50}w_i", "not_equivalent", None),
    (DECAY, r"w_i^{(t)} = \tfrac{49}{50}\,w_i^{(t)}", "not_equivalent", None),
]


@pytest.mark.parametrize("qid, latex, status, reason", VERDICTS)
def test_heldout8_labels(qid, latex, status, reason):
    v = derive.check(qid, latex)
    assert v.status.value == status, (v.reason, v.message)
    if reason is not None:
        assert v.reason == reason, v.message
