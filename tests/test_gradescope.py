"""derive gradescope: a submission folder in, Gradescope's results.json out (its
documented fields), also when the submission cannot be read."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import derive
from derive.cli import main

ROOT = Path(__file__).resolve().parent.parent
EXAM = "uw-cse493g1-sp23"
DIST = "uw-cse493g1-sp23/3.2"


def valid_results(data: dict) -> None:
    """The fields Gradescope reads (its autograder specification)."""
    assert isinstance(data["score"], (int, float))
    assert data["visibility"] in ("visible", "hidden", "after_due_date", "after_published")
    assert isinstance(data["tests"], list)
    for t in data["tests"]:
        assert set(t) >= {"name", "score", "max_score", "output", "visibility"}
        assert isinstance(t["name"], str) and isinstance(t["output"], str)
        assert 0 <= t["score"] <= t["max_score"]
    assert abs(data["score"] - sum(t["score"] for t in data["tests"])) < 1e-9


def submit(tmp_path: Path, answers) -> Path:
    sub = tmp_path / "submission"
    sub.mkdir()
    text = answers if isinstance(answers, (str, bytes)) else json.dumps(answers)
    (sub / "answers.json").write_bytes(text.encode() if isinstance(text, str) else text)
    return sub


def test_a_submission_is_graded_question_by_question(tmp_path, capsys):
    bank = derive.load_bank()
    qs = bank.exams[EXAM].questions
    sub = submit(tmp_path, {
        DIST: r"\sqrt{2-2D_C}",
        "uw-cse493g1-sp23/3.6.1.2": {"response": r"Matching slopes at the kink, $b = 2a\Delta$."},
        "uw-cse493g1-sp23/2.5": r"\frac{e^{s_k}}{\sum_j e^{s_j}} - \mathbb{1}[k=y]",
        "uw-cse493g1-sp23/3.6.2.1": {"answer": r"\frac{1}{"},
        "not-a/question": "1",
    })
    res = tmp_path / "results" / "results.json"
    assert main(["gradescope", "--submission", str(sub), "--results", str(res),
                 "--exam", EXAM]) == 0
    data = json.loads(res.read_text())
    valid_results(data)
    tests = {t["name"]: t for t in data["tests"]}
    assert list(tests) == [q.id for q in qs]          # every question of the exam, in order
    assert tests[DIST]["score"] == tests[DIST]["max_score"] == 3
    eq = tests["uw-cse493g1-sp23/3.6.1.2"]
    assert eq["score"] == eq["max_score"] and "read from your response" in eq["output"]
    wrong = tests["uw-cse493g1-sp23/2.5"]
    assert wrong["score"] == 0 and "not equivalent" in wrong["output"]
    bad = tests["uw-cse493g1-sp23/3.6.2.1"]
    assert bad["score"] == 0 and "^" in bad["output"]     # the caret under the fault
    missing = [t for t in tests.values() if t["output"] == "no answer submitted for this question"]
    assert len(missing) == len(qs) - 4
    assert "not-a/question" in data["output"]
    assert data["score"] == 3 + eq["max_score"]
    assert "results written to" in capsys.readouterr().err


@pytest.mark.parametrize("content, says", [
    (None, "No answers.json"),
    ("{not json", "not valid JSON"),
    ('["a list"]', "must be a JSON object"),
])
def test_an_unreadable_submission_still_gets_results(tmp_path, content, says):
    if content is None:
        (tmp_path / "submission").mkdir()
        sub = tmp_path / "submission"
    else:
        sub = submit(tmp_path, content)
    res = tmp_path / "results.json"
    assert main(["gradescope", "--submission", str(sub), "--results", str(res),
                 "--exam", EXAM]) == 0
    data = json.loads(res.read_text())
    valid_results(data)
    assert data["score"] == 0 and says in data["output"]
    assert len(data["tests"]) == len(derive.load_bank().exams[EXAM].questions)


def test_without_an_exam_the_submitted_questions_are_the_tests(tmp_path):
    sub = submit(tmp_path, {DIST: r"1 - D_C"})
    res = tmp_path / "results.json"
    out = subprocess.run([sys.executable, "-m", "derive", "gradescope", "--submission", str(sub),
                          "--results", str(res)], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    data = json.loads(res.read_text())
    valid_results(data)
    assert [t["name"] for t in data["tests"]] == [DIST]
    assert data["tests"][0]["score"] == 0 and "cosine distance" in data["tests"][0]["output"]
