"""Grading a class: derive grade vs Math-Verify, side by side in one process.

    python bench/grading.py [--quick] [--students N] [--jobs N] [--mv-lines N] [--ray]
    python bench/grading.py --distinct-only   # part 2 alone (grading.distinct.json)
    python bench/grading.py --driver-only     # only the driver's cost a line

1. **Class file.** ``--students`` (300) students x the bank's 41 questions, one line each,
   generated here (seeded) from labelled answers: each question's reference, accepted and
   rejected forms (the bank) and the answers of ``bench/independent/corpus/*.toml`` (written
   independently of derive, each labelled correct / wrong / unreadable), with a skew a class
   shows: 40% of students give the reference's form, 12% the first accepted alternative,
   10% and 6% the two most common known mistakes, 2% leave the answer blank, and the other
   30% are drawn uniformly from the long tail of every other labelled answer.
   derive: ``derive.grade`` engine (as ``derive grade FILE -o OUT --jobs N``), the whole
   file, wall time; Math-Verify: ``verify(parse(gold), parse(answer))`` line by line (the
   gold parsed once per question, untimed), on a seeded uniform sample of ``--mv-lines``
   lines of the same file (its rate per line does not depend on which lines: a uniform
   sample estimates it; all lines take it about 20 minutes), half of it just before
   derive's run and half just after, so that a drift of the machine's load moves both
   alike. Ratio: answers/s.
   Then the same file with ``--jobs 1``: the verdicts (status, reason, misconception) must
   be the same as with ``--jobs N``, line for line.
2. **Distinct answers.** Every distinct (question, answer) of the corpus and the bank's
   forms, one at a time, interleaved: derive's grading function on one answer (this
   process's caches warm from a first pass over each question's reference, as in a run),
   then Math-Verify on the same answer. Per-answer median and p99, and their ratios.
3. **Cold start.** ``derive check`` in a fresh interpreter vs ``python -c "import torch"``,
   alternated, median wall time of each and the median of the paired ratios.
4. **Ray** (``--ray``, when Ray is installed): the class file's first 60 students on a local
   Ray with 1 and with 2 worker CPUs, answers/s, verdicts compared with the serial run.

Writes bench/results/grading.json (``--quick``: grading.quick.json).
"""
from __future__ import annotations

import argparse
import glob
import json
import random
import shutil
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

import _common as C

CORPUS = sorted(glob.glob(str(C.ROOT / "bench" / "independent" / "corpus" / "*.toml")))
SKEW = (("reference", 0.40), ("accept0", 0.12), ("reject0", 0.10), ("reject1", 0.06),
        ("blank", 0.02))          # the rest (30%): the long tail


def labelled_answers(bank) -> dict[str, list[tuple[str, str]]]:
    """Per question: (latex, label) of every labelled answer, bank and corpus, distinct."""
    pool: dict[str, dict[str, str]] = {qid: {} for qid in bank.questions}
    for q in bank.questions.values():
        pool[q.id].setdefault(q.reference, "correct")
        for f in q.accept:
            pool[q.id].setdefault(f.latex, "correct")
        for f in q.reject:
            pool[q.id].setdefault(f.latex, "wrong")
    for path in CORPUS:
        for c in tomllib.loads(Path(path).read_text(encoding="utf-8"))["case"]:
            if c["question"] in pool:
                pool[c["question"]].setdefault(c["latex"], c["label"])
    return {qid: list(d.items()) for qid, d in pool.items()}


def make_class(bank, students: int, seed: int = 0) -> list[dict]:
    """The class file's lines (see the module docstring), student by student."""
    rng = random.Random(seed)
    pool = labelled_answers(bank)
    lines = []
    for s in range(students):
        for q in bank.questions.values():
            answers = pool[q.id]
            common = {"reference": (q.reference, "correct"),
                      "accept0": (q.accept[0].latex, "correct") if q.accept else None,
                      "reject0": (q.reject[0].latex, "wrong") if q.reject else None,
                      "reject1": (q.reject[1].latex, "wrong") if len(q.reject) > 1 else None,
                      "blank": ("", "unreadable")}
            tail = [a for a in answers if a not in common.values()]
            r = rng.random()
            pick = None
            for name, w in SKEW:
                if r < w:
                    pick = common[name]
                    break
                r -= w
            if pick is None:
                pick = rng.choice(tail) if tail else (q.reference, "correct")
            lines.append({"student": f"s{s + 1:03d}", "question": q.id, "answer": pick[0],
                          "label": pick[1]})
    return lines


class MathVerify:
    def __init__(self, bank):
        from math_verify import parse, verify
        self.parse, self.verify, self.bank = parse, verify, bank
        self.gold: dict[str, object] = {}

    def run(self, qid: str, latex: str) -> tuple[bool, float]:
        if qid not in self.gold:
            self.gold[qid] = self.parse("$" + self.bank.question(qid).reference + "$")
        t = C.now()
        try:
            pred = self.parse("$" + latex + "$")
            ok = bool(pred) and bool(self.verify(self.gold[qid], pred))
        except Exception:  # noqa: BLE001 - a crash is not an acceptance
            ok = False
        return ok, C.now() - t


PROOF_TIMEOUT: float | None = None   # --proof-timeout (None: derive grade's default)


def settings_for(bank):
    from derive.grade.work import Settings
    if PROOF_TIMEOUT is None:
        return Settings(bank.dirs)
    return Settings(bank.dirs, proof_timeout=PROOF_TIMEOUT)


def grade_file(path: str, bank, jobs: int, out: str, ray: str | None = None):
    from derive.grade.engine import Run
    t = C.now()
    summary = Run(path, bank, settings_for(bank), output=out, jobs=jobs, ray=ray).execute()
    return summary, C.now() - t


def verdicts(path: str) -> dict[int, tuple]:
    out = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        d = json.loads(line)
        out[d["input_line"]] = (d.get("status"), d.get("reason"), d.get("misconception"))
    return out


def proof_times(spent: list, budget: float) -> dict:
    """The symbolic steps run in the distinct-answers pass (proofs, equation solving, exact
    arithmetic): how many ran out of their budget, and the computation time of those that
    finished, to choose the budget by (docs/grading.md)."""
    done = sorted(cpu for _name, cpu, overran in spent if not overran)
    out = {"budget_s": budget, "run": len(spent), "out_of_time": len(spent) - len(done),
           "finished": len(done)}
    if done:
        out.update({f"cpu_p{q}_s": C.percentile(done, q) for q in (50, 90, 99)})
        out["cpu_max_s"] = done[-1]
        out["finished_within_s"] = {str(b): sum(c <= b for c in done)
                                    for b in (0.1, 0.2, 0.3, 0.4, 0.5, 1.0) if b <= budget}
    return out


def compare_runs(a: dict, b: dict) -> dict:
    lines = sorted(set(a) | set(b))
    differ = [n for n in lines if a.get(n) != b.get(n)]
    status_differ = [n for n in lines if (a.get(n) or (None,))[0] != (b.get(n) or (None,))[0]]
    mis_differ = [n for n in lines if (a.get(n) or (None,) * 3)[2] != (b.get(n) or (None,) * 3)[2]]
    proof_only = [n for n in differ if {(a.get(n) or ("",) * 3)[1], (b.get(n) or ("",) * 3)[1]}
                  == {"symbolic.proven", "numeric.agree"} and n not in mis_differ]
    return {"lines": len(lines), "differ": len(differ), "status_differ": len(status_differ),
            "misconception_differ": len(mis_differ),
            "proven_vs_agree_only": len(proof_only),
            "examples": [[n, a.get(n), b.get(n)] for n in differ[:10]]}


def accuracy(lines: list[dict], accepted: dict[int, bool]) -> dict:
    right = wrong_acc = correct_acc = n_correct = n_wrong = 0
    for k, ln in enumerate(lines, 1):
        if k not in accepted:
            continue
        acc = accepted[k]
        if ln["label"] == "correct":
            n_correct += 1
            correct_acc += acc
            right += acc
        else:
            n_wrong += 1
            wrong_acc += acc
            right += not acc
    n = n_correct + n_wrong
    return {"lines": n, "right": right / n if n else float("nan"),
            "correct_accepted": f"{correct_acc}/{n_correct}",
            "wrong_accepted": f"{wrong_acc}/{n_wrong}"}


def driver_cost(path: str, bank) -> float:
    """Microseconds a line for what the driver of a run does before dispatching: read every
    line, and group identical answers (derive.grade.engine)."""
    from derive.grade.engine import Run, read_lines, read_record
    from derive.grade.work import Settings
    t = C.now()
    recs = [read_record(n, raw, bank) for n, raw in read_lines(path)]
    Run(path, bank, Settings(bank.dirs))._group(recs)
    return 1e6 * (C.now() - t) / len(recs)


def cold_start(reps: int) -> dict:
    a_cmd = [sys.executable, "-m", "derive", "check", "uw-cse493g1-sp23/3.2", r"\sqrt{2-2D_C}"]
    b_cmd = [sys.executable, "-c", "import torch"]
    a_t, b_t, ratios = [], [], []
    subprocess.run(a_cmd, capture_output=True, cwd=C.ROOT)  # warm the file cache, untimed
    subprocess.run(b_cmd, capture_output=True, cwd=C.ROOT)
    for _ in range(reps):
        t = C.now()
        ra = subprocess.run(a_cmd, capture_output=True, cwd=C.ROOT)
        a = C.now() - t
        t = C.now()
        subprocess.run(b_cmd, capture_output=True, cwd=C.ROOT)
        b = C.now() - t
        assert ra.returncode == 0, ra.stderr[-500:]
        a_t.append(a)
        b_t.append(b)
        ratios.append(a / b)
    return {"derive_check_s": C.median(a_t), "import_torch_s": C.median(b_t),
            "ratio": C.median(ratios), "reps": reps}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="a smoke test (20 students)")
    p.add_argument("--students", type=int, default=None)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--mv-lines", type=int, default=None)
    p.add_argument("--distinct", type=int, default=None, help="cap the distinct answers")
    p.add_argument("--ray", action="store_true", help="also measure a local Ray")
    p.add_argument("--proof-timeout", type=float, default=None,
                   help="derive's proof budget in seconds of computation (default: derive "
                   "grade's)")
    p.add_argument("--distinct-only", action="store_true",
                   help="only the distinct answers, one at a time (part 2), to iterate on it")
    p.add_argument("--driver-only", action="store_true",
                   help="only time the driver's reading and deduplication of the class file")
    a = p.parse_args()
    global PROOF_TIMEOUT
    PROOF_TIMEOUT = a.proof_timeout
    import derive
    bank = derive.load_bank()
    students = a.students or (20 if a.quick else 300)
    mv_lines = a.mv_lines or (200 if a.quick else 2000)
    result: dict = {"quick": a.quick, "machine": C.machine(), "students": students,
                    "questions": len(bank.questions), "jobs": a.jobs,
                    "proof_timeout": settings_for(bank).proof_timeout}
    mv = MathVerify(bank)
    mv.run(next(iter(bank.questions)), "x")  # warm-up: its regexes and parser, untimed

    if a.distinct_only:
        distinct_pass(a, bank, mv, result)
        C.write_json("grading.distinct", result)
        return

    # --- 1. the class file -------------------------------------------------------------
    lines = make_class(bank, students)
    tmp = Path(tempfile.mkdtemp(prefix="derive-bench-"))
    try:
        run_all(a, bank, lines, tmp, result, mv, students, mv_lines)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def run_all(a, bank, lines, tmp: Path, result: dict, mv, students: int, mv_lines: int) -> None:
    src = tmp / "class.jsonl"
    src.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    distinct_lines = len({(x["question"], x["answer"]) for x in lines})
    print(f"class file: {len(lines)} lines ({students} students x {len(bank.questions)} "
          f"questions), {distinct_lines} distinct (question, answer) texts", flush=True)
    result["driver_us_per_line"] = driver_cost(str(src), bank)
    print(f"driver: reading and deduplicating takes {result['driver_us_per_line']:.0f} us a "
          f"line (one process)", flush=True)
    if a.driver_only:
        return
    rng = random.Random(1)
    sample = sorted(rng.sample(range(1, len(lines) + 1), min(mv_lines, len(lines))))
    mv_acc, mv_t = {}, []

    def math_verify(part: list[int]) -> None:
        for n in part:
            ln = lines[n - 1]
            ok, dt = mv.run(ln["question"], ln["answer"])
            mv_acc[n] = ok
            mv_t.append(dt)

    # Math-Verify's sample in two halves, one before and one after derive's run, so that
    # a change of the machine's load during the run moves both rates alike
    math_verify(sample[0::2])
    summary, t_derive = grade_file(str(src), bank, a.jobs, str(tmp / "jobs.jsonl"))
    print(f"derive grade --jobs {a.jobs}: {t_derive:.1f} s, {summary.distinct} answers "
          f"checked; {summary.text()}", flush=True)
    math_verify(sample[1::2])
    mv_rate = len(mv_t) / sum(mv_t)
    d_rate = len(lines) / t_derive
    v_jobs = verdicts(str(tmp / "jobs.jsonl"))
    d_acc = {n: v[0] == "equivalent" for n, v in v_jobs.items()}
    C.table(["tool", "lines", "seconds", "answers/s", "ratio to Math-Verify", "accuracy",
             "correct accepted", "wrong accepted"],
            [["derive grade --jobs %d" % a.jobs, len(lines), t_derive, d_rate,
              f"{d_rate / mv_rate:.1f}x", f"{100 * accuracy(lines, d_acc)['right']:.1f}%",
              accuracy(lines, d_acc)["correct_accepted"],
              accuracy(lines, d_acc)["wrong_accepted"]],
             ["Math-Verify (per line)", len(mv_t), sum(mv_t), mv_rate, "1x",
              f"{100 * accuracy(lines, mv_acc)['right']:.1f}%",
              accuracy(lines, mv_acc)["correct_accepted"],
              accuracy(lines, mv_acc)["wrong_accepted"]]],
            title="class file: answers per second (Math-Verify on a uniform sample of the lines)")
    d_on_sample = {n: d_acc[n] for n in sample if n in d_acc}
    print(f"on Math-Verify's sample: derive {accuracy(lines, d_on_sample)}, Math-Verify "
          f"{accuracy(lines, mv_acc)}")
    summary1, t_serial = grade_file(str(src), bank, 1, str(tmp / "serial.jsonl"))
    same = compare_runs(v_jobs, verdicts(str(tmp / "serial.jsonl")))
    print(f"derive grade --jobs 1: {t_serial:.1f} s ({len(lines) / t_serial:.1f} answers/s); "
          f"--jobs {a.jobs} vs --jobs 1: {same['differ']} of {same['lines']} lines differ "
          f"(status, reason or misconception), {same['status_differ']} in status, "
          f"{same['misconception_differ']} in misconception, {same['proven_vs_agree_only']} "
          f"only in symbolic.proven vs numeric.agree", flush=True)
    result["class"] = {
        "lines": len(lines), "distinct_texts": distinct_lines, "checked": summary.distinct,
        "derive_seconds": t_derive, "derive_answers_per_s": d_rate,
        "math_verify_lines": len(mv_t), "math_verify_seconds": sum(mv_t),
        "math_verify_answers_per_s": mv_rate, "ratio": d_rate / mv_rate,
        "derive_accuracy": accuracy(lines, d_acc), "math_verify_accuracy": accuracy(lines, mv_acc),
        "serial_seconds": t_serial, "serial_answers_per_s": len(lines) / t_serial,
        "jobs_vs_serial": same, "counts": dict(summary.counts)}

    dm, dp, mm, mp = distinct_pass(a, bank, mv, result)

    # --- 3. cold start -------------------------------------------------------------------
    cs = cold_start(2 if a.quick else 7)
    print(f"cold start: derive check {cs['derive_check_s']:.2f} s, import torch "
          f"{cs['import_torch_s']:.2f} s, ratio {cs['ratio']:.2f} (median of paired ratios)")
    result["cold_start"] = cs

    # --- 4. Ray --------------------------------------------------------------------------
    if a.ray:
        result["ray"] = ray_bench(bank, lines, tmp)

    print("\nTARGETS: class answers/s %.1fx Math-Verify (>= 10x); distinct median %.2f and "
          "p99 %.2f of Math-Verify's (< 1); cold check %.2fx import torch (<= 1.5x); "
          "--jobs %d = --jobs 1 on %d of %d lines"
          % (d_rate / mv_rate, dm / mm, dp / mp, cs["ratio"], a.jobs,
             same["lines"] - same["differ"], same["lines"]))
    C.write_json("grading" + (".quick" if a.quick else ""), result)


def distinct_pass(a, bank, mv, result: dict) -> tuple[float, float, float, float]:
    """Part 2: every distinct answer, derive then Math-Verify, one at a time."""
    from derive.grade.work import Item, grade_items, state
    settings = settings_for(bank)
    st = state(settings)
    for q in bank.questions.values():       # a run's per-question set-up, untimed
        grade_items(settings, [Item(0, q.id, q.reference)])
    cases = sorted({(qid, latex) for qid, xs in labelled_answers(bank).items()
                    for latex, _ in xs})
    if a.quick or a.distinct:
        cases = random.Random(2).sample(cases, min(a.distinct or 60, len(cases)))
    d_t, m_t, slow = [], [], []
    for qid, latex in cases:
        t = C.now()
        res = grade_items(settings, [Item(0, qid, latex)])[0][1]
        dt = C.now() - t
        _, mt = mv.run(qid, latex)
        d_t.append(dt)
        m_t.append(mt)
        slow.append((dt, qid, res.get("reason"), latex))
    dm, dp = C.median(d_t), C.percentile(d_t, 99)
    mm, mp = C.median(m_t), C.percentile(m_t, 99)
    C.table(["tool", "answers", "median ms", "p99 ms", "max ms", "answers/s"],
            [["derive (grading function)", len(d_t), 1000 * dm, 1000 * dp, 1000 * max(d_t),
              len(d_t) / sum(d_t)],
             ["Math-Verify", len(m_t), 1000 * mm, 1000 * mp, 1000 * max(m_t),
              len(m_t) / sum(m_t)]],
            title="distinct answers, one at a time")
    print(f"ratios derive / Math-Verify: median {dm / mm:.2f}, p99 {dp / mp:.2f}")
    pt = proof_times(st.worker.spent, settings.proof_timeout)
    print(f"symbolic steps (budget {pt['budget_s']:g} s of computation): {pt['run']} run, "
          f"{pt['out_of_time']} out of time; finished within "
          + ", ".join(f"{b} s: {n}" for b, n in pt.get("finished_within_s", {}).items()))
    slow.sort(reverse=True)
    print("slowest derive answers: " + "; ".join(f"{s[0]:.2f} s {s[1]} {s[2]}" for s in slow[:5]))
    result["distinct"] = {
        "answers": len(d_t), "derive_median_ms": 1000 * dm, "derive_p99_ms": 1000 * dp,
        "math_verify_median_ms": 1000 * mm, "math_verify_p99_ms": 1000 * mp,
        "median_ratio": dm / mm, "p99_ratio": dp / mp,
        "proof_memo": {"hits": st.worker.hits, "misses": st.worker.misses},
        "proofs": proof_times(st.worker.spent, settings.proof_timeout),
        "slowest": [[s[0], s[1], s[2], s[3]] for s in slow[:20]]}
    return dm, dp, mm, mp


def ray_bench(bank, lines: list[dict], tmp: Path) -> dict:
    import importlib.util
    if importlib.util.find_spec("ray") is None:
        print("ray: not installed (pip install 'derive[ray]'), skipped")
        return {"skipped": "ray not installed"}
    sub = [x for x in lines if int(x["student"][1:]) <= 60]
    src = tmp / "ray.jsonl"
    src.write_text("".join(json.dumps(x) + "\n" for x in sub), encoding="utf-8")
    base, t0 = grade_file(str(src), bank, 1, str(tmp / "ray-serial.jsonl"))
    serial = verdicts(str(tmp / "ray-serial.jsonl"))
    out = {"lines": len(sub), "serial_answers_per_s": len(sub) / t0}
    for workers in (1, 2):
        _, t = grade_file(str(src), bank, workers, str(tmp / f"ray{workers}.jsonl"), ray="")
        same = compare_runs(serial, verdicts(str(tmp / f"ray{workers}.jsonl")))
        out[f"workers_{workers}"] = {"seconds": t, "answers_per_s": len(sub) / t,
                                     "vs_serial": same}
        print(f"ray, {workers} worker CPU(s): {len(sub) / t:.1f} answers/s "
              f"({t:.1f} s, start-up included); vs serial: {same['differ']} lines differ")
    return out


if __name__ == "__main__":
    main()
