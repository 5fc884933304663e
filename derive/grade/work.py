"""The grading function: a batch of distinct answers in, one verdict (as a dict) each out.

The same function runs in the calling process (``--jobs 1``), in each worker process of a
local pool (``--jobs N``) and in each Ray worker (``--ray``). Every process that runs it
keeps its own state (:data:`_STATE`): the bank and its own sandboxed worker process for
parsing and proofs (wrapped in a :class:`~derive.grade.cache.MemoWorker`), built on the first
batch and kept for every batch after it, with the judge's per-process caches (a question's
points and ground truth, :func:`derive.judge.numeric.draws`), so a process pays for a
question's set-up once.
"""
from __future__ import annotations

import os
import traceback
from dataclasses import dataclass
from typing import Any

from ..bank.loader import load_dirs
from .cache import MemoWorker

#: the symbolic proofs' default limit in a grading run, in seconds of computation per
#: answer (``derive check`` allows 10): the proofs that finish mostly take milliseconds and
#: those that never finish (the smooth hinge's log-sum-exp forms, soft thresholding, ...)
#: give up after it; bench/grading.py reports how long the finished ones took
#: (docs/grading.md, "The proof budget")
GRADE_PROOF_TIMEOUT = 0.3


@dataclass(frozen=True)
class Settings:
    """What every grading process needs to build its state (picklable)."""

    bank_dirs: tuple[str, ...]
    seed: int = 0
    device: str | None = None
    proof_timeout: float = GRADE_PROOF_TIMEOUT
    symbolic: bool = True


@dataclass(frozen=True)
class Item:
    """One distinct answer to check: ``key`` is the engine's handle for its group."""

    key: int
    question: str
    text: str


class _State:
    def __init__(self, settings: Settings):
        from ..judge.check import Options
        from ..judge.sandbox import Worker
        self.settings = settings
        self.bank = load_dirs(tuple(settings.bank_dirs))
        self.worker = MemoWorker(Worker())
        self.options = Options(seed=settings.seed, device=settings.device,
                               proof_timeout=settings.proof_timeout,
                               symbolic=settings.symbolic, worker=self.worker,
                               bank=self.bank)

    def close(self) -> None:
        self.worker.close()


_STATE: _State | None = None


def state(settings: Settings) -> _State:
    """This process's grading state for ``settings`` (built once)."""
    global _STATE
    if _STATE is None or _STATE.settings != settings:
        if _STATE is not None:
            _STATE.close()
        _STATE = _State(settings)
    return _STATE


def close_state() -> None:
    global _STATE
    if _STATE is not None:
        _STATE.close()
        _STATE = None


def grade_items(settings: Settings, items: list[Item]) -> list[tuple[int, dict[str, Any]]]:
    """Check every item; returns ``(key, result)`` pairs in the items' order.

    ``result`` is the verdict's JSON dict, or ``{"error": ...}`` when the check itself
    raised (a bug in derive: the run reports it with the line numbers and goes on)."""
    from ..judge.check import check_question
    st = state(settings)
    out = []
    for it in items:
        try:
            v = check_question(st.bank.question(it.question), it.text, st.options)
            result = v.to_dict()
        except Exception as exc:  # noqa: BLE001 - isolate the line, report it, go on
            result = {"error": f"{type(exc).__name__}: {exc}",
                      "trace": traceback.format_exc(limit=6)}
        out.append((it.key, result))
    return out


def init_pool_worker() -> None:
    """A pool worker ignores Ctrl-C: the parent stops the run and ends its workers."""
    import signal
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    try:
        import torch
        torch.set_num_threads(1)  # one process per core: no oversubscription
    except ImportError:  # pragma: no cover - torch is a dependency
        pass
