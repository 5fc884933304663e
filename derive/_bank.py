"""The answer bank: one TOML file per exam in ``answers/``, loaded as data.

Nothing in a bank file is executed. Code a question needs (a definition to
differentiate with autograd, a claim to settle) is named by a string and
looked up in a registry inside the package (:mod:`derive._definitions`).
The format is documented in docs/bank-format.md; :func:`load_bank` rejects
unknown keys and missing ones with the file, the question id and the key.
"""
from __future__ import annotations

import functools
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._errors import BankError, UnknownQuestion
from ._symbols import Context, SymbolSpec

ANSWER_KINDS = ("expression", "equation", "tuple", "count", "shape")


@dataclass(frozen=True)
class Form:
    """An accepted alternative, or a known wrong answer with its misconception."""

    latex: str
    label: str | None = None
    misconception: str | None = None
    feedback: str | None = None
    reason: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Part:
    """One labelled part of a tuple answer (``\\hat y_1 = 2, \\hat y_2 = 0``)."""

    name: str
    reference: str
    asked: tuple[str, ...] = ()
    kind: str = "expression"


@dataclass(frozen=True)
class Question:
    id: str
    exam: str
    number: str
    kind: str
    text: str
    reference: str
    symbols: tuple[SymbolSpec, ...] = ()
    asked: tuple[str, ...] = ()
    points: float | None = None
    definition: str | None = None
    target: str | None = None
    parts: tuple[Part, ...] = ()
    avoid_zero: tuple[str, ...] = ()
    accept: tuple[Form, ...] = ()
    reject: tuple[Form, ...] = ()
    solution: str = ""
    errata: tuple[str, ...] = ()
    verify: str = ""
    file: str = ""

    @functools.cached_property
    def context(self) -> Context:
        asked = {"": self.asked} if self.asked else {}
        for p in self.parts:
            asked[p.name] = p.asked
        try:
            return Context(list(self.symbols), asked=asked)
        except ValueError as exc:
            raise BankError(str(exc), file=self.file, question=self.id, key="symbols") from None

    def __hash__(self) -> int:
        return hash(self.id)


@dataclass(frozen=True)
class Claim:
    """A tier-2 statement that derive settles by proof or counterexample."""

    id: str
    exam: str
    statement: str
    settle: str
    exam_key: Any = None
    note: str = ""
    file: str = ""


@dataclass(frozen=True)
class Exam:
    id: str
    title: str
    source: str = ""
    key: str = ""
    questions: tuple[Question, ...] = ()
    claims: tuple[Claim, ...] = ()
    errata: tuple[str, ...] = ()   # errata about parts of the exam that are not questions here


@dataclass
class Bank:
    exams: dict[str, Exam] = field(default_factory=dict)

    @functools.cached_property
    def questions(self) -> dict[str, Question]:
        return {q.id: q for e in self.exams.values() for q in e.questions}

    @functools.cached_property
    def claims(self) -> dict[str, Claim]:
        return {c.id: c for e in self.exams.values() for c in e.claims}

    def question(self, qid: str) -> Question:
        try:
            return self.questions[qid]
        except KeyError:
            close = [q for q in self.questions if q.startswith(qid.split("/")[0])]
            hint = f"; this exam has {', '.join(close[:8])}" if close else ""
            raise UnknownQuestion(f"no question {qid!r} in the bank{hint}") from None

    def select(self, what: str | None) -> list[Question]:
        """All questions, one exam's, or one question."""
        if not what:
            return list(self.questions.values())
        if what in self.exams:
            return list(self.exams[what].questions)
        return [self.question(what)]


# --- loading ------------------------------------------------------------------------

_EXAM_KEYS = {"exam", "title", "source", "key", "question", "claim", "errata"}
_Q_REQUIRED = {"id", "number", "kind", "text"}
_Q_KEYS = _Q_REQUIRED | {"reference", "symbols", "asked", "points", "definition", "target",
                         "parts", "avoid_zero", "accept", "reject", "solution", "errata",
                         "verify"}
_SYM_KEYS = {"kind", "shape", "domain", "range", "latex", "value", "define", "index", "of",
             "torch"}
_FORM_KEYS = {"latex", "label", "misconception", "feedback", "reason", "note"}
_PART_KEYS = {"name", "reference", "asked", "kind"}
_CLAIM_KEYS = {"id", "statement", "settle", "exam_key", "note"}


def bank_dir() -> Path:
    """Where the bank lives: $DERIVE_BANK, the checkout's answers/, or the installed copy."""
    env = os.environ.get("DERIVE_BANK")
    if env:
        return Path(env)
    here = Path(__file__).resolve().parent
    for cand in (here.parent / "answers", here / "answers"):
        if cand.is_dir():
            return cand
    raise BankError("cannot find the answer bank (set DERIVE_BANK)", file=str(here))


@functools.lru_cache(maxsize=4)
def load_bank(directory: str | Path | None = None) -> Bank:
    """Load every ``*.toml`` in the bank directory."""
    root = Path(directory) if directory else bank_dir()
    bank = Bank()
    for path in sorted(root.glob("*.toml")):
        exam = load_exam(path)
        bank.exams[exam.id] = exam
    return bank


def load_exam(path: Path) -> Exam:
    f = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise BankError(f"not valid TOML: {exc}", file=f) from None
    _keys(data, _EXAM_KEYS, {"exam", "title"}, f, None, "")
    exam_id = data["exam"]
    if path.stem != exam_id:
        raise BankError(f"file name must be {exam_id}.toml", file=f, key="exam")
    questions = tuple(_question(q, exam_id, f) for q in data.get("question", []))
    seen: set[str] = set()
    for q in questions:
        if q.id in seen:
            raise BankError("duplicate id", file=f, question=q.id, key="id")
        seen.add(q.id)
    claims = tuple(_claim(c, exam_id, f) for c in data.get("claim", []))
    return Exam(exam_id, data["title"], data.get("source", ""), data.get("key", ""),
                questions, claims, _strs(data.get("errata", []), f, exam_id, "errata"))


def _keys(d: Any, allowed: set[str], required: set[str], f: str, qid: str | None,
          where: str) -> None:
    if not isinstance(d, dict):
        raise BankError("expected a table", file=f, question=qid, key=where or None)
    for k in d:
        if k not in allowed:
            raise BankError(f"unknown key (allowed: {', '.join(sorted(allowed))})", file=f,
                            question=qid, key=f"{where}{k}")
    for k in required:
        if k not in d:
            raise BankError("missing", file=f, question=qid, key=f"{where}{k}")


def _strs(v: Any, f: str, qid: str, key: str) -> tuple[str, ...]:
    if isinstance(v, str):
        return (v,)
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise BankError("expected a string or a list of strings", file=f, question=qid, key=key)
    return tuple(v)


def _question(d: dict, exam: str, f: str) -> Question:
    qid = d.get("id", "?")
    _keys(d, _Q_KEYS, _Q_REQUIRED, f, qid, "")
    if not qid.startswith(exam + "/"):
        raise BankError(f"id must start with {exam}/", file=f, question=qid, key="id")
    kind = d["kind"]
    if kind not in ANSWER_KINDS:
        raise BankError(f"unknown kind {kind!r} (known: {', '.join(ANSWER_KINDS)})", file=f,
                        question=qid, key="kind")
    symbols = []
    for name, s in (d.get("symbols") or {}).items():
        _keys(s, _SYM_KEYS, {"kind"}, f, qid, f"symbols.{name}.")
        rng = s.get("range")
        of = s.get("of")
        if isinstance(rng, str):  # an index ranges over a dim: range = "K"
            of, rng = rng, None
        symbols.append(SymbolSpec(
            name=name, kind=s["kind"], shape=tuple(s.get("shape", ())),
            domain=s.get("domain", "real"),
            bounds=tuple(float(x) for x in rng) if rng else None,
            latex=_strs(s.get("latex", []), f, qid, f"symbols.{name}.latex"),
            value=s.get("value"), define=s.get("define"), index=s.get("index"), of=of,
            torch=s.get("torch")))
    parts = []
    for k, p in enumerate(d.get("parts", [])):
        _keys(p, _PART_KEYS, {"name", "reference"}, f, qid, f"parts[{k}].")
        parts.append(Part(p["name"], p["reference"],
                          _strs(p.get("asked", []), f, qid, f"parts[{k}].asked"),
                          p.get("kind", "expression")))
    if kind == "tuple" and not parts:
        raise BankError("a tuple question needs parts", file=f, question=qid, key="parts")
    if kind != "tuple" and "reference" not in d:
        raise BankError("missing", file=f, question=qid, key="reference")
    if kind == "equation" and "target" not in d:
        raise BankError("an equation question names the target it solves for", file=f,
                        question=qid, key="target")

    def forms(key: str) -> tuple[Form, ...]:
        out = []
        for k, x in enumerate(d.get(key, [])):
            _keys(x, _FORM_KEYS, {"latex"}, f, qid, f"{key}[{k}].")
            out.append(Form(**x))
        return tuple(out)

    return Question(
        id=qid, exam=exam, number=str(d["number"]), kind=kind, text=d["text"].strip(),
        reference=d.get("reference", ", ".join(p.reference for p in parts)),
        symbols=tuple(symbols), asked=_strs(d.get("asked", []), f, qid, "asked"),
        points=d.get("points"), definition=d.get("definition"), target=d.get("target"),
        parts=tuple(parts), avoid_zero=_strs(d.get("avoid_zero", []), f, qid, "avoid_zero"),
        accept=forms("accept"), reject=forms("reject"), solution=d.get("solution", "").strip(),
        errata=_strs(d.get("errata", []), f, qid, "errata"), verify=d.get("verify", ""),
        file=f)


def _claim(d: dict, exam: str, f: str) -> Claim:
    cid = d.get("id", "?")
    _keys(d, _CLAIM_KEYS, {"id", "statement", "settle"}, f, cid, "")
    return Claim(cid, exam, d["statement"].strip(), d["settle"], d.get("exam_key"),
                 d.get("note", ""), f)
