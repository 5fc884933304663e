"""What a booklet prints, before it is typeset: the answers and the order of the questions.

* :func:`reference_math`: a question's answer as math source, printed as the bank writes
  it (its LaTeX, translated to Typst for the Typst engine). Only what exists solely as a
  SymPy value is printed from SymPy: the value of a count written as arithmetic
  (``3 \\cdot 3 \\cdot 64 + 64 = 640``).
* :func:`layout`: the questions in printed order, with a stem shared by several parts
  (the same leading paragraphs in their texts) printed once, and the points of a printed
  question shown once, on its heading.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..bank.loader import Exam, Question
from ..errors import DeriveError
from .latex_text import latex_escape, latex_math_to_typst, typst_string

__all__ = ["reference_math", "layout", "Stem", "Item", "points_text", "source_text",
           "names", "number_key", "ContentError"]


class ContentError(DeriveError):
    """A reference the booklet cannot print (an unknown command, with ``strict``)."""


# --- the answer ---------------------------------------------------------------------------

def reference_math(q: Question, *, engine: str = "typst", strict: bool = False) -> list[str]:
    """The answer of ``q`` as math source lines (Typst math, or LaTeX math).

    The bank's reference as written, preceded by the asked quantity when the question
    names one (``\\frac{\\partial L}{\\partial s_j} = ...``); a tuple gives one labelled line
    per part; a count written as arithmetic ends with its value. With ``strict``, a
    command the translator does not know raises :class:`ContentError` (without it, the
    command is shown as code).
    """
    if q.kind == "tuple":
        lines = []
        for p in q.parts:
            label = _math(_shown(p.asked), engine, q, strict) if p.asked else \
                _word(p.name, engine)
            value = _math(p.reference, engine, q, strict)
            if p.kind == "count" and not _digits(p.reference):
                value += " = " + _count_value(q, p.name, engine)
            lines.append(f"{label} = {value}")
        return lines
    value = _math(q.reference, engine, q, strict)
    if q.kind == "count" and not _digits(q.reference):
        value += " = " + _count_value(q, "", engine)
    if q.asked and not _has_top_level_equals(q.reference):
        value = f"{_math(_shown(q.asked), engine, q, strict)} = {value}"
    return [value]


def names(q: Question) -> frozenset[str]:
    """The question's names of several letters (``dout``, ``iC``, ``MSE``), from its own
    symbol table and asked forms: printed upright as one name wherever the question's
    text or answers spell them."""
    forms = [f for s in q.symbols for f in s.latex] + list(q.asked)
    forms += [a for p in q.parts for a in p.asked]
    return frozenset(f for f in forms if re.fullmatch(r"[A-Za-z]{2,}", f))


def _digits(latex: str) -> bool:
    return bool(re.fullmatch(r"\s*-?[\d{},\\ ]+\s*", latex)) and not re.search(
        r"\\(?![,{}])", latex)


def _shown(asked: tuple[str, ...]) -> str:
    """The asked quantity as printed: the first form that is not a bare word (``MSE`` is an
    italic product M S E in math; ``\\mathrm{MSE}`` is the name)."""
    for form in asked:
        if not re.fullmatch(r"\s*[A-Za-z]{2,}\s*", form):
            return form
    return asked[0]


def _has_top_level_equals(latex: str) -> bool:
    depth = 0  # outside {}, () and []: the = of \mathbb{1}[k=y] is not the answer's
    for ch in latex:
        depth += (ch in "{([") - (ch in "})]")
        if ch == "=" and depth == 0:
            return True
    return False


def _math(latex: str, engine: str, q: Question, strict: bool) -> str:
    if engine != "typst":
        return latex
    out = latex_math_to_typst(latex, words=names(q))
    if strict and "#raw(" in out:
        raise ContentError(f"{q.id}: the booklet cannot typeset {latex!r} (an unknown "
                           f"command is printed as code): {out}")
    return out


def _word(text: str, engine: str) -> str:
    return typst_string(text) if engine == "typst" else r"\text{" + latex_escape(text) + "}"


def _count_value(q: Question, part: str, engine: str) -> str:
    """The value of a count written as arithmetic: exists only as the parsed SymPy value."""
    import sympy as sp

    from ..judge.check import reference
    from .typst import typst_math
    value = reference(q, part) if part else reference(q)
    return typst_math(value) if engine == "typst" else sp.latex(value)


# --- the order of the questions -----------------------------------------------------------

@dataclass(frozen=True)
class Stem:
    """A heading shared by the questions after it: ``Question 3`` and its common text."""

    title: str
    text: str
    level: int
    points: str | None
    words: frozenset[str] = frozenset()   # the names of the questions under it


@dataclass(frozen=True)
class Item:
    """One bank question as printed: its own text (a shared stem removed)."""

    q: Question
    title: str
    text: str
    level: int
    points: str | None   # None where the heading above shows them


def points_text(q: Question) -> str:
    if q.points is None:
        return "no points printed"
    return f"{q.points:g} point{'' if q.points == 1 else 's'}"


def _paragraphs(text: str) -> list[str]:
    return [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


def _norm(p: str) -> str:
    return " ".join(p.split())


def _common(texts: list[list[str]]) -> int:
    """How many leading paragraphs all texts share, leaving each at least one of its own."""
    n = 0
    while all(len(t) > n + 1 for t in texts) and len({_norm(t[n]) for t in texts}) == 1:
        n += 1
    return n


def _runs(items: list, key) -> list[list]:
    out: list[list] = []
    for x in items:
        if out and key(out[-1][0]) == key(x):
            out[-1].append(x)
        else:
            out.append([x])
    return out


def layout(exam: Exam) -> list[Stem | Item]:
    """The exam's questions in order; a shared stem once, then the parts."""
    out: list[Stem | Item] = []
    questions = sorted(exam.questions, key=lambda q: number_key(q.number))
    for group in _runs(questions, lambda q: q.number.split(".")[0]):
        paras = {q.id: _paragraphs(q.text) for q in group}
        numbers = {q.number for q in group}   # one printed number: its own stem below
        n = _common([paras[q.id] for q in group]) if len(numbers) > 1 else 0
        level = 1
        if n:
            out.append(Stem(f"Question {group[0].number.split('.')[0]}",
                            "\n\n".join(paras[group[0].id][:n]), 1, None,
                            frozenset().union(*map(names, group))))
            level = 2
        for run in _runs(group, lambda q: q.number):
            rest = {q.id: paras[q.id][n:] for q in run}
            first = run[0]
            if len(run) == 1:
                out.append(Item(first, f"Question {first.number}",
                                "\n\n".join(rest[first.id]), level, points_text(first)))
                continue
            m = _common([rest[q.id] for q in run])
            out.append(Stem(f"Question {first.number}", "\n\n".join(rest[first.id][:m]),
                            level, points_text(first), frozenset().union(*map(names, run))))
            for q in run:
                out.append(Item(q, f"{q.number} ({_suffix(q)})",
                                "\n\n".join(rest[q.id][m:]), level + 1, None))
    return out


_ROMAN = {r: k for k, r in enumerate(
    ("i", "ii", "iii", "iv", "v", "vi", "vii", "viii", "ix"), 1)}


def number_key(number: str) -> tuple:
    """Printed order: ``2.8`` after ``2.3``, ``4.i`` before ``4.ii``, ``3`` before ``10``."""
    return tuple((0, int(c), "") if c.isdigit() else (1, _ROMAN[c], "") if c in _ROMAN
                 else (2, 0, c) for c in number.split("."))


def _suffix(q: Question) -> str:
    """What tells apart questions printed under one number: ``shape`` of ``3.i.shape``,
    ``W`` of ``4.W`` printed as 4.b."""
    tail = q.id.split("/", 1)[-1]
    return tail[len(q.number) + 1:] if tail.startswith(q.number + ".") else \
        tail.rsplit(".", 1)[-1]


def source_text(exam: Exam) -> str | None:
    """The exam's source for the cover, or None when it names a file that is not there
    (the bank's ``source`` may point at a document kept outside the repository)."""
    src = exam.source.strip()
    if not src:
        return None
    looks_like_file = "://" not in src and bool(re.search(r"[/\\]|\.\w{1,4}$", src))
    if not looks_like_file:
        return src
    here = Path(exam.file).parent if exam.file else None
    if here is not None and any((d / src).is_file() for d in (here, here.parent)):
        return src
    return None
