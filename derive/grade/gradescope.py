"""``derive gradescope``: derive as a Gradescope autograder (docs/grading.md).

Gradescope runs ``/autograder/run_autograder`` in a container with the student's files in
``/autograder/submission/`` and reads ``/autograder/results/results.json``. The submission is
``answers.json``: an object from question id to the answer's LaTeX, or to
``{"response": ...}`` (a whole worked answer, from which the final answer is extracted) or
``{"answer": ...}``. Every question of ``--exam`` (or, without it, every question the
submission names) is one test, scored with the bank's points or a rubric; a question left
out scores 0. A submission that cannot be read still gets a results.json that says why:
the autograder never ends without one.
"""
from __future__ import annotations

import io
import json
import os
import time
from pathlib import Path
from typing import Any

from ..bank.loader import Bank, Question
from .engine import Run
from .scores import Rubric, load_rubric
from .work import Settings

SUBMISSION = "/autograder/submission"
RESULTS = "/autograder/results/results.json"
ANSWERS = "answers.json"


def _read_submission(folder: str) -> tuple[dict[str, Any] | None, str]:
    path = Path(folder) / ANSWERS
    try:
        raw = path.read_bytes()
    except OSError as exc:
        return None, f"No {ANSWERS} was found in the submission ({exc.strerror}). Submit a " \
                     f"file named {ANSWERS}: an object from question id to your LaTeX answer."
    try:
        data = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        return None, f"{ANSWERS} is not valid JSON ({exc})."
    if not isinstance(data, dict):
        return None, f"{ANSWERS} must be a JSON object from question id to answer, not a " \
                     f"{type(data).__name__}."
    return data, ""


def _line(qid: str, value: Any) -> dict[str, Any] | str:
    """The grading input line of one submitted answer, or why it cannot be graded."""
    if isinstance(value, str):
        return {"question": qid, "answer": value}
    if isinstance(value, dict):
        for key in ("answer", "response"):
            if isinstance(value.get(key), str):
                return {"question": qid, key: value[key]}
    return ('the answer must be LaTeX text, or an object with "response" (or "answer") '
            "text")


def _output(rec: dict[str, Any]) -> str:
    lines = [f"{rec['status'].replace('_', ' ')} ({rec['reason']}): {rec['message']}"]
    if rec.get("extracted"):
        lines.append(f"answer read from your response: {rec.get('answer', '')}")
    ce = rec.get("counterexample")
    if ce:
        lines.append(f"counterexample (seed {ce['seed']}): at {json.dumps(ce['point'])[:300]}"
                     f"\n  expected {json.dumps(ce['expected'])[:200]}"
                     f"\n  got      {json.dumps(ce['got'])[:200]}")
    if rec.get("position") is not None:
        text = rec.get("answer", "")
        lines.append(f"  {text}\n  {' ' * int(rec['position'])}^")
    return "\n".join(lines)


def _questions(bank: Bank, exam: str | None, submitted: dict[str, Any]) -> list[Question]:
    if exam is not None:
        return list(bank.exams[exam].questions) if exam in bank.exams else \
            [bank.question(exam)]  # one question id: UnknownQuestion names it
    return [bank.questions[q] for q in submitted if q in bank.questions]


def autograde(bank: Bank, *, submission: str = SUBMISSION, results: str = RESULTS,
              exam: str | None = None, rubric_path: str | None = None,
              settings: Settings | None = None, visibility: str = "visible") -> dict[str, Any]:
    """Grade ``submission/answers.json`` and write Gradescope's ``results.json``."""
    t0 = time.perf_counter()
    rubric: Rubric = load_rubric(rubric_path, bank)
    settings = settings or Settings(bank.dirs)
    data, problem = _read_submission(submission)
    questions = _questions(bank, exam, data or {})
    tests: list[dict[str, Any]] = []
    out: dict[str, Any] = {"visibility": visibility, "stdout_visibility": "hidden"}
    if data is None:
        out.update(score=0.0, output=problem, tests=[
            {"name": q.id, "number": q.number, "score": 0.0, "max_score": rubric.points(q),
             "output": "not graded: the submission could not be read", "visibility": visibility}
            for q in questions])
        return _write(out, results, t0, rubric, questions)
    lines, unreadable = [], {}
    for qid, value in data.items():
        line = _line(qid, value)
        if isinstance(line, str):
            unreadable[qid] = line
        elif qid in bank.questions:
            lines.append(line)
    got: dict[str, dict[str, Any]] = {}
    source = io.BytesIO("".join(json.dumps(x) + "\n" for x in lines).encode("utf-8"))
    Run(source, bank, settings, stream=io.StringIO(), jobs=1,
        on_record=lambda r, rec: got.__setitem__(r.question.id, rec)).execute()
    for q in questions:
        top = rubric.points(q)
        rec = got.get(q.id)
        if rec is not None and "status" in rec:
            score, text = rubric.score(q, rec), _output(rec)
        elif rec is not None:
            score, text = 0.0, f"derive could not check this answer ({rec.get('error')}); " \
                               f"please ask your instructor to grade it by hand"
        elif q.id in unreadable:
            score, text = 0.0, unreadable[q.id]
        else:
            score, text = 0.0, "no answer submitted for this question"
        tests.append({"name": q.id, "number": q.number, "score": round(score, 6),
                      "max_score": top, "output": text, "visibility": visibility})
    extra = [q for q in data if q not in bank.questions]
    note = (f"These entries of {ANSWERS} are not questions of this assignment and were not "
            f"graded: {', '.join(map(str, extra))}" if extra else "")
    out.update(score=round(sum(t["score"] for t in tests), 6), tests=tests)
    if note:
        out["output"] = note
    return _write(out, results, t0, rubric, questions)


def _write(out: dict[str, Any], path: str, t0: float, rubric: Rubric,
           questions: list[Question]) -> dict[str, Any]:
    out["execution_time"] = round(time.perf_counter() - t0, 3)
    max_score = sum(rubric.points(q) for q in questions)
    folder = os.path.dirname(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as fh:
        json.dump(out, fh, indent=1)
    os.replace(tmp, path)
    return dict(out, max_score=max_score)
