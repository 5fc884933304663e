"""``derive pdf``: solution booklets, in a student and an instructor edition. See docs/pdf.md.

A booklet is made in three pure stages and one effect:

1. the *verification record*: a :class:`~derive.validate.run.Report`, computed by
   :func:`~derive.validate.run.validate` while the booklet is made, or read back from
   ``derive validate --json FILE`` with :func:`load_report` (never typed by hand), put
   into words by :mod:`.record`;
2. the *content* (:mod:`.content`): the answers as the bank writes them, the questions in
   printed order with shared stems once;
3. the *source*: a Typst document (:func:`render_typst`, :mod:`.typst_doc`) or a LaTeX one
   (:func:`render_latex`, :mod:`.latex_doc`), in one of :data:`EDITIONS`;
4. compiling it: the ``typst`` wheel (offline, bundled fonts) or ``pdflatex``.

:func:`build_booklet` is the Python entry point; :func:`build_cli` adds the argument
handling of ``derive pdf``.
"""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable

from ..bank.loader import Bank
from ..errors import DeriveError
from ..validate.run import load_report  # re-exported: booklets from a saved report
from .content import reference_math
from .latex_doc import render_latex
from .record import booklet_ok
from .typst_doc import render_typst

__all__ = ["build_booklet", "build_cli", "load_report", "reference_math", "render_typst",
           "render_latex", "booklet_ok", "compile_typst", "ENGINES", "EDITIONS",
           "DEFAULT_EDITION"]

ENGINES = ("typst", "latex")
EDITIONS = ("student", "instructor")
#: the instructor edition is the default: it is the whole record, and what ``derive pdf``
#: printed before editions existed; a booklet for students is asked for by name.
DEFAULT_EDITION = "instructor"
LATEX_PACKAGE = "texlive-latex-base"


class BookletError(DeriveError):
    """The booklet could not be made (a missing engine, a compile error, a bad option)."""


# --- compiling ------------------------------------------------------------------------------

_MARK_INFO = re.compile(rb"/MarkInfo\s*<<[^<>]*>>")
_SUSPECTS_FALSE = re.compile(rb"/Suspects\s*false")


def tidy_pdf(pdf: bytes) -> bytes:
    """The PDF with ``/Suspects false`` blanked out of the catalog's ``/MarkInfo``.

    Typst writes ``/MarkInfo << /Marked true /Suspects false >>``, which is valid PDF, but
    poppler (22.x, Debian 12) reports every boolean ``Suspects`` that is not ``true`` as
    ``Syntax Error: Suspects object is wrong type (boolean)``. ``false`` is the default,
    so the entry is replaced by spaces of the same length: no byte offset moves and the
    cross-reference table stays valid.
    """
    def blank(m: re.Match) -> bytes:
        return _SUSPECTS_FALSE.sub(lambda s: b" " * len(s.group(0)), m.group(0))

    return _MARK_INFO.sub(blank, pdf)


def compile_typst(source: str) -> bytes:
    import typst
    try:
        pdf = typst.compile(source.encode("utf-8"), format="pdf", ignore_system_fonts=True)
    except Exception as exc:  # typst raises its own TypstError with the diagnostics
        raise BookletError(f"typst could not compile the booklet: {exc}") from None
    return tidy_pdf(pdf)


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


def _version() -> str:
    """derive's installed version (read from the package metadata, not by importing the
    root package, which would reach every stage)."""
    from importlib.metadata import PackageNotFoundError, version
    try:
        return version("derive")
    except PackageNotFoundError:
        return "?"


def _check_options(engine: str, edition: str) -> None:
    if engine not in _RENDER:
        raise BookletError(f"unknown engine {engine!r} (known: {', '.join(ENGINES)})")
    if edition not in EDITIONS:
        raise BookletError(f"unknown edition {edition!r} (known: {', '.join(EDITIONS)})")
    if engine == "latex" and shutil.which("pdflatex") is None:
        compile_latex("")  # raises the error that names the package


def build_booklet(bank: Bank, exam_id: str, report: Any = None, engine: str = "typst", *,
                  edition: str = DEFAULT_EDITION, seed: int = 0, device: str | None = None,
                  progress: Callable[[str, int, int], None] | None = None,
                  origin: str = "", source_path: str | os.PathLike | None = None) -> bytes:
    """The PDF of ``exam_id``'s solution booklet, as bytes.

    ``report`` is a :class:`Report` (from :func:`~derive.validate.run.validate` or
    :func:`load_report`); without one the exam is validated now with ``seed`` and
    ``device``, calling ``progress(id, k, total)`` per item. ``engine`` is ``"typst"``
    (the bundled wheel) or ``"latex"`` (``pdflatex``); ``edition`` is ``"student"`` or
    ``"instructor"``. ``source_path``, if given, receives the document source. Whether
    the booklet is all green is :func:`booklet_ok`; a failing record is printed as FAILED.
    """
    _check_options(engine, edition)
    if exam_id not in bank.exams:
        raise BookletError(f"no exam {exam_id!r}; exams: {', '.join(bank.exams)}")
    render, compile_, _ = _RENDER[engine]
    if report is None:
        from ..validate.run import validate
        report = validate(bank, exam_id, seed=seed, device=device, progress=progress)
        origin = origin or "validated while this booklet was made"
    source = render(bank.exams[exam_id], report, edition=edition, origin=origin,
                    version=_version())
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
    edition = getattr(args, "edition", None) or DEFAULT_EDITION
    _check_options(args.engine, edition)
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
    render, compile_, suffix = _RENDER[args.engine]
    all_ok = True
    for e, target in targets.items():
        def progress(what: str, k: int, total: int) -> None:
            print(f"[{k + 1}/{total}] {what}", file=sys.stderr, flush=True)

        if report is None:
            from ..validate.run import validate
            rep = validate(bank, e, seed=args.seed, device=args.device, progress=progress)
            org = "validated while this booklet was made"
        else:
            rep, org = report, origin
        source = render(bank.exams[e], rep, edition=edition, origin=org, version=_version())
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
        print(f"wrote {target} ({edition} edition): "
              f"{'all verified' if ok else 'FAILED items are marked'}", file=sys.stderr)
    return 0 if all_ok else 1
