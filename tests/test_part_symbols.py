"""Forms that a part of a tuple question gives one of its symbols (issue 10, "parts named
by which sample"): in stanford-cs230-sp21/5.ii, ``\\sigma(z_d^{L_d})`` (the stem's
``D = \\sigma(z_d^{L_d})``) is ``D(X^i)`` in the part "real" and ``D(G(Z^i))`` in the part
"generated". A part's own forms are read in that part only, the part known by its label or
by its place among unlabelled parts; anywhere else, or where the part cannot be told, the
form is the student's own name (``symbol.foreign``). Then the loader's errors, one per rule.
"""
from __future__ import annotations

import pytest

import derive

Q = "stanford-cs230-sp21/5.ii"


def _check(answer: str, qid: str = Q, bank: str | None = None) -> derive.Verdict:
    return derive.check(qid, answer, bank=bank)


# --- stanford-cs230-sp21/5.ii ------------------------------------------------------------

@pytest.mark.parametrize("answer", [
    # the spelling of the third held-out corpus: parts named by "for <sample>"
    r"\frac{\partial L}{\partial z_d^{L_d}} = \frac{1}{n}\big(1 - \sigma(z_d^{L_d})\big)"
    r" \text{ for } X^i, \qquad -\frac{1}{n}\sigma(z_d^{L_d}) \text{ for } G(Z^i)",
    r"\frac{1}{n}(1 - D), -\frac{1}{n}D",                               # unlabelled, in order
    r"\text{real} = \frac{1}{n}(1 - \sigma(z)), \text{generated} = -\frac{1}{n}\sigma(z)",
    r"\text{generated} = -\frac{1}{n}D(z_d^{L_d}), \text{real} = \frac{1 - D(z_d^{L_d})}{n}",
    r"\text{real}: \frac{1}{n} - \frac{D}{n};\ \text{generated}: -\frac{D}{n}",
    r"\frac{1}{n}(1 - \sigma(z_d^{L_d})),\ -\frac{1}{n}D(G(Z^i))",   # one per-part form
])
def test_the_parts_own_forms_are_read_in_their_part(answer):
    v = _check(answer)
    assert v.status is derive.Status.EQUIVALENT, v.message


@pytest.mark.parametrize("answer", [
    r"\text{real} = -\frac{1}{n}\sigma(z), \text{generated} = \frac{1}{n}(1 - \sigma(z))",
    r"-\frac{1}{n}D, \frac{1}{n}(1 - D)",                               # swapped, in order
    r"-\frac{1}{n}\sigma(z_d^{L_d}) \text{ for } X^i,\ \frac{1}{n}(1 - \sigma(z_d^{L_d}))"
    r" \text{ for } G(Z^i)",
])
def test_swapped_parts_are_wrong(answer):
    v = _check(answer)
    assert v.status is derive.Status.NOT_EQUIVALENT, v.message
    assert v.reason == "tuple.part_mismatch"


@pytest.mark.parametrize("answer", [
    r"\frac{1}{n}(1 - D)",                                   # one part: which one?
    r"\left(\frac{1}{n}(1 - D), -\frac{1}{n}D\right)",       # one bracket holds both
    r"\text{real} = \frac{1}{n}(1 - D), \text{real} = -\frac{1}{n}D",   # a part named twice
    r"\frac{1}{n}(1 - \sigma(z)) \cdot \text{real}, -\frac{1}{n}\sigma(z)",  # a label inside
    r"\frac{1}{n}(1 - \sigma(z)) = \text{real}, -\frac{1}{n}\sigma(z)",  # label after value
])
def test_where_the_part_cannot_be_told_the_form_stays_foreign(answer):
    v = _check(answer)
    assert v.status is derive.Status.NOT_EQUIVALENT
    assert v.reason == "symbol.foreign", v.message


def test_the_question_wide_forms_still_mean_the_same_in_every_part():
    # D(X^i) is the real sample's in the generated part too: a wrong answer, not a merge
    v = _check(r"\text{real} = \frac{1}{n}(1 - D), \text{generated} = -\frac{1}{n}D(X^i)")
    assert v.status is derive.Status.NOT_EQUIVALENT and v.reason == "tuple.part_mismatch"


# --- a bank of one's own ---------------------------------------------------------------

TOML = """\
exam = "x-2"
title = "parts"

[[question]]
id = "x-2/1"
number = "1"
kind = "{kind}"
text = 'For $a$ and $b$, give $a$ and $2b$.'
{reference}
[[question.parts]]
name = "first"
reference = 'a'
asked = ['\\text{{first}}']
{first}

[[question.parts]]
name = "second"
reference = '2b'
asked = ['\\text{{second}}']
{second}

[question.symbols]
a = {{ kind = "scalar", latex = ['a', 'A_0'] }}
b = {{ kind = "scalar", latex = ['b'] }}
"""

FIRST = "symbols = { a = ['u', 'v'] }"     # v: only in the first part
SECOND = "symbols = { b = ['u'] }"


def _bank(tmp_path, first: str = FIRST, second: str = SECOND, kind: str = "tuple",
          reference: str = "") -> str:
    d = tmp_path / "bank"
    d.mkdir(exist_ok=True)
    (d / "x-2.toml").write_text(TOML.format(kind=kind, reference=reference, first=first,
                                            second=second))
    return str(d)


@pytest.mark.parametrize("answer, status", [
    (r"\text{first} = u, \text{second} = 2u", "equivalent"),
    (r"\text{second} = 2u; \text{first} = v", "equivalent"),
    ("u, 2u", "equivalent"),                          # unlabelled, in order
    ("v, 2b", "equivalent"),
    ("2u, u", "not_equivalent"),                      # swapped: 2a, b
    (r"\text{first} = 2u, \text{second} = u", "not_equivalent"),
])
def test_a_banks_part_forms(tmp_path, answer, status):
    v = _check(answer, "x-2/1", _bank(tmp_path))
    assert v.status.value == status, v.message


@pytest.mark.parametrize("answer", [
    r"\text{first} = a, \text{second} = 2v",          # v is the first part's form only
    "a, 2v",
    "(u, 2u)",
])
def test_a_part_form_out_of_its_part_is_foreign(tmp_path, answer):
    v = _check(answer, "x-2/1", _bank(tmp_path))
    assert (v.status.value, v.reason) == ("not_equivalent", "symbol.foreign"), v.message


@pytest.mark.parametrize("first, second, kind, reference, key, words", [
    ("symbols = { c = ['u'] }", SECOND, "tuple", "", "parts[0].symbols.c",
     "not a symbol of this question"),
    (FIRST, SECOND, "expression", "reference = 'a'", "parts[0].symbols",
     "tuple question"),
    ("symbols = { a = ['A_0'] }", SECOND, "tuple", "", "parts[0].symbols.a",
     "already a form of the whole question (of a)"),
    (FIRST, "symbols = { b = ['a'] }", "tuple", "", "parts[1].symbols.b",
     "already a form of the whole question (of a)"),
    (FIRST, "symbols = { b = ['\\text{first}'] }", "tuple", "", "parts[1].symbols.b",
     "an asked name"),
    ("symbols = { a = ['u'], b = ['u'] }", SECOND, "tuple", "", "parts[0].symbols.b",
     "both a and b"),
    ("symbols = ['u']", SECOND, "tuple", "", "parts[0].symbols", "expected a table"),
    ("symbols = { a = [1] }", SECOND, "tuple", "", "parts[0].symbols.a",
     "list of strings"),
])
def test_the_loader_refuses_bad_part_forms(tmp_path, first, second, kind, reference, key,
                                           words):
    d = _bank(tmp_path, first, second, kind, reference)
    with pytest.raises(derive.BankError) as err:
        derive.load_bank(d, builtin=False)
    assert (err.value.question, err.value.key) == ("x-2/1", key), err.value
    assert words in err.value.message and err.value.file.endswith("x-2.toml")
