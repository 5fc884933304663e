"""Answers typed into a quiz text box (the misses of the eleventh held-out corpus,
bench/heldout11/, issue 10), by family, with examples of our own, right and wrong in the same
spelling: maths in ``$...$``/``\\(...\\)`` segments with prose outside them (the prose is
text, a leading question label is no part of the answer); TeX's ``{a \\over b}``."""
from __future__ import annotations

import pytest

import derive
from derive.notation.lexer import lex

SMOOTHING = "neu-cs7150-f22/6.a"        # p_2 = 0.9
LOGIT = "neu-cs7150-f22/6.b"            # z_2 = ln 9
CONV1 = "stanford-cs230-sp21/3.i.shape"     # 126 x 126 x 64
CONV3 = "stanford-cs230-sp21/3.iii.shape"   # 64 x 64 x 32
CONSTRAINT = "uw-cse493g1-sp23/3.6.1.2"     # a = b / (2 Delta)
DECAY = "neu-cs7150-f22/3.b"            # w_i <- 0.98 w_i
DIST = "uw-cse493g1-sp23/3.2"           # D_E = sqrt(2 - 2 D_C)
COSINE = "ucb-cs182-sp22/7"             # alpha_0/2 (1 + cos(pi i / N))

MATH_SEGMENTS = [
    (SMOOTHING, r"(a) $p_2 = 0.9$", "equivalent"),
    (SMOOTHING, r"(a) $p_2 = 0.8$", "not_equivalent"),
    (SMOOTHING, r"Q12: \(p_2 = 0.9\)", "equivalent"),
    (SMOOTHING, r"Q12: \(p_2 = 0.1\)", "not_equivalent"),
    (SMOOTHING, r"6.a) The optimum is $$p_2 = 0.9$$", "equivalent"),
    (LOGIT, r"(b) $z_2 = \ln 9$", "equivalent"),
    (LOGIT, r"(b) $z_2 = \ln 8$", "not_equivalent"),
    (CONV1, r"Output volume: $126 \times 126 \times 64$", "equivalent"),
    (CONV1, r"Output volume: $124 \times 124 \times 64$", "not_equivalent"),
    (CONV3, r"(iii) shape: $64\times 64\times 32$", "equivalent"),
    (CONV3, r"(iii) shape: $64\times 64\times 31$", "not_equivalent"),
    (CONSTRAINT, r"The constraint is $a = \frac{b}{2\Delta}$.", "equivalent"),
    (CONSTRAINT, r"The constraint is $a = \frac{b}{\Delta}$.", "not_equivalent"),
    (DECAY, r"After one step: $w_i^{\text{new}} = 0.98\,w_i$", "equivalent"),
    (DECAY, r"After one step: $w_i^{\text{new}} = 0.99\,w_i$", "not_equivalent"),
    (DIST, r"$D_E = \sqrt{2 - 2D_C}$ since $\|x-y\|^2 = 2 - 2x^\top y$ for unit vectors",
     "equivalent"),
    (DIST, r"$D_E = \sqrt{2 - D_C}$ since $\|x-y\|^2 = 2 - 2x^\top y$ for unit vectors",
     "not_equivalent"),
    (DIST, r"we get \(D_E = \sqrt{2 - 2D_C}\)", "equivalent"),
]


@pytest.mark.parametrize("qid, latex, status", MATH_SEGMENTS)
def test_prose_outside_math_segments(qid, latex, status):
    v = derive.check(qid, latex)
    assert v.status.value == status, (v.reason, v.message)


def test_prose_outside_math_is_text():
    # the words outside the segments are one \text group, never letters multiplied
    toks = lex(r"$D_E = 1$ since $x = y$ for unit vectors")
    assert [t.text for t in toks if t.kind == "word"] == ["since", "for unit vectors"]


def test_unbalanced_delimiters_are_not_read_as_segments():
    # an odd number of $: nothing is taken for prose, the letters stay maths
    assert [t.text for t in lex(r"a $b")] == ["a", "b"]


def test_a_label_whose_bracket_opens_may_be_maths():
    # without math delimiters "(a) b" is left as written; "6.3)" cannot be maths
    assert [t.text for t in lex(r"(a) b")][:3] == ["(", "a", ")"]
    assert [t.text for t in lex(r"6.3) b")] == ["b"]


OVER = [
    (COSINE, r"{\alpha_0 \over 2}\Big(1+\cos{\pi i \over N}\Big)", "equivalent"),
    (COSINE, r"{\alpha_0 \over 2}\Big(1+\cos{\pi i \over 2N}\Big)", "not_equivalent"),
    (COSINE, r"\frac{\alpha_0}{2}\left(1+\cos{{\pi i}\over{N}}\right)", "equivalent"),
    (SMOOTHING, r"p_2 = {9 \over 10}", "equivalent"),
    (SMOOTHING, r"p_2 = {10 \over 9}", "not_equivalent"),
    (CONSTRAINT, r"a = {b \over 2\Delta}", "equivalent"),
    (CONSTRAINT, r"a = {2b \over \Delta}", "not_equivalent"),
]


@pytest.mark.parametrize("qid, latex, status", OVER)
def test_over_in_a_brace_group(qid, latex, status):
    v = derive.check(qid, latex)
    assert v.status.value == status, (v.reason, v.message)


def test_over_outside_a_group_is_not_read():
    v = derive.check(SMOOTHING, r"p_2 = 9 \over 10")
    assert v.status.value == "invalid", (v.reason, v.message)
