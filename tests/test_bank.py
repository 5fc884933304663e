"""The whole answer bank validates: references against definitions (SymPy and torch),
every accepted form equivalent, every known wrong answer rejected with its reason, every
claim settled and compared with the exam's key. One test per question and per claim, so a
failure names the question."""
from __future__ import annotations

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


@pytest.mark.parametrize("cid", sorted(BANK.claims))
def test_claim_is_settled(cid):
    rec = validate_claim(BANK.claims[cid])
    assert rec.ok, "\n".join(rec.problems)
    assert rec.method in ("proof", "counterexample", "computation")
    assert rec.evidence
