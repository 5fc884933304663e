"""Per-run caches of a grading process: what one question costs is paid once, not per answer.

* :class:`MemoWorker` stands in for the sandboxed worker (:class:`derive.judge.sandbox.Worker`,
  same ``call``) and remembers the result of every proof it ran: the same parsed answer
  against the same reference (two spellings that parse alike: ``2\\cdot W`` and ``2W``) is
  proved once per process, and a proof that ran out of its time is not tried again. It
  runs proofs under a timer inside the worker (:func:`derive.judge.tasks.within`), so one
  that runs out of time costs that time and not a restart of the worker (about a second of
  imports, and every cache in it); the worker is still killed if the timer cannot stop it.
* :class:`TruthMemo` wraps a question's ground truth (:class:`derive.bank.registry.Definition`)
  so that its value at a set of points is computed once: the numeric check draws the same
  points for every answer to a question (one seeded generator per check), so every answer
  after the first reads the ground truth from here. The memo is keyed by the exact bytes of
  the points, so it can only return what the definition returned for those very inputs.

Parsed references and known wrong answers (:func:`derive.judge.check.reference`,
``known_wrong``) and compiled expressions (:func:`derive.judge.numeric.compiled`) are
already cached per process by the judge.
"""
from __future__ import annotations

import dataclasses
import hashlib
import threading
import time
from collections import OrderedDict
from typing import Any, Callable

from ..judge.sandbox import MemoryLimit, Timeout, Worker

#: worker tasks whose result depends only on their arguments (and that may take seconds)
MEMO_TASKS = frozenset({"prove", "prove_equation", "exact_equal"})
MEMO_SIZE = 4096
#: how long past a task's time the worker is given to stop it itself before it is killed
GRACE = 1.0


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
        from ..judge.tasks import Overran
        # the check's budget (judge.sandbox.Budget) is spent here, so that the hard limit
        # can be given its grace beyond what is left of it
        budget = kw.pop("budget", None)
        soft = budget.limit(timeout) if budget is not None else timeout
        if soft <= 0:
            raise Timeout("the check's time for the worker was spent")
        start = time.monotonic()
        try:
            value = self.worker.call("within", soft, name, *args, timeout=soft + GRACE, **kw)
        finally:
            if budget is not None:
                budget.left -= time.monotonic() - start
        if isinstance(value, Overran):
            raise Timeout(f"stopped after {soft:g} s")
        return value

    def _remember(self, key: Any, entry: tuple[bool, Any]) -> None:
        with self._lock:
            self._memo[key] = entry
            while len(self._memo) > MEMO_SIZE:
                self._memo.popitem(last=False)

    def warm(self, timeout: float = 120.0) -> None:
        self.worker.warm(timeout)

    def close(self) -> None:
        self.worker.close()


def _fingerprint(values: dict[str, Any]) -> tuple[Any, ...]:
    import torch
    out = []
    for name in sorted(values):
        v = values[name]
        if isinstance(v, torch.Tensor):
            data = v.detach().cpu().contiguous()
            digest = hashlib.blake2b(data.numpy().tobytes(), digest_size=16).digest()
            out.append((name, tuple(data.shape), str(data.dtype), digest))
        else:
            out.append((name, type(v).__name__, repr(v)))
    return tuple(out)


class TruthMemo:
    """Ground truths at sampled points, computed once per question, seed and points."""

    def __init__(self, size: int = 512):
        self._wrapped: dict[int, tuple[Any, Any]] = {}
        self._memo: OrderedDict[Any, Any] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def definition(self, d: Any) -> Any:
        """``d`` with its ``torch`` function memoised (``None`` stays ``None``)."""
        if d is None:
            return None
        entry = self._wrapped.get(id(d))
        if entry is not None and entry[0] is d:
            return entry[1]
        wrapped = dataclasses.replace(d, torch=self._memoised(d.name, d.torch))
        self._wrapped[id(d)] = (d, wrapped)  # holds d, so its id is never reused
        return wrapped

    def _memoised(self, name: str, fn: Callable[[dict[str, Any]], Any]) -> Callable:
        def torch_truth(values: dict[str, Any]) -> Any:
            key = (name, _fingerprint(values))
            with self._lock:
                if key in self._memo:
                    self._memo.move_to_end(key)
                    self.hits += 1
                    return _copy(self._memo[key])
            self.misses += 1
            out = fn(values)
            with self._lock:
                self._memo[key] = _copy(out)
                while len(self._memo) > self._size:
                    self._memo.popitem(last=False)
            return out
        return torch_truth

    def __call__(self, q: Any) -> Any:
        """The ground truth of question ``q``, memoised (the judge's ``Options.truth``)."""
        return self.definition(q.ground_truth())


def _copy(v: Any) -> Any:
    """A copy the caller may change without changing the memo."""
    import torch
    if isinstance(v, torch.Tensor):
        return v.clone()
    if isinstance(v, dict):
        return {k: _copy(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return type(v)(_copy(x) for x in v)
    return v
