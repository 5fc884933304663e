"""The ``derive`` command line. See docs/cli.md.

    derive check ID LATEX [--json] [--seed N] [--device cpu|cuda] [--timeout S]
    derive check ID --response TEXT [...]    (a whole response: its final answer is checked)
    derive list [EXAM]
    derive show ID
    derive validate [EXAM|ID|CLAIM] [--json FILE] [--no-claims]
    derive new EXAM [-o DIR]     (a starting EXAM.toml and EXAM.py that validate as written)
    derive grade ANSWERS.jsonl [-o VERDICTS.jsonl] [--resume] [--jobs N] [--ray [ADDR]]
                 [--csv SCORES.csv] [--report REPORT.html] [--rubric RUBRIC.toml]
    derive gradescope [--submission DIR] [--results FILE] [--exam EXAM]
    derive pdf EXAM -o FILE.pdf | derive pdf --all -o DIR/  [--edition student|instructor]

Exit codes: 0 success (check: the answer is equivalent); 1 the answer is not
equivalent / validation failed; 2 usage or bank error; 3 undecided; 4 invalid answer.
grade: 0 every line has a verdict (right or wrong); 2 some lines were skipped; 5 a check
crashed (a bug in derive); 130 interrupted (--resume continues).
"""
from __future__ import annotations

import argparse
import json
import sys
import textwrap
from typing import Any, Sequence

from .errors import DeriveError
from .judge.verdict import Status

EXIT = {Status.EQUIVALENT: 0, Status.NOT_EQUIVALENT: 1, Status.UNDECIDED: 3,
        Status.INVALID: 4}


#: subcommands whose whole output is what they print: the ``derive`` command ends them
#: without the interpreter's teardown (see :func:`run`)
QUICK_EXIT = frozenset({"check", "show", "list"})
_last_cmd: str | None = None


def run() -> None:
    """The ``derive`` command (and ``python -m derive``): :func:`main`, then exit.

    After ``derive check``, ``show`` or ``list`` has printed its result, the process ends
    at once (``os._exit``, once stdout and stderr are flushed and the worker process is
    stopped): tearing down torch's and SymPy's modules at interpreter exit took about half
    a second, a fifth of a cold ``derive check`` (docs/grading.md). Commands that write
    files end normally."""
    import os
    rc = main()
    if _last_cmd in QUICK_EXIT:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
        except (BrokenPipeError, OSError):
            pass
        from .judge import sandbox
        if sandbox._shared is not None:
            sandbox._shared.abandon()
        os._exit(rc)
    sys.exit(rc)


def main(argv: Sequence[str] | None = None) -> int:
    global _last_cmd
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "cmd", None):
        parser.print_help()
        return 2
    _last_cmd = args.cmd
    try:
        return args.run(args)
    except DeriveError as exc:
        print(f"derive: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # derive list | head
        import os
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="derive", description="Check LaTeX answers to "
                                "deep-learning derivation questions against a verified bank.")
    p.add_argument("--bank", action="append", metavar="DIR",
                   help="a bank folder to add to the built-in bank (repeatable; "
                   "$DERIVE_BANK, a path list, adds folders too)")
    p.add_argument("--no-builtin-bank", action="store_true",
                   help="leave the built-in exams out (to try an edited copy of one)")
    sub = p.add_subparsers(dest="cmd")

    c = sub.add_parser("check", help="check one answer")
    c.add_argument("question", help="question id, e.g. ucb-cs182-sp22/1")
    c.add_argument("answer", nargs="?", help="the answer in LaTeX ('-' reads standard input)")
    c.add_argument("--response", metavar="TEXT",
                   help="instead of an answer: a whole response (a language model's, with its "
                   "working; '-' reads standard input); its final answer (the last \\boxed{}, "
                   "a 'final answer is' sentence, else the last math) is checked")
    c.add_argument("--json", action="store_true", help="print the verdict as one JSON object")
    c.add_argument("--seed", type=int, default=0, help="seed of the numeric points (default 0)")
    c.add_argument("--device", default=None, help="cpu or cuda (default: cuda when present)")
    c.add_argument("--timeout", type=float, default=10.0,
                   help="seconds allowed for the symbolic proof (default 10)")
    c.set_defaults(run=_check)

    g = sub.add_parser("grade", help="check many answers: JSON lines in, verdicts out "
                       "(docs/grading.md)")
    g.add_argument("input", help="a .jsonl file of {\"question\": ID, \"answer\": LATEX} "
                   "(or \"response\": TEXT) objects ('-' reads standard input); other keys "
                   "are copied to the output")
    g.add_argument("-o", "--output", help="write the verdicts here (default: standard output)")
    g.add_argument("--resume", action="store_true",
                   help="continue an interrupted run: keep the lines already in -o FILE")
    g.add_argument("--jobs", "-j", type=int, default=None, metavar="N",
                   help="worker processes (default: the number of cores)")
    g.add_argument("--ray", nargs="?", const="", default=None, metavar="ADDRESS",
                   help="run the checks as Ray tasks (a local Ray without ADDRESS; give "
                   "--ray after the input file); needs derive[ray]")
    g.add_argument("--csv", metavar="FILE",
                   help="write one row per student: each question's points and the total")
    g.add_argument("--report", metavar="FILE", help="write an HTML report of the class")
    g.add_argument("--rubric", metavar="FILE",
                   help="a TOML rubric: points and part credit (docs/grading.md)")
    g.add_argument("--student-field", default="student", metavar="KEY",
                   help="the input key that names the student (default: student)")
    g.add_argument("--no-dedupe", action="store_true",
                   help="check every line on its own, even identical answers")
    g.add_argument("-q", "--quiet", action="store_true", help="no line-by-line progress")
    g.add_argument("--seed", type=int, default=0)
    g.add_argument("--device", default=None)
    g.add_argument("--timeout", type=float, default=None,
                   help="seconds of computation allowed for an answer's symbolic proofs "
                   "(default 0.3 when grading)")
    g.set_defaults(run=_grade)

    gs = sub.add_parser("gradescope", help="run as a Gradescope autograder (docs/grading.md)")
    gs.add_argument("--submission", default="/autograder/submission", metavar="DIR",
                    help="the folder with answers.json (default: Gradescope's)")
    gs.add_argument("--results", default="/autograder/results/results.json", metavar="FILE",
                    help="where to write results.json (default: Gradescope's)")
    gs.add_argument("--exam", metavar="EXAM",
                    help="the assignment: every question of this exam is a test (default: "
                    "the questions the submission answers)")
    gs.add_argument("--rubric", metavar="FILE", help="a TOML rubric (docs/grading.md)")
    gs.add_argument("--visibility", default="visible",
                    choices=("visible", "hidden", "after_due_date", "after_published"))
    gs.add_argument("--seed", type=int, default=0)
    gs.add_argument("--device", default=None)
    gs.add_argument("--timeout", type=float, default=None)
    gs.set_defaults(run=_gradescope)

    ls = sub.add_parser("list", help="list the questions")
    ls.add_argument("exam", nargs="?")
    ls.set_defaults(run=_list)

    sh = sub.add_parser("show", help="show one question with its reference")
    sh.add_argument("question")
    sh.set_defaults(run=_show)

    v = sub.add_parser("validate", help="check the bank itself")
    v.add_argument("what", nargs="?", help="an exam, question or claim id (default: all)")
    v.add_argument("--json", metavar="FILE", help="also write the full report as JSON")
    v.add_argument("--seed", type=int, default=0)
    v.add_argument("--device", default=None)
    v.add_argument("--no-claims", action="store_true", help="skip the tier-2 claims")
    v.add_argument("-q", "--quiet", action="store_true", help="print failures only")
    v.set_defaults(run=_validate)

    nw = sub.add_parser("new", help="start an exam of your own: EXAM.toml and EXAM.py with "
                        "one worked question and one claim (docs/bank-format.md)")
    nw.add_argument("exam", help="the exam id, e.g. my-course-f25")
    nw.add_argument("-o", "--output", default=".", metavar="DIR",
                    help="the bank folder to write into (default: the current folder)")
    nw.set_defaults(run=_new)

    pdf = sub.add_parser("pdf", help="write solution booklets")
    pdf.add_argument("exam", nargs="?")
    pdf.add_argument("--all", action="store_true", help="every exam, into the directory -o")
    pdf.add_argument("-o", "--output", required=True)
    pdf.add_argument("--engine", choices=("typst", "latex"), default="typst")
    pdf.add_argument("--edition", choices=("student", "instructor"), default="instructor",
                     help="student: answers, solutions, common mistakes and errata; "
                     "instructor (default): also the verification record, the grader's "
                     "verdicts and the claims' evidence")
    pdf.add_argument("--keep-source", action="store_true",
                     help="also write the .typ / .tex source next to the PDF")
    pdf.add_argument("--from-report", metavar="FILE",
                     help="use a saved 'derive validate --json' report instead of re-running")
    pdf.add_argument("--seed", type=int, default=0)
    pdf.add_argument("--device", default=None)
    pdf.set_defaults(run=_pdf)
    return p


def _bank(args: argparse.Namespace):
    # imported here, not at the top: it brings SymPy, and `derive check` starts its worker
    # process first so the two start up side by side (see _check)
    from .bank.loader import load_bank
    bank = load_bank(args.bank or None, builtin=not args.no_builtin_bank)
    return bank, bank.dirs


def _options(args: argparse.Namespace, bank: Any, path: str) -> Any:
    """The check options of ``derive check`` and ``derive grade`` (the device is checked once)."""
    from .judge.check import Options
    return Options(seed=args.seed, device=args.device, proof_timeout=args.timeout, bank=bank)


def _start_worker() -> None:
    """Start the shared worker process in the background (its first call waits for it)."""
    import threading

    from .judge.sandbox import shared_worker
    threading.Thread(target=shared_worker().warm, name="derive-worker-start",
                     daemon=True).start()


def _check(args: argparse.Namespace) -> int:
    # Start-up, side by side: the worker process (a fresh interpreter importing SymPy and
    # the bank) starts first, while this one imports SymPy, then torch for the numeric
    # check; by the time the answer is sent to be read, the worker is ready.
    _start_worker()
    from .judge.check import check_question, check_response
    from .judge import numeric  # noqa: F401 - torch, imported while the worker starts
    if (args.answer is None) == (args.response is None):
        print("derive check: give an answer or --response TEXT (one of them)", file=sys.stderr)
        return 2
    bank, path = _bank(args)
    q = bank.question(args.question)
    if args.response is not None:
        response = sys.stdin.read() if args.response == "-" else args.response
        v = check_response(q, response, _options(args, bank, path))
        answer = v.answer
    else:
        answer = sys.stdin.read() if args.answer == "-" else args.answer
        v = check_question(q, answer, _options(args, bank, path))
    if args.json:
        print(v.to_json())
    else:
        print(f"{v.status.value} ({v.reason})")
        if v.extracted is not None:
            print(f"final answer read from the response: {v.extracted}")
        print(textwrap.fill(v.message, 100))
        if v.position is not None:
            print(f"  {answer}\n  {' ' * v.position}^")
        if v.counterexample is not None:
            ce = v.counterexample
            print(f"counterexample (seed {ce.seed}): at {json.dumps(ce.point)}")
            print(f"  expected {json.dumps(ce.expected)}\n  got      {json.dumps(ce.got)}")
    return EXIT[v.status]


def _grade(args: argparse.Namespace) -> int:
    """One verdict per input line; a bad line is reported and skipped, never fatal."""
    from .grade.command import grade_cli
    bank, _ = _bank(args)
    return grade_cli(args, bank)


def _gradescope(args: argparse.Namespace) -> int:
    from .grade.command import gradescope_cli
    bank, _ = _bank(args)
    return gradescope_cli(args, bank)


def _list(args: argparse.Namespace) -> int:
    bank, _ = _bank(args)
    if args.exam and args.exam not in bank.exams:
        print(f"derive: no exam {args.exam!r}; exams: {', '.join(bank.exams)}", file=sys.stderr)
        return 2
    for exam in bank.exams.values():
        if args.exam and exam.id != args.exam:
            continue
        print(f"{exam.id}: {exam.title}")
        for q in exam.questions:
            print(f"  {q.id:36s} {q.kind:10s} {q.reference[:70]}")
        for c in exam.claims:
            print(f"  {c.id:36s} {'claim':10s} {c.statement[:70]}")
    return 0


def _show(args: argparse.Namespace) -> int:
    bank, _ = _bank(args)
    q = bank.question(args.question)
    print(f"{q.id}  ({q.kind}{f', {q.points:g} points' if q.points else ''})")
    print(textwrap.indent(q.text, "  "))
    print(f"reference:  {q.reference}")
    if q.symbols:
        print("symbols:")
        for s in q.symbols:
            shape = f" {'x'.join(map(str, s.shape))}" if s.shape else ""
            print(f"  {s.name:10s} {s.kind}{shape}, {s.domain}; written "
                  f"{', '.join(s.forms)}")
    for f in q.accept:
        print(f"accepts:    {f.latex}")
    for f in q.reject:
        print(f"rejects:    {f.latex}   [{f.label}: {f.misconception}]")
    for e in q.errata:
        print(f"erratum:    {e}")
    if q.solution:
        print("solution:")
        print(textwrap.indent(textwrap.fill(q.solution, 96), "  "))
    return 0


def _validate(args: argparse.Namespace) -> int:
    from .validate.run import validate
    bank, path = _bank(args)

    def progress(what: str, k: int, total: int) -> None:
        print(f"[{k + 1}/{total}] {what}", file=sys.stderr, flush=True)

    report = validate(bank, args.what, seed=args.seed, device=args.device,
                      progress=progress, claims=not args.no_claims)
    _print_report(report, quiet=args.quiet)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as fh:
            json.dump(report.to_dict(), fh, indent=1, default=str)
    return 0 if report.ok else 1


def _print_report(report: Any, *, quiet: bool = False) -> None:
    print(f"{'question':38s} {'ok':4s} {'symbolic':9s} {'torch':20s} {'forms':7s}")
    for r in report.records:
        if quiet and r.ok:
            continue
        sym, num = r.symbolic_summary, r.numeric_summary
        forms = f"{sum(f.ok for f in r.forms)}/{len(r.forms)}"
        print(f"{r.question:38s} {'yes' if r.ok else 'NO':4s} {sym:9s} {num:20s} {forms:7s}")
        for p in r.problems:
            print(textwrap.indent(textwrap.fill(p, 96), "      ! "))
    for c in report.claims:
        if quiet and c.ok:
            continue
        key = "" if c.agrees_with_key is None else (" = key" if c.agrees_with_key else " != key")
        print(f"{c.claim:38s} {'yes' if c.ok else 'NO':4s} claim: {c.method}, holds "
              f"{c.holds}{key}")
        for p in c.problems:
            print(textwrap.indent(textwrap.fill(p, 96), "      ! "))
    n_forms = sum(len(r.forms) for r in report.records)
    print(f"\n{sum(r.ok for r in report.records)}/{len(report.records)} questions, "
          f"{sum(f.ok for r in report.records for f in r.forms)}/{n_forms} forms, "
          f"{sum(c.ok for c in report.claims)}/{len(report.claims)} claims ok "
          f"(seed {report.seed}, device {report.device})")


def _new(args: argparse.Namespace) -> int:
    from .bank.loader import load_bank
    from .bank.template import new_exam
    if args.exam in load_bank(builtin=True, directory=None).exams:
        print(f"derive new: {args.exam!r} is a built-in exam; choose another id",
              file=sys.stderr)
        return 2
    toml, py = new_exam(args.exam, args.output)
    folder = args.output
    print(f"wrote {toml} and {py}\nnext: edit them, then\n"
          f"  derive --bank {folder} validate {args.exam}\n"
          f"  derive --bank {folder} check {args.exam}/1 '2W^\\top(Wx - y)'")
    return 0


def _pdf(args: argparse.Namespace) -> int:
    from .publish.booklet import build_cli
    bank, path = _bank(args)
    return build_cli(bank, args)


if __name__ == "__main__":
    sys.exit(main())
