"""The booklet as a Typst document, in its two editions.

* **student**: the questions, the answers, the worked solutions, the common mistakes with
  their explanation, the errata of the printed exam, and the answers of the true/false and
  multiple-choice items. No verification internals; a record that failed (or is missing)
  is still flagged, so a wrong answer is never handed out unmarked.
* **instructor**: all of that, plus the verification record of each question (what was
  proven, against what, where and how the check could miss an error), what the grader
  says to each known wrong answer, the claims with their evidence, and a summary table.
"""
from __future__ import annotations

import re
from typing import Any

from ..bank.loader import Claim, Exam, Question
from . import record as R
from .content import Item, Stem, layout, names, reference_math, source_text
from .latex_text import latex_math_to_typst, typst_markup, typst_string

__all__ = ["render_typst"]

_PREAMBLE = r"""
#set document(title: TITLE, author: "derive")
#set page(paper: "a4", margin: (x: 2.2cm, top: 2.2cm, bottom: 2.4cm),
  footer: context [#set text(8pt, fill: luma(100)); FOOTER #h(1fr) #counter(page).display("1 / 1", both: true)])
#set text(size: 10.5pt, lang: "en")
#set par(justify: true, leading: 0.62em)
#show heading: set text(hyphenate: false)
#show heading: set par(justify: false)
#show heading: set block(above: 0pt, below: 0pt)
#show heading.where(level: 1): set text(15pt)
#show heading.where(level: 2): set text(12.5pt)
#show heading.where(level: 3): set text(11pt)
#show raw: set text(font: "DejaVu Sans Mono", size: 0.9em)
#let good = rgb("#1a7f37")
#let bad = rgb("#cf222e")
#let badge(ok, label) = box(inset: (x: 4pt, y: 2pt), radius: 2pt,
  fill: if ok { rgb("#dafbe1") } else { rgb("#ffebe9") },
  text(8.5pt, weight: "bold", fill: if ok { good } else { bad }, label))
#let qhead(level, title, aside, sub) = block(sticky: true, width: 100%,
  above: if level == 1 { 2em } else { 1.5em }, below: 0.8em, {
    grid(columns: (1fr, auto), align: (left + bottom, right + bottom), column-gutter: 1em,
      heading(level: level, title), text(9.5pt, fill: luma(60), aside))
    if sub != none { v(0.35em); text(8.5pt, fill: luma(90), sub) }
  })
#let fit(eq) = layout(size => {
  let w = measure(eq).width
  align(center, if w > size.width { scale(size.width / w * 100%, reflow: true, eq) } else { eq })
})
#let answer(..lines) = block(width: 100%, inset: (y: 2pt),
  stack(spacing: 10pt, ..lines.pos().map(fit)))
#let erratum(body) = block(width: 100%, fill: rgb("#fff8c5"), inset: 8pt, radius: 2pt,
  stroke: (left: 3pt + rgb("#d4a72c")), [*Erratum in the printed exam.* #body])
#let problem(body) = block(width: 100%, fill: rgb("#ffebe9"), inset: 8pt, radius: 2pt,
  stroke: (left: 3pt + bad), body)
#let part(body) = block(sticky: true, above: 1.1em, below: 0.6em, text(weight: "bold", body))
#let mistake(label, ans, why, verdict, display: false) = block(width: 100%, breakable: false,
  above: 0.8em, below: 0.8em, inset: (left: 8pt, y: 2pt), stroke: (left: 1.5pt + luma(190)), {
    set block(above: 0.45em, below: 0.45em)
    text(weight: "bold", label)
    if display { ans } else { h(0.5em); ans }
    if why != none { if not display { linebreak() }; why }
    if verdict != none { linebreak(); text(8.5pt, fill: luma(90), verdict) }
  })
#let record(breakable: false, ..rows) = block(width: 100%, fill: luma(246), inset: 8pt,
  radius: 2pt, breakable: breakable, table(columns: (auto, 1fr), stroke: none, inset: (x: 4pt, y: 3pt),
  align: left, ..rows))
"""


def _txt(s: Any) -> str:
    """Plain text (ids, numbers, messages) in Typst markup."""
    return "#" + typst_string(str(s))


def _prose(s: str, words: frozenset[str] = frozenset()) -> str:
    """Text that may hold LaTeX maths in ``$...$`` and code in backticks; ``words`` are the
    question's names of several letters (:func:`~.content.names`)."""
    return typst_markup(s, words=words) if s else ""


def _badge(label: str) -> str:
    return f"#badge({'true' if R.is_green(label) else 'false'}, {typst_string(label)})"


def _display(lines: list[str]) -> str:
    return "#answer(" + ", ".join(f"[$ {line} $]" for line in lines) + ")"


def render_typst(exam: Exam, report: Any, *, edition: str = "instructor", origin: str = "",
                 version: str = "") -> str:
    """The Typst source of ``exam``'s booklet (``edition``: student or instructor)."""
    teacher = edition == "instructor"
    v = R.Verdicts.of(exam, report)
    ok = R.booklet_ok(exam, report)
    footer = f"{exam.id}: solutions, {edition} edition"
    out = [_PREAMBLE.replace("TITLE", typst_string(exam.title)).replace("FOOTER", _txt(footer))]
    out.append(_cover(exam, report, v, ok, teacher, edition, origin, version))
    out.append("#pagebreak()")
    shown: set[str] = set()   # errata already printed in this question's group
    for block in layout(exam):
        if block.level == 1:
            shown = set()
        if isinstance(block, Stem):
            out.append(_stem(block))
        else:
            out.append(_question(block, v.records.get(block.q.id), teacher, shown))
    if exam.claims:
        title = "Claims" if teacher else "True/false and multiple-choice items"
        out.append(f"#pagebreak()\n#qhead(1, [{_txt(title)}], [], none)")
        if teacher:
            out.append("Statements from the exam (true/false and multiple-choice options), each "
                       "settled by the code in the bank: a SymPy proof, a counterexample or a "
                       "torch computation.")
        for c in exam.claims:
            out.append(_claim(c, v.claims.get(c.id), teacher))
    if teacher:
        out.append(_summary(exam, v))
    return "\n\n".join(out) + "\n"


# --- the cover ----------------------------------------------------------------------------

def _cover(exam: Exam, report: Any, v: R.Verdicts, ok: bool, teacher: bool, edition: str,
           origin: str, version: str) -> str:
    subtitle = ("Solutions, instructor edition: with the verification record" if teacher
                else "Solutions")
    out = ["#align(center)[#v(2.5cm)\n#block(width: 90%)[#set par(justify: false)\n"
           "#text(20pt, weight: \"bold\", hyphenate: false)[" + _title(exam.title) + "]]\n"
           f"#v(0.6em)\n#text(13pt)[{_txt(subtitle)}]\n#v(1.5cm)]"]
    meta = [("Exam", exam.id)]
    src = source_text(exam)
    if src:
        meta.append(("Source", src))
    meta.append(("Answer key of the exam", exam.key or "none printed"))
    meta.append(("Questions", len(exam.questions)))
    if exam.claims:
        meta.append(("Claims" if teacher else "True/false and multiple-choice items",
                     len(exam.claims)))
    if teacher:
        meta += [("Verified on", f"{report.date} ({origin or 'validate run'})"),
                 ("Seed", report.seed), ("Device", report.device),
                 ("derive", version or "?")]
    rows = ", ".join(f"[*{k}*], [{_txt(val)}]" for k, val in meta)
    status = ""
    if teacher:
        n_bad = sum(not R.is_green(R.status(v.records.get(q.id))) for q in exam.questions) + \
            sum(not R.is_green(R.status(v.claims.get(c.id))) for c in exam.claims)
        overall = "all verified" if ok else f"FAILED: {n_bad} item(s) not verified"
        status = f", [*Status*], [#badge({'true' if ok else 'false'}, {typst_string(overall)})]"
    out.append(f"#align(center, table(columns: 2, stroke: none, align: (right, left), "
               f"{rows}{status}))")
    if teacher:
        out.append("#v(1cm)\n#text(9pt, fill: luma(80))[Each answer is printed as the bank "
                   "writes it. The verification record under each question comes from a "
                   "`derive validate` run (the date above), not from text typed by hand: the "
                   "symbolic check compares the answer with the SymPy derivation of the "
                   "question's definition, the numeric check compares it with a torch "
                   "computation (autograd, a forward pass, an optimiser step, a module's "
                   "parameter count) at random points, and the forms check runs every accepted "
                   "and known wrong answer through the grader. The student edition "
                   "(`derive pdf --edition student`) leaves the records out.]")
    else:
        out.append("#v(1cm)\n#text(9.5pt, fill: luma(60))[Every answer in this booklet was "
                   "checked by computer, against an independent computation of the quantity "
                   "it names and, where possible, by a symbolic proof. Under each question: "
                   "the answer, a worked solution, and common mistakes with what is wrong in "
                   "each. Where the printed exam is wrong, a yellow box says what it prints "
                   "and what it should say.]")
    if exam.errata:
        out.append("#qhead(2, [Errata in the printed exam], [], none)")
        out.extend(f"#erratum[{_prose(e)}]" for e in exam.errata)
    return "\n\n".join(out)


def _title(title: str) -> str:
    """The title with no line break inside a word: "Leal-Taixé" stays whole."""
    return " ".join(f"#box({typst_string(w)})" if "-" in w else _txt(w) for w in title.split())


# --- questions ----------------------------------------------------------------------------

def _stem(s: Stem) -> str:
    """A shared heading and its text, kept on the page of the first part below it."""
    head = f"#qhead({s.level}, [{_txt(s.title)}], [{_txt(s.points or '')}], none)"
    if not s.text:
        return head
    return f"{head}\n\n#block(sticky: true, width: 100%)[{_prose(s.text, s.words)}]"


def _question(item: Item, rec: Any, teacher: bool, shown: set[str]) -> str:
    q = item.q
    label = R.status(rec)
    words = names(q)
    sub = _txt(q.id)
    if teacher:
        sub += f" #h(0.6em) {_txt(q.kind)} #h(0.6em) {_badge(label)}"
    out = [f"#qhead({item.level}, [{_txt(item.title)}], [{_txt(item.points or '')}], [{sub}])"]
    if item.text:
        out.append(_prose(item.text, words))
    out.append("#part[Answer]")
    out.append(_display(reference_math(q)))
    if not teacher and not R.is_green(label):
        out.append(f"#problem[*{label}.* This answer did not pass derive's checks: see the "
                   f"instructor edition before handing this booklet out.]")
    out.extend(f"#erratum[{_prose(e, words)}]" for e in q.errata if e not in shown)
    shown.update(q.errata)
    if q.solution:
        out.append("#part[Solution]\n" + _prose(q.solution, words))
    wrong = [f for f in q.reject if f.label or f.misconception]
    if wrong:
        out.append("#part[" + ("Known wrong answers" if teacher else "Common mistakes") + "]")
        out.extend(_mistake(f, rec, teacher, words) for f in wrong)
    if teacher:
        out.append(_record(q, rec))
    return "\n\n".join(out)


def _sentence(s: str) -> str:
    """A phrase as a sentence: capitalised (unless it starts with maths), with a full stop."""
    s = s.strip()
    if not s:
        return s
    if s[0].isalpha():
        s = s[0].upper() + s[1:]
    return s if s[-1] in ".!?" else s + "."


def _mistake(f: Any, rec: Any, teacher: bool, words: frozenset[str]) -> str:
    math = latex_math_to_typst(f.latex, words=words)
    # a fraction, sum or case split set inline would crowd the lines around it
    tall = re.search(r"\b(cases|mat)\(|\b(sum|product)\b", math) or (
        re.search(r"\b(frac|sqrt|root)\(", math) and len(math) > 25)
    ans = f"#fit($ {math} $)" if tall else f"${math}$"
    label = _prose(f.label or "wrong") + ":"
    why = " ".join(_prose(_sentence(x), words) for x in (f.misconception, f.feedback) if x)
    verdict = R.wrong_answer_verdict(rec, f.latex) if teacher else None
    return (f"#mistake([{label}], [{ans}], {f'[{why}]' if why else 'none'}, "
            f"{f'[{_txt(verdict)}]' if verdict else 'none'}, "
            f"display: {'true' if tall else 'false'})")


def _lines(xs: list[str]) -> str:
    return " \\ ".join(_txt(x) for x in xs)


def _record(q: Question, rec: Any) -> str:
    if rec is None:
        return ("#part[Verification record]\n#problem[*NOT VERIFIED.* The report has no "
                "record of this question: run `derive validate` on this exam again.]")
    describe = rec.numeric.get("describe")
    rows = [("Status", _badge(R.status(rec)))]
    if describe:
        rows.append(("Against", _prose(describe)))
    rows += [("Symbolic", _lines(R.symbolic_lines(rec, q))),
             ("Numeric", _lines(R.numeric_lines(rec, q))),
             ("Forms", _txt(R.forms_line(rec)))]
    limits = R.limits_lines(rec, q)
    if limits:
        rows.append(("Limits", _lines(limits)))
    if q.verify:
        rows.append(("Note", _prose(q.verify, names(q))))
    body = ", ".join(f"[*{k}*], [{val}]" for k, val in rows)
    out = f"#part[Verification record]\n#record({body})"
    if rec.problems:
        out += "\n" + _problems(rec.problems)
    return out


def _problems(problems: list[str]) -> str:
    """What the run found wrong: the validator's own words, answers quoted as LaTeX source,
    so set as code."""
    return ("#problem[*FAILED.* " + " \\ ".join(f"#raw({typst_string(p)})" for p in problems)
            + "]")


# --- claims -------------------------------------------------------------------------------

def _claim_title(c: Claim) -> str:
    return "Question " + c.id.split("/", 1)[-1]


def _claim(c: Claim, rec: Any, teacher: bool) -> str:
    label = R.status(rec)
    sub = _txt(c.id) + (f" #h(0.6em) {_badge(label)}" if teacher else "")
    out = [f"#qhead(2, [{_txt(_claim_title(c))}], [], [{sub}])", _prose(c.statement)]
    holds = R.claim_holds(c, rec)
    if holds is not None:
        answer = R.answer_text(holds)
        out.append(f"#part[Answer]\n*{_txt(answer[:1].upper() + answer[1:] + '.')}*")
    if not teacher and not R.is_green(label):
        out.append(f"#problem[*{label}.* This answer did not pass derive's checks: see the "
                   f"instructor edition before handing this booklet out.]")
    erratum = R.claim_erratum(c)
    if erratum:
        printed, right, why = erratum
        out.append(f"#erratum[The printed key says {_txt(printed)}; it should say "
                   f"{_txt(right)}. {_prose(why)}]")
    if c.note:
        out.append(_prose(c.note))
    if teacher:
        if rec is None:
            out.append("#problem[*NOT VERIFIED.* The report has no record of this claim.]")
        else:
            rows = [("Settled by", _txt(rec.method)), ("Evidence", _prose(rec.evidence)),
                    ("Exam key", _txt(R.key_text(c, rec)))]
            out.append("#record(breakable: true, " +
                       ", ".join(f"[*{k}*], [{val}]" for k, val in rows) + ")")
            if rec.problems:
                out.append(_problems(rec.problems))
    return "\n\n".join(out)


# --- the summary --------------------------------------------------------------------------

def _summary(exam: Exam, v: R.Verdicts) -> str:
    cells = [f"[*{h}*]" for h in R.SUMMARY_HEAD]
    for row in R.summary_rows(exam, v):
        *rest, label = row
        cells.extend(f"[{_txt(x)}]" for x in rest)
        cells.append(f"[{_badge(label)}]")
    return ("#pagebreak()\n#qhead(1, [Summary], [], none)\n#set text(9pt)\n#table(columns: (auto, auto, auto, auto, "
            "1fr, auto, auto), stroke: 0.4pt + luma(180), inset: 4pt, align: left + horizon, "
            "table.header(" + ", ".join(cells[:7]) + "), " + ", ".join(cells[7:]) + ")")
