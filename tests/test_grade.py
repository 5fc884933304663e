"""derive grade: every line isolated, identical answers checked once, verdicts in input
order, --jobs, --resume after a real Ctrl-C, exit codes. The scores, the rubric and the
report are in tests/test_grade_outputs.py."""
from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import derive
from derive.cli import main
from derive.grade import engine
from derive.grade.engine import Run
from derive.grade.keys import answer_key
from derive.grade.work import Settings

ROOT = Path(__file__).resolve().parent.parent
DIST = "uw-cse493g1-sp23/3.2"     # D_E in terms of D_C: \sqrt{2-2D_C}
GRAD = "neu-cs7150-f22/4.x"       # 2W^T(Wx - y)


@pytest.fixture(scope="module")
def bank():
    return derive.load_bank()


def jsonl(path: Path, rows: list) -> Path:
    path.write_bytes(b"".join(r if isinstance(r, bytes) else (json.dumps(r) + "\n").encode()
                              for r in rows))
    return path


def out_lines(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]


# --- every line is isolated ------------------------------------------------------------

BAD_LINES = [  # (line as bytes, what stderr must say about it)
    (b"not json\n", "not JSON"),
    (b'{"question": 12, "answer": "x"}\n', "must be a string, not 12"),
    (b'{"question": "nope/1", "answer": "x"}\n', "nope/1"),
    (b'{"question": "' + DIST.encode() + b'"}\n', 'no "answer"'),
    (b'{"question": "' + DIST.encode() + b'", "answer": 3}\n', "answer must be a string"),
    (b'["a", "list"]\n', "not an object"),
    (b'{"question": "' + DIST.encode() + b'", "answer": "\\\\sqrt{2}\xff"}\n', "not UTF-8"),
]


def test_each_bad_line_is_reported_with_its_number_and_the_run_goes_on(tmp_path, capsys):
    good = {"question": DIST, "answer": r"\sqrt{2-2D_C}", "student": "ok"}
    rows = [good]
    for raw, _ in BAD_LINES:
        rows += [raw, good]
    src = jsonl(tmp_path / "in.jsonl", rows)
    dst = tmp_path / "out.jsonl"
    assert main(["grade", str(src), "-o", str(dst)]) == engine.EXIT_SKIPPED
    err = capsys.readouterr().err
    for k, (raw, said) in enumerate(BAD_LINES):
        line = 2 + 2 * k
        assert f"line {line}: skipped" in err and said in err, (raw, err)
    out = out_lines(dst)
    assert [o["input_line"] for o in out] == [1 + 2 * k for k in range(len(BAD_LINES) + 1)]
    assert {o["status"] for o in out} == {"equivalent"}


def test_an_answer_whose_check_raises_is_a_crash_not_a_wrong_answer(tmp_path, capsys,
                                                                     monkeypatch):
    import derive.judge.check as check

    real = check.check_question

    def flaky(q, answer, opts):
        if answer == "BOOM":
            raise RuntimeError("a bug in derive")
        return real(q, answer, opts)
    monkeypatch.setattr(check, "check_question", flaky)
    src = jsonl(tmp_path / "in.jsonl", [{"question": DIST, "answer": r"1 - D_C"},
                                        {"question": DIST, "answer": "BOOM"},
                                        {"question": DIST, "answer": r"\sqrt{2-2D_C}"}])
    dst = tmp_path / "out.jsonl"
    assert main(["grade", str(src), "-o", str(dst), "--jobs", "1"]) == engine.EXIT_CRASHED
    err = capsys.readouterr().err
    assert "line 2: the check crashed (RuntimeError: a bug in derive)" in err
    out = out_lines(dst)
    assert [o.get("status") for o in out] == ["not_equivalent", None, "equivalent"]
    assert "error" in out[1] and out[1]["input_line"] == 2
    # wrong answers alone are not a failure of the run
    ok = jsonl(tmp_path / "ok.jsonl", [{"question": DIST, "answer": r"1 - D_C"}])
    assert main(["grade", str(ok), "-o", str(tmp_path / "o2.jsonl")]) == engine.EXIT_OK


def test_responses_are_read_with_extract_answer(tmp_path):
    src = jsonl(tmp_path / "in.jsonl", [
        {"question": DIST, "response": r"Since |a-b|^2 = 2 - 2a^Tb, the answer is "
                                       r"$\boxed{\sqrt{2-2D_C}}$."},
        {"question": DIST, "response": "I do not know."},
    ])
    dst = tmp_path / "out.jsonl"
    main(["grade", str(src), "-o", str(dst)])
    a, b = out_lines(dst)
    assert (a["status"], a["answer"], a["extracted"]) == ("equivalent", r"\sqrt{2-2D_C}",
                                                          r"\sqrt{2-2D_C}")
    assert (b["status"], b["reason"]) == ("invalid", "input.no_answer")


# --- identical answers are checked once --------------------------------------------------

@pytest.mark.parametrize("a, b, same", [
    (r"2W^\top(Wx-y)", r"2\mathbf{W}^T\left(\mathbf{W}\mathbf{x}-\mathbf{y}\right)", True),
    (r"2W^\top(Wx-y)", r"  2W^{\intercal} (W x - y) ", True),
    (r"2W^\top(Wx-y)", r"2w^\top(wx-y)", False),      # never case-folded
    (r"2W^T(Wx-y)", r"2W^T(Wx+y)", False),
    (r"2 3", r"23", False),                            # TeX: a space between digits
])
def test_the_dedupe_key_keeps_meaning(bank, a, b, same):
    q = bank.question(GRAD)
    assert (answer_key(q, a) == answer_key(q, b)) is same, (a, b)


def test_delta_and_Delta_never_share_a_key(bank):
    q = bank.question("uw-cse493g1-sp23/3.6.1.2")
    assert answer_key(q, r"b = 2a\Delta") != answer_key(q, r"b = 2a\delta")


def run_rows(bank, rows, **kw) -> tuple[list[dict], engine.Summary]:
    src = io.BytesIO(b"".join((json.dumps(r) + "\n").encode() for r in rows))
    out = io.StringIO()
    # a proof limit no loaded machine reaches here: these tests compare the machinery's
    # verdicts, not whether a proof finished in time
    settings = Settings(bank.dirs, proof_timeout=kw.pop("proof_timeout", 20.0))
    s = Run(src, bank, settings, stream=out, jobs=kw.pop("jobs", 1), **kw).execute()
    return [json.loads(x) for x in out.getvalue().splitlines()], s


SPELLINGS = [  # the same answers, spelled differently, and faults at different positions
    r"2W^\top(Wx-y)", r"2\mathbf{W}^T\left(\mathbf{W}\mathbf{x}-\mathbf{y}\right)",
    r"2W^{\intercal}(Wx - y)", r"W^T(Wx-y)", r"\mathbf{W}^\top(\mathbf{W}\mathbf{x}-\mathbf{y})",
    r"2W^T(Wx-y", r"  2W^T(Wx-y", r"2W^T W x - 2W^T y = 2W^T(Wx-y)",
    r"2W^T W x - 2 W^T y = 2W^T(Wx-y)", r"2W^TWx - 2W^Ty", r"2W(Wx-y)",
]


def test_shared_verdicts_equal_checking_every_line(bank):
    rows = [{"question": GRAD, "answer": a, "k": k} for k, a in enumerate(SPELLINGS * 2)]
    shared, s1 = run_rows(bank, rows)
    alone, s2 = run_rows(bank, rows, dedupe=False)
    assert s2.distinct == len(rows) and s1.distinct < len(SPELLINGS)
    assert shared == alone
    for r, v in zip(rows, shared):
        assert v["answer"] == r["answer"] and v["k"] == r["k"]
    # a fault's position points into each line's own text
    unclosed = [v for v in shared if v["status"] == "invalid"]
    assert {v["position"] for v in unclosed} == {len(r"2W^T(Wx-y"), len(r"  2W^T(Wx-y")} or \
        all(v["answer"][v["position"] - 1:v["position"] + 1] for v in unclosed)


def test_jobs_2_gives_the_serial_verdicts_in_input_order(bank):
    rows = [{"question": q, "answer": a, "n": n} for n, (q, a) in enumerate(
        [(GRAD, s) for s in SPELLINGS] + [(DIST, r"\sqrt{2-2D_C}"), (DIST, r"1 - D_C"),
                                          (DIST, r"\sqrt{2}\sqrt{1-D_C}"), (DIST, r"\frac{1}{")])]
    serial, _ = run_rows(bank, rows, jobs=1)
    pooled, s = run_rows(bank, rows * 2, jobs=2)
    assert s.backend == "processes" and s.jobs == 2
    assert [v["n"] for v in pooled] == [r["n"] for r in rows * 2]
    key = lambda v: (v["status"], v["reason"], v.get("misconception"), v["answer"])  # noqa: E731
    assert [key(v) for v in pooled] == [key(v) for v in serial * 2]


# --- interrupted and resumed -------------------------------------------------------------

def many_rows(n: int) -> list[dict]:
    forms = [r"\sqrt{2-2D_C}", r"1 - D_C", r"\sqrt{2+2D_C}", r"2-2D_C", r"\sqrt{2}\sqrt{1-D_C}",
             r"\sqrt{2(1-D_C)}", r"\frac{1}{", r"(2-2D_C)^{1/2}"]
    return [{"question": DIST, "answer": forms[k % len(forms)] + " " * (k // len(forms)),
             "student": f"s{k}"} for k in range(n)]


def test_resume_keeps_finished_lines_and_checks_the_rest(bank, tmp_path):
    rows = many_rows(12)
    src = jsonl(tmp_path / "in.jsonl", rows)
    dst = tmp_path / "out.jsonl"
    full, _ = run_rows(bank, rows)
    # a run that stopped after 5 lines, killed while writing the 6th
    dst.write_text("".join(json.dumps(v) + "\n" for v in full[:5]) + full[5:6][0]
                   .__repr__()[:20], encoding="utf-8")
    s = Run(str(src), bank, Settings(bank.dirs), output=str(dst), resume=True,
            jobs=1).execute()
    assert (s.done_before, s.written) == (5, 7)
    out = out_lines(dst)
    assert [v["input_line"] for v in out] == list(range(1, 13))
    assert [v["status"] for v in out] == [v["status"] for v in full]


def test_resume_refuses_an_output_of_another_input(bank, tmp_path):
    src = jsonl(tmp_path / "in.jsonl", many_rows(3))
    dst = tmp_path / "out.jsonl"
    dst.write_text(json.dumps({"input_line": 1, "question": GRAD, "status": "equivalent"}) + "\n")
    with pytest.raises(engine.GradeError, match="does not match"):
        Run(str(src), bank, Settings(bank.dirs), output=str(dst), resume=True).execute()


def test_sigint_leaves_valid_lines_and_resume_finishes_every_line_once(tmp_path):
    """A real Ctrl-C (SIGINT to the process) during a run with two worker processes."""
    n = 48
    src = jsonl(tmp_path / "in.jsonl", many_rows(n))
    dst = tmp_path / "out.jsonl"
    base = [sys.executable, "-m", "derive", "grade", str(src), "-o", str(dst), "--no-dedupe",
            "-q"]
    cmd = base + ["--jobs", "2"]
    p = subprocess.Popen(cmd, cwd=ROOT, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 240
    while time.monotonic() < deadline:
        if dst.exists() and len(dst.read_text().splitlines()) >= 4:
            break
        if p.poll() is not None:
            break
        time.sleep(0.05)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=120)
    got = out_lines(dst)  # every line is whole, valid JSON
    if p.returncode == 0:
        pytest.skip("the run finished before it could be interrupted (a very fast machine)")
    assert p.returncode == engine.EXIT_INTERRUPTED, err
    assert "INTERRUPTED" in err and "--resume" in err
    assert 0 < len(got) < n
    resume = base + ["--jobs", "1", "--resume"]   # resumed in one process: quicker here
    done = subprocess.run(resume, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [v["input_line"] for v in out_lines(dst)]
    assert lines == list(range(1, n + 1))   # every line exactly once, in input order
    assert f"{len(got)} lines were already done" in done.stderr


def test_resume_needs_an_output_file(tmp_path, capsys):
    src = jsonl(tmp_path / "in.jsonl", many_rows(1))
    assert main(["grade", str(src), "--resume"]) == 2
    assert "--resume needs -o" in capsys.readouterr().err


def test_a_proof_out_of_time_stops_without_restarting_the_worker():
    """Grading proves under a timer of computation time inside the worker: the task stops,
    the worker (its imports, its caches) stays."""
    from derive.judge.sandbox import Worker
    w = Worker()
    try:
        pid = w.call("ping", timeout=120)
        ran = w.call("within", 0.3, "burn", 30, timeout=20)
        assert ran.overran and 0.25 < ran.cpu < 5
        assert w.call("ping", timeout=10) == pid and w.restarts == 0
        done = w.call("within", 5.0, "burn", 0.1, timeout=30)
        assert (done.overran, done.value) == (False, "done")
    finally:
        w.close()


def test_small_runs_stay_in_this_process(bank):
    _, s = run_rows(bank, many_rows(3), jobs=None)
    assert s.backend == "serial"


def test_no_stray_output_files(tmp_path, bank):
    src = jsonl(tmp_path / "in.jsonl", many_rows(2))
    Run(str(src), bank, Settings(bank.dirs), output=str(tmp_path / "o.jsonl"),
        resume=True).execute()
    assert sorted(os.listdir(tmp_path)) == ["in.jsonl", "o.jsonl"]


def test_a_tuple_answer_names_its_misconception_the_same_way_in_every_process():
    # named numerically at the question's points (as a one-value answer's is), not by proofs
    # under the grading budget, which finish in one process and not in another
    from derive.grade.work import Item, Settings, grade_items
    bank = derive.load_bank()
    answer = (r"\text{real} = \frac{1}{n D(X^i)}, "
              r"\text{generated} = -\frac{1}{n(1 - D(G(Z^i)))}")
    got = grade_items(Settings(bank.dirs), [Item(0, "stanford-cs230-sp21/5.ii", answer)])
    verdict = got[0][1]
    assert (verdict["reason"], verdict["misconception"]) == (
        "misconception.match", "gradient in D, not z"), verdict
    # a wrong answer that matches no known mistake in every part names none
    other = r"\text{real} = \frac{1}{n D(X^i)}, \text{generated} = -\frac{1}{n}D(G(Z^i))"
    verdict = grade_items(Settings(bank.dirs), [Item(0, "stanford-cs230-sp21/5.ii", other)])[0][1]
    assert verdict["status"] == "not_equivalent" and verdict["misconception"] is None, verdict
