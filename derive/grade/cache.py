"""Per-run caches of a grading process: what one question costs is paid once, not per answer.

:class:`MemoWorker` stands in for the sandboxed worker (:class:`derive.judge.sandbox.Worker`,
same ``call``) and remembers the result of every proof it ran: the same parsed answer
against the same reference (two spellings that parse alike: ``2\\cdot W`` and ``2W``) is
proved once per process, and a proof that ran out of its time is not tried again. It runs
proofs under a timer of computation time inside the worker (:func:`derive.judge.tasks.within`),
so one that runs out of time costs that time and not a restart of the worker (about a
second of imports, and every cache in it), and finishes or not the same way however busy
the machine is; the worker is still killed if the timer cannot stop it.

The judge keeps the rest per process: parsed references and known wrong answers
(:func:`derive.judge.check.reference`, ``known_wrong``), compiled expressions
(:func:`derive.judge.numeric.compiled`), and each question's points with the ground truth
there and the known wrong answers' values (:func:`derive.judge.numeric.draws`).
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from ..judge.sandbox import MemoryLimit, Timeout, Worker

#: worker tasks whose result depends only on their arguments (and that may take seconds)
MEMO_TASKS = frozenset({"prove", "prove_equation", "exact_equal"})
MEMO_SIZE = 4096
#: the wall-clock limit of a task of ``t`` seconds of computation: WALL_FACTOR * t + GRACE
#: (the worker's own timer stops it at ``t`` s of CPU time; on a machine shared with other
#: work that takes longer on the clock, and only what the timer cannot stop reaches this)
WALL_FACTOR, GRACE = 4.0, 1.0


def _hashable(v: Any) -> Any:
    if isinstance(v, list):
        return ("__list__", tuple(_hashable(x) for x in v))
    if isinstance(v, tuple):
        return tuple(_hashable(x) for x in v)
    if isinstance(v, dict):
        return ("__dict__", tuple(sorted((k, _hashable(x)) for k, x in v.items())))
    hash(v)  # raises TypeError for anything else unhashable
    return v


class MemoWorker:
    """A :class:`~derive.judge.sandbox.Worker` that remembers proof results (see the module
    docstring). Timeouts and other limits are remembered as such and raised again."""

    def __init__(self, worker: Worker | None = None):
        self.worker = worker or Worker()
        self._memo: OrderedDict[Any, tuple[bool, Any]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        #: (task, seconds of computation, ran out of time) of every task run, for bench/
        self.spent: list[tuple[str, float, bool]] = []

    def call(self, name: str, *args: Any, timeout: float, **kw: Any) -> Any:
        if name not in MEMO_TASKS:
            return self.worker.call(name, *args, timeout=timeout, **kw)
        try:
            key = (name, _hashable(args))
        except TypeError:
            return self.worker.call(name, *args, timeout=timeout, **kw)
        with self._lock:
            hit = self._memo.get(key)
            if hit is not None:
                self._memo.move_to_end(key)
                self.hits += 1
        if hit is not None:
            ok, value = hit
            if ok:
                return value
            raise value
        self.misses += 1
        try:
            value = self._within(name, args, timeout, kw)
        except (Timeout, MemoryLimit) as exc:  # a crash may be passing: not remembered
            self._remember(key, (False, exc))
            raise
        self._remember(key, (True, value))
        return value

    def _within(self, name: str, args: tuple, timeout: float, kw: dict[str, Any]) -> Any:
        # the check's budget (judge.sandbox.Budget) is spent here, in seconds of the
        # worker's computation (what within() counts), so that a busy machine changes no
        # verdict; the wall-clock limit behind it only stops what a timer cannot
        budget = kw.pop("budget", None)
        soft = budget.limit(timeout) if budget is not None else timeout
        if soft <= 0:
            raise Timeout("the check's time for the worker was spent")
        try:
            ran = self.worker.call("within", soft, name, *args,
                                   timeout=WALL_FACTOR * soft + GRACE, **kw)
        except Timeout:
            if budget is not None:
                budget.left -= soft
            raise
        if budget is not None:
            budget.left -= ran.cpu
        self.spent.append((name, ran.cpu, ran.overran))
        if ran.overran:
            raise Timeout(f"stopped after {soft:g} s of computation")
        return ran.value

    def _remember(self, key: Any, entry: tuple[bool, Any]) -> None:
        with self._lock:
            self._memo[key] = entry
            while len(self._memo) > MEMO_SIZE:
                self._memo.popitem(last=False)

    def warm(self, timeout: float = 120.0) -> None:
        self.worker.warm(timeout)

    def close(self) -> None:
        self.worker.close()
