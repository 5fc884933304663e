"""What the worker process runs (see :mod:`derive.judge.sandbox`): parsing a student
answer, the symbolic proofs, and the exact arithmetic of count and shape answers. Each
takes and returns picklable values.

A bad answer comes back as an :class:`AnswerError` *value*, not raised, so the
worker stays up and the error keeps its code and position. Text made from an answer's
value (for messages) is made here too, bounded (:func:`bounded_text`): Python refuses
to write an integer of more than 4,300 digits as text, and the caller never tries.
"""
from __future__ import annotations

import math
import os
import re
from dataclasses import dataclass
from typing import Any

import sympy as sp

from ..bank.loader import load_dirs
from ..errors import AnswerError
from ..notation.answer import CHOSEN, Readings
from ..notation.parser import parse_answer
from ..notation.derived import expand_derived
from .symbolic import Proof, prove_equal


_THOUSANDS = re.compile(r"[1-9]\d{0,2}(,\d{3})+")
#: in a shape, a letter x between two whole numbers is the times sign: ``126 x 126 x 64``,
#: ``126\text{x}126\text{x}64``, ``126\,\mathrm{x}\,126``
_SHAPE_TIMES = re.compile(r"(?<=\d)(?:\s|\\[,;: ]|~)*(?:[xX]|\\(?:text|mathrm|textrm|mbox|mathit)"
                          r"\s*\{\s*[xX]\s*\})(?=(?:\s|\\[,;: ]|~)*\d)")
#: a shape's label made of its axes' names, one letter each, joined by times signs
#: (``H \times W \times C``); the parser checks that they are the asked axes
_AXIS = re.compile(r"(?<![\\A-Za-z])[A-Za-z](?![A-Za-z])")
_AXES_LABEL = re.compile(r"\s*[A-Za-z](?:\s*(?:\\times|×)\s*[A-Za-z]){1,7}\s*")


def ping() -> int:
    return os.getpid()


def peak_memory() -> int:
    """The worker's peak resident memory so far, in bytes: VmHWM (ru_maxrss would carry
    over the parent's peak, which Linux keeps across the fork and exec that started us)."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def parse(bank_dirs: tuple[str, ...], qid: str, latex: str) -> Any:
    q = load_dirs(tuple(bank_dirs)).question(qid)
    if q.kind == "count" and isinstance(latex, str) and _THOUSANDS.fullmatch(latex.strip()):
        latex = latex.replace(",", "")  # 200,000,100 is one number where one is asked
    if q.kind == "shape" and isinstance(latex, str):
        # 126 \times 126 \times 64, 126×126×64, 126\text{x}126\text{x}64 are a shape (after
        # a label H \times W \times C = ...); the replacements keep the length, so positions
        # still point into the user's text
        head, eq, tail = latex.rpartition("=")
        tail = tail.replace("\\times", ",     ").replace("×", ",")
        tail = _SHAPE_TIMES.sub(lambda m: "," + " " * (len(m.group()) - 1), tail)
        axes = _AXES_LABEL.fullmatch(head)
        if axes and eq:
            # H \times W \times C = 126 \times 126 \times 64: the label names the axes, as
            # (H, W, C) = (126, 126, 64) does (the parser puts them in the asked order)
            names = _AXIS.findall(head)
            head = ("(" + ", ".join(names) + ")").ljust(len(head))
            tail = "(" + tail.strip() + ")"
        latex = head + eq + tail
    try:
        return parse_answer(latex, q.context)
    except AnswerError as exc:
        if getattr(exc, "readings", None) is not None:
            return Readings(exc, _readings(latex, q.context, {}, exc))
        return exc
    except RecursionError:
        return AnswerError("parse.too_deep", "the answer is nested too deeply to read", 0)


#: at most this many readings of one answer are read (two ambiguous notations of two
#: readings each are four)
MAX_READINGS = 8


def _readings(latex: str, ctx: Any, chosen: dict[str, str],
              exc: AnswerError) -> list[tuple[str, Any]]:
    """The answer read under each reading of its ambiguous notation (and of the next one
    a reading meets): ``(the readings in words, ParsedAnswer or AnswerError)``."""
    key, options = exc.readings   # type: ignore[attr-defined]
    out: list[tuple[str, Any]] = []
    for name, words in options:
        choice = {**chosen, key: name}
        token = CHOSEN.set(choice)
        try:
            out.append((f"{key} {words}", parse_answer(latex, ctx)))
        except AnswerError as again:
            more = getattr(again, "readings", None)
            if more is None or more[0] in choice \
                    or len(out) + len(options) * len(more[1]) > MAX_READINGS:
                out.append((f"{key} {words}", again))
            else:
                out.extend((f"{key} {words}; {w}", r)
                           for w, r in _readings(latex, ctx, choice, again))
        except RecursionError:
            out.append((f"{key} {words}", AnswerError("parse.too_deep", "the answer is "
                                                      "nested too deeply to read", 0)))
        finally:
            CHOSEN.reset(token)
    return out


def prove(bank_dirs: tuple[str, ...], qid: str, pairs: list[tuple[Any, Any]]) -> list[Proof]:
    q = load_dirs(tuple(bank_dirs)).question(qid)
    return [_prove_one(a, b, q.context) for a, b in pairs]


def _prove_one(a: Any, b: Any, ctx: Any) -> Proof:
    """One proof; SymPy raising inside simplify (IndexError, StopIteration, ...) is "could
    not tell", with the exception named, never a failed check: the numbers still decide."""
    try:
        return prove_equal(a, b, ctx)
    except (MemoryError, RecursionError):
        raise  # the worker's limits report these
    except Exception as exc:  # noqa: BLE001 - SymPy's internals raise anything
        return Proof(None, f"the symbolic step failed ({type(exc).__name__}: "
                           f"{_clip(str(exc), 120)}); this is a bug in derive or SymPy")


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
    inner = _prove_one(sols[0], target_solution, ctx)
    return Proof(inner.result, f"solved for {q.target}; {inner.method}")


# --- exact arithmetic (count and shape answers) ---------------------------------------

#: integers with more digits than this are described, never written out
MAX_DIGITS = 60


def exact_equal(a: Any, b: Any) -> bool | None:
    """Whether two numbers (or two tuples of numbers) are exactly equal: a count or shape
    answer against its reference. Runs here because ``simplify`` of
    ``(\\sqrt{2}+\\sqrt{3}+...)^{60}`` minus a number has no time bound."""
    return _exact_equal(a, b)


def _exact_equal(a: Any, b: Any) -> bool | None:
    if isinstance(a, tuple) or isinstance(b, tuple):
        if not (isinstance(a, tuple) and isinstance(b, tuple)) or len(a) != len(b):
            return False
        results = [_exact_equal(x, y) for x, y in zip(a, b)]
        if any(r is False for r in results):
            return False
        return True if all(r is True for r in results) else None
    d = sp.sympify(a - b)  # SymPy objects already (never text)
    if d == 0:
        return True
    if d.is_Number:
        return False
    if d.is_number:
        # a difference of numbers that is clearly not 0 needs no simplify (which has no
        # bound on sums of surds raised to powers); evalf tracks its own error
        v = d.evalf(30)
        if v.is_Number and v != 0 and abs(v) > 1e-20:
            return False
    return bool(sp.simplify(d) == 0)


def bounded_text(v: Any, width: int = 200) -> str:
    """``v`` as text of at most ``width`` characters; huge integers are described (their
    digit count and leading digits), never converted to a string of digits."""
    if isinstance(v, tuple):
        return _clip("(" + ", ".join(bounded_text(x, width) for x in v) + ")", width)
    if isinstance(v, (int, sp.Integer)) and abs(int(v)) >= 10 ** MAX_DIGITS:
        n = abs(int(v))
        digits = int(math.log10(n)) + 1
        sign = "-" if int(v) < 0 else ""
        import mpmath  # binary, so no decimal string of the whole number is made
        lead = mpmath.nstr(mpmath.mpf(n), 6)
        return f"{sign}{lead} (an integer of about {digits:,} digits)"
    try:
        text = str(v)
    except ValueError:  # an integer past Python's digit limit inside an expression
        text = "an expression with a number too large to write out"
    return _clip(text, width)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[:width - 3] + "..."


# --- a time limit kept inside the worker ------------------------------------------------

class _Overrun(BaseException):
    """Raised by the interval timer inside the task that overran: a BaseException, so
    that no ``except Exception`` in the task (or in SymPy) can swallow it."""


@dataclass(frozen=True)
class Ran:
    """What :func:`within` returns: the task's value (None when it overran), the seconds
    of computation it took, and whether its time ran out first."""

    value: Any
    cpu: float
    overran: bool = False


def within(seconds: float, name: str, *args: Any) -> Ran:
    """Run task ``name`` for at most ``seconds`` of computation (the worker's CPU time,
    counted by an interval timer inside it), and keep the worker up with its imports and
    caches when it stops: a proof that runs out of its time costs that time and no restart
    (derive.grade proves under a short limit). Counting computation rather than wall-clock
    time, a proof finishes or not the same way on a quiet machine and a busy one, so a run
    gives the same verdicts whatever else the machine does. What a signal cannot interrupt
    (a long step in native code) is still stopped by the caller's wall-clock limit, which
    kills the worker."""
    import signal
    import time
    if name.startswith("_") or name == "within":
        raise ValueError(f"not a task: {name!r}")
    task = globals()[name]

    def on_timer(signum: int, frame: Any) -> None:
        raise _Overrun()
    old = signal.signal(signal.SIGPROF, on_timer)
    start = time.process_time()
    try:
        # re-fires every 50 ms of computation, should something catch the first one anyway
        signal.setitimer(signal.ITIMER_PROF, max(seconds, 1e-3), 0.05)
        try:
            value = task(*args)
        finally:
            signal.setitimer(signal.ITIMER_PROF, 0)
        return Ran(value, time.process_time() - start)
    except _Overrun:
        return Ran(None, time.process_time() - start, overran=True)
    finally:
        signal.signal(signal.SIGPROF, old)


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
