"""``derive pdf``: solution booklets with a verification record. See docs/pdf.md.

A booklet is made in three pure stages and one effect:

1. the *verification record*: a :class:`~derive._validate.Report`, computed by
   :func:`~derive._validate.validate` while the booklet is made, or read back
   from ``derive validate --json FILE`` with :func:`load_report` (never typed
   by hand);
2. the *content*: for each question its text, the reference answer typeset from
   the parsed SymPy value (:func:`reference_math`), the worked solution, errata
   and the record; then the exam's claims and a summary table;
3. the *source*: a Typst document (:func:`render_typst`) or a LaTeX one
   (:func:`render_latex`) built from the same pieces;
4. compiling it: the ``typst`` wheel (offline, bundled fonts) or ``pdflatex``.

:func:`build_booklet` is the Python entry point; :func:`build_cli` adds the
argument handling of ``derive pdf``.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement
from sympy.printing.latex import LatexPrinter

from ..bank.loader import Bank, Claim, Exam, Question
from ..errors import DeriveError
from ..publish.latex_text import (latex_escape, latex_math_to_typst, latex_prose, typst_markup,
                          typst_string)
from ..publish.typst import typst_math
from ..validate.run import load_report  # re-exported: booklets from a saved report

__all__ = ["build_booklet", "build_cli", "load_report", "reference_math", "render_typst",
           "render_latex", "booklet_ok", "ENGINES"]

ENGINES = ("typst", "latex")
LATEX_PACKAGE = "texlive-latex-base"


class BookletError(DeriveError):
    """The booklet could not be made (a missing engine, a compile error)."""


# --- 1. the verification record -------------------------------------------------------------

@dataclass(frozen=True)
class Verdicts:
    """The records of one exam, looked up by id."""

    records: dict[str, Any]
    claims: dict[str, Any]

    @classmethod
    def of(cls, exam: Exam, report: Any) -> "Verdicts":
        ids = {q.id for q in exam.questions}
        cids = {c.id for c in exam.claims}
        return cls({r.question: r for r in report.records if r.question in ids},
                   {c.claim: c for c in report.claims if c.claim in cids})


GREEN = ("verified", "settled")


def _status(rec: Any) -> str:
    if rec is None:
        return "NOT VERIFIED"
    if not rec.ok:
        return "FAILED"
    return "settled" if hasattr(rec, "claim") else "verified"


def booklet_ok(exam: Exam, report: Any) -> bool:
    """True when every question and claim of ``exam`` has a passing record."""
    v = Verdicts.of(exam, report)
    return all(v.records.get(q.id) is not None and v.records[q.id].ok for q in exam.questions) \
        and all(v.claims.get(c.id) is not None and v.claims[c.id].ok for c in exam.claims)


def symbolic_lines(rec: Any) -> list[str]:
    out = []
    for part, s in rec.symbolic.items():
        label = "" if part == "value" else f"part {part}: "
        result = s.get("result")
        word = "proven" if result is True else "FAILED" if result is False else "not proven"
        out.append(f"{label}{word}: {s.get('method', '')}")
    return out or ["no symbolic check recorded"]


def numeric_lines(rec: Any) -> list[str]:
    describe = rec.numeric.get("describe")
    out = [f"compared with: {describe}"] if describe else []
    for part, n in rec.numeric.items():
        if not isinstance(n, dict):
            continue
        label = "" if part == "value" else f"part {part}: "
        status = n.get("status", "?")
        if "points" in n:
            err = n.get("max_abs_error")
            err_text = "not recorded" if err is None else "0" if err == 0 else f"{err:.1e}"
            out.append(f"{label}{status} at {n['points']} random points; largest absolute "
                       f"error {err_text} (against the {n.get('against', 'definition')}, "
                       f"device {n.get('device', '?')}, seed {n.get('seed', '?')})")
        elif "torch" in n:
            out.append(f"{label}{status}: torch gives {n['torch']}, the reference is "
                       f"{n.get('reference')} (exact; {n.get('device', '?')})")
        elif status == "no definition":
            out.append(f"{label}no torch definition: checked through its accepted and "
                       f"rejected forms")
        else:
            out.append(f"{label}{status}")
    if len(out) == (1 if describe else 0):
        out.append("no torch definition: checked through its accepted and rejected forms")
    return out


def forms_line(rec: Any) -> str:
    acc = [f for f in rec.forms if f.role == "accept"]
    rej = [f for f in rec.forms if f.role == "reject"]
    return (f"{sum(f.ok for f in acc)}/{len(acc)} accepted forms judged equivalent; "
            f"{sum(f.ok for f in rej)}/{len(rej)} known wrong answers judged not equivalent "
            f"(with the expected reason)")


# --- 2. the reference answer as mathematics ----------------------------------------------

def reference_math(q: Question, *, engine: str = "typst", strict: bool = False) -> list[str]:
    """The reference of ``q`` as math source lines (Typst math, or LaTeX math).

    Typeset from the parsed SymPy value (what derive verified), with the
    question's symbols printed the way the exam writes them. A tuple gives one
    labelled line per part. A value the printer cannot handle falls back to the
    bank's LaTeX, translated; with ``strict`` it raises instead.
    """
    from ..judge.check import reference
    if q.kind == "tuple":
        lines = []
        for p in q.parts:
            label = _math(p.asked[0], engine) if p.asked else _word(p.name, engine)
            try:
                value = _expr(q, reference(q, p.name), p.reference, engine, strict)
            except Exception:
                if strict:
                    raise
                value = _math(p.reference, engine)
            lines.append(f"{label} = {value}")
        return lines
    try:
        ref = reference(q)
    except Exception:
        if strict:
            raise
        return [_math(q.reference, engine)]
    if q.kind == "equation" or hasattr(ref, "lhs"):
        return [f"{_expr(q, ref.lhs, q.reference, engine, strict)} = "
                f"{_expr(q, ref.rhs, q.reference, engine, strict)}"]
    if q.kind == "shape":
        sep = " times " if engine == "typst" else r" \times "
        return [sep.join(_expr(q, sp.sympify(x), q.reference, engine, strict) for x in ref)]
    value = _expr(q, ref, q.reference, engine, strict)
    if q.kind == "count" and not re.fullmatch(r"\s*\d+\s*", q.reference):
        return [f"{_math(q.reference, engine)} = {value}"]  # 3 \cdot 3 \cdot 64 + 64 = 640
    if q.asked:
        return [f"{_math(q.asked[0], engine)} = {value}"]
    return [value]


def _math(latex: str, engine: str) -> str:
    return latex_math_to_typst(latex) if engine == "typst" else latex


def _word(text: str, engine: str) -> str:
    return typst_string(text) if engine == "typst" else r"\text{" + latex_escape(text) + "}"


def _expr(q: Question, expr: Any, source: str, engine: str, strict: bool = False) -> str:
    expr = _decimals(expr, source)
    names = _names(q, expr)
    try:
        if engine == "typst":
            return typst_math(expr, names={k: latex_math_to_typst(v) for k, v in names.items()})
        return _NamedLatex(names).doprint(expr)
    except Exception:  # a node the printer lacks: the bank's own LaTeX
        if strict:
            raise
        return _math(source, engine)


def _decimals(expr: Any, source: str) -> Any:
    """0.98 stays 0.98 (not 49/50) when the bank writes decimals."""
    if not re.search(r"\d\.\d", source) or not isinstance(expr, sp.Basic):
        return expr
    swap = {}
    for r in expr.atoms(sp.Rational):
        if r.is_Integer:
            continue
        q = int(r.q)
        while q % 2 == 0:
            q //= 2
        while q % 5 == 0:
            q //= 5
        if q == 1:
            d = Decimal(r.p) / Decimal(r.q)
            swap[r] = sp.Float(str(d), max(len(str(d)), 15))
    return expr.xreplace(swap) if swap else expr


def _exam_form(spec: Any, text: str) -> str:
    """The declared LaTeX form the question text uses (the longest that occurs)."""
    used = [f for f in spec.latex if f in text]
    return max(used, key=len) if used else spec.latex[0]


def _names(q: Question, expr: Any) -> dict[Any, str]:
    """LaTeX for the question's symbols and entries, keyed by SymPy object."""
    ctx = q.context
    text = f"{q.text}\n{q.solution}"
    names: dict[Any, str] = {}
    for s in q.symbols:
        obj = ctx.objects.get(s.name)
        if obj is None or not s.latex or s.kind in ("dim", "identity", "ones", "family"):
            continue
        key = obj if s.kind != "function" else s.name
        names[key] = _exam_form(s, text)
    if not isinstance(expr, sp.Basic):
        return names
    by_name = {s.name: s for s in q.symbols}
    for el in expr.atoms(MatrixElement):
        spec = by_name.get(getattr(el.parent, "name", None))
        if spec is None:
            continue
        idx = sp.simplify(el.i + 1) if el.parent.shape[1] == 1 else None
        if spec.kind == "family" and spec.latex and idx is not None:
            form = _exam_form(spec, text)
            if spec.index and idx != sp.Symbol(spec.index, integer=True):
                form = re.sub(rf"(?<![\\A-Za-z]){re.escape(spec.index)}(?![A-Za-z])",
                              "{" + sp.latex(idx) + "}", form)
            names[el] = form
        elif spec.kind in ("vector", "matrix", "family"):
            plain = [f for f in spec.latex if "\\math" not in f and "\\bold" not in f]
            base = plain[0] if plain else spec.name
            if idx is None:
                idx_text = f"{sp.latex(sp.simplify(el.i + 1))}{sp.latex(sp.simplify(el.j + 1))}"
            else:
                idx_text = sp.latex(idx)
            names[el] = f"{{{base}}}_{{{idx_text}}}" if "_" in base else f"{base}_{{{idx_text}}}"
    return names


class _NamedLatex(LatexPrinter):
    """SymPy's LaTeX printer with the question's own names for its symbols."""

    def __init__(self, names: dict[Any, str]):
        super().__init__({"mul_symbol": None})
        self._names = names

    def _print(self, expr: Any, **kwargs: Any) -> str:
        try:
            if not isinstance(expr, str) and expr in self._names:
                return "{" + self._names[expr] + "}"
        except TypeError:
            pass
        if isinstance(expr, sp.core.function.AppliedUndef) and expr.func.__name__ in self._names:
            args = ", ".join(self._print(a) for a in expr.args)
            return f"{{{self._names[expr.func.__name__]}}}\\left({args}\\right)"
        return super()._print(expr, **kwargs)

    def _print_Identity(self, expr: Any) -> str:
        return rf"\mathbf{{I}}_{{{self._print(expr.rows)}}}"

    def _print_OneMatrix(self, expr: Any) -> str:
        m, n = expr.shape
        if n == 1:
            return rf"\mathbf{{1}}_{{{self._print(m)}}}"
        if m == 1:
            return rf"\mathbf{{1}}_{{{self._print(n)}}}^\top"
        return rf"\mathbf{{1}}_{{{self._print(m)} \times {self._print(n)}}}"

    def _print_MatrixElement(self, expr: Any) -> str:
        idx = [expr.i + 1] if expr.parent.shape[1] == 1 else [expr.i + 1, expr.j + 1]
        return f"{self._print(expr.parent.name)}_{{{', '.join(self._print(i) for i in idx)}}}"


# --- 3a. the Typst document ----------------------------------------------------------------

_TYPST_PREAMBLE = r"""
#set document(title: TITLE, author: "derive")
#set page(paper: "a4", margin: (x: 2.2cm, top: 2.2cm, bottom: 2.4cm),
  footer: context [#set text(8pt, fill: luma(100)); EXAM #h(1fr) #counter(page).display("1 / 1", both: true)])
#set text(size: 10.5pt, lang: "en")
#set par(justify: true, leading: 0.62em)
#show heading.where(level: 1): it => block(above: 1.6em, below: 0.8em, text(15pt, it))
#show heading.where(level: 2): it => block(above: 1.4em, below: 0.7em, text(12.5pt, it))
#show raw: set text(font: "DejaVu Sans Mono", size: 0.9em)
#let good = rgb("#1a7f37")
#let bad = rgb("#cf222e")
#let badge(ok, label) = box(inset: (x: 4pt, y: 2pt), radius: 2pt,
  fill: if ok { rgb("#dafbe1") } else { rgb("#ffebe9") },
  text(9pt, weight: "bold", fill: if ok { good } else { bad }, label))
#let fit(eq) = layout(size => {
  let w = measure(eq).width
  align(center, if w > size.width { scale(size.width / w * 100%, reflow: true, eq) } else { eq })
})
#let answer(..lines) = block(width: 100%, inset: (y: 4pt),
  stack(spacing: 10pt, ..lines.pos().map(fit)))
#let erratum(body) = block(width: 100%, fill: rgb("#fff8c5"), inset: 8pt, radius: 2pt,
  stroke: (left: 3pt + rgb("#d4a72c")), [*Erratum.* #body])
#let problem(body) = block(width: 100%, fill: rgb("#ffebe9"), inset: 8pt, radius: 2pt,
  stroke: (left: 3pt + bad), body)
#let label(body) = text(weight: "bold", body)
#let part(body) = block(sticky: true, above: 1.1em, below: 0.6em, text(weight: "bold", body))
#let record(..rows) = block(width: 100%, fill: luma(246), inset: 8pt, radius: 2pt, breakable: false,
  table(columns: (auto, 1fr), stroke: none, inset: (x: 4pt, y: 3pt), align: left, ..rows))
"""


def _txt(s: Any) -> str:
    """Plain text (ids, messages) in Typst markup."""
    return "#" + typst_string(str(s))


def _display(lines: list[str]) -> str:
    return "#answer(" + ", ".join(f"[$ {line} $]" for line in lines) + ")"


def render_typst(exam: Exam, report: Any, *, origin: str = "", version: str = "") -> str:
    """The Typst source of ``exam``'s booklet with the records of ``report``."""
    v = Verdicts.of(exam, report)
    ok = booklet_ok(exam, report)
    out = [_TYPST_PREAMBLE.replace("TITLE", typst_string(exam.title))
           .replace("EXAM", _txt(f"{exam.id}: solutions (derive)"))]
    n_bad = sum(_status(v.records.get(q.id)) not in GREEN for q in exam.questions) + \
        sum(_status(v.claims.get(c.id)) not in GREEN for c in exam.claims)
    overall = ("all verified" if ok else f"FAILED: {n_bad} item(s) not verified")
    meta = [("Exam", exam.id), ("Source", exam.source or "-"), ("Answer key", exam.key or "-"),
            ("Verified on", f"{report.date} ({origin or 'validate run'})"),
            ("Seed", report.seed), ("Device", report.device), ("derive", version or "?"),
            ("Questions", len(exam.questions)), ("Claims", len(exam.claims))]
    out.append("#align(center)[#v(2.5cm)\n#text(20pt, weight: \"bold\")[" +
               _txt(exam.title) + "]\n#v(0.6em)\n#text(13pt)[Solution booklet with "
               "verification record]\n#v(1.5cm)]")
    rows = ", ".join(f"[*{k}*], [{_txt(val)}]" for k, val in meta)
    out.append(f"#align(center, table(columns: 2, stroke: none, align: (right, left), {rows}, "
               f"[*Status*], [#badge({'true' if ok else 'false'}, {typst_string(overall)})]))")
    out.append("#v(1cm)\n#text(9pt, fill: luma(80))[Every answer below was typeset from the "
               "expression derive verified. The verification record under each question comes "
               "from a `derive validate` run (the date above), not from text typed by hand: "
               "the symbolic check compares the reference with the definition's own SymPy "
               "derivation, the numeric check compares it with a torch computation (autograd, a "
               "forward pass, a module's parameter count) at random points, and the forms "
               "check runs every accepted and known wrong answer through the grader.]")
    if exam.errata:
        out.append("== Errata in the exam")
        out.extend(f"#erratum[{typst_markup(e)}]" for e in exam.errata)
    out.append("#pagebreak()")
    for q in exam.questions:
        out.append(_typst_question(q, v.records.get(q.id)))
    if exam.claims:
        out.append("#pagebreak()\n= Claims (tier 2)")
        for c in exam.claims:
            out.append(_typst_claim(c, v.claims.get(c.id)))
    out.append(_typst_summary(exam, v))
    return "\n\n".join(out) + "\n"


def _typst_question(q: Question, rec: Any) -> str:
    status = _status(rec)
    pts = f"{q.points:g} point{'s' if q.points != 1 else ''}, " if q.points is not None else ""
    out = [f"= Question {_txt(q.number)} #h(1fr) #text(10pt, weight: \"regular\")"
           f"[{_txt(q.id)}] #badge({'true' if status in GREEN else 'false'}, "
           f"{typst_string(status)})",
           f"#text(9pt, fill: luma(90))[{_txt(pts + q.kind)}]", typst_markup(q.text)]
    out.append("#part[Reference answer]")
    out.append(_display(reference_math(q)))
    out.extend(f"#erratum[{typst_markup(e)}]" for e in q.errata)
    if q.solution:
        out.append("#label[Solution.] " + typst_markup(q.solution))
    wrong = [f for f in q.reject if f.label or f.misconception]
    if wrong:
        items = "\n".join(
            f"- {_txt((f.label or 'wrong') + ':')} ${latex_math_to_typst(f.latex)}$"
            + (f" --- {_txt(f.misconception)}" if f.misconception else "") for f in wrong)
        out.append("#part[Known wrong answers]\n" + items)
    out.append(_typst_record(q, rec))
    return "\n\n".join(out)


def _typst_record(q: Question, rec: Any) -> str:
    if rec is None:
        return ("#problem[*NOT VERIFIED.* The report has no record of this question: run "
                "`derive validate` on this exam again.]")
    rows = [("Status", f"#badge({'true' if rec.ok else 'false'}, "
                       f"{typst_string('verified' if rec.ok else 'FAILED')})"),
            ("Symbolic", " \\ ".join(_txt(x) for x in symbolic_lines(rec))),
            ("Numeric", " \\ ".join(_txt(x) for x in numeric_lines(rec))),
            ("Forms", _txt(forms_line(rec)))]
    if q.verify:
        rows.append(("Note", typst_markup(q.verify)))
    body = ", ".join(f"[*{k}*], [{val}]" for k, val in rows)
    out = f"#part[Verification record]\n#record({body})"
    if rec.problems:
        out += "\n#problem[*FAILED.* " + " \\ ".join(_txt(p) for p in rec.problems) + "]"
    return out


def _holds_text(holds: Any) -> str:
    if isinstance(holds, dict):
        return "; ".join(f"{k}: {'holds' if v else 'does not hold'}" for k, v in holds.items())
    return {True: "holds", False: "does not hold"}.get(holds, str(holds))


def _key_text(c: Claim, rec: Any) -> str:
    if c.exam_key is None:
        return "no key printed"
    key = _holds_text(c.exam_key)
    if rec is None or rec.agrees_with_key is None:
        return f"the key says: {key}"
    return f"the key says: {key} ({'agrees' if rec.agrees_with_key else 'DISAGREES'} with derive)"


def _typst_claim(c: Claim, rec: Any) -> str:
    status = _status(rec)
    out = [f"== Claim {_txt(c.id)} #h(1fr) #badge({'true' if status in GREEN else 'false'}, "
           f"{typst_string(status)})", typst_markup(c.statement)]
    if rec is None:
        out.append("#problem[*NOT VERIFIED.* The report has no record of this claim.]")
    else:
        rows = [("Settlement", _txt(f"{_holds_text(rec.holds)} (by {rec.method})")),
                ("Evidence", typst_markup(rec.evidence) if "$" in rec.evidence
                 else _txt(rec.evidence)),
                ("Exam key", _txt(_key_text(c, rec)))]
        out.append("#record(" + ", ".join(f"[*{k}*], [{val}]" for k, val in rows) + ")")
        if rec.problems:
            out.append("#problem[*FAILED.* " + " \\ ".join(_txt(p) for p in rec.problems) + "]")
    if c.note:
        note = typst_markup(c.note)
        disagree = rec is not None and rec.agrees_with_key is False
        out.append(f"#erratum[{note}]" if "erratum" in c.note.lower() or disagree
                   else f"#text(9.5pt)[*Note.* {note}]")
    return "\n\n".join(out)


def _summary_rows(exam: Exam, v: Verdicts) -> list[tuple[str, ...]]:
    rows = []
    for q in exam.questions:
        rec = v.records.get(q.id)
        pts = f"{q.points:g}" if q.points is not None else ""
        if rec is None:
            rows.append((q.id, q.kind, pts, "-", "-", "-", "NOT VERIFIED"))
        else:
            forms = f"{sum(f.ok for f in rec.forms)}/{len(rec.forms)}"
            rows.append((q.id, q.kind, pts, rec.symbolic_summary, rec.numeric_summary, forms,
                         _status(rec)))
    for c in exam.claims:
        rec = v.claims.get(c.id)
        if rec is None:
            rows.append((c.id, "claim", "", "-", "-", "-", "NOT VERIFIED"))
        else:
            key = "" if rec.agrees_with_key is None else \
                (" (= key)" if rec.agrees_with_key else " (!= key)")
            rows.append((c.id, "claim", "", rec.method, _holds_text(rec.holds) + key, "",
                         _status(rec)))
    return rows


_SUMMARY_HEAD = ("Item", "Kind", "Pts", "Symbolic / method", "Numeric / settlement", "Forms",
                 "Status")


def _typst_summary(exam: Exam, v: Verdicts) -> str:
    cells = [f"[*{h}*]" for h in _SUMMARY_HEAD]
    for row in _summary_rows(exam, v):
        *rest, status = row
        cells.extend(f"[{_txt(x)}]" for x in rest)
        cells.append(f"[#badge({'true' if status in GREEN else 'false'}, "
                     f"{typst_string(status)})]")
    return ("#pagebreak()\n= Summary\n#set text(9pt)\n#table(columns: (auto, auto, auto, auto, "
            "1fr, auto, auto), stroke: 0.4pt + luma(180), inset: 4pt, align: left + horizon, "
            "table.header(" + ", ".join(cells[:7]) + "), " + ", ".join(cells[7:]) + ")")


# --- 3b. the LaTeX document ----------------------------------------------------------------

_LATEX_PREAMBLE = r"""\documentclass[10pt]{article}
\usepackage[a4paper,margin=2.2cm]{geometry}
\usepackage{amsmath,amssymb,bm,longtable,color}
\definecolor{good}{rgb}{0.10,0.50,0.22}
\definecolor{bad}{rgb}{0.81,0.13,0.18}
\definecolor{erratum}{rgb}{1.0,0.97,0.77}
\providecommand{\argmax}{\operatorname*{arg\,max}}
\providecommand{\argmin}{\operatorname*{arg\,min}}
\providecommand{\sgn}{\operatorname{sgn}}
\providecommand{\softmax}{\operatorname{softmax}}
\providecommand{\norm}[1]{\left\lVert #1\right\rVert}
\providecommand{\abs}[1]{\left\lvert #1\right\rvert}
\newcommand{\badge}[2]{\textbf{\textcolor{#1}{#2}}}
\newcommand{\erratum}[1]{\par\noindent\colorbox{erratum}{\parbox{\dimexpr\linewidth-2\fboxsep}{\textbf{Erratum.} #1}}\par\medskip}
\setlength{\parindent}{0pt}\setlength{\parskip}{0.5em}
\begin{document}
"""


def _tx(s: Any) -> str:
    return latex_escape(str(s))


def _badge_tex(status: str) -> str:
    return rf"\badge{{{'good' if status in GREEN else 'bad'}}}{{{_tx(status)}}}"


def render_latex(exam: Exam, report: Any, *, origin: str = "", version: str = "") -> str:
    """The LaTeX source of the same booklet (references printed by SymPy's ``latex``)."""
    v = Verdicts.of(exam, report)
    ok = booklet_ok(exam, report)
    out = [_LATEX_PREAMBLE, r"\begin{center}\vspace*{2cm}{\Large\bfseries " + _tx(exam.title) +
           r"}\\[1em]{\large Solution booklet with verification record}\\[2em]"]
    meta = [("Exam", exam.id), ("Source", exam.source or "-"), ("Answer key", exam.key or "-"),
            ("Verified on", f"{report.date} ({origin or 'validate run'})"),
            ("Seed", report.seed), ("Device", report.device), ("derive", version or "?")]
    out.append(r"\begin{tabular}{rl}" + "".join(rf"\textbf{{{k}}} & {_tx(val)}\\"
                                                 for k, val in meta) +
               rf"\textbf{{Status}} & {_badge_tex('verified' if ok else 'FAILED')}\\"
               r"\end{tabular}\end{center}")
    if exam.errata:
        out.append(r"\section*{Errata in the exam}")
        out.extend(rf"\erratum{{{latex_prose(e)}}}" for e in exam.errata)
    out.append(r"\newpage")
    for q in exam.questions:
        rec = v.records.get(q.id)
        status = _status(rec)
        out.append(rf"\section*{{Question {_tx(q.number)} \hfill {{\normalsize\ttfamily "
                   rf"{_tx(q.id)}}} {_badge_tex(status)}}}")
        if q.points is not None:
            out.append(rf"{{\small {q.points:g} points, {_tx(q.kind)}}}")
        out.append(latex_prose(q.text))
        out.append(r"\textbf{Reference answer}")
        out.append(r"\begin{gather*}" + r"\\ ".join(reference_math(q, engine="latex")) +
                   r"\end{gather*}")
        out.extend(rf"\erratum{{{latex_prose(e)}}}" for e in q.errata)
        if q.solution:
            out.append(r"\textbf{Solution.} " + latex_prose(q.solution))
        out.append(r"\textbf{Verification record}\\")
        if rec is None:
            out.append(r"\textcolor{bad}{NOT VERIFIED: the report has no record of it.}")
        else:
            out.append(r"\begin{tabular}{@{}lp{0.78\linewidth}@{}}" +
                       rf"Symbolic & {_tx('; '.join(symbolic_lines(rec)))}\\" +
                       rf"Numeric & {_tx('; '.join(numeric_lines(rec)))}\\" +
                       rf"Forms & {_tx(forms_line(rec))}\\" + r"\end{tabular}")
            for p in rec.problems:
                out.append(rf"\textcolor{{bad}}{{FAILED: {_tx(p)}}}")
    if exam.claims:
        out.append(r"\newpage\section*{Claims (tier 2)}")
        for c in exam.claims:
            rec = v.claims.get(c.id)
            out.append(rf"\subsection*{{Claim {_tx(c.id)} \hfill {_badge_tex(_status(rec))}}}")
            out.append(latex_prose(c.statement))
            if rec is not None:
                out.append(rf"\textbf{{Settlement:}} {_tx(_holds_text(rec.holds))} (by "
                           rf"{_tx(rec.method)}). {_tx(rec.evidence)}\\ \textbf{{Exam key:}} "
                           rf"{_tx(_key_text(c, rec))}")
                for p in rec.problems:
                    out.append(rf"\textcolor{{bad}}{{FAILED: {_tx(p)}}}")
            if c.note:
                out.append(rf"\textbf{{Note.}} {latex_prose(c.note)}")
    out.append(r"\newpage\section*{Summary}{\small\begin{longtable}{lllllll}\hline " +
               " & ".join(rf"\textbf{{{h}}}" for h in _SUMMARY_HEAD) + r"\\\hline\endhead")
    for row in _summary_rows(exam, v):
        *rest, status = row
        out.append(" & ".join(_tx(x) for x in rest) + f" & {_badge_tex(status)}" + r"\\")
    out.append(r"\hline\end{longtable}}" + "\n" + r"\end{document}")
    return "\n\n".join(out) + "\n"


# --- 4. compiling -----------------------------------------------------------------------------

def compile_typst(source: str) -> bytes:
    import typst
    try:
        return typst.compile(source.encode("utf-8"), format="pdf", ignore_system_fonts=True)
    except Exception as exc:  # typst raises its own TypstError with the diagnostics
        raise BookletError(f"typst could not compile the booklet: {exc}") from None


def compile_latex(source: str) -> bytes:
    exe = shutil.which("pdflatex")
    if exe is None:
        raise BookletError("--engine latex needs pdflatex on PATH; install it with "
                           f"'apt-get install {LATEX_PACKAGE}' (Debian/Ubuntu), or use the "
                           "default engine, typst")
    with tempfile.TemporaryDirectory(prefix="derive-pdf-") as tmp:
        tex = Path(tmp) / "booklet.tex"
        tex.write_text(source, encoding="utf-8")
        for _ in range(2):  # twice: longtable settles its column widths
            run = subprocess.run([exe, "-interaction=nonstopmode", "-halt-on-error",
                                  tex.name], cwd=tmp, capture_output=True, text=True,
                                 errors="replace", timeout=300)
            if run.returncode != 0:
                tail = "\n".join(l for l in run.stdout.splitlines() if l.startswith("!"))
                raise BookletError(f"pdflatex could not compile the booklet: "
                                   f"{tail or run.stdout[-800:]}")
        return (Path(tmp) / "booklet.pdf").read_bytes()


_RENDER = {"typst": (render_typst, compile_typst, ".typ"),
           "latex": (render_latex, compile_latex, ".tex")}


def build_booklet(bank: Bank, exam_id: str, report: Any = None, engine: str = "typst", *,
                  seed: int = 0, device: str | None = None,
                  progress: Callable[[str, int, int], None] | None = None,
                  origin: str = "", source_path: str | os.PathLike | None = None) -> bytes:
    """The PDF of ``exam_id``'s solution booklet, as bytes.

    ``report`` is a :class:`Report` (from :func:`~derive._validate.validate` or
    :func:`load_report`); without one the exam is validated now with ``seed``
    and ``device``, calling ``progress(id, k, total)`` per item. ``engine`` is
    ``"typst"`` (the bundled wheel) or ``"latex"`` (``pdflatex``).
    ``source_path``, if given, receives the document source. Whether the booklet
    is all green is :func:`booklet_ok`; a failing record is printed as FAILED.
    """
    if engine not in _RENDER:
        raise BookletError(f"unknown engine {engine!r} (known: {', '.join(ENGINES)})")
    if exam_id not in bank.exams:
        raise BookletError(f"no exam {exam_id!r}; exams: {', '.join(bank.exams)}")
    render, compile_, _ = _RENDER[engine]
    if engine == "latex" and shutil.which("pdflatex") is None:
        compile_latex("")  # raises the error that names the package
    if report is None:
        from ..validate.run import validate
        report = validate(bank, exam_id, seed=seed, device=device,
                          progress=progress)
        origin = origin or "validated while this booklet was made"
    from .. import __version__
    source = render(bank.exams[exam_id], report, origin=origin, version=__version__)
    if source_path is not None:
        Path(source_path).write_text(source, encoding="utf-8")
    return compile_(source)


# --- the command line ------------------------------------------------------------------------

def build_cli(bank: Bank, args: Any) -> int:
    """``derive pdf``: 0 when every booklet is green, 1 when one shows a failure."""
    if bool(args.all) == bool(args.exam):
        raise BookletError("give one exam id, or --all (with -o a directory)")
    exams = list(bank.exams) if args.all else [args.exam]
    for e in exams:
        if e not in bank.exams:
            raise BookletError(f"no exam {e!r}; exams: {', '.join(bank.exams)}")
    if args.engine == "latex" and shutil.which("pdflatex") is None:
        compile_latex("")
    out = Path(args.output)
    if args.all or out.is_dir() or str(args.output).endswith(("/", os.sep)):
        out.mkdir(parents=True, exist_ok=True)
        targets = {e: out / f"{e}.pdf" for e in exams}
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        targets = {exams[0]: out}
    report = origin = None
    if args.from_report:
        report, origin = load_report(args.from_report), f"from {args.from_report}"
    all_ok = True
    for e, target in targets.items():
        def progress(what: str, k: int, total: int) -> None:
            print(f"[{k + 1}/{total}] {what}", file=sys.stderr, flush=True)

        if report is None:
            from ..validate.run import validate
            rep = validate(bank, e, seed=args.seed, device=args.device,
                           progress=progress)
            org = "validated while this booklet was made"
        else:
            rep, org = report, origin
        render, compile_, suffix = _RENDER[args.engine]
        from .. import __version__
        source = render(bank.exams[e], rep, origin=org, version=__version__)
        if args.keep_source:
            target.with_suffix(suffix).write_text(source, encoding="utf-8")
        try:
            pdf = compile_(source)
        except BookletError:
            kept = target.with_suffix(suffix)
            kept.write_text(source, encoding="utf-8")
            print(f"derive: the source is kept in {kept}", file=sys.stderr)
            raise
        target.write_bytes(pdf)
        ok = booklet_ok(bank.exams[e], rep)
        all_ok &= ok
        print(f"wrote {target}: {'all verified' if ok else 'FAILED items are marked'}",
              file=sys.stderr)
    return 0 if all_ok else 1
