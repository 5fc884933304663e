"""Points: from the bank, overridden and given part credit by a rubric (TOML).

A question is worth its bank ``points`` (the rubric's ``default_points``, 1 unless set,
when the bank gives none). An ``equivalent`` verdict earns them all; any other verdict earns
the largest ``fraction`` of the rubric's credit rules that match it (0 when none does). A
rule matches on any of ``reason`` (a reason code: ``chain.false_link`` is a right final
value with a false step), ``misconception`` (the label of one of the question's known wrong
answers, as the verdict names it) and ``status``; all the keys a rule gives must match. A
tuple question's points are split between its parts (equally, or as the rubric says) and
each part is scored on its own verdict, so one right part of two earns half.

Rubric file (every key optional; unknown keys, questions, parts, reason codes and labels
are errors that name the file and the key)::

    default_points = 1

    [[credit]]                               # rules for every question
    reason = "chain.false_link"
    fraction = 0.5

    [question."uw-cse493g1-sp23/3.2"]
    points = 4                               # instead of the bank's

    [[question."uw-cse493g1-sp23/3.2".credit]]
    misconception = "sign slip"              # a label of one of its known wrong answers
    fraction = 0.25

    [question."tum-in2346-ss22/6.3"]
    parts = { "dL/dw11" = 1, "w11" = 2 }     # points of each part
"""
from __future__ import annotations

import csv
import tomllib
from dataclasses import dataclass, field
from typing import IO, Any, Iterable

from ..bank.loader import Bank, Question
from ..errors import DeriveError
from ..judge.verdict import REASONS, Status

STATUSES = tuple(s.value for s in Status)


class RubricError(DeriveError):
    """A rubric file is malformed: the message names the file and the key."""


@dataclass(frozen=True)
class Credit:
    fraction: float
    reason: str | None = None
    misconception: str | None = None
    status: str | None = None

    def matches(self, v: dict[str, Any]) -> bool:
        return ((self.reason is None or v.get("reason") == self.reason)
                and (self.misconception is None or v.get("misconception") == self.misconception)
                and (self.status is None or v.get("status") == self.status))


@dataclass(frozen=True)
class QuestionRule:
    points: float | None = None
    parts: dict[str, float] = field(default_factory=dict)
    credit: tuple[Credit, ...] = ()


@dataclass(frozen=True)
class Rubric:
    default_points: float = 1.0
    credit: tuple[Credit, ...] = ()
    questions: dict[str, QuestionRule] = field(default_factory=dict)
    file: str = ""

    def points(self, q: Question) -> float:
        rule = self.questions.get(q.id)
        if rule is not None and rule.points is not None:
            return rule.points
        if rule is not None and rule.parts:
            return float(sum(rule.parts.values()))
        return float(q.points) if q.points is not None else self.default_points

    def part_points(self, q: Question) -> dict[str, float]:
        """Points of each part of a tuple question (equal shares unless the rubric says)."""
        rule = self.questions.get(q.id)
        if rule is not None and rule.parts:
            return dict(rule.parts)
        names = [p.name for p in q.parts]
        total = self.points(q)
        return {n: total / len(names) for n in names} if names else {}

    def _fraction(self, q: Question, v: dict[str, Any]) -> float:
        if v.get("status") == Status.EQUIVALENT.value:
            return 1.0
        rule = self.questions.get(q.id)
        rules = (rule.credit if rule else ()) + self.credit
        return max((c.fraction for c in rules if c.matches(v)), default=0.0)

    def score(self, q: Question, v: dict[str, Any]) -> float:
        """The points ``v`` (a verdict's JSON dict) earns on question ``q``."""
        if "status" not in v:
            return 0.0
        whole = self._fraction(q, v) * self.points(q)
        parts = (v.get("evidence") or {}).get("parts")
        if q.parts and isinstance(parts, dict) and v.get("status") != Status.EQUIVALENT.value:
            shares = self.part_points(q)
            by_part = sum(shares.get(name, 0.0) * self._fraction(q, pv)
                          for name, pv in parts.items() if isinstance(pv, dict))
            return max(whole, by_part)
        return whole


def load_rubric(path: str | None, bank: Bank) -> Rubric:
    """The rubric in ``path`` (TOML), checked against ``bank``; the bank's points when None."""
    if path is None:
        return Rubric()
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise RubricError(f"{path}: cannot read the rubric ({exc.strerror})") from None
    except tomllib.TOMLDecodeError as exc:
        raise RubricError(f"{path}: not TOML: {exc}") from None
    _keys(data, {"default_points", "credit", "question"}, path, "")
    default = _number(data.get("default_points", 1.0), path, "default_points")
    labels = {f.label for q in bank.questions.values() for f in q.reject if f.label}
    credit = tuple(_credit(c, path, f"credit[{k}]", labels)
                   for k, c in enumerate(_list(data.get("credit", []), path, "credit")))
    questions = {}
    table = data.get("question", {})
    if not isinstance(table, dict):
        raise RubricError(f"{path}: 'question' must be a table of question ids")
    for qid, d in table.items():
        where = f'question."{qid}"'
        if qid not in bank.questions:
            raise RubricError(f"{path}: {where}: no such question in the bank")
        q = bank.questions[qid]
        if not isinstance(d, dict):
            raise RubricError(f"{path}: {where} must be a table")
        _keys(d, {"points", "parts", "credit"}, path, where + ".")
        points = _number(d["points"], path, where + ".points") if "points" in d else None
        parts = {}
        if "parts" in d:
            names = {p.name for p in q.parts}
            if not isinstance(d["parts"], dict):
                raise RubricError(f"{path}: {where}.parts must be a table of part points")
            for name, pts in d["parts"].items():
                if name not in names:
                    raise RubricError(f"{path}: {where}.parts.{name}: the question has no part "
                                      f"{name!r} (parts: {', '.join(sorted(names)) or 'none'})")
                parts[name] = _number(pts, path, f"{where}.parts.{name}")
        own = {f.label for f in q.reject if f.label}
        rules = tuple(_credit(c, path, f"{where}.credit[{k}]", own)
                      for k, c in enumerate(_list(d.get("credit", []), path, where + ".credit")))
        questions[qid] = QuestionRule(points, parts, rules)
    return Rubric(default, credit, questions, str(path))


def _keys(d: dict, allowed: set[str], path: str, where: str) -> None:
    for k in d:
        if k not in allowed:
            raise RubricError(f"{path}: unknown key {where}{k} (allowed: "
                              f"{', '.join(sorted(allowed))})")


def _list(v: Any, path: str, where: str) -> list:
    if not isinstance(v, list) or not all(isinstance(x, dict) for x in v):
        raise RubricError(f"{path}: {where} must be an array of tables ([[{where}]])")
    return v


def _number(v: Any, path: str, where: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0:
        raise RubricError(f"{path}: {where} must be a number >= 0, not {v!r}")
    return float(v)


def _credit(c: dict, path: str, where: str, labels: set[str]) -> Credit:
    _keys(c, {"fraction", "reason", "misconception", "status"}, path, where + ".")
    if "fraction" not in c:
        raise RubricError(f"{path}: {where}: a credit rule needs a fraction")
    frac = _number(c["fraction"], path, where + ".fraction")
    if frac > 1:
        raise RubricError(f"{path}: {where}.fraction must be between 0 and 1, not {frac:g}")
    if not any(k in c for k in ("reason", "misconception", "status")):
        raise RubricError(f"{path}: {where}: say what the rule matches (reason, "
                          f"misconception or status)")
    reason, mis, status = c.get("reason"), c.get("misconception"), c.get("status")
    if reason is not None and reason not in REASONS:
        raise RubricError(f"{path}: {where}.reason: unknown reason code {reason!r} "
                          f"(docs/verdicts.md lists them)")
    if status is not None and status not in STATUSES:
        raise RubricError(f"{path}: {where}.status must be one of {', '.join(STATUSES)}")
    if mis is not None and mis not in labels:
        raise RubricError(f"{path}: {where}.misconception: no known wrong answer is labelled "
                          f"{mis!r} (known: {', '.join(sorted(labels)) or 'none'})")
    return Credit(frac, reason, mis, status)


# --- the score sheet --------------------------------------------------------------------

@dataclass
class Sheet:
    """Points per student and question (input order), and what was odd on the way."""

    questions: list[Question]
    students: list[str]
    points: dict[tuple[str, str], float]
    maximum: dict[str, float]
    repeated: int = 0          # a student answered a question twice: the last line counts

    def total(self, student: str) -> float:
        return sum(self.points.get((student, q.id), 0.0) for q in self.questions)


def score_sheet(records: Iterable[dict[str, Any]], bank: Bank, rubric: Rubric,
                student_field: str = "student") -> Sheet:
    order = {qid: k for k, qid in enumerate(bank.questions)}
    students: dict[str, None] = {}
    seen_q: dict[str, Question] = {}
    points: dict[tuple[str, str], float] = {}
    repeated = 0
    for rec in records:
        qid = rec.get("question")
        if qid not in bank.questions:
            continue
        q = bank.questions[qid]
        who = rec.get(student_field)
        who = "" if who is None else str(who)
        students.setdefault(who, None)
        seen_q[qid] = q
        if (who, qid) in points:
            repeated += 1
        points[(who, qid)] = rubric.score(q, rec)
    qs = sorted(seen_q.values(), key=lambda q: order.get(q.id, 0))
    return Sheet(qs, list(students), points, {q.id: rubric.points(q) for q in qs}, repeated)


def write_csv(sheet: Sheet, fh: IO[str], student_field: str = "student") -> None:
    """One row per student: each question's points (empty: no answer) and the total."""
    w = csv.writer(fh, lineterminator="\n")
    w.writerow([student_field, *(q.id for q in sheet.questions), "total", "max"])
    top = sum(sheet.maximum.values())
    for s in sheet.students:
        row = [s]
        for q in sheet.questions:
            p = sheet.points.get((s, q.id))
            row.append("" if p is None else _num(p))
        w.writerow([*row, _num(sheet.total(s)), _num(top)])


def _num(x: float) -> str:
    return f"{x:.4f}".rstrip("0").rstrip(".") if x != int(x) else str(int(x))
