"""derive.check end to end: the brief's questions, bad input, limits, the JSON contract.

The bank's own accepted/rejected forms are covered by tests/test_bank.py (which runs
``derive validate``); the cases here are written independently of the bank file, in
notations a grader meets, so that a change to the bank cannot quietly weaken them.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

import derive
from derive import Status
from derive.judge.check import Options, check_question
from derive.judge.sandbox import Worker

JAC = "ucb-cs182-sp22/1"
L1 = "stanford-cs230-sp21/4.ii"
DIST = "uw-cse493g1-sp23/3.2"
BETA, GAMMA = "ucb-cs182-sp22/9.beta", "ucb-cs182-sp22/9.gamma"
HUBER, CONT = "uw-cse493g1-sp23/3.6.1.1", "uw-cse493g1-sp23/3.6.1.2"

EQUIVALENT = [
    (JAC, r"\frac{n}{(\sum_{i=1}^n x_i)^2}\left(\mathbf{I}_n\sum_{i=1}^n x_i"
          r" - \mathbf{x}\mathbf{1}_n^\top\right)"),
    (JAC, r"\frac{n}{\sum_i x_i} I_n - \frac{n}{(\sum_i x_i)^2} x \mathbf{1}_n^{\intercal}"),
    (JAC, r"n\left(\frac{I_n}{S} - \frac{x \mathbf{1}_n^T}{S^2}\right) \text{ where } S = \sum_j x_j"),
    (L1, r"\operatorname{sign}(w_i^*)\max\left(\lvert w_i^*\rvert - \frac{\alpha}{H_{i,i}}, 0\right)"),
    (L1, r"\mathrm{sgn}(w_i^*)\max(|w_i^*| - \alpha/H_{i,i}, 0)"),
    (L1, r"\begin{cases} w_i^* - \frac{\alpha}{H_{i,i}} & w_i^* > \frac{\alpha}{H_{i,i}} \\"
         r" w_i^* + \frac{\alpha}{H_{i,i}} & w_i^* < -\frac{\alpha}{H_{i,i}} \\"
         r" 0 & \text{otherwise} \end{cases}"),
    (DIST, r"\sqrt{2-2D_C}"),
    (DIST, r"D_E = \sqrt{2(1-D_C)}"),
    (BETA, r"\sum_{i=1}^m \frac{\partial f}{\partial y_i}"),
    (BETA, r"\sum_j \frac{\partial f}{\partial y_j}"),
    (GAMMA, r"\sum_{i=1}^m \frac{\partial f}{\partial y_i}\hat{x}_i"),
    (HUBER, r"\begin{cases} 2a\max(s_j-s_{y_i}+\Delta,0) & s_j\le s_{y_i}\\ b & \text{otherwise}"
            r"\end{cases}"),
    (CONT, r"b = 2a\Delta"),
    (CONT, r"2a\Delta = b"),
    (CONT, r"a = \frac{b}{2\Delta}"),
]

NOT_EQUIVALENT = [
    # (question, answer, reason, misconception label or None)
    (JAC, r"\frac{n}{\sum_i x_i}\mathbf{I}_n", "numeric.mismatch", None),
    (JAC, r"\frac{n}{(\sum_i x_i)^2}\left(\mathbf{I}_n\sum_i x_i - \mathbf{1}_n\mathbf{x}^\top\right)",
     "misconception.match", "transposed Jacobian"),
    (JAC, r"\frac{n}{(\sum_i x_i)^2}\left(\mathbf{I}_n\sum_i x_i - \mathbf{x}\mathbf{x}^\top\right)",
     "misconception.match", "option C"),
    (JAC, r"\mathbf{x}", "shape.mismatch", None),
    (L1, r"\operatorname{sign}(w_i^*)\max(|w_i^*| - \alpha, 0)", None, None),
    (L1, r"\max(w_i^* - \frac{\alpha}{H_{i,i}}, 0)", None, None),
    (DIST, r"2 - 2D_C", "misconception.match", "squared distance"),
    (GAMMA, r"\sum_{i=1}^m \frac{\partial f}{\partial y_i} x_i", None, None),
    (CONT, r"b = a\Delta", "equation.not_equivalent", None),
]


@pytest.mark.parametrize("qid, answer", EQUIVALENT)
def test_equivalent(qid, answer):
    v = derive.check(qid, answer)
    assert v.status is Status.EQUIVALENT, v.to_dict()
    assert v.reason in ("symbolic.proven", "numeric.agree")


@pytest.mark.parametrize("qid, answer, reason, misconception", NOT_EQUIVALENT)
def test_not_equivalent(qid, answer, reason, misconception):
    v = derive.check(qid, answer)
    assert v.status is Status.NOT_EQUIVALENT, v.to_dict()
    if reason:
        assert v.reason == reason
    if misconception:
        assert v.misconception == misconception
        assert misconception in v.message


def test_counterexample_reproduces_with_seed():
    wrong = r"\frac{n}{\sum_i x_i}\mathbf{I}_n"
    a, b = derive.check(JAC, wrong, seed=7), derive.check(JAC, wrong, seed=7)
    assert a.counterexample is not None
    assert a.counterexample.seed == 7
    assert a.counterexample.point == b.counterexample.point
    assert a.counterexample.expected != a.counterexample.got


def test_math_verify_blind_spots_are_caught():
    """Math-Verify reads each of these as the constant 1 or as 0; derive must not."""
    for wrong in (r"\frac{n}{\sum_i x_i}\mathbf{I}_n",
                  r"\frac{n}{(\sum_i x_i)^2}\left(\mathbf{I}_n\sum_i x_i - \mathbf{x}\mathbf{x}^\top\right)"):
        assert derive.check(JAC, wrong).status is Status.NOT_EQUIVALENT
    right = r"\operatorname{sign}(w_i^*)\max(|w_i^*|-\frac{\alpha}{H_{i,i}},0)"
    assert derive.check(L1, right).status is Status.EQUIVALENT
    assert derive.check(L1, "0").status is Status.NOT_EQUIVALENT


BAD_INPUT = [
    # (answer, reason, position)
    ("", "input.empty", 0),
    ("   ", "input.empty", 0),
    (r"\frac{n}{x", "parse.unbalanced_braces", 8),
    (r"x}", "parse.unbalanced_braces", 1),
    (r"\foo{x}", "parse.unknown_command", 0),
    (r"10^{10^{10}}", "parse.huge_number", 4),
    ("(" * 60 + "x" + ")" * 60, "parse.too_deep", 40),
    ("x+" * 1500 + "x", "input.too_long", 2000),
    ("x\x01", "input.control_char", 1),
    (b"x\xff", "input.not_utf8", 1),
    (r"x +", "parse.syntax", None),
]


@pytest.mark.parametrize("answer, reason, position", BAD_INPUT)
def test_bad_input_is_invalid_with_position(answer, reason, position):
    v = derive.check(JAC, answer)
    assert v.status is Status.INVALID, v.to_dict()
    assert v.reason == reason
    if position is not None:
        assert v.position == position


def test_greek_case_is_kept():
    # \Delta is declared in 3.6.1.2, \delta is not: no silent merge. A name the question
    # does not give makes a readable answer wrong, not unreadable (issue 10)
    v = derive.check(CONT, r"b = 2a\delta")
    assert (v.status, v.reason) == (Status.NOT_EQUIVALENT, "symbol.foreign")


@pytest.mark.parametrize("answer, position", [(r"x + q", 4), (r"X", 0)])
def test_undeclared_letters_are_names_of_their_own(answer, position):
    v = derive.check(JAC, answer)  # W is not w: case is never folded
    assert (v.status, v.reason, v.position) == (Status.NOT_EQUIVALENT, "symbol.foreign",
                                                position)


def test_unknown_question():
    with pytest.raises(derive.UnknownQuestion):
        derive.check("ucb-cs182-sp22/999", "x")


def test_timeout_is_undecided_and_the_tool_keeps_working():
    bank = derive.load_bank()
    q = bank.question(JAC)
    worker = Worker()
    try:
        worker.warm()
        v = check_question(q, r"\mathbf{x}\mathbf{1}_n^\top", Options(worker=worker,
                                                                       parse_timeout=1e-4))
        assert v.status is Status.UNDECIDED
        assert v.reason == "limit.timeout"
        again = check_question(q, r"\frac{n}{\sum_i x_i}\mathbf{I}_n", Options(worker=worker))
        assert again.status is Status.NOT_EQUIVALENT
        assert worker.restarts == 1
    finally:
        worker.close()


def test_worker_limits():
    from derive.judge.sandbox import MemoryLimit, Timeout, WorkerCrashed
    worker = Worker(memory_mb=400)
    try:
        with pytest.raises(Timeout):
            worker.call("burn", 30, timeout=1)
        with pytest.raises(MemoryLimit):
            worker.call("allocate", 1024, timeout=60)
        with pytest.raises(WorkerCrashed):
            worker.call("die", 3, timeout=60)
        assert worker.call("allocate", 8, timeout=60) == 8 * 1024 * 1024
    finally:
        worker.close()


def test_check_from_another_thread():
    """Signal-based timeouts fail off the main thread; the worker does not."""
    import threading
    out = {}
    t = threading.Thread(target=lambda: out.update(v=derive.check(DIST, r"\sqrt{2-2D_C}")))
    t.start()
    t.join(120)
    assert out["v"].status is Status.EQUIVALENT


def test_verdict_has_no_truth_value():
    v = derive.check(DIST, r"\sqrt{2-2D_C}")
    with pytest.raises(TypeError):
        bool(v)


def test_json_contract():
    v = derive.check(JAC, r"\frac{n}{\sum_i x_i}\mathbf{I}_n", seed=3)
    d = json.loads(v.to_json())
    for key in ("question", "status", "reason", "message", "counterexample"):
        assert key in d
    assert d["status"] == "not_equivalent"
    assert set(d["counterexample"]) >= {"point", "expected", "got", "seed"}
    assert d["counterexample"]["seed"] == 3


def test_cli_check_json():
    out = subprocess.run([sys.executable, "-m", "derive", "check", DIST, r"\sqrt{2+2D_C}",
                          "--json"], capture_output=True, text=True, timeout=300)
    assert out.returncode == 1, out.stderr
    d = json.loads(out.stdout)
    assert d["question"] == DIST and d["status"] == "not_equivalent"


def test_import_derive_does_not_import_torch():
    code = ("import sys, derive; a = 'torch' in sys.modules or 'sympy' in sys.modules; "
            "derive.Status; b = 'torch' in sys.modules; print(a, b)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "False False", out.stderr


def test_a_false_step_in_a_chain_is_named_as_written():
    step = r"\frac{\partial}{\partial s_k}\left(\log\sum_j e^{s_j} + b s_y\right)"
    v = derive.check("uw-cse493g1-sp23/2.5", r"\frac{\partial L}{\partial s_k} = " + step +
                     r" = \frac{e^{s_k}}{\sum_j e^{s_j}} - b\mathbb{1}[k=y]")
    # a false statement does not get full marks, even with a right last value (issue 10)
    assert v.status is Status.NOT_EQUIVALENT and v.reason == "chain.false_link"
    assert "the final value is right" in v.message
    assert v.evidence["false_links"] == [step]
    assert f"the step '{step}' in the chain is false" in v.message


def test_a_true_chain_has_no_false_steps():
    v = derive.check("uw-cse493g1-sp23/3.2", r"D_E = \sqrt{2 - 2D_C} = \sqrt{2}\sqrt{1 - D_C}")
    assert v.status is Status.EQUIVALENT and "false_links" not in v.evidence
