"""Notation families behind the misses of the sixth held-out corpus (bench/heldout6/,
issue 10), each a grammar or table rule, with the corpus's example, spellings of our own on
several questions and wrong answers in the same spelling, which stay wrong: reading keeps
the meaning."""
from __future__ import annotations

import pytest

import derive

TENSORS = "neu-cs7150-f22/5.b"                  # 3 parameter tensors
ELEMENTS = "neu-cs7150-f22/5.c"                 # 200000100
PARAMS_II = "stanford-cs230-sp21/3.ii.params"   # 1216
ONE_LAYER = "tum-in2346-ss22/1.3"               # 33
SHAPE_I = "stanford-cs230-sp21/3.i.shape"       # (126, 126, 64)
SHAPE_III = "stanford-cs230-sp21/3.iii.shape"   # (64, 64, 32)
L1_GRAD = "stanford-cs230-sp21/4.i"             # grad J + alpha sign(w)
GRAD_X = "neu-cs7150-f22/4.x"                   # 2 W^T (W x - y)
LOGIT = "uw-cse493g1-sp23/2.5"                  # dL/ds_k
SGD_STEP = "tum-in2346-ss22/6.3"                # (dL/dw11, new w11) = (1.5, -0.65)
JACOBIAN = "ucb-cs182-sp22/1"                   # n (S I - x 1^T) / S^2, S = 1^T x
RELU_GRAD = "ucb-cs182-sp22/2"                  # A^T diag(1[Ax > 0]) w
DECAY_STEP = "tum-in2346-ss22/2.4"              # theta_{k+1} = theta_k - alpha(G + lambda theta_k)

VERDICTS = [
    # 3. \# is "the number of": before any name (a \text of several words, a letter, a
    # Greek letter) it labels a count; a wrong count in the same spelling stays wrong
    (TENSORS, r"\#\text{param tensors} = 3", "equivalent", None),
    (PARAMS_II, r"\#\theta = 1216", "equivalent", None),
    (PARAMS_II, r"\#W = 16(75 + 1) = 1216", "equivalent", None),
    (ONE_LAYER, r"\#\text{weights and biases} = 33", "equivalent", None),
    (ELEMENTS, r"\#\theta = 200000100", "equivalent", None),
    (TENSORS, r"\#\text{param tensors} = 4", "not_equivalent", None),
    (PARAMS_II, r"\#\theta = 1200", "not_equivalent", "misconception.match"),
    (ONE_LAYER, r"\#\theta = 32", "not_equivalent", None),
    (PARAMS_II, r"\#\theta = 16(75 + 1) = 1200", "not_equivalent", None),
    # 3. a count, its unit, then a bracketed aside opened in one \text and closed in
    # another, with mathematics between: what is counted, not the value
    (TENSORS, r"3 \text{ tensors (W}_1, b_1, W_2\text{)}", "equivalent", None),
    (TENSORS, r"3 \text{ tensors } (W_1, b_1, W_2)", "equivalent", None),
    (TENSORS, r"3 \text{tensors} (W_1, b_1, W_2)", "equivalent", None),
    (PARAMS_II, r"1216 \text{ parameters (W}_1, b_1\text{)}", "equivalent", None),
    (TENSORS, r"4 \text{ tensors (W}_1, b_1, W_2, b_2\text{)}", "not_equivalent", None),
    (TENSORS, r"2 \text{tensors} (W_1, W_2)", "not_equivalent", None),
    (PARAMS_II, r"1200 \text{ parameters (W}_1, b_1\text{)}", "not_equivalent", None),
    # 8. a shape labelled by its axes' names joined by times signs, in any order: the
    # values go to the named axes; other letters are no axes
    (SHAPE_I, r"H \times W \times C = 126 \times 126 \times 64", "equivalent", None),
    (SHAPE_I, r"C \times H \times W = 64 \times 126 \times 126", "equivalent", None),
    (SHAPE_I, r"H×W×C = 126×126×64", "equivalent", None),
    (SHAPE_III, r"H \times W \times C = 64 \times 64 \times 32", "equivalent", None),
    (SHAPE_I, r"H \times W \times C = 126 \times 64 \times 126", "not_equivalent", None),
    (SHAPE_I, r"C \times H \times W = 126 \times 126 \times 64", "not_equivalent", None),
    (SHAPE_III, r"H \times W \times C = 128 \times 128 \times 32", "not_equivalent", None),
    (SHAPE_I, r"A \times B \times D = 126 \times 126 \times 64", "not_equivalent",
     "symbol.foreign"),
    # 4. a label that is the derivative operator alone names the asked derivative in that
    # variable (an entry where the variable has an index); in another variable it names a
    # derivative the question does not give
    (L1_GRAD, r"\frac{\partial}{\partial w_i} = \frac{\partial J}{\partial w_i} + "
              r"\alpha\,\mathrm{sgn}(w_i)", "equivalent", None),
    (L1_GRAD, r"\frac{\partial}{\partial \mathbf w} = \nabla_{\mathbf w} J + "
              r"\alpha\,\operatorname{sign}(\mathbf w)", "equivalent", None),
    (L1_GRAD, r"\partial/\partial w_i = \frac{\partial J}{\partial w_i} + \alpha\,"
              r"\mathrm{sgn}(w_i)", "equivalent", None),
    (GRAD_X, r"\frac{\partial}{\partial x} = 2W^\top(Wx - y)", "equivalent", None),
    (GRAD_X, r"\frac{d}{dx} = 2W^\top(Wx - y)", "equivalent", None),
    (L1_GRAD, r"\frac{\partial}{\partial w_i} = \frac{\partial J}{\partial w_i} - "
              r"\alpha\,\mathrm{sgn}(w_i)", "not_equivalent", "misconception.match"),
    (L1_GRAD, r"\frac{\partial}{\partial \alpha} = \nabla_{\mathbf w} J + "
              r"\alpha\,\operatorname{sign}(\mathbf w)", "not_equivalent", "symbol.foreign"),
    (GRAD_X, r"\frac{\partial}{\partial x} = 2W(Wx - y)", "not_equivalent", None),
    (GRAD_X, r"\frac{\partial}{\partial W} = 2W^\top(Wx - y)", "not_equivalent",
     "symbol.foreign"),
    (GRAD_X, r"\frac{\partial}{\partial y} = 2W^\top(Wx - y)", "not_equivalent",
     "symbol.foreign"),
    (LOGIT, r"\frac{\partial}{\partial s_k} = \mathrm{softmax}(\mathbf s)_k - b\,"
            r"\mathbb{1}[k = y]", "equivalent", None),
    (LOGIT, r"\frac{\partial}{\partial s_k} = \mathrm{softmax}(\mathbf s)_k - "
            r"\mathbb{1}[k = y]", "not_equivalent", "misconception.match"),
    # 1. a tuple's parts named by prose labels: the part's name or what it is (a
    # derivative: grad, gradient, derivative; the value after a step: new, updated), with
    # the part's own asked name if any; words that only number a part leave it in order
    (SGD_STEP, r"\text{grad} = 1.5,\quad \text{new } w_{11} = -0.65", "equivalent", None),
    (SGD_STEP, r"\text{new } w_{11} = -0.65,\quad \text{grad} = 1.5", "equivalent", None),
    (SGD_STEP, r"\text{gradient} = 1.5,\ \text{updated weight} = -0.65", "equivalent", None),
    (SGD_STEP, r"\text{derivative} = 1.5,\ \text{updated } w_{11} = -0.65", "equivalent",
     None),
    (SGD_STEP, r"\text{(a)} = 1.5,\quad \text{(b)} = -0.65", "equivalent", None),
    (SGD_STEP, r"\text{grad} = -0.65,\quad \text{new } w_{11} = 1.5", "not_equivalent",
     "tuple.part_mismatch"),
    (SGD_STEP, r"\text{grad} = 1.5,\quad \text{new } w_{11} = -0.5", "not_equivalent",
     "tuple.part_mismatch"),
    # a label that names another quantity is never taken for a part
    (SGD_STEP, r"\text{grad} = 1.5,\quad \text{old } w_{11} = -0.65", "not_equivalent",
     "symbol.foreign"),
    (SGD_STEP, r"\frac{\partial L}{\partial w_{11}} = 1.5,\ \text{old } w_{11} = -0.65",
     "not_equivalent", "symbol.foreign"),
    (SGD_STEP, r"\text{grad} = 1.5,\quad \text{new } w_{12} = -0.65", "not_equivalent",
     "symbol.foreign"),
    (SGD_STEP, r"\text{loss} = 1.5,\quad \text{new } w_{11} = -0.65", "not_equivalent",
     "symbol.foreign"),
    (SGD_STEP, r"\text{bias gradient} = 1.5,\quad \text{new } w_{11} = -0.65",
     "not_equivalent", "symbol.foreign"),
    (SGD_STEP, r"\text{grad} = 1.5,\quad \text{new grad} = -0.65", "not_equivalent",
     "symbol.foreign"),
    # 6. definitions after "where" joined by \text{ and }, one of them prose saying that a
    # declared index stands for its one-hot vector; a wrong answer in the same words stays
    # wrong, and other prose about an index is not read
    (LOGIT, r"\mathbf{p} - b\,\mathbf{y}, \ \text{where } \mathbf{p} = \mathrm{softmax}"
            r"(\mathbf{s}) \text{ and } \mathbf{y} \text{ is the one-hot label}",
     "equivalent", None),
    (LOGIT, r"\mathbf{p} - b\,\mathbf{y}, \ \text{where } \mathbf{y} \text{ is the one-hot "
            r"label vector and } \mathbf{p} = \mathrm{softmax}(\mathbf{s})", "equivalent", None),
    (LOGIT, r"\mathrm{softmax}(\mathbf{s}) - b\,\mathbf{y}, \ \text{where } \mathbf{y} "
            r"\text{ is the one-hot encoding of the label}", "equivalent", None),
    (LOGIT, r"\mathbf{p} - \mathbf{y}, \ \text{where } \mathbf{p} = \mathrm{softmax}"
            r"(\mathbf{s}) \text{ and } \mathbf{y} \text{ is the one-hot label}",
     "not_equivalent", "misconception.match"),
    (LOGIT, r"\mathbf{p} - b\,\mathbf{y}, \ \text{where } \mathbf{p} = \mathrm{softmax}"
            r"(b\mathbf{s}) \text{ and } \mathbf{y} \text{ is the one-hot label}",
     "not_equivalent", None),
    (LOGIT, r"\mathbf{p} - b\,\mathbf{y}, \ \text{where } \mathbf{p} = \mathrm{softmax}"
            r"(\mathbf{s}) \text{ and } \mathbf{y} \text{ is the label}", "invalid", None),
    # 7. a matrix before a row vector in a juxtaposed product: the factors after it are
    # multiplied first, a 1x1 result is a scalar (I (1^T x)); products that conform as
    # written are read as before
    (JACOBIAN, r"n(\mathbf{I}\,\mathbf{1}^\top\mathbf{x} - \mathbf{x}\mathbf{1}^\top)/"
               r"(\mathbf{1}^\top\mathbf{x})^2", "equivalent", None),
    (JACOBIAN, r"n(\mathbf{I}_n\,\mathbf{1}^\top\mathbf{x} - \mathbf{x}\mathbf{1}^\top)/"
               r"(\mathbf{1}^\top\mathbf{x})^2", "equivalent", None),
    (JACOBIAN, r"\frac{n}{(\mathbf{1}^\top\mathbf{x})^2}(\mathbf{I}\,\mathbf{x}^\top"
               r"\mathbf{1} - \mathbf{x}\mathbf{1}^\top)", "equivalent", None),
    (JACOBIAN, r"n(\mathbf{I}\,\mathbf{1}^\top\mathbf{x} - \mathbf{1}\mathbf{x}^\top)/"
               r"(\mathbf{1}^\top\mathbf{x})^2", "not_equivalent", "misconception.match"),
    (JACOBIAN, r"n(\mathbf{I}\,\mathbf{1}^\top\mathbf{x} - \mathbf{x}\mathbf{1}^\top)/"
               r"(\mathbf{1}^\top\mathbf{x})", "not_equivalent", None),
    (JACOBIAN, r"n(\mathbf{I}\,\mathbf{1}^\top - \mathbf{x}\mathbf{1}^\top)/"
               r"(\mathbf{1}^\top\mathbf{x})^2", "not_equivalent", "shape.inconsistent"),
    (GRAD_X, r"2 W^\top y^\top W x", "not_equivalent", None),
    (GRAD_X, r"2W^\top W x - 2 W^\top y", "equivalent", None),
    # 5. ^{(ij)}, ^{(i,j)} on a declared matrix is its entry (after \partial: the entry of
    # the variable), compared entry by entry; a wrong entry formula stays wrong
    (DECAY_STEP, r"\theta_{k+1}^{(ij)} = \theta_k^{(ij)} - \alpha\left(\frac{\partial L}"
                 r"{\partial \theta^{(ij)}}(\theta_k) + \lambda\theta_k^{(ij)}\right)",
     "equivalent", None),
    (DECAY_STEP, r"\theta_{k+1}^{(i,j)} = \theta_k^{(i,j)} - \alpha\left(\frac{\partial L}"
                 r"{\partial \theta^{(i,j)}}(\theta_k) + \lambda\theta_k^{(i,j)}\right)",
     "equivalent", None),
    (DECAY_STEP, r"\theta_{k+1}^{(ij)} = \theta_k^{(ij)} - \alpha\left(\frac{\partial L}"
                 r"{\partial \theta^{(ij)}}(\theta_k) - \lambda\theta_k^{(ij)}\right)",
     "not_equivalent", None),
    (DECAY_STEP, r"\theta_{k+1}^{(ij)} = \theta_k^{(ij)} - \alpha\frac{\partial L}"
                 r"{\partial \theta^{(ij)}}(\theta_k)", "not_equivalent", None),
    (DECAY_STEP, r"\theta_{k+1}^{(ij)} = \theta_k^{(ij)} - \alpha\left(\frac{\partial L}"
                 r"{\partial \theta^{(ij)}}(\theta_k) + \lambda\theta_k^{(ji)}\right)",
     "not_equivalent", None),
    # 2. diag of a scalar with one free index letter of the student's own is diag of the
    # vector of its entries (the index ranges over what it indexes); diag of a written list
    # z_1, \dots, z_k whose entries are defined after it; a wrong gate (on x_i, inverted)
    # stays wrong
    (RELU_GRAD, r"\nabla_{\mathbf x} f = \mathbf{A}^\top \mathbf{Z}\mathbf{w}, \text{ where }"
                r" \mathbf{Z} = \operatorname{diag}\big(\mathbb{1}[(\mathbf{A}\mathbf{x})_i"
                r" > 0]\big)", "equivalent", None),
    (RELU_GRAD, r"\mathbf{A}^\top \operatorname{diag}\big(\mathbb{1}[(\mathbf{A}\mathbf{x})_j"
                r" > 0]\big)\mathbf{w}", "equivalent", None),
    (RELU_GRAD, r"\mathbf{A}^\top \mathbf{Z}\mathbf{w}, \quad Z = \operatorname{diag}(z_1,"
                r"\dots,z_k),\ z_i = \begin{cases} 1 & (\mathbf{A}\mathbf{x})_i > 0 \\ 0 & "
                r"\text{otherwise} \end{cases}", "equivalent", None),
    (RELU_GRAD, r"\nabla_{\mathbf x} f = \mathbf{A}^\top \mathbf{Z}\mathbf{w}, \text{ where }"
                r" \mathbf{Z} = \operatorname{diag}\big(\mathbb{1}[x_i > 0]\big)",
     "not_equivalent", None),
    (RELU_GRAD, r"\nabla_{\mathbf x} f = \mathbf{A}^\top \mathbf{Z}\mathbf{w}, \text{ where }"
                r" \mathbf{Z} = \operatorname{diag}\big(\mathbb{1}[(\mathbf{A}\mathbf{x})_i"
                r" < 0]\big)", "not_equivalent", "misconception.match"),
    (RELU_GRAD, r"\mathbf{A}^\top \mathbf{Z}\mathbf{w}, \quad Z = \operatorname{diag}(z_1,"
                r"\dots,z_k),\ z_i = \begin{cases} 1 & x_i > 0 \\ 0 & "
                r"\text{otherwise} \end{cases}", "not_equivalent", None),
    (RELU_GRAD, r"\mathbf{A}^\top \mathbf{Z}\mathbf{w}, \quad Z = \operatorname{diag}(z_1,"
                r"\dots,z_k),\ z_i = \begin{cases} 0 & (\mathbf{A}\mathbf{x})_i > 0 \\ 1 & "
                r"\text{otherwise} \end{cases}", "not_equivalent", "misconception.match"),
]


@pytest.mark.parametrize("qid, latex, status, reason", VERDICTS)
def test_heldout6_families(qid, latex, status, reason):
    v = derive.check(qid, latex)
    assert v.status.value == status, (v.reason, v.message)
    if reason is not None:
        assert v.reason == reason, v.message
