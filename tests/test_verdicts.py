"""Verdict.to_dict is the JSON contract: exactly what dataclasses.asdict gives, status as
its string (docs/verdicts.md)."""
from __future__ import annotations

import dataclasses

import derive


def test_to_dict_is_asdict_with_the_status_string():
    verdicts = [derive.check("uw-cse493g1-sp23/3.2", r"\sqrt{2-2D_C}"),
                derive.check("uw-cse493g1-sp23/3.2", r"\sqrt{2-D_C}"),        # counterexample
                derive.check("uw-cse493g1-sp23/3.2", r"\sqrt{2-2D_C"),        # position
                derive.check("neu-cs7150-f22/4.x", r"2W(Wx-y)")]              # shape
    assert any(v.counterexample is not None for v in verdicts)
    for v in verdicts:
        expected = dataclasses.asdict(v)
        expected["status"] = v.status.value
        d = v.to_dict()
        assert d == expected
        d["evidence"]["added"] = 1     # a copy: the verdict itself is not changed
        assert "added" not in v.evidence
