"""What the worker process runs (see :mod:`derive._sandbox`): parsing a student
answer and the symbolic proofs. Each takes and returns picklable values.

A bad answer comes back as an :class:`AnswerError` *value*, not raised, so the
worker stays up and the error keeps its code and position.
"""
from __future__ import annotations

import os
import re
from typing import Any

import sympy as sp

from ..bank.loader import load_dirs
from ..errors import AnswerError
from ..notation.parser import parse_answer
from ..notation.derived import expand_derived
from .symbolic import Proof, prove_equal


_THOUSANDS = re.compile(r"[1-9]\d{0,2}(,\d{3})+")


def ping() -> int:
    return os.getpid()


def parse(bank_dirs: tuple[str, ...], qid: str, latex: str) -> Any:
    q = load_dirs(tuple(bank_dirs)).question(qid)
    if q.kind == "count" and isinstance(latex, str) and _THOUSANDS.fullmatch(latex.strip()):
        latex = latex.replace(",", "")  # 200,000,100 is one number where one is asked
    if q.kind == "shape" and isinstance(latex, str):
        # 126 \times 126 \times 64 is a shape (after a label H \times W \times C = ...);
        # the replacement keeps the length, so positions still point into the user's text
        head, eq, tail = latex.rpartition("=")
        latex = head + eq + tail.replace("\\times", ",     ")
    try:
        return parse_answer(latex, q.context)
    except AnswerError as exc:
        return exc
    except RecursionError:
        return AnswerError("parse.too_deep", "the answer is nested too deeply to read", 0)


def prove(bank_dirs: tuple[str, ...], qid: str, pairs: list[tuple[Any, Any]]) -> list[Proof]:
    q = load_dirs(tuple(bank_dirs)).question(qid)
    return [prove_equal(a, b, q.context) for a, b in pairs]


def prove_equation(bank_dirs: tuple[str, ...], qid: str, candidate: Any, target_solution: Any) -> Proof:
    """Solve the candidate equation for the question's target, compare the solutions."""
    q = load_dirs(tuple(bank_dirs)).question(qid)
    ctx = q.context
    target = ctx.objects[q.target]
    if isinstance(target, sp.MatrixSymbol):
        return Proof(None, "matrix equations are compared numerically only")
    residual = expand_derived(candidate.lhs - candidate.rhs, ctx)
    if not residual.has(target):
        return Proof(False, f"the equation does not involve {q.target}")
    sols = sp.solve(residual, target, dict=False)
    if len(sols) != 1:
        return Proof(None, f"solving for {q.target} gave {len(sols)} solutions")
    inner = prove_equal(sols[0], target_solution, ctx)
    return Proof(inner.result, f"solved for {q.target}; {inner.method}")


# --- self-test tasks: the test suite uses them to show the limits hold ---------------

def burn(seconds: float) -> str:
    """Spin the CPU for ``seconds`` (a stand-in for a runaway ``simplify``)."""
    import time
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass
    return "done"


def allocate(megabytes: int) -> int:
    """Allocate ``megabytes`` of memory (a stand-in for ``10^{10^{10}}``)."""
    block = bytearray(megabytes * 1024 * 1024)
    return len(block)


def die(code: int) -> None:
    """End the worker abruptly, as a crash in native code would."""
    os._exit(code)
