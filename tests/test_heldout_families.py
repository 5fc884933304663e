"""Notation families behind the misses of the held-out corpus (bench/heldout/, issue 10),
each with examples of our own, right and wrong: names the student builds on declared ones
(``\\bar z``, ``p_k``, ``\\operatorname{LSE}(\\mathbf z)``) and defines; accents on names the
question does not give; scripts in either order (``\\sigma^2_B``); a bracketed remark after
the value; units after numbers; a minimiser as a step of working; "Final:" sentences and an
option letter where the question has no options; entries given by free indices without a
label."""
from __future__ import annotations

import pytest

import derive
from derive.errors import AnswerError
from derive.notation.declare import declare
from derive.notation.extract import extract_answer, option_letter
from derive.notation.parser import parse_answer

VERDICTS = [
    # names of the student's own built on declared ones, defined in the answer
    ("ucb-cs182-sp22/3", r"\log\sum_i e^{z_i} - \bar z,\ \bar z = \frac{1}{K}\sum_j z_j",
     "equivalent", None),
    ("ucb-cs182-sp22/3", r"\log\sum_i e^{z_i} - \bar z,\ \bar z = \sum_j z_j",
     "not_equivalent", None),
    ("ucb-cs182-sp22/3", r"\log\sum_i e^{z_i} - \bar z", "not_equivalent", "symbol.foreign"),
    ("ucb-cs182-sp22/3", r"\mathrm{lse}(\mathbf z) - \tilde z,\ \tilde z = \frac{1}{K}"
     r"\displaystyle\sum_{k} z_k,\ \mathrm{lse}(\mathbf z) = \log\sum_k \exp z_k",
     "equivalent", None),
    ("uw-cse493g1-sp23/2.5", r"q_k - b\,\mathbb{1}[k=y],\ q_k = \frac{e^{s_k}}{\sum_j e^{s_j}}",
     "equivalent", None),
    ("uw-cse493g1-sp23/2.5", r"q_k - b\,\mathbb{1}[k=y],\ q_k = \frac{e^{s_k}}{\sum_{j=1}^{K} e^{s_k}}",
     "not_equivalent", None),
    # accents on names the question does not give: names of their own, in working
    ("tum-in2346-ss22/6.2", r"\frac{1}{2}\sum_{j=1}^{2}(\tilde y_j - t_j)^2 = 1",
     "equivalent", None),
    ("tum-in2346-ss22/6.2", r"\frac{1}{2}\sum_{j=1}^{2}(\hat y_j - y_j)^2 = \frac{1}{2}(1 + 1) = 2",
     "not_equivalent", None),
    ("tum-in2346-ss22/6.2", r"\bar y_1 - 1", "not_equivalent", "symbol.foreign"),
    # a subscript and a superscript in either order (TeX typesets them alike)
    ("ucb-cs182-sp22/9.gamma", r"\sum_{i=1}^{m}\frac{\partial f}{\partial y_i}"
     r"\frac{x_i - \mu_B}{\sqrt{\sigma^2_B + \epsilon}}", "equivalent", None),
    ("ucb-cs182-sp22/9.gamma", r"\sum_{i=1}^{m}\frac{\partial f}{\partial y_i}"
     r"\frac{x_i - \mu_{\mathcal B}}{\sqrt{\sigma^{2}_{\mathcal B}} + \varepsilon}",
     "not_equivalent", None),
    # a bracketed remark that opens with prose, after the value, is working
    ("tum-in2346-ss22/6.1", r"\hat y_1 = 2,\ \hat y_2 = 0\ (\text{since } h_4 = 1)",
     "equivalent", None),
    ("tum-in2346-ss22/6.1", r"\hat y_1 = 0,\ \hat y_2 = 0 \quad (\text{with } h_4 = 1)",
     "not_equivalent", None),
    # units after numbers, inside a sum
    ("tum-in2346-ss22/1.3", r"30 \text{ weights} + 3 \text{ biases} = 33", "equivalent", None),
    ("tum-in2346-ss22/1.3", r"32 \text{ weights} + 2 \text{ biases} = 34", "not_equivalent",
     None),
    # a minimiser between the label and the value: working, neither checked nor graded
    ("tum-in2346-ss22/2.8", r"W^* = \arg\min_W \|XW - Y\|^2 = (X^\top X)^{-1}X^\top Y",
     "equivalent", None),
    ("tum-in2346-ss22/2.8", r"\hat W = \operatorname*{argmin}_{W} \|XW - Y\|^2 = X^\top Y",
     "not_equivalent", None),
    ("tum-in2346-ss22/2.8", r"\hat W = \operatorname{argmin}_W \|XW - Y\|^2", "not_equivalent",
     "symbol.foreign"),
    # entries by free indices, no label: one index a vector's, consecutive letters (row, col)
    ("ucb-cs182-sp22/1", r"\frac{n(\delta_{kl} \sum_r x_r - x_k)}{(\sum_r x_r)^2}",
     "equivalent", None),
    ("ucb-cs182-sp22/1", r"\frac{n(\delta_{ij} \sum_r x_r - x_j)}{(\sum_r x_r)^2}",
     "not_equivalent", None),
    ("neu-cs7150-f22/4.W", r"2((Wx)_i - y_i) x_j", "equivalent", None),
    ("neu-cs7150-f22/4.W", r"2((Wx)_j - y_j) x_i", "not_equivalent", None),
    ("neu-cs7150-f22/4.W", r"2((Wx)_r - y_r) x_c", "undecided", "parse.ambiguous"),
    ("neu-cs7150-f22/4.x", r"2\sum_{i} W_{ik}\,e_i,\ e_i = (Wx)_i - y_i", "equivalent", None),
    ("neu-cs7150-f22/4.x", r"2\sum_{i} W_{ki}\,e_i,\ e_i = (Wx)_i - y_i", "not_equivalent",
     "shape.inconsistent"),   # i runs over W's rows (m) but indexes its columns (n)
    ("tum-in2346-ss22/2.3", r"\frac{\partial L}{\partial X_{ab}} = \sum_{c=1}^{M} "
     r"\mathrm{dout}_{ac} W_{cb}", "not_equivalent", "shape.inconsistent"),
    ("tum-in2346-ss22/2.3", r"\frac{\partial L}{\partial X_{ab}} = \sum_{c=1}^{M} "
     r"\mathrm{dout}_{ac} W_{bc}", "equivalent", None),
    # a declared matrix, written with its script first, given by its entries (an equation)
    ("tum-in2346-ss22/2.4", r"\theta^{(k+1)}_{ab} = \theta^{(k)}_{ab} - \alpha\lambda"
     r"\theta^{(k)}_{ab} - \alpha\frac{\partial L}{\partial \theta_{ab}}(\theta_k)",
     "equivalent", None),
    ("tum-in2346-ss22/2.4", r"\theta^{(k+1)}_{ab} = (1+\alpha\lambda)\theta^{(k)}_{ab} - "
     r"\alpha\frac{\partial L}{\partial \theta_{ab}}(\theta_k)", "not_equivalent", None),
    # a list written in square brackets is the list
    ("tum-in2346-ss22/6.1", r"[\hat{y}_1, \hat{y}_2] = [2, 0]", "equivalent", None),
    ("tum-in2346-ss22/6.1", r"[\hat y_1, \hat y_2] = [0, 2]", "not_equivalent", None),
]


@pytest.mark.parametrize("qid, latex, status, reason", VERDICTS)
def test_heldout_families(qid, latex, status, reason):
    v = derive.check(qid, latex)
    assert v.status.value == status, (latex, v.reason, v.message)
    if reason is not None:
        assert v.reason == reason, (latex, v.message)


def test_scripts_in_either_order_are_one_name():
    ctx = declare({"s": {"kind": "scalar", "latex": [r"\sigma_B^2"]},
                   "w": {"kind": "scalar", "latex": [r"w_i^*"]}})
    s, w = ctx.objects["s"], ctx.objects["w"]
    for latex, want in [(r"\sigma^2_B", s), (r"\sigma_B^2", s), (r"w^*_i", w),
                        (r"w^{*}_i", None)]:
        got = parse_answer(latex, ctx).parts[0].items[-1]
        if want is not None:
            assert got == want, latex
    # the plain letter is not the decorated one
    with pytest.raises(AnswerError):
        parse_answer(r"\sigma", ctx)


def test_an_accent_never_merges_with_the_plain_letter():
    ctx = declare({"n": {"kind": "dim"}, "z": {"kind": "scalar", "latex": ["z"]}})
    assert parse_answer("z", ctx).parts[0].items[-1] == ctx.objects["z"]
    for latex in (r"\bar z", r"\hat z", r"\tilde{z}", r"\mathcal{z}", r"2\bar z_1"):
        with pytest.raises(AnswerError) as e:
            parse_answer(latex, ctx)
        assert e.value.code == "symbol.foreign", latex


RESPONSE_LETTER = r"""The blanks are $\tfrac12$ and $\pi$:
$$\alpha_i = \alpha_0 \cdot \frac{1}{2}\left[1 + \cos\left(\pi \frac{i}{N}\right)\right]$$
**Final answer: B.**"""


def test_final_sentences_and_option_letters():
    assert extract_answer("Working $x = 1$.\n\nFinal: $x = 2$") == "x = 2"
    assert extract_answer(RESPONSE_LETTER) == "B"        # text alone cannot tell
    assert extract_answer(RESPONSE_LETTER, options=False).startswith(r"\alpha_i")
    assert [option_letter(s) for s in ("A", "(C)", r"\text{D}", "x", "AB")] == \
        ["A", "C", "D", None, None]
    v = derive.check("ucb-cs182-sp22/7", response=RESPONSE_LETTER)
    assert v.status.value == "equivalent" and v.extracted.startswith(r"\alpha_i")
    wrong = RESPONSE_LETTER.replace(r"\pi \frac{i}{N}", r"2\pi \frac{i}{N}")
    assert derive.check("ucb-cs182-sp22/7", response=wrong).status.value == "not_equivalent"
