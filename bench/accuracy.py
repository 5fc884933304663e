"""derive vs Math-Verify on the same corpus, side by side in one process.

    python bench/accuracy.py [--quick] [--independent-only [--corpus DIR]] [--family NAME ...]

Corpus: every accepted form (expected: equivalent) and every rejected form
(expected: not equivalent) of every question in the bank, read from
``derive.load_bank()`` at run time, plus ``bench/corpus.toml``. For Math-Verify
the gold is the question's reference LaTeX wrapped in ``$...$``, parsed once per
question; the answer is wrapped the same way. Per case the two tools run one
after the other on the same input (derive first, then Math-Verify), so they
share the machine's noise.

A tool *accepts* an answer when derive says ``equivalent`` / Math-Verify's
``verify`` returns True. Anything else (not equivalent, undecided, invalid,
an exception) is not an acceptance. Accuracy counts a correct answer accepted
and a wrong answer not accepted as right.

Then the independent corpus, ``bench/independent/corpus/*.toml`` (1,366 answers written
without looking at the parser, labelled correct, wrong or unreadable; its README says how
they were written and checked): the same two tools side by side, and per notation family
the right verdicts (a correct answer equivalent, a wrong one not_equivalent, an
unreadable one invalid; for Math-Verify: accepted, not accepted, nothing parsed), the
false accepts (a wrong answer judged equivalent) and the invalid rate on readable answers.
A case with a whole ``response`` (a model's output) is checked as a response
(``derive.check(..., response=...)``; Math-Verify parses the response the same way).
Math-Verify is optional (``pip install -e '.[bench]'``); without it only derive runs.

Writes bench/results/accuracy.json (``accuracy.quick.json`` with ``--quick``).
"""
from __future__ import annotations

import argparse
import importlib.util
import tomllib
from dataclasses import dataclass
from pathlib import Path

import _common as C

CORPUS = Path(__file__).resolve().parent / "corpus.toml"
INDEPENDENT = Path(__file__).resolve().parent / "independent" / "corpus"
QUICK_PER_FAMILY = 3   # --quick: this many independent cases per family
QUICK_CAP_S = 30.0   # --quick stops starting new cases after this many seconds


@dataclass
class Case:
    qid: str
    latex: str
    expected: bool
    source: str       # bank:accept, bank:reject, corpus
    note: str = ""


def load_cases(bank) -> tuple[list[Case], list[dict]]:
    cases: list[Case] = []
    for q in bank.questions.values():
        for f in q.accept:
            cases.append(Case(q.id, f.latex, True, "bank:accept", f.note or ""))
        for f in q.reject:
            cases.append(Case(q.id, f.latex, False, "bank:reject", f.label or ""))
    skipped = []
    data = tomllib.loads(CORPUS.read_text(encoding="utf-8"))
    for c in data.get("case", []):
        if c["question"] not in bank.questions:
            skipped.append({"question": c["question"], "latex": c["latex"],
                            "why": "question not in the bank"})
            continue
        cases.append(Case(c["question"], c["latex"], bool(c["expected"]), "corpus",
                          c.get("note", "")))
    return cases, skipped


def quick_subset(cases: list[Case]) -> list[Case]:
    """A spread of cases: every question, accepted and rejected, bank and corpus."""
    seen: dict[tuple, int] = {}
    out = []
    for c in cases:
        key = (c.qid.split("/")[0], c.expected, c.source == "corpus")
        if seen.get(key, 0) < 1:
            seen[key] = seen.get(key, 0) + 1
            out.append(c)
    return out


# --- the two tools ----------------------------------------------------------------------

def run_derive(derive, c: Case) -> tuple[str, str, float]:
    t = C.now()
    try:
        v = derive.check(c.qid, c.latex)
        status, reason = v.status.value, v.reason
    except Exception as exc:  # a crash is an error, never an acceptance
        status, reason = "error", f"{type(exc).__name__}: {exc}"
    return status, reason, C.now() - t


class MathVerify:
    def __init__(self, bank):
        from math_verify import parse, verify
        self.parse, self.verify = parse, verify
        self.bank = bank
        self.gold: dict[str, object] = {}

    def gold_for(self, qid: str):
        if qid not in self.gold:
            self.gold[qid] = self.parse("$" + self.bank.question(qid).reference + "$")
        return self.gold[qid]

    def run(self, c: Case, text: str | None = None) -> tuple[str, str, float]:
        gold = self.gold_for(c.qid)     # parsed once per question, outside the timing
        t = C.now()
        try:
            pred = self.parse(text if text is not None else "$" + c.latex + "$")
            if not pred:
                status, reason = "invalid", "parse returned nothing"
            else:
                ok = self.verify(gold, pred)
                status, reason = ("equivalent" if ok else "not_equivalent"), repr(pred[0])[:80]
        except Exception as exc:
            status, reason = "error", f"{type(exc).__name__}: {exc}"
        return status, reason, C.now() - t


def summarise(rows: list[dict], tool: str) -> dict:
    pos = [r for r in rows if r["expected"]]
    neg = [r for r in rows if not r["expected"]]
    acc = lambda r: r[tool]["status"] == "equivalent"  # noqa: E731
    right = sum(1 for r in pos if acc(r)) + sum(1 for r in neg if not acc(r))
    lat = [r[tool]["seconds"] for r in rows]
    return {
        "cases": len(rows),
        "accuracy": right / len(rows) if rows else float("nan"),
        "correct_accepted": sum(1 for r in pos if acc(r)),
        "correct_total": len(pos),
        "wrong_accepted": sum(1 for r in neg if acc(r)),
        "wrong_total": len(neg),
        "undecided": sum(1 for r in rows if r[tool]["status"] == "undecided"),
        "invalid": sum(1 for r in rows if r[tool]["status"] == "invalid"),
        "error": sum(1 for r in rows if r[tool]["status"] == "error"),
        "invalid_on_correct": sum(1 for r in pos if r[tool]["status"] in ("invalid", "error")),
        "median_ms": 1000 * C.median(lat),
        "p99_ms": 1000 * C.percentile(lat, 99),
        "max_ms": 1000 * max(lat) if lat else float("nan"),
    }


# --- the independent corpus ----------------------------------------------------------------

@dataclass
class IndependentCase:
    qid: str
    latex: str
    family: str
    label: str              # correct | wrong | unreadable
    response: str | None = None
    note: str = ""


def load_independent(bank, families: list[str] | None = None,
                     corpus: Path = INDEPENDENT) -> list[IndependentCase]:
    cases = []
    for path in sorted(corpus.glob("*.toml")):
        family = path.stem
        if families and family not in families:
            continue
        for c in tomllib.loads(path.read_text(encoding="utf-8")).get("case", []):
            if c["question"] not in bank.questions:
                continue
            cases.append(IndependentCase(c["question"], c["latex"], family, c["label"],
                                         c.get("response"), c.get("note", "")))
    return cases


def run_derive_independent(derive, c: IndependentCase) -> tuple[str, str, float]:
    t = C.now()
    try:
        v = (derive.check(c.qid, response=c.response) if c.response
             else derive.check(c.qid, c.latex))
        status, reason = v.status.value, v.reason
    except Exception as exc:  # a crash is an error, never an acceptance
        status, reason = "error", f"{type(exc).__name__}: {exc}"
    return status, reason, C.now() - t


def run_mv_independent(mv, c: IndependentCase) -> tuple[str, str, float]:
    text = c.response if c.response else "$" + c.latex + "$"
    return mv.run(Case(c.qid, c.latex, True, "independent"), text=text)


def right(label: str, status: str) -> bool:
    """A right verdict: correct -> equivalent, wrong -> not_equivalent, unreadable ->
    invalid (Math-Verify's statuses are mapped the same way: accepted is equivalent,
    rejected not_equivalent, nothing parsed invalid)."""
    return {"correct": "equivalent", "wrong": "not_equivalent",
            "unreadable": "invalid"}[label] == status


def summarise_independent(rows: list[dict], tool: str) -> dict:
    readable = [r for r in rows if r["label"] != "unreadable"]
    return {
        "cases": len(rows),
        "right": sum(right(r["label"], r[tool]["status"]) for r in rows),
        "false_accepts": sum(r["label"] == "wrong" and r[tool]["status"] == "equivalent"
                             for r in rows),
        "wrong_total": sum(r["label"] == "wrong" for r in rows),
        "readable": len(readable),
        "invalid_on_readable": sum(r[tool]["status"] in ("invalid", "error")
                                   for r in readable),
        "undecided": sum(r[tool]["status"] == "undecided" for r in rows),
    }


def independent(derive, mv, bank, quick: bool, families: list[str] | None,
                corpus: Path = INDEPENDENT) -> dict:
    cases = load_independent(bank, families, corpus)
    if quick:
        seen: dict[str, int] = {}
        picked = []
        for c in cases:
            if seen.get(c.family, 0) < QUICK_PER_FAMILY:
                seen[c.family] = seen.get(c.family, 0) + 1
                picked.append(c)
        cases = picked
    tools = ["derive"] + (["math_verify"] if mv is not None else [])
    print(f"\nindependent corpus: {len(cases)} cases in "
          f"{len({c.family for c in cases})} families; tools: {', '.join(tools)}")
    rows = []
    for c in cases:
        ds, dr, dt = run_derive_independent(derive, c)
        row = {"question": c.qid, "family": c.family, "label": c.label, "latex": c.latex,
               "response": c.response is not None, "note": c.note,
               "derive": {"status": ds, "reason": dr, "seconds": dt}}
        if mv is not None:
            ms, mr, mt = run_mv_independent(mv, c)
            row["math_verify"] = {"status": ms, "detail": mr, "seconds": mt}
        rows.append(row)
    families_seen = sorted({r["family"] for r in rows})
    summary = {t: {f: summarise_independent([r for r in rows if r["family"] == f], t)
                   for f in families_seen + ["ALL"]} for t in tools}
    for t in tools:
        summary[t]["ALL"] = summarise_independent(rows, t)

    def pct(a: int, b: int) -> str:
        return f"{100 * a / b:.1f}%" if b else "-"
    for t in tools:
        s = summary[t]
        C.table(["family", "cases", "right verdicts", "false accepts", "invalid on readable",
                 "undecided"],
                [[f, s[f]["cases"], f"{s[f]['right']} ({pct(s[f]['right'], s[f]['cases'])})",
                  f"{s[f]['false_accepts']}/{s[f]['wrong_total']}",
                  f"{s[f]['invalid_on_readable']}/{s[f]['readable']} "
                  f"({pct(s[f]['invalid_on_readable'], s[f]['readable'])})", s[f]["undecided"]]
                 for f in families_seen + ["ALL"]],
                title=f"independent corpus, {t} (right: correct -> equivalent, wrong -> "
                      f"not_equivalent, unreadable -> invalid)")
    missed = [r for r in rows if not right(r["label"], r["derive"]["status"])]
    C.table(["family", "question", "label", "derive verdict", "reason", "latex"],
            [[r["family"], r["question"], r["label"], r["derive"]["status"],
              r["derive"]["reason"][:32], r["latex"][:70]] for r in missed],
            title=f"independent cases derive got wrong ({len(missed)})")
    return {"summary": summary, "cases": rows}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true",
                   help="a smoke-test run that finishes in well under a minute")
    p.add_argument("--independent-only", action="store_true",
                   help="run only the independent corpus (bench/independent)")
    p.add_argument("--family", nargs="*", default=None,
                   help="only these families of the independent corpus")
    p.add_argument("--corpus", type=Path, default=None,
                   help="with --independent-only: another folder of <family>.toml cases in the "
                        "independent format (e.g. bench/heldout/corpus); writes "
                        "accuracy.<folder's parent name>.json, e.g. accuracy.heldout.json")
    a = p.parse_args()
    if a.corpus is not None and not a.independent_only:
        p.error("--corpus goes with --independent-only")
    if a.corpus is not None and not a.corpus.is_dir():
        p.error(f"no such corpus folder: {a.corpus}")
    import derive
    from derive.judge.sandbox import shared_worker

    bank = derive.load_bank()
    mv = MathVerify(bank) if importlib.util.find_spec("math_verify") else None
    if mv is None:
        print("Math-Verify is not installed (pip install -e '.[bench]'): derive only")
    if a.independent_only:
        shared_worker().warm()
        corpus = a.corpus.resolve() if a.corpus is not None else INDEPENDENT
        name = "independent" if a.corpus is None else corpus.parent.name
        result = independent(derive, mv, bank, a.quick, a.family, corpus)
        C.write_json(f"accuracy.{name}" + (".quick" if a.quick else ""), {
            "quick": a.quick, "machine": C.machine(), "corpus": str(corpus.relative_to(
                Path(__file__).resolve().parent.parent)) if corpus.is_relative_to(
                Path(__file__).resolve().parent.parent) else str(corpus),
            "independent": result})
        return
    cases, skipped = load_cases(bank)
    if a.quick:
        cases = quick_subset(cases)
    print(f"{len(cases)} cases ({sum(c.expected for c in cases)} correct answers, "
          f"{sum(not c.expected for c in cases)} wrong), {len(skipped)} corpus cases skipped "
          f"(question not in the bank), {len(bank.questions)} bank questions")

    # Warm-up, not timed: derive's first call starts its worker process (python -m
    # derive.judge.sandbox, which imports sympy and the bank); torch loads on the first
    # numeric check. Math-Verify's first parse builds its regexes and ANTLR parser.
    t = C.now()
    shared_worker().warm()
    t_worker = C.now() - t
    q0 = next(iter(bank.questions.values()))
    t = C.now()
    derive.check(q0.id, q0.reference)
    t_first = C.now() - t
    t_mv_first = float("nan")
    if mv is not None:
        t = C.now()
        mv.verify(mv.gold_for(q0.id), mv.parse("$" + q0.reference + "$"))
        t_mv_first = C.now() - t
    print(f"warm-up (not counted): derive worker start {t_worker:.2f} s, first derive.check "
          f"{t_first:.2f} s, first Math-Verify parse+verify {t_mv_first:.2f} s")

    rows = []
    started = C.now()
    stopped_early = 0
    for k, c in enumerate(cases):
        if a.quick and C.now() - started > QUICK_CAP_S:
            stopped_early = len(cases) - k
            print(f"--quick: stopped after {QUICK_CAP_S} s, {stopped_early} cases not run")
            break
        ds, dr, dt = run_derive(derive, c)          # A ...
        row = {"question": c.qid, "latex": c.latex, "expected": c.expected,
               "source": c.source, "note": c.note,
               "derive": {"status": ds, "reason": dr, "seconds": dt}}
        if mv is not None:
            ms, mr, mt = mv.run(c)                   # ... then B, on the same case
            row["math_verify"] = {"status": ms, "detail": mr, "seconds": mt}
        rows.append(row)

    tools = ["derive"] + (["math_verify"] if mv is not None else [])
    summary = {t: summarise(rows, t) for t in tools}
    C.table(
        ["tool", "cases", "accuracy", "correct accepted", "wrong accepted (FP)",
         "undecided", "invalid", "error", "median ms", "p99 ms"],
        [[t, s["cases"], f"{100 * s['accuracy']:.1f}%",
          f"{s['correct_accepted']}/{s['correct_total']}",
          f"{s['wrong_accepted']}/{s['wrong_total']}", s["undecided"], s["invalid"],
          s["error"], s["median_ms"], s["p99_ms"]] for t, s in summary.items()],
        title="derive vs Math-Verify (accepted = judged equivalent)")

    # per source
    by_src = []
    for src in ("bank:accept", "bank:reject", "corpus"):
        sub = [r for r in rows if r["source"] == src]
        if not sub:
            continue
        d = summarise(sub, "derive")
        m = summarise(sub, "math_verify") if mv is not None else None
        by_src.append([src, len(sub), f"{100 * d['accuracy']:.1f}%",
                       f"{100 * m['accuracy']:.1f}%" if m else "-",
                       d["wrong_accepted"], m["wrong_accepted"] if m else "-"])
    C.table(["source", "cases", "derive acc.", "Math-Verify acc.", "derive FP", "Math-Verify FP"],
            by_src, title="by source")

    misjudged = [r for r in rows if (r["derive"]["status"] == "equivalent") != r["expected"]]
    C.table(["question", "expected", "derive verdict", "reason", "latex"],
            [[r["question"], "equivalent" if r["expected"] else "not equivalent",
              r["derive"]["status"], r["derive"]["reason"][:40], r["latex"][:70]]
             for r in misjudged],
            title=f"cases derive got wrong ({len(misjudged)})")
    mv_fp = [r for r in rows if not r["expected"] and mv is not None
             and r["math_verify"]["status"] == "equivalent"]
    C.table(["question", "Math-Verify parsed", "latex"],
            [[r["question"], r["math_verify"]["detail"][:40], r["latex"][:70]] for r in mv_fp],
            title=f"wrong answers Math-Verify accepted ({len(mv_fp)})")

    indep = independent(derive, mv, bank, a.quick, a.family)

    C.write_json("accuracy" + (".quick" if a.quick else ""), {
        "quick": a.quick, "quick_cases_not_run": stopped_early, "machine": C.machine(),
        "warmup_seconds": {"derive_worker_start": t_worker, "derive_first_check": t_first,
                           "math_verify_first": t_mv_first},
        "order": "per case: derive.check, then Math-Verify parse+verify (gold parsed once per "
                 "question, untimed)",
        "summary": summary, "skipped": skipped, "cases": rows, "independent": indep,
    })


if __name__ == "__main__":
    main()
