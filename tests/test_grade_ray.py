"""derive grade --ray: the grading function as Ray tasks on a local Ray cluster gives the
serial run's verdicts, in input order. Skipped when Ray is not installed
(pip install 'derive[ray]')."""
from __future__ import annotations

import io
import json

import pytest

import derive
from derive.grade.engine import Run
from derive.grade.work import Settings

pytest.importorskip("ray", reason="needs Ray (pip install 'derive[ray]')")

ROWS = [("uw-cse493g1-sp23/3.2", a) for a in
        (r"\sqrt{2-2D_C}", r"1 - D_C", r"\sqrt{2+2D_C}", r"\frac{1}{", r"\sqrt{2}\sqrt{1-D_C}",
         r"\sqrt{2 - 2 D_C}")] + \
       [("neu-cs7150-f22/4.x", a) for a in
        (r"2W^\top(Wx-y)", r"W^T(Wx-y)", r"2W(Wx-y)", r"2W^TWx - 2W^Ty")] + \
       [("tum-in2346-ss22/4.3", a) for a in ("784", "785", "28 \\times 28")]


def grade(bank, **kw) -> list[dict]:
    src = io.BytesIO(b"".join((json.dumps({"question": q, "answer": a, "n": n}) + "\n").encode()
                              for n, (q, a) in enumerate(ROWS * 2)))
    out = io.StringIO()
    summary = Run(src, bank, Settings(bank.dirs, proof_timeout=20.0), stream=out, **kw).execute()
    assert summary.exit_code == 0
    return [json.loads(x) for x in out.getvalue().splitlines()]


def test_ray_tasks_give_the_serial_verdicts():
    bank = derive.load_bank()
    serial = grade(bank, jobs=1)
    on_ray = grade(bank, ray="", jobs=2)     # a local Ray cluster of 2 CPUs
    assert [v["n"] for v in on_ray] == list(range(len(ROWS) * 2))
    key = lambda v: (v["status"], v["reason"], v.get("misconception"), v["answer"])  # noqa: E731
    assert [key(v) for v in on_ray] == [key(v) for v in serial]
