"""What derive grade hands an instructor: the scores CSV (bank points, a rubric's part
credit), the HTML report (checked in a real browser when Chromium is installed)."""
from __future__ import annotations

import csv
import json
import shutil
import subprocess
from pathlib import Path

import pytest

import derive
from derive.cli import main
from derive.grade.report import render
from derive.grade.scores import Rubric, RubricError, load_rubric, score_sheet

DIST = "uw-cse493g1-sp23/3.2"           # 3 points in the bank
JACOBIAN = "ucb-cs182-sp22/1"           # 1 point
PAIR = "tum-in2346-ss22/6.3"            # a tuple question: dL/dw11 = 1.5, w11* = -0.65


@pytest.fixture(scope="module")
def bank():
    return derive.load_bank()


def verdict(status, reason, misconception=None, **kw):
    return {"status": status, "reason": reason, "misconception": misconception, **kw}


# --- points and rubrics --------------------------------------------------------------------

def test_points_come_from_the_bank(bank):
    r = Rubric()
    q = bank.question(DIST)
    assert q.points == 3
    assert r.score(q, verdict("equivalent", "symbolic.proven")) == 3
    assert r.score(q, verdict("not_equivalent", "chain.false_link")) == 0
    assert r.score(q, {"error": "crashed"}) == 0
    no_points = next(q for q in bank.questions.values() if q.points is None)
    assert r.points(no_points) == 1.0


def write_rubric(tmp_path: Path, text: str) -> str:
    p = tmp_path / "rubric.toml"
    p.write_text(text, encoding="utf-8")
    return str(p)


def test_a_rubric_gives_points_and_part_credit(bank, tmp_path):
    q = bank.question(DIST)
    label = q.reject[0].label
    pair = bank.question(PAIR)
    a, b = (p.name for p in pair.parts)
    r = load_rubric(write_rubric(tmp_path, f"""
default_points = 2

[[credit]]
reason = "chain.false_link"
fraction = 0.5

[question."{DIST}"]
points = 4

[[question."{DIST}".credit]]
misconception = "{label}"
fraction = 0.25

[question."{PAIR}"]
parts = {{ "{a}" = 1, "{b}" = 3 }}
"""), bank)
    assert r.points(q) == 4
    assert r.score(q, verdict("not_equivalent", "chain.false_link")) == 2    # 0.5 of 4
    assert r.score(q, verdict("not_equivalent", "misconception.match", label)) == 1
    assert r.score(q, verdict("not_equivalent", "numeric.mismatch")) == 0
    assert r.points(pair) == 4
    one_part_right = verdict("not_equivalent", "tuple.part_mismatch", evidence={"parts": {
        a: verdict("not_equivalent", "exact.mismatch"), b: verdict("equivalent", "exact.match")}})
    assert r.score(pair, one_part_right) == 3
    assert r.points(bank.question("neu-cs7150-f22/5.b")) == 2                # default_points


@pytest.mark.parametrize("text, says", [
    ('colour = "red"', "unknown key colour"),
    ('[question."nope/1"]\npoints = 1', "nope/1"),
    ('[[credit]]\nreason = "no.such"\nfraction = 0.5', "unknown reason code 'no.such'"),
    ('[[credit]]\nreason = "chain.false_link"\nfraction = 1.5', "between 0 and 1"),
    ('[[credit]]\nfraction = 0.5', "say what the rule matches"),
    (f'[[question."{DIST}".credit]]\nmisconception = "nope"\nfraction = 0.5', "labelled 'nope'"),
    (f'[question."{PAIR}"]\nparts = {{ nope = 1 }}', "has no part 'nope'"),
    ("points = [", "not TOML"),
])
def test_a_bad_rubric_names_its_file_and_key(bank, tmp_path, text, says):
    path = write_rubric(tmp_path, text)
    with pytest.raises(RubricError) as exc:
        load_rubric(path, bank)
    assert path in str(exc.value) and says in str(exc.value)


def test_the_cli_refuses_a_bad_rubric_before_grading(tmp_path, capsys):
    src = tmp_path / "in.jsonl"
    src.write_text(json.dumps({"question": DIST, "answer": "x"}) + "\n")
    assert main(["grade", str(src), "--rubric", write_rubric(tmp_path, "x = 1")]) == 2
    assert "unknown key x" in capsys.readouterr().err


# --- the class: CSV and report ----------------------------------------------------------------

CLASS = [
    ("ann", DIST, r"\sqrt{2-2D_C}"), ("ann", JACOBIAN,
                                      r"\frac{n}{(\sum_i x_i)^2}(I_n \sum_i x_i - x 1_n^T)"),
    ("bob", DIST, r"1 - D_C"), ("bob", JACOBIAN, r"\frac{n}{\sum_i x_i} I_n"),
    ("cy", DIST, r"\sqrt{2}(1-D_C) = \sqrt{2-2D_C}"), ("cy", JACOBIAN, r"\frac{1}{"),
    ("dee", DIST, r"1 - D_C"),
]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("class")
    src = tmp / "class.jsonl"
    src.write_text("".join(json.dumps({"student": s, "question": q, "answer": a}) + "\n"
                           for s, q, a in CLASS), encoding="utf-8")
    rubric = write_rubric(tmp, '[[credit]]\nreason = "chain.false_link"\nfraction = 0.5\n')
    code = main(["grade", str(src), "-o", str(tmp / "v.jsonl"), "--csv", str(tmp / "s.csv"),
                 "--report", str(tmp / "r.html"), "--rubric", rubric, "-q"])
    return tmp, code


def test_csv_has_one_row_per_student_with_points_and_total(graded):
    tmp, code = graded
    assert code == 0
    rows = list(csv.reader((tmp / "s.csv").open(encoding="utf-8")))
    assert rows[0] == ["student", JACOBIAN, DIST, "total", "max"]
    by = {r[0]: r[1:] for r in rows[1:]}
    assert list(by) == ["ann", "bob", "cy", "dee"]
    assert by["ann"] == ["1", "3", "4", "4"]
    assert by["bob"] == ["0", "0", "0", "4"]
    assert by["cy"] == ["0", "1.5", "1.5", "4"]     # a false step: half of 3 (the rubric)
    assert by["dee"] == ["", "0", "0", "4"]          # no answer to the Jacobian: empty


def test_score_sheet_counts_repeated_answers(bank):
    recs = [{"student": "a", "question": DIST, "status": "equivalent", "reason": "exact.match"},
            {"student": "a", "question": DIST, "status": "not_equivalent", "reason": "x"}]
    sheet = score_sheet(recs, bank, Rubric())
    assert sheet.repeated == 1 and sheet.total("a") == 0   # the last line counts


def test_report_summarises_each_question(graded, bank):
    tmp, _ = graded
    page = (tmp / "r.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page
    assert "<script" not in page and "http" not in page.replace(
        "http://www.w3.org/2000/svg", "")                      # self-contained, offline
    records = [json.loads(x) for x in (tmp / "v.jsonl").read_text().splitlines()]
    label = next(r["misconception"] for r in records if r["answer"] == "1 - D_C")
    assert label and f"<b>{label}</b>" in page and "1 - D_C" in page  # the mistake, examples
    assert "chain.false_link" in page and "parse.unbalanced_braces" in page
    assert "7 answers to 2 questions" in page


def test_report_escapes_what_students_wrote(bank):
    rec = {"question": DIST, "status": "not_equivalent", "reason": "numeric.mismatch",
           "answer": "<script>alert(1)</script>", "misconception": None}
    page = render([rec], bank, Rubric())
    assert "<script>" not in page and "&lt;script&gt;" in page


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(CHROMIUM is None, reason="needs Chromium (Debian: apt-get install chromium)")
def test_report_renders_in_a_real_browser(graded):
    tmp, _ = graded
    page = (tmp / "r.html").resolve().as_uri()
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             f"--user-data-dir={tmp / 'profile'}"]
    dom = subprocess.run(flags + ["--dump-dom", page], capture_output=True, text=True,
                         timeout=120)
    assert dom.returncode == 0, dom.stderr[-1000:]
    assert "derive grade report" in dom.stdout and f"id=\"{DIST}\"" in dom.stdout
    assert dom.stdout.count("<rect") >= 4          # the chart's bars survived parsing
    shot = tmp / "report.png"
    run = subprocess.run(flags + [f"--screenshot={shot}", "--window-size=1100,1400", page],
                         capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr[-1000:]
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000   # a drawn page, not blank
