"""Tests for derive.publish (solution booklets, both editions) and its LaTeX -> Typst text.

Most tests render booklets from a *green report made here* (every record
passing), so that they test typesetting, not the bank's current state, and run
in seconds. ``test_every_exam_builds_from_a_real_report`` runs the real
``validate`` over the whole bank once per session (minutes on a small machine;
point ``DERIVE_PDF_REPORT`` at a ``derive validate --json`` file to reuse one).

The PDF's text is read with pypdf; the structural check uses ``qpdf --check`` and
poppler's ``pdfinfo`` when they are installed (Debian: qpdf, poppler-utils), else
pypdf's strict reader.

Snapshots of the typeset references live in tests/snapshots/*.typ; regenerate
them with ``DERIVE_UPDATE_SNAPSHOTS=1 python -m pytest tests/test_pdf.py``.
"""
from __future__ import annotations

import argparse
import io
import json
import os
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

pypdf = pytest.importorskip("pypdf")
typst = pytest.importorskip("typst")

from derive import load_bank
from derive.publish.latex_text import latex_math_to_typst, typst_markup
from derive.errors import DeriveError
from derive.publish.booklet import (EDITIONS, BookletError, booklet_ok, build_booklet,
                                    build_cli, compile_typst, load_report, reference_math,
                                    render_typst, tidy_pdf)
from derive.publish.content import layout
from derive.validate.run import ClaimRecord, FormResult, Record, Report

BANK = load_bank()
SNAPSHOTS = Path(__file__).parent / "snapshots"
UPDATE = os.environ.get("DERIVE_UPDATE_SNAPSHOTS") == "1"
REPORT_DATE = "2001-02-03T04:05:06+00:00"


def green_record(q, **kw) -> Record:
    forms = [FormResult("accept", f.latex, None, True, "equivalent", "symbolic.proven",
                        "equivalent", "") for f in q.accept]
    forms += [FormResult("reject", f.latex, f.label, True, "not_equivalent", f.reason or "",
                         f.reason or "not equivalent", "") for f in q.reject]
    fields = dict(symbolic={"value": {"result": True, "method": "test proof"}},
                  numeric={"describe": "test torch computation",
                           "value": {"status": "agree", "points": 64, "max_abs_error": 1.5e-13,
                                     "against": "definition", "device": "cpu", "seed": 0}},
                  forms=forms)
    fields |= kw
    ok = fields.pop("ok", True)
    return Record(q.id, ok, **fields)


def green_report(bank=BANK) -> Report:
    records = [green_record(q) for q in bank.questions.values()]
    claims = [ClaimRecord(c.id, True, True, "proof", "test evidence", c.exam_key,
                          None if c.exam_key is None else c.exam_key is True)
              for c in bank.claims.values()]
    return Report(records, claims, REPORT_DATE, 0, "cpu")


def pdf_text(pdf: bytes) -> str:
    """The PDF's text, with math italic letters (U+1D434...) folded to ASCII."""
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return unicodedata.normalize("NFKC", text)


GREEK = {"alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "Delta": "Δ", "lambda": "λ",
         "mu": "μ", "sigma": "σ", "theta": "θ", "pi": "π", "partial": "∂", "sum": "∑"}


def key_tokens(line: str) -> set[str]:
    """What a reader must find of a typeset reference: its numbers, quoted words,
    Greek letters and operators (Typst's glyphs, not its source names)."""
    tokens = set(re.findall(r"\d+(?:\.\d+)?", line))
    tokens |= {w for w in re.findall(r'"([^"]+)"', line)}
    tokens |= {GREEK[w] for w in re.findall(r"[A-Za-z]+", line) if w in GREEK}
    if "sqrt(" in line:
        tokens.add("√")
    if re.search(r"\blog\(", line):
        tokens.add("log")
    if "max(" in line:
        tokens.add("max")
    return tokens


# --- every exam, every reference -------------------------------------------------------

@pytest.fixture(scope="module")
def green() -> Report:
    return green_report()


@pytest.fixture(scope="module")
def booklets(green) -> dict[tuple[str, str], bytes]:
    return {(e, ed): build_booklet(BANK, e, green, edition=ed)
            for e in BANK.exams for ed in EDITIONS}


@pytest.fixture(scope="module")
def texts(booklets) -> dict[tuple[str, str], str]:
    return {k: pdf_text(pdf) for k, pdf in booklets.items()}


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("exam", list(BANK.exams))
def test_booklet_shows_every_question_and_reference(texts, exam, edition):
    text = texts[exam, edition]
    squashed = re.sub(r"\s+", "", text)
    for q in BANK.exams[exam].questions:
        assert q.id in text, f"{q.id} missing from the {exam} booklet"
        for line in reference_math(q):
            for tok in key_tokens(line):
                assert re.sub(r"\s+", "", tok) in squashed, \
                    f"{q.id}: {tok!r} of the reference {line!r} is not in the PDF text"
    for c in BANK.exams[exam].claims:
        assert c.id in text
    if edition == "instructor":
        assert REPORT_DATE in text
        assert "Summary" in text


#: what must never reach a reader: LaTeX commands, Markdown, ASCII maths
RAW_MARKUP = [
    (r"\\[A-Za-z]+", "a LaTeX command"),
    (r"\*\*", "Markdown bold or a Python power"),
    (r"(?<![\w*])\*[A-Za-z][^*\n]{0,40}\*(?![\w*])", "Markdown emphasis"),
    (r"\^", "a caret (^T, x^2) in plain text"),
    (r"sqrt\(", "sqrt( in plain text"),
    (r"\|\|", "|| as a norm in plain text"),
    (r"_\{", "a LaTeX subscript in plain text"),
    (r"\w[“”]\s*\(", "a curly quote before a bracket (f'' read as a closing quote)"),
]


@pytest.mark.parametrize("edition", EDITIONS)
@pytest.mark.parametrize("exam", list(BANK.exams))
def test_booklet_text_has_no_raw_markup(texts, exam, edition):
    text = texts[exam, edition]
    for pattern, what in RAW_MARKUP:
        hits = [text[max(0, m.start() - 40):m.end() + 40].replace("\n", " ")
                for m in re.finditer(pattern, text)]
        assert not hits, f"{exam} ({edition}): {what}: {hits[:3]}"


INTERNALS = ["Verification record", "grader:", "Symbolic", "random points", "seed",
             "Claims", "tier 2", "catalogue", "rsolve", "validator", "Summary", "settled",
             "Evidence", "misconception.match"]


@pytest.mark.parametrize("exam", list(BANK.exams))
def test_student_edition_has_no_verification_internals(texts, exam):
    student, teacher = texts[exam, "student"], texts[exam, "instructor"]
    for word in INTERNALS:
        assert word not in student, f"{exam}: {word!r} in the student edition"
    assert "Verification record" in teacher and "grader:" in teacher
    assert "Common mistakes" in student and "Known wrong answers" in teacher
    if BANK.exams[exam].claims:
        assert "Evidence" in teacher and "test evidence" in teacher


def structural_problems(pdf: bytes, tmp_path) -> list[str]:
    """What qpdf and poppler say about the file (or pypdf's strict reader without them)."""
    path = tmp_path / "check.pdf"
    path.write_bytes(pdf)
    problems = []
    if shutil.which("qpdf"):
        run = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
        if run.returncode != 0 or "No syntax or stream encoding errors" not in run.stdout:
            problems.append(f"qpdf --check: {run.stdout}{run.stderr}")
    for tool in ("pdfinfo", "pdftotext"):
        if shutil.which(tool):
            args = [tool, str(path)] + (["-"] if tool == "pdftotext" else [])
            run = subprocess.run(args, capture_output=True, text=True)
            if run.returncode != 0 or run.stderr.strip():
                problems.append(f"{tool}: {run.stderr.strip()}")
    reader = pypdf.PdfReader(io.BytesIO(pdf), strict=True)
    if not reader.pages or not reader.metadata or not reader.metadata.title:
        problems.append("pypdf: no pages or no title")
    return problems


@pytest.mark.parametrize("edition", EDITIONS)
def test_pdf_passes_structural_checks(booklets, edition, tmp_path):
    for exam in BANK.exams:
        assert structural_problems(booklets[exam, edition], tmp_path) == [], exam


def test_tidy_pdf_blanks_suspects_and_keeps_offsets():
    raw = b"1 0 obj\n<</Type/Catalog/MarkInfo<</Marked true/Suspects false>>>>\nendobj\n"
    tidy = tidy_pdf(raw)
    assert b"Suspects" not in tidy and len(tidy) == len(raw)
    assert b"/Marked true" in tidy
    assert tidy_pdf(b"/Suspects false") == b"/Suspects false"   # only inside /MarkInfo
    pdf = compile_typst("Hello")
    assert b"/Suspects" not in pdf and pypdf.PdfReader(io.BytesIO(pdf), strict=True).pages


def test_every_reference_translates_and_compiles():
    lines = []
    for q in BANK.questions.values():
        lines += reference_math(q, strict=True)   # raises on a command it cannot typeset
    doc = "#set page(width: 30cm, height: auto)\n" + "\n".join(f"$ {x} $\n" for x in lines)
    assert compile_typst(doc).startswith(b"%PDF")


def test_reference_is_printed_as_the_bank_writes_it():
    q = BANK.question("tum-in2346-ss22/2.4")
    assert reference_math(q) == [latex_math_to_typst(q.reference)] or \
        reference_math(q)[0].endswith(latex_math_to_typst(q.reference))
    tum = BANK.question("tum-in2346-ss22/6.2")
    assert all('"MSE"' in line or "MSE" not in line for line in reference_math(tum))
    import dataclasses
    count = dataclasses.replace(BANK.question("stanford-cs230-sp21/3.i.params"),
                                reference=r"(27 + 1) \cdot 64")
    assert re.sub(r"\s", "", reference_math(count)[-1]).endswith("(27+1)dot64=1792")


def test_shared_stem_is_printed_once(texts):
    exam = BANK.exams["stanford-cs230-sp21"]
    parts = [q for q in exam.questions if q.number.startswith("3.")]
    first = re.split(r"\n\s*\n", parts[0].text.strip())[0]
    words = " ".join(first.split()[:8])
    assert len(parts) > 1
    for edition in EDITIONS:
        flat = re.sub(r"\s+", " ", texts["stanford-cs230-sp21", edition])
        assert flat.count(words) == 1, edition


def test_every_printed_question_shows_its_points():
    for exam in BANK.exams.values():
        shown = {}
        for block in layout(exam):
            if block.points is not None:
                shown[block.title] = block.points
        numbers = {f"Question {q.number}" for q in exam.questions}
        assert numbers <= set(shown), (exam.id, numbers - set(shown))
        assert all(re.fullmatch(r"[\d.]+ points?|no points printed", p) for p in shown.values())


@pytest.mark.slow
def test_every_exam_builds_from_a_real_report():
    from derive.validate.run import validate
    path = os.environ.get("DERIVE_PDF_REPORT")
    report = load_report(path) if path else validate(BANK, None)
    for exam in BANK.exams:
        for edition in EDITIONS:
            text = pdf_text(build_booklet(BANK, exam, report, edition=edition))
            for q in BANK.exams[exam].questions:
                assert q.id in text
            if not booklet_ok(BANK.exams[exam], report):
                assert "FAILED" in text or "NOT VERIFIED" in text
            if edition == "student":   # the instructor edition quotes the run's own messages
                for pattern, what in RAW_MARKUP:
                    assert not re.search(pattern, text), f"{exam}: {what}"


# --- the verification record -------------------------------------------------------------

def cli_args(tmp_path, **kw) -> argparse.Namespace:
    base = dict(exam="ucb-cs182-sp22", all=False, output=str(tmp_path / "out.pdf"),
                engine="typst", keep_source=False, from_report=None, seed=0, device=None,
                edition="instructor")
    return argparse.Namespace(**(base | kw))


def write_report(report: Report, path: Path) -> str:
    path.write_text(json.dumps(report.to_dict(), default=str), encoding="utf-8")
    return str(path)


def test_failed_record_is_printed_and_exits_1(tmp_path):
    report = green_report()
    bad = next(i for i, r in enumerate(report.records) if r.question == "ucb-cs182-sp22/1")
    report.records[bad] = green_record(
        BANK.question("ucb-cs182-sp22/1"), ok=False,
        numeric={"value": {"status": "mismatch", "points": 3, "max_abs_error": 0.5,
                           "against": "definition", "device": "cpu", "seed": 0}},
        problems=["reference vs torch: mismatch at x = [1, 2]"])
    args = cli_args(tmp_path, from_report=write_report(report, tmp_path / "r.json"))
    assert build_cli(BANK, args) == 1
    text = pdf_text((tmp_path / "out.pdf").read_bytes())
    assert "FAILED" in text
    assert "reference vs torch: mismatch at x = [1, 2]" in re.sub(r"\s+", " ", text)
    assert "ucb-cs182-sp22/9.beta" in text   # the rest is still printed


def test_green_report_exits_0_and_keeps_source(tmp_path):
    args = cli_args(tmp_path, keep_source=True,
                    from_report=write_report(green_report(), tmp_path / "r.json"))
    assert build_cli(BANK, args) == 0
    assert (tmp_path / "out.typ").read_text().startswith("\n#set document")
    assert "all verified" in pdf_text((tmp_path / "out.pdf").read_bytes())


def test_missing_record_is_not_verified():
    report = green_report()
    report.records = [r for r in report.records if r.question != "ucb-cs182-sp22/1"]
    assert not booklet_ok(BANK.exams["ucb-cs182-sp22"], report)
    src = render_typst(BANK.exams["ucb-cs182-sp22"], report)
    assert "NOT VERIFIED" in src


def test_record_shows_points_error_device_and_seed():
    exam = BANK.exams["ucb-cs182-sp22"]
    text = pdf_text(compile_typst(render_typst(exam, green_report())))
    flat = re.sub(r"\s+", " ", text)
    assert "Against test torch computation" in flat
    assert "agree at 64 random points inside the declared domains; largest absolute error " \
        "1.5e-13" in flat
    assert "device cpu, seed 0" in flat


def test_cli_edition_option(tmp_path):
    from derive import cli as _cli
    report = write_report(green_report(), tmp_path / "r.json")
    for edition in EDITIONS:
        rc = _cli.main(["pdf", "--all", "-o", str(tmp_path / edition), "--from-report", report,
                        "--edition", edition])
        assert rc == 0
    student = pdf_text((tmp_path / "student" / "ucb-cs182-sp22.pdf").read_bytes())
    teacher = pdf_text((tmp_path / "instructor" / "ucb-cs182-sp22.pdf").read_bytes())
    assert "Verification record" not in student and "Verification record" in teacher
    assert "student edition" in student and "instructor edition" in teacher
    with pytest.raises(SystemExit):
        _cli.main(["pdf", "ucb-cs182-sp22", "-o", str(tmp_path / "x.pdf"), "--edition", "x"])


def test_student_edition_flags_a_failed_answer():
    report = green_report()
    bad = next(i for i, r in enumerate(report.records) if r.question == "ucb-cs182-sp22/1")
    report.records[bad] = green_record(BANK.question("ucb-cs182-sp22/1"), ok=False)
    text = pdf_text(compile_typst(render_typst(BANK.exams["ucb-cs182-sp22"], report,
                                               edition="student")))
    assert "FAILED" in text and "Verification record" not in text


def test_all_writes_one_pdf_per_exam(tmp_path):
    args = cli_args(tmp_path, exam=None, all=True, output=str(tmp_path / "books"),
                    from_report=write_report(green_report(), tmp_path / "r.json"))
    assert build_cli(BANK, args) == 0
    assert sorted(p.stem for p in (tmp_path / "books").glob("*.pdf")) == sorted(BANK.exams)


@pytest.mark.parametrize("kw, message", [
    (dict(exam=None), "give one exam id"),
    (dict(all=True), "give one exam id"),
    (dict(exam="no-such-exam"), "no exam 'no-such-exam'"),
])
def test_bad_arguments(tmp_path, kw, message):
    with pytest.raises(BookletError, match=message):
        build_cli(BANK, cli_args(tmp_path, **kw))


def test_bad_report_file(tmp_path):
    (tmp_path / "r.json").write_text("{}")
    with pytest.raises(DeriveError, match="not a report"):
        load_report(tmp_path / "r.json")


def test_latex_engine_without_pdflatex_names_the_package(tmp_path, monkeypatch):
    from derive import cli as _cli
    monkeypatch.setattr(shutil, "which", lambda name: None)
    rc = _cli.main(["pdf", "ucb-cs182-sp22", "-o", str(tmp_path / "x.pdf"), "--engine", "latex"])
    assert rc == 2
    with pytest.raises(BookletError, match="texlive-latex-base"):
        build_booklet(BANK, "ucb-cs182-sp22", green_report(), engine="latex")


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex is not installed")
@pytest.mark.parametrize("exam", list(BANK.exams))
def test_latex_engine(exam, green, tmp_path):
    pdf = build_booklet(BANK, exam, green, engine="latex", source_path=tmp_path / "b.tex")
    text = pdf_text(pdf)
    for q in BANK.exams[exam].questions:
        assert q.id in text
    assert (tmp_path / "b.tex").read_text().startswith(r"\documentclass")


# --- snapshots of typeset answers ---------------------------------------------------------

SNAPSHOT_IDS = ["ucb-cs182-sp22/1",            # matrix expression
                "uw-cse493g1-sp23/3.6.1.1",    # piecewise
                "ucb-cs182-sp22/9.gamma",      # sum over a family
                "uw-cse493g1-sp23/3.6.1.2"]    # equation


@pytest.mark.parametrize("qid", SNAPSHOT_IDS)
def test_reference_snapshot(qid):
    got = "\n".join(reference_math(BANK.question(qid))) + "\n"
    path = SNAPSHOTS / (qid.replace("/", "__") + ".typ")
    if UPDATE or not path.exists():
        SNAPSHOTS.mkdir(exist_ok=True)
        path.write_text(got, encoding="utf-8")
        if not UPDATE:
            pytest.fail(f"wrote a new snapshot {path}; check it and run again")
    assert got == path.read_text(encoding="utf-8"), (
        f"the typeset reference of {qid} changed; if intended, regenerate with "
        f"DERIVE_UPDATE_SNAPSHOTS=1")


# --- LaTeX -> Typst translation ----------------------------------------------------------

MATH = [
    (r"\frac{a}{b}", "frac(a, b)"),
    (r"\frac{x, y}{2}", r"frac(x \, y, 2)"),
    (r"\sqrt{x}", "sqrt(x)"),
    (r"\sqrt[3]{x}", "root(3, x)"),
    (r"x^{n+1}_{i}", "x^(n + 1)_i"),
    (r"x_i^2", "x_i^2"),
    (r"\alpha \beta \Gamma \epsilon \varepsilon", "alpha beta Gamma epsilon.alt epsilon"),
    (r"\mathbb{R}^{m \times n}", "RR^(m times n)"),
    (r"\mathbb{1}[k = y]", "bb(1) [ k = y ]"),
    (r"\mathbf{W}^\top \mathbf{x}", "bold(W)^top bold(x)"),
    (r"\sum_{i=1}^n x_i", "sum_(i = 1)^n x_i"),
    (r"\prod_{j \ne i} x_j", "product_(j != i) x_j"),
    (r"\partial L / \partial x", r"partial L \/ partial x"),
    (r"\nabla_x f \cdot y \times z", "nabla_x f dot y times z"),
    (r"a \le b \ge c \ne d \leq e", "a <= b >= c != d <= e"),
    (r"\log x + \exp(y) + \max(a, 0) - \min_i z_i", "log x + exp ( y ) + max ( a , 0 ) - min_i z_i"),
    (r"\|x - y\|^2", "norm(x - y)^2"),
    (r"\left\| W x \right\|_2", "norm(W x)_2"),
    (r"\text{if } x", '"if " x'),
    (r"\operatorname{softmax}(z)_i", 'op("softmax")( z )_i'),   # a name holds its bracket
    (r"\mathrm{sgn}(x)", 'upright("sgn")( x )'),
    (r"\text{CE}(y; p)", '"CE"( y ; p )'),
    (r"\begin{cases} 1 & x > 0 \\ 0 & \text{otherwise} \end{cases}",
     'cases(1 & "if" x > 0, 0 & "otherwise")'),
    (r"\begin{cases} \max(a, 0) & x \end{cases}", r'cases(max ( a \, 0 ) & "if" x)'),
    (r"\begin{cases} a, & \text{if } x \\ b & \quad \text{else} \end{cases}",
     r'cases(a \, & "if " x, b & "else")'),
    (r"x^T W^{T} y^\top z^{\intercal}", "x^top W^top y^top z^top"),      # one transpose sign
    (r"|w_i| + \left| x \right|^2", "abs(w_i) + abs(x)^2"),
    (r"p(a | b)", "p ( a | b )"),                                          # not a pair
    (r"\mathbf{I}_n * x + w^* + w_i^{*}", "bold(I)_n dot x + w^* + w_i^*"),
    (r"\underset{W}{\operatorname{argmin}} f", 'limits(op("argmin"))_W f'),
    (r"f''(w_k)", "f'' ( w_k )"),
    (r"\frac{n}{(\sum_i x_i)^2}", "frac(n, ( sum_i x_i )^2)"),           # balanced in a call
    (r"\begin{pmatrix} a & b \\ c & d \end{pmatrix}", 'mat(delim: "(", a, b; c, d)'),
    (r"\left( \frac{a}{b} \right)", "( frac(a, b) )"),
    (r"\hat{x}_i + \tilde{J} + \bar{y}", "hat(x)_i + tilde(J) + macron(y)"),
    (r"w_i^*", "w_i^*"),
    (r"f'(x)", "f' ( x )"),
    (r"\frac{[0, 1)}{2}", r"frac(\[ 0 \, 1 \), 2)"),      # unbalanced inside a call
    (r"\foo{x}", '#raw("\\\\foo") x'),                      # unknown: raw code
    (r"\frac{a}{", 'frac(a, "")'),                          # unclosed: read as closed
    (r"x_{", 'x_""'),
]


@pytest.mark.parametrize("latex, expected", MATH, ids=[m[0] for m in MATH])
def test_latex_math_to_typst(latex, expected):
    assert latex_math_to_typst(latex) == expected, latex


def test_declared_names_of_several_letters_are_upright():
    # a run of letters is one name only where the question declares it so (iC, dout)
    assert latex_math_to_typst(r"oC\,(9\,iC + 9)", words={"iC", "oC"}) == \
        'upright("oC") thin ( 9 thin upright("iC") + 9 )'
    assert latex_math_to_typst(r"x_{iC} + iCx", words={"iC"}) == 'x_(upright("iC")) + i C x'
    assert latex_math_to_typst(r"oC") == "o C"                 # undeclared: a product
    assert reference_math(BANK.question("tum-in2346-ss22/2.3"))[0].endswith(
        'upright("dout") thin W^top')


def test_translations_compile():
    doc = "\n".join(f"${latex_math_to_typst(latex)}$\n" for latex, _ in MATH)
    assert compile_typst(doc).startswith(b"%PDF")


PROSE = [
    ("Cost is 5 # items_a * b / c // d", r"Cost is 5 \# items\_a \* b \/ c \/\/ d"),
    ("Use `net.parameters()` here", 'Use #raw("net.parameters()") here'),
    ("For $x \\in \\mathbb{R}$.", "For $x in RR$."),
    ("line one\nline two\n\nnew paragraph", "line one line two\n\nnew paragraph"),
    ("- not a list", '#""- not a list'),
    ("unclosed $x + 1", r"unclosed \$x + 1"),
    ("$$a = b$$", "$ a = b $"),
    ("$\\begin{cases} 1 & x \\end{cases}$", '$ cases(1 & "if" x) $'),
    ("so $\\begin{cases} 1 & x \\end{cases}$. Then", 'so $ cases(1 & "if" x) . $ Then'),
    ("```\nx = 1\n```\nafter", '#block(raw(block: true, "x = 1"))\n\nafter'),
]


@pytest.mark.parametrize("text, expected", PROSE, ids=[p[0] for p in PROSE])
def test_typst_markup(text, expected):
    assert typst_markup(text) == expected, text


def test_all_bank_prose_compiles():
    pieces = []
    for q in BANK.questions.values():
        pieces += [q.text, q.solution, *q.errata, *(f"${f.latex}$" for f in q.accept + q.reject)]
    for e in BANK.exams.values():
        pieces += [*e.errata, *(c.statement for c in e.claims), *(c.note for c in e.claims)]
    doc = "\n\n".join(typst_markup(p) for p in pieces if p)
    assert compile_typst(doc).startswith(b"%PDF")
    assert "\\frac" not in pdf_text(compile_typst(doc))   # no raw LaTeX leaks


def test_every_table_entry_compiles():
    from derive.publish import latex_text as lt
    atoms = [*lt.SYMBOLS.values(), *lt.OPERATORS.values(), *lt.BLACKBOARD.values()]
    calls = [f"{f}(x)" for f in lt.ONE_ARG.values()] + [f"{f}(x, y)" for f in lt.TWO_ARG.values()]
    body = " ".join(f"a {x} b" for x in atoms if x.strip() and x.strip() != "\\")
    assert compile_typst(f"${body}$\n\n$" + " ".join(calls) + "$").startswith(b"%PDF")
