"""Where a grading run's time goes: one question's set-up, and a median answer's phases.

    python bench/grading_breakdown.py

1. **Set-up**: in a fresh grading state, the first answer to each of the bank's questions
   (its reference) is checked: the per-question cost a process pays once (parsing the
   reference and known wrong answers, drawing the points, the ground truth there).
2. **A median answer**: every distinct answer of bench/grading.py's distinct pass, one at a
   time, as there; for the middle third by total time, the mean time of each phase:
   the worker's round trips by task (reading the answer, proofs), rebuilding the worker's
   values in this process, the numeric check, and the rest (the verdict).

Prints a table; writes bench/results/grading_breakdown.json. Timings of one process on a
shared machine: read them as shares of the total, not as absolute figures.
"""
from __future__ import annotations

import collections
import statistics
import time

import _common as C
import grading as G


def main() -> None:
    import derive.judge.numeric as nm
    import derive.judge.sandbox as sb
    from derive.bank.loader import load_bank
    from derive.grade.work import Item, Settings, grade_items

    bank = load_bank()
    settings = Settings(bank.dirs)
    spent: collections.defaultdict[str, float] = collections.defaultdict(float)

    def timed(owner, name, label, method=False):
        orig = getattr(owner, name)

        def wrapper(*a, **k):
            t = time.perf_counter()
            try:
                return orig(*a, **k)
            finally:
                key = label if not method else f"worker: {a[1] if a[1] != 'within' else a[3]}"
                spent[key] += time.perf_counter() - t
        setattr(owner, name, wrapper)

    timed(sb.Worker, "call", "", method=True)
    timed(sb, "_recv", "rebuilding the worker's values here")
    timed(nm, "compare", "numeric check")

    grade_items(settings, [Item(0, next(iter(bank.questions)), "x")])  # imports, worker
    setup = {}
    for q in bank.questions.values():
        t = time.perf_counter()
        grade_items(settings, [Item(0, q.id, q.reference)])
        setup[q.id] = time.perf_counter() - t
    cases = sorted({(qid, latex) for qid, xs in G.labelled_answers(bank).items()
                    for latex, _ in xs})
    rows = []
    for qid, latex in cases:
        spent.clear()
        t = time.perf_counter()
        grade_items(settings, [Item(0, qid, latex)])
        rows.append((time.perf_counter() - t, dict(spent)))
    rows.sort(key=lambda r: r[0])
    mid = rows[len(rows) // 3: 2 * len(rows) // 3]
    phases = sorted({k for _, d in mid for k in d})
    means = {k: statistics.mean(d.get(k, 0.0) for _, d in mid) for k in phases}
    total = statistics.mean(t for t, _ in mid)
    # the worker's round trip includes the rebuilding of its values here: count it once
    rebuild = means.get("rebuilding the worker's values here", 0.0)
    worker = sum(v for k, v in means.items() if k.startswith("worker:"))
    rest = total - worker - means.get("numeric check", 0.0)
    table = [[k, 1000 * v] for k, v in means.items()]
    table.append(["the rest (reading the statement, the verdict)", 1000 * rest])
    table.append(["total (middle third by time)", 1000 * total])
    C.table(["phase", "mean ms"], table,
            title=f"a median answer: the middle third of {len(rows)} distinct answers "
                  f"(the worker's round trips include rebuilding: {1000 * rebuild:.2f} ms)")
    s = sorted(setup.values())
    print(f"set-up of a question (its first answer, this process): median "
          f"{1000 * statistics.median(s):.0f} ms, total {sum(s):.1f} s for {len(s)} questions; "
          f"slowest: " + ", ".join(f"{q} {1000 * t:.0f} ms" for q, t in
                                   sorted(setup.items(), key=lambda kv: -kv[1])[:3]))
    C.write_json("grading_breakdown", {
        "machine": C.machine(), "answers": len(rows), "middle_third_ms": 1000 * total,
        "phases_ms": {k: 1000 * v for k, v in means.items()}, "rest_ms": 1000 * rest,
        "setup_ms": {k: 1000 * v for k, v in setup.items()}})


if __name__ == "__main__":
    main()
