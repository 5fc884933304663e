"""The whole answer bank validates: references against definitions (SymPy and torch),
every accepted form equivalent, every known wrong answer rejected with its reason, every
claim settled and compared with the outcome the bank expects. One test per question and per
claim, so a failure names the question. Then a bank folder of one's own: the errors its
TOML and its Python can raise, each naming the file, the line, the question and the key."""
from __future__ import annotations

import re

import pytest

import derive
from derive.judge.check import Options
from derive.validate.run import validate_claim, validate_question

BANK = derive.load_bank()

#: the catalogue's tier-1 ids (../shared/catalogue.md), all of which the bank must hold
TIER1 = """
ucb-cs182-sp22/1 ucb-cs182-sp22/2 ucb-cs182-sp22/3 ucb-cs182-sp22/7 ucb-cs182-sp22/9.beta
ucb-cs182-sp22/9.gamma ucb-cs182-sp22/10 ucb-cs182-sp22/12
uw-cse493g1-sp23/2.5 uw-cse493g1-sp23/3.2 uw-cse493g1-sp23/3.6.1.1 uw-cse493g1-sp23/3.6.1.2
uw-cse493g1-sp23/3.6.2.1 uw-cse493g1-sp23/3.6.2.2
neu-cs7150-f22/3.b neu-cs7150-f22/4.W neu-cs7150-f22/4.x neu-cs7150-f22/5.b neu-cs7150-f22/5.c
neu-cs7150-f22/6.a neu-cs7150-f22/6.b
tum-in2346-ss22/1.3 tum-in2346-ss22/2.3 tum-in2346-ss22/2.4 tum-in2346-ss22/2.8
tum-in2346-ss22/4.3 tum-in2346-ss22/6.1 tum-in2346-ss22/6.2 tum-in2346-ss22/6.3
tum-in2346-ss22/7.3 tum-in2346-ss22/8.7
stanford-cs230-sp21/3.i.shape stanford-cs230-sp21/3.i.params stanford-cs230-sp21/3.ii.shape
stanford-cs230-sp21/3.ii.params stanford-cs230-sp21/3.iii.shape stanford-cs230-sp21/3.iii.params
stanford-cs230-sp21/4.i stanford-cs230-sp21/4.ii stanford-cs230-sp21/5.ii stanford-cs230-sp21/6.1
""".split()

TIER2 = """
ucb-cs182-sp22/18 ucb-cs182-sp22/19 ucb-cs182-sp22/32 ucb-cs182-sp22/24
stanford-cs230-sp21/1.d.iii stanford-cs230-sp21/1.c.iii
neu-cs7150-f22/1.w neu-cs7150-f22/1.x neu-cs7150-f22/1.y
uw-cse493g1-sp23/2.5 uw-cse493g1-sp23/3.6.1.2
""".split()


def test_catalogue_is_covered():
    assert len(TIER1) == 41
    missing = [q for q in TIER1 if q not in BANK.questions]
    assert not missing, f"tier-1 ids missing from the bank: {missing}"


def test_claims_are_covered():
    missing = [c for c in TIER2 if c not in BANK.claims]
    assert not missing, f"tier-2 claims missing from the bank: {missing}"


@pytest.mark.parametrize("qid", sorted(BANK.questions))
def test_question_validates(qid):
    q = BANK.question(qid)
    rec = validate_question(q, Options(seed=0, bank=BANK))
    assert rec.ok, "\n".join(rec.problems)
    assert any(f.role == "accept" for f in rec.forms), "no accepted alternative forms"
    assert any(f.role == "reject" for f in rec.forms), "no known wrong answers"
    if q.definition:
        assert rec.numeric, "a definition, but no numeric comparison was made"
    if _derived(q):
        assert all(e["result"] is True for e in rec.symbolic.values()), rec.symbolic


@pytest.mark.parametrize("cid", sorted(BANK.claims))
def test_claim_is_settled(cid):
    """Settled as the bank expects, with evidence built from what was computed: maths in
    $...$ for the booklet, no Python reprs (``Delta**2*a``, ``True``)."""
    c = BANK.claims[cid]
    assert c.expect is not None
    rec = validate_claim(c)
    assert rec.ok, "\n".join(rec.problems)
    assert rec.method in ("proof", "counterexample", "computation")
    assert "$" in rec.evidence
    assert "**" not in rec.evidence
    assert not re.search(r"\b(True|False|None)\b", rec.evidence), rec.evidence


# --- every reference derived in SymPy from its definition --------------------------------

EXACT = ("count", "shape")


def _derived(q) -> bool:
    return not (q.kind in EXACT or (q.kind == "tuple" and all(p.kind == "count"
                                                               for p in q.parts)))


def test_every_question_that_is_not_a_count_or_shape_has_a_sympy_derivation():
    needing = [q for q in BANK.questions.values() if _derived(q)]
    assert len(needing) == 29
    missing = [q.id for q in needing if q.ground_truth() is None or q.ground_truth().sympy is None]
    assert not missing, f"no SymPy derivation from the definition: {missing}"


@pytest.mark.parametrize("qid", ["stanford-cs230-sp21/4.ii", "uw-cse493g1-sp23/3.6.1.1",
                                 "ucb-cs182-sp22/2"])
def test_piecewise_references_are_derived_region_by_region(qid):
    rec = validate_question(BANK.question(qid), Options(seed=0, bank=BANK))
    entry = rec.symbolic["value"]
    assert entry["result"] is True, entry
    assert "region by region" in entry["method"]
    assert entry["derivation"] and entry["derived"] and entry["reference"]


def test_regions_tell_the_soft_threshold_from_a_wrong_one():
    import sympy as sp

    from derive.validate.regions import equal_by_regions
    w = sp.Symbol("w", real=True)
    h, a = sp.symbols("H alpha", positive=True)
    derived = sp.Piecewise((w - a / h, w - a / h > 0), (w + a / h, w + a / h < 0), (0, True))
    zero = lambda x: sp.simplify(x) == 0  # noqa: E731
    right = equal_by_regions(sp.sign(w) * sp.Max(sp.Abs(w) - a / h, 0) - derived, zero)
    assert right.equal is True and right.regions >= 3
    wrong = equal_by_regions(sp.sign(w) * sp.Max(sp.Abs(w) - a * h, 0) - derived, zero)
    assert wrong.equal is False and "> 0" in wrong.detail


# --- a bank folder of one's own: errors name the file, the line, the question, the key ----

TOML = """exam = "x-1"
title = "t"

[[question]]
id = "x-1/1"
number = "1"
kind = "expression"
text = "d/dx of x^3"
reference = '3x^2'
definition = "x-1/1"
[question.symbols]
x = {{ kind = "scalar" }}
[[question.accept]]
latex = '3 x x'
[[question.reject]]
latex = '3x'
{extra}"""

PY = '''import sympy as sp
import torch
from derive import Settlement, definition, settles


def _cube_sympy(v):
    """SymPy: d/dx x^3."""
    return sp.diff(v["x"] ** 3, v["x"])


@definition("x-1/1", "torch autograd of x^3", sympy={sympy})
def cube(v):
    x = v["x"][:, 0, 0].clone().requires_grad_(True)
    (g,) = torch.autograd.grad((x ** 3).sum(), x)
    return g


@settles("x-1/2")
def settle():
    return Settlement({holds}, "computation", "computed: $1 + 1 = 2$")
'''

CLAIM = """
[[claim]]
id = "x-1/2"
statement = "1 + 1 = 2"
settle = "x-1/2"
"""


def _bank(tmp_path, *, extra: str = "", py: str | None = None, sympy: str = "_cube_sympy",
          holds: str = "True"):
    d = tmp_path / "bank"
    d.mkdir(parents=True, exist_ok=True)
    (d / "x-1.toml").write_text(TOML.format(extra=extra))
    if py is None:
        py = PY.format(sympy=sympy, holds=holds)
    if py:
        (d / "x-1.py").write_text(py)
    return derive.load_bank(d, builtin=False), d


def test_a_bank_of_ones_own_validates(tmp_path):
    bank, _ = _bank(tmp_path, extra=CLAIM + "expect = true\n")
    rec = validate_question(bank.question("x-1/1"), Options(seed=0, bank=bank))
    assert rec.ok, rec.problems
    assert rec.symbolic["value"]["result"] is True
    assert validate_claim(bank.claims["x-1/2"]).ok


def test_a_syntax_error_names_the_file_and_line(tmp_path):
    bank, d = _bank(tmp_path, py="import torch\n\ndef f(:\n    pass\n")
    with pytest.raises(derive.BankError) as err:
        bank.question("x-1/1").ground_truth()
    assert err.value.file == str(d / "x-1.py")
    assert "line 3" in str(err.value) and "not valid Python" in str(err.value)


def test_an_exception_at_import_names_the_file_and_line(tmp_path):
    bank, d = _bank(tmp_path, py="import torch\nx = 1\nraise ValueError('boom')\n")
    with pytest.raises(derive.BankError) as err:
        bank.question("x-1/1").ground_truth()
    assert err.value.file == str(d / "x-1.py")
    assert "line 3" in str(err.value) and "ValueError: boom" in str(err.value)


def test_an_unknown_definition_names_the_toml_the_question_and_the_key(tmp_path):
    bank, d = _bank(tmp_path, py=PY.format(sympy="_cube_sympy", holds="True")
                    .replace('@definition("x-1/1"', '@definition("x-1/one"'))
    with pytest.raises(derive.BankError) as err:
        bank.question("x-1/1").ground_truth()
    e = err.value
    assert (e.file, e.question, e.key) == (str(d / "x-1.toml"), "x-1/1", "definition")
    assert "x-1/one" in e.message and str(d / "x-1.py") in e.message


def test_every_name_is_checked_when_the_code_first_loads(tmp_path):
    """Using the claim's settler checks the question's definition name too."""
    bank, d = _bank(tmp_path, extra=CLAIM + "expect = true\n",
                    py=PY.format(sympy="_cube_sympy", holds="True")
                    .replace('@definition("x-1/1"', '@definition("x-1/one"'))
    with pytest.raises(derive.BankError) as err:
        bank.claims["x-1/2"].settler()
    assert (err.value.question, err.value.key) == ("x-1/1", "definition")


def test_loading_runs_no_code(tmp_path):
    bank, _ = _bank(tmp_path, py="raise SystemExit('imported')\n")
    assert "x-1/1" in bank.questions          # loaded, and the .py never ran


@pytest.mark.parametrize("extra, key", [
    ("[[question.parts]]\nname = 'a'\nreference = '1'\nkind = 'vector'\n", "parts"),
    (CLAIM, "expect"),                                          # no expected outcome
    (CLAIM + "expect = 'yes'\n", "expect"),
    (CLAIM + "exam_key = false\nexpect = true\n", "expect"),    # disagrees, no erratum
    (CLAIM + "expect = true\nerratum = { key = false, ours = true, why = 'w' }\n", "erratum"),
    (CLAIM + "exam_key = false\nerratum = { key = true, ours = false, why = 'w' }\n",
     "erratum"),
    (CLAIM + "exam_key = false\nerratum = { key = false, ours = true }\n", "erratum.why"),
])
def test_the_loader_names_the_key(tmp_path, extra, key):
    if extra.startswith("[[question.parts]]"):
        extra = ""
        d = tmp_path / "bank"
        d.mkdir()
        (d / "x-1.toml").write_text(TOML.format(extra="").replace(
            'kind = "expression"', 'kind = "tuple"').replace(
            "reference = '3x^2'", "[[question.parts]]\nname = 'a'\nreference = '1'\n"
            "kind = 'vector'"))
        with pytest.raises(derive.BankError) as err:
            derive.load_bank(d, builtin=False)
        assert err.value.key.startswith(key) and err.value.question == "x-1/1"
        return
    with pytest.raises(derive.BankError) as err:
        _bank(tmp_path, extra=extra)
    assert err.value.key.startswith(key), err.value
    assert err.value.question == "x-1/2" and err.value.file.endswith("x-1.toml")


def test_a_definition_without_its_py_is_refused_at_load(tmp_path):
    with pytest.raises(derive.BankError) as err:
        _bank(tmp_path, py="")
    assert (err.value.question, err.value.key) == ("x-1/1", "definition")
    assert "x-1.py" in err.value.message


def test_a_question_without_a_sympy_derivation_fails_validation(tmp_path):
    bank, _ = _bank(tmp_path, sympy="None")
    rec = validate_question(bank.question("x-1/1"), Options(seed=0, bank=bank))
    assert not rec.ok
    assert any("no SymPy derivation" in p for p in rec.problems)


def test_a_derivation_that_disagrees_fails_validation(tmp_path):
    bank, _ = _bank(tmp_path, py=PY.format(sympy="_cube_sympy", holds="True").replace(
        'return sp.diff(v["x"] ** 3, v["x"])', 'return 2 * v["x"] ** 2'))
    rec = validate_question(bank.question("x-1/1"), Options(seed=0, bank=bank))
    assert rec.symbolic["value"]["result"] is False
    assert any("SymPy derivation" in p for p in rec.problems)


# --- claims: checked against what the bank expects ------------------------------------------

def test_a_settler_that_finds_the_opposite_fails(tmp_path):
    bank, _ = _bank(tmp_path, extra=CLAIM + "expect = true\n", holds="False")
    rec = validate_claim(bank.claims["x-1/2"])
    assert not rec.ok and "expects true" in rec.problems[0]


def test_the_word_erratum_in_a_note_silences_nothing(tmp_path):
    bank, _ = _bank(tmp_path, extra=CLAIM + "exam_key = true\nnote = 'an erratum'\n",
                    holds="False")
    rec = validate_claim(bank.claims["x-1/2"])
    assert not rec.ok and rec.agrees_with_key is False


def test_a_declared_erratum_is_what_is_expected(tmp_path):
    extra = CLAIM + "exam_key = true\nerratum = { key = true, ours = false, why = 'w' }\n"
    bank, _ = _bank(tmp_path, extra=extra, holds="False")
    rec = validate_claim(bank.claims["x-1/2"])
    assert rec.ok and rec.agrees_with_key is False
    assert rec.erratum == {"key": True, "ours": False, "why": "w"}
    # and derive finding the key's value after all is a failure too
    bank, _ = _bank(tmp_path / "again", extra=extra, holds="True")
    assert not validate_claim(bank.claims["x-1/2"]).ok


def test_an_erratum_on_some_options_of_a_table(tmp_path):
    extra = CLAIM + ("exam_key = { A = true, B = true }\n"
                     "erratum = { key = { B = true }, ours = { B = false }, why = 'w' }\n")
    bank, _ = _bank(tmp_path, extra=extra, py=PY.format(sympy="_cube_sympy",
                                                        holds="{'A': True, 'B': False}"))
    claim = bank.claims["x-1/2"]
    assert claim.expect == {"A": True, "B": False}
    assert validate_claim(claim).ok


def test_explicit_is_for_an_equation_question_only(tmp_path):
    d = tmp_path / "bank"
    d.mkdir()
    (d / "x-1.toml").write_text(TOML.format(extra="").replace(
        "definition = \"x-1/1\"", "definition = \"x-1/1\"\nexplicit = true"))
    with pytest.raises(derive.BankError) as err:
        derive.load_bank(d, builtin=False)
    assert (err.value.question, err.value.key) == ("x-1/1", "explicit")
