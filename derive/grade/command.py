"""``derive grade`` and ``derive gradescope``: the command line's side of the grading stage
(the argument parser lives in :mod:`derive.cli`)."""
from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..bank.loader import Bank


def _settings(args: argparse.Namespace, bank: Bank) -> Any:
    from .work import GRADE_PROOF_TIMEOUT, Settings
    if args.device is not None:  # a wrong device is the caller's error: say so at once
        from ..judge.numeric import resolve_device
        resolve_device(args.device)
    timeout = GRADE_PROOF_TIMEOUT if args.timeout is None else args.timeout
    return Settings(bank.dirs, seed=args.seed, device=args.device, proof_timeout=timeout)


def grade_cli(args: argparse.Namespace, bank: Bank) -> int:
    from .engine import Run
    from .scores import load_rubric
    rubric = load_rubric(args.rubric, bank)  # a bad rubric stops the run before it starts
    if args.jobs is not None and args.jobs < 1:
        print("derive: --jobs must be at least 1", file=sys.stderr)
        return 2
    if args.resume and not args.output:
        print("derive: --resume needs -o FILE (the output to continue)", file=sys.stderr)
        return 2
    kept: list[dict[str, Any]] = []
    wants_records = bool(args.csv or args.report)
    run = Run(args.input, bank, _settings(args, bank), output=args.output,
              resume=args.resume, jobs=args.jobs, ray=args.ray, dedupe=not args.no_dedupe,
              progress=None if args.quiet else sys.stderr,
              on_record=(lambda r, rec: kept.append(rec))
              if wants_records and not args.output else None)
    summary = run.execute()
    if args.quiet:  # the skipped and crashed lines are said even when quiet
        for s in summary.skipped:
            print(f"derive: line {s.line}: skipped ({s.why})", file=sys.stderr)
    print("derive: " + summary.text(), file=sys.stderr, flush=True)
    if wants_records and not summary.interrupted:
        records = _read_back(args.output) if args.output else kept
        if args.csv:
            from .scores import score_sheet, write_csv
            sheet = score_sheet(records, bank, rubric, args.student_field)
            with open(args.csv, "w", encoding="utf-8", newline="") as fh:
                write_csv(sheet, fh, args.student_field)
            note = (f"; {sheet.repeated} repeated answers (the last line counts)"
                    if sheet.repeated else "")
            print(f"derive: scores of {len(sheet.students)} students written to {args.csv}"
                  f"{note}", file=sys.stderr)
        if args.report:
            from .report import render
            with open(args.report, "w", encoding="utf-8") as fh:
                fh.write(render(records, bank, rubric))
            print(f"derive: report written to {args.report}", file=sys.stderr)
    return summary.exit_code


def _read_back(path: str) -> list[dict[str, Any]]:
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
    return out


def gradescope_cli(args: argparse.Namespace, bank: Bank) -> int:
    from .gradescope import autograde
    results = autograde(bank, submission=args.submission, results=args.results,
                        exam=args.exam, rubric_path=args.rubric,
                        settings=_settings(args, bank), visibility=args.visibility)
    print(f"derive: {results['score']:g} / {results.get('max_score', 0):g} points; "
          f"results written to {args.results}", file=sys.stderr)
    return 0
