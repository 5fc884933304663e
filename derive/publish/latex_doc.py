"""The same booklet as a LaTeX document (``--engine latex``), in the same two editions.

The bank's text is LaTeX already and is used verbatim (code and TeX's special characters
outside math are escaped by :func:`~derive.publish.latex_text.latex_prose`); the layout is
plainer than the Typst one.
"""
from __future__ import annotations

from typing import Any

from ..bank.loader import Exam
from . import record as R
from .content import Item, Stem, layout, reference_math, source_text
from .latex_text import latex_escape, latex_prose

__all__ = ["render_latex"]

_PREAMBLE = r"""\documentclass[10pt]{article}
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
\newcommand{\erratum}[1]{\par\noindent\colorbox{erratum}{\parbox{\dimexpr\linewidth-2\fboxsep}{\textbf{Erratum in the printed exam.} #1}}\par\medskip}
\setlength{\parindent}{0pt}\setlength{\parskip}{0.5em}
\begin{document}
"""


def _tx(s: Any) -> str:
    return latex_escape(str(s))


def _badge(label: str) -> str:
    return rf"\badge{{{'good' if R.is_green(label) else 'bad'}}}{{{_tx(label)}}}"


_SECTION = {1: "section*", 2: "subsection*", 3: "subsubsection*"}


def render_latex(exam: Exam, report: Any, *, edition: str = "instructor", origin: str = "",
                 version: str = "") -> str:
    """The LaTeX source of ``exam``'s booklet (``edition``: student or instructor)."""
    teacher = edition == "instructor"
    v = R.Verdicts.of(exam, report)
    ok = R.booklet_ok(exam, report)
    subtitle = "Solutions, instructor edition: with the verification record" if teacher \
        else "Solutions"
    out = [_PREAMBLE, r"\begin{center}\vspace*{2cm}{\Large\bfseries " + _tx(exam.title) +
           rf"}}\\[1em]{{\large {_tx(subtitle)}}}\\[2em]"]
    meta = [("Exam", exam.id)]
    if source_text(exam):
        meta.append(("Source", source_text(exam)))
    meta += [("Answer key of the exam", exam.key or "none printed"),
             ("Questions", len(exam.questions))]
    if teacher:
        meta += [("Verified on", f"{report.date} ({origin or 'validate run'})"),
                 ("Seed", report.seed), ("Device", report.device), ("derive", version or "?")]
    status = rf"\textbf{{Status}} & {_badge('verified' if ok else 'FAILED')}\\" if teacher \
        else ""
    out.append(r"\begin{tabular}{rl}" + "".join(rf"\textbf{{{_tx(k)}}} & {_tx(val)}\\"
                                                 for k, val in meta) + status +
               r"\end{tabular}\end{center}")
    if exam.errata:
        out.append(r"\subsection*{Errata in the printed exam}")
        out.extend(rf"\erratum{{{latex_prose(e)}}}" for e in exam.errata)
    out.append(r"\newpage")
    for block in layout(exam):
        head = rf"\{_SECTION[block.level]}{{{_tx(block.title)}"
        if block.points:
            head += rf" \hfill {{\normalsize\mdseries {_tx(block.points)}}}"
        out.append(head + "}")
        if isinstance(block, Stem):
            if block.text:
                out.append(latex_prose(block.text))
            continue
        out.extend(_question(block, v.records.get(block.q.id), teacher))
    if exam.claims:
        out.append(r"\newpage\section*{" + ("Claims" if teacher else
                                           "True/false and multiple-choice items") + "}")
        for c in exam.claims:
            rec = v.claims.get(c.id)
            label = R.status(rec)
            out.append(rf"\subsection*{{Question {_tx(c.id.split('/', 1)[-1])}}}")
            out.append(rf"{{\small\ttfamily {_tx(c.id)}}}" +
                       (rf" {_badge(label)}" if teacher else ""))
            out.append(latex_prose(c.statement))
            holds = R.claim_holds(c, rec)
            if holds is not None:
                out.append(rf"\textbf{{Answer:}} {_tx(R.answer_text(holds))}")
            erratum = R.claim_erratum(c)
            if erratum:
                printed, right, why = erratum
                out.append(rf"\erratum{{The printed key says {_tx(printed)}; it should say "
                           rf"{_tx(right)}. {latex_prose(why)}}}")
            if c.note:
                out.append(latex_prose(c.note))
            if teacher and rec is not None:
                out.append(rf"\textbf{{Settled by:}} {_tx(rec.method)}. "
                           rf"\textbf{{Evidence:}} {latex_prose(rec.evidence)}\\ "
                           rf"\textbf{{Exam key:}} {_tx(R.key_text(c, rec))}")
                for p in rec.problems:
                    out.append(rf"\textcolor{{bad}}{{FAILED: {_tx(p)}}}")
            elif teacher:
                out.append(r"\textcolor{bad}{NOT VERIFIED: the report has no record of it.}")
    if teacher:
        out.append(r"\newpage\section*{Summary}{\small\begin{longtable}{lllllll}\hline " +
                   " & ".join(rf"\textbf{{{h}}}" for h in R.SUMMARY_HEAD) + r"\\\hline\endhead")
        for row in R.summary_rows(exam, v):
            *rest, label = row
            out.append(" & ".join(_tx(x) for x in rest) + f" & {_badge(label)}" + r"\\")
        out.append(r"\hline\end{longtable}}")
    out.append(r"\end{document}")
    return "\n\n".join(out) + "\n"


def _question(item: Item, rec: Any, teacher: bool) -> list[str]:
    q = item.q
    label = R.status(rec)
    out = [rf"{{\small\ttfamily {_tx(q.id)}}}" + (rf" {_badge(label)}" if teacher else "")]
    if item.text:
        out.append(latex_prose(item.text))
    out.append(r"\textbf{Answer}")
    out.append(r"\begin{gather*}" + r"\\ ".join(reference_math(q, engine="latex")) +
               r"\end{gather*}")
    if not teacher and not R.is_green(label):
        out.append(rf"\textcolor{{bad}}{{{_tx(label)}: this answer did not pass derive's "
                   r"checks; see the instructor edition.}")
    out.extend(rf"\erratum{{{latex_prose(e)}}}" for e in q.errata)
    if q.solution:
        out.append(r"\textbf{Solution.} " + latex_prose(q.solution))
    wrong = [f for f in q.reject if f.label or f.misconception]
    if wrong:
        out.append(r"\textbf{" + ("Known wrong answers" if teacher else "Common mistakes") +
                   r"}\begin{itemize}")
        for f in wrong:
            why = " ".join(latex_prose(x) for x in (f.misconception, f.feedback) if x)
            verdict = R.wrong_answer_verdict(rec, f.latex) if teacher else None
            out.append(rf"\item \textbf{{{latex_prose(f.label or 'wrong')}:}} ${f.latex}$\\ {why}" +
                       (rf"\\ {{\small {_tx(verdict)}}}" if verdict else ""))
        out.append(r"\end{itemize}")
    if teacher:
        out.append(r"\textbf{Verification record}\\")
        if rec is None:
            out.append(r"\textcolor{bad}{NOT VERIFIED: the report has no record of it.}")
        else:
            describe = rec.numeric.get("describe")
            rows = ([("Against", latex_prose(describe))] if describe else []) + [
                ("Symbolic", _tx("; ".join(R.symbolic_lines(rec, q)))),
                ("Numeric", _tx("; ".join(R.numeric_lines(rec, q)))),
                ("Forms", _tx(R.forms_line(rec)))]
            if R.limits_lines(rec, q):
                rows.append(("Limits", _tx(" ".join(R.limits_lines(rec, q)))))
            if q.verify:
                rows.append(("Note", latex_prose(q.verify)))
            out.append(r"\begin{tabular}{@{}lp{0.8\linewidth}@{}}" +
                       "".join(rf"{k} & {val}\\" for k, val in rows) + r"\end{tabular}")
            for p in rec.problems:
                out.append(rf"\textcolor{{bad}}{{FAILED: {_tx(p)}}}")
    return out
