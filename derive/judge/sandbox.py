"""Run untrusted-input work (parsing, ``simplify``) in a worker process with a
hard time limit and a memory cap.

Signal-based timeouts only work on the main thread and cannot interrupt C code
or a runaway allocation, so the work runs in a separate process: a persistent
worker (started with ``spawn``, so it never inherits torch's threads) serves
calls over a pipe; a call that overruns its time is answered by killing the
worker, which is restarted on the next call. The worker caps its own address
space with ``RLIMIT_AS``, so ``10^{10^{10}}``-style blowups end in a
``MemoryError`` (or the worker's death) instead of eating the machine.

Start-up (a fresh interpreter importing SymPy, about a second) is waited for on its own,
before a call's time limit starts, so a call's limit measures the call's work. One check
makes several calls (parse, proofs, exact arithmetic); a :class:`Budget` shared by its
calls bounds their sum, counting only the time each call holds the worker (a thread
waiting for the worker does not spend its budget).
"""
from __future__ import annotations

import atexit
import os
import pickle
import select
import struct
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from pathlib import Path
from typing import Any, BinaryIO

DEFAULT_MEMORY_MB = int(os.environ.get("DERIVE_WORKER_MEMORY_MB", "3072"))
#: how long a fresh worker may take to start (imports), apart from any call's limit
STARTUP_TIMEOUT = 120.0
_HEADER = struct.Struct("!Q")


class SandboxError(Exception):
    code = "limit.worker_crashed"


class Timeout(SandboxError):
    code = "limit.timeout"


class MemoryLimit(SandboxError):
    code = "limit.memory"


class WorkerCrashed(SandboxError):
    code = "limit.worker_crashed"


class TaskFailed(SandboxError):
    """A task raised something it should not have: a bug in derive (or in SymPy), not a
    limit. ``kind`` is the exception's class name, ``trace`` the worker's traceback."""

    code = "internal.error"

    def __init__(self, kind: str, message: str, trace: str = ""):
        super().__init__(f"{kind} in the worker: {message}")
        self.kind, self.detail, self.trace = kind, message, trace


class Budget:
    """Seconds of worker time that one check may still spend, shared by its calls."""

    def __init__(self, seconds: float):
        self.left = float(seconds)

    def limit(self, timeout: float) -> float:
        return min(timeout, self.left)


def _send(stream: BinaryIO, obj: Any) -> None:
    from .wire import dumps  # SymPy nodes travel without being evaluated again
    data = dumps(obj)
    stream.write(_HEADER.pack(len(data)) + data)
    stream.flush()


def _read_exact(stream: BinaryIO, n: int) -> bytes:
    chunks, got = [], 0
    while got < n:
        chunk = stream.read(n - got)
        if not chunk:
            raise EOFError("the worker closed its pipe")
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def _recv(stream: BinaryIO) -> Any:
    (n,) = _HEADER.unpack(_read_exact(stream, _HEADER.size))
    return pickle.loads(_read_exact(stream, n))  # only ever our own worker's bytes


def _serve(memory_bytes: int) -> None:
    """The worker's loop: read (name, args), run derive.judge.tasks.name, write the result."""
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print must not corrupt the protocol
    try:
        import resource
        if memory_bytes > 0:
            resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    except (ImportError, ValueError, OSError):
        pass
    from . import tasks as _tasks
    from ..errors import DeriveError
    while True:
        try:
            msg = _recv(inp)
        except (EOFError, OSError):
            return
        if msg is None:
            return
        name, args = msg
        try:
            result = ("ok", getattr(_tasks, name)(*args))
        except MemoryError:
            result = ("memory", "the computation ran out of memory")
        except RecursionError:
            result = ("memory", "the computation recursed too deeply")
        except DeriveError as exc:  # an author's error (a bank file): raised in the caller
            result = ("raise", exc)
        except BaseException as exc:  # report, keep serving
            result = ("error", (type(exc).__name__, str(exc), traceback.format_exc()))
        try:
            _send(out, result)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            _send(out, ("error", (type(exc).__name__, str(exc), "")))


class Worker:
    """One worker process; :meth:`call` runs ``derive.judge.tasks.<name>(*args)`` in it.

    The worker is ``python -m derive.judge.sandbox`` talking length-prefixed pickles
    over its stdin/stdout, so it never re-imports the caller's ``__main__``
    (as multiprocessing's spawn does) and works from any thread.
    """

    def __init__(self, memory_mb: int = DEFAULT_MEMORY_MB):
        self.memory_bytes = memory_mb * 1024 * 1024
        self._proc: subprocess.Popen | None = None
        self._log: Any = None
        self._lock = threading.Lock()
        self.restarts = 0

    def _start(self) -> None:
        env = dict(os.environ)
        root = str(Path(__file__).resolve().parent.parent)
        env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
        self._log = tempfile.TemporaryFile()
        self._proc = subprocess.Popen(
            [sys.executable, "-c",
             f"from derive.judge.sandbox import _serve; _serve({int(self.memory_bytes)})"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, env=env)

    def _kill(self) -> None:
        if self._proc is not None:
            self._proc.kill()
            self._proc.wait(timeout=5)
            for s in (self._proc.stdin, self._proc.stdout):
                try:
                    s.close()
                except OSError:
                    pass
        self._proc = None
        self.restarts += 1

    def _stderr_tail(self) -> str:
        if self._log is None:
            return ""
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")[-400:].strip()

    def _ensure_started(self) -> None:
        """Start the worker if it is not running, and wait (apart from any call's limit)
        until it has imported what it needs."""
        if self._proc is not None and self._proc.poll() is None:
            return
        self._start()
        self._exchange("ping", (), STARTUP_TIMEOUT, starting=True)

    def _exchange(self, name: str, args: tuple, timeout: float, starting: bool = False) -> Any:
        proc = self._proc
        assert proc is not None
        try:
            _send(proc.stdin, (name, args))
            ready, _, _ = select.select([proc.stdout], [], [], timeout)
            if not ready:
                self._kill()
                if starting:
                    raise WorkerCrashed(f"the worker did not start within {timeout:g} s")
                raise Timeout(f"stopped after {timeout:g} s")
            status, payload = _recv(proc.stdout)
        except (EOFError, BrokenPipeError, ConnectionResetError, OSError,
                pickle.UnpicklingError):
            try:
                code = proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                code = None
            tail = self._stderr_tail()
            self._kill()
            if code is not None and code < 0 or "MemoryError" in tail:
                raise MemoryLimit(f"the worker was stopped (signal {-(code or 0)}), "
                                  f"most likely by its memory cap") from None
            raise WorkerCrashed(f"the worker process died (exit code {code}): "
                                f"{tail or 'no message'}") from None
        if status == "ok":
            return payload
        if status == "raise":
            raise payload
        if status == "memory":
            self._kill()  # its heap may be fragmented near the cap: start clean
            raise MemoryLimit(payload)
        exc_name, message, tb = payload
        raise TaskFailed(exc_name, message, tb)

    def call(self, name: str, *args: Any, timeout: float, budget: Budget | None = None) -> Any:
        """Run ``derive.judge.tasks.<name>(*args)`` in the worker, stopped after ``timeout``
        seconds (and after what is left of ``budget``, which the call then spends).

        Raises :class:`Timeout`, :class:`MemoryLimit`, :class:`WorkerCrashed` at a limit,
        :class:`TaskFailed` when the task raised, and re-raises a task's DeriveError."""
        with self._lock:
            self._ensure_started()
            limit = budget.limit(timeout) if budget is not None else timeout
            if limit <= 0:
                raise Timeout("the check's time for the worker was spent")
            start = time.monotonic()
            try:
                return self._exchange(name, args, limit)
            finally:
                if budget is not None:
                    budget.left -= time.monotonic() - start

    def warm(self, timeout: float = STARTUP_TIMEOUT) -> None:
        """Start the worker and import what it needs, so the first check is fast."""
        self.call("ping", timeout=timeout)

    def pid(self) -> int | None:
        """The worker's process id, or None when it is not running."""
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    def abandon(self) -> None:
        """Stop the worker process now, without waiting for it (the caller is exiting)."""
        proc = self._proc
        if proc is not None and proc.poll() is None:
            try:
                proc.kill()
                proc.wait(timeout=1)  # SIGKILL: no teardown to wait for
            except (OSError, subprocess.TimeoutExpired):
                pass

    def close(self) -> None:
        with self._lock:
            if self._proc is not None and self._proc.poll() is None:
                try:
                    _send(self._proc.stdin, None)
                    self._proc.wait(timeout=2)
                except (BrokenPipeError, OSError, subprocess.TimeoutExpired):
                    self._proc.kill()
            self._proc = None


_shared: Worker | None = None


def shared_worker() -> Worker:
    global _shared
    if _shared is None:
        _shared = Worker()
        atexit.register(_shared.close)
    return _shared


if __name__ == "__main__":
    _serve(int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_MEMORY_MB * 1024 * 1024)
