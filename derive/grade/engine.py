"""The grading run: JSON lines in, one verdict per line out, in input order.

    read lines ──► records (a bad line is reported with its number, the run goes on)
               ──► groups of identical answers (keys.answer_key) ──► one item per group
               ──► backend (this process | N worker processes | Ray tasks): grade_items
               ──► each group's verdict shared by its lines ──► output in input order

Every output line carries ``input_line`` (the line's number in the input), so a run that
was interrupted can be resumed (:attr:`Run.resume`): the lines already in the output are
kept and not checked again, the others are checked and appended.

A line's verdict is the verdict of its group's first answer with the line's own text put
back. When that verdict points into the text (a position, a quoted step of a chain, a
label as written), a member whose text differs is checked on its own instead, so what a
line's verdict quotes is always what that line wrote.
"""
from __future__ import annotations

import json
import os
import signal
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Callable, Iterator

from ..bank.loader import Bank, Question
from ..errors import DeriveError, UnknownQuestion
from .keys import answer_key
from .work import Item, Settings

#: distinct answers sent to a worker process at a time, and how far ahead in the input
#: the answers of one batch are looked for
CHUNK, WINDOW = 4, 64
#: below this many distinct answers per process, more processes cost more than they save
MIN_ITEMS_PER_JOB = 8

EXIT_OK, EXIT_SKIPPED, EXIT_CRASHED, EXIT_INTERRUPTED = 0, 2, 5, 130


class GradeError(DeriveError):
    """A grading run cannot start (its output does not belong to its input, ...)."""


# --- input ------------------------------------------------------------------------------

@dataclass
class Record:
    """An input line that gets a verdict."""

    line: int
    question: Question
    text: str
    extra: dict[str, Any]
    extracted: bool = False           # the text was extracted from a "response"
    no_answer: bool = False           # a response in which no final answer was found


@dataclass
class Skipped:
    line: int
    why: str


def read_lines(source: str | os.PathLike | IO[bytes]) -> Iterator[tuple[int, bytes]]:
    """``(line number, bytes)`` for every line of ``source`` (a path, ``-``, or a binary
    stream). Bytes, so that one line that is not UTF-8 spoils only itself."""
    if isinstance(source, (str, os.PathLike)):
        if str(source) == "-":
            yield from _numbered(sys.stdin.buffer)
            return
        with open(source, "rb") as fh:
            yield from _numbered(fh)
        return
    yield from _numbered(source)


def _numbered(fh: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    for n, raw in enumerate(fh, 1):
        yield n, raw.rstrip(b"\r\n")


def read_record(n: int, raw: bytes, bank: Bank,
                extract: Callable[[str], str | None] | None = None) -> Record | Skipped | None:
    """One input line as a :class:`Record`, a :class:`Skipped` (with the reason), or None
    for a blank line. Never raises for bad input."""
    try:
        line = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return Skipped(n, f"not UTF-8 (byte {exc.start} of the line is {raw[exc.start]:#04x})")
    if not line.strip():
        return None
    try:
        item = json.loads(line)
    except ValueError as exc:
        return Skipped(n, f"not JSON ({exc})")
    if not isinstance(item, dict):
        return Skipped(n, f"a JSON {type(item).__name__}, not an object")
    qid = item.get("question")
    if not isinstance(qid, str):
        return Skipped(n, "no question id" if qid is None else
                       f"the question id must be a string, not {json.dumps(qid)[:40]}")
    try:
        q = bank.question(qid)
    except UnknownQuestion as exc:
        return Skipped(n, str(exc))
    extra = {k: v for k, v in item.items() if k not in ("question", "answer", "response")}
    if "answer" in item:
        if not isinstance(item["answer"], str):
            return Skipped(n, "the answer must be a string")
        return Record(n, q, item["answer"], extra)
    if "response" in item:
        resp = item["response"]
        if not isinstance(resp, str):
            return Skipped(n, "the response must be a string")
        found = (extract or _extract)(resp)
        if found is None:
            return Record(n, q, "", extra, extracted=True, no_answer=True)
        return Record(n, q, found, extra, extracted=True)
    return Skipped(n, 'no "answer" (or "response")')


def _extract(response: str) -> str | None:
    from ..notation.extract import extract_answer  # derive.extract_answer
    try:
        return extract_answer(response)
    except Exception:  # noqa: BLE001 - a response it cannot read has no answer
        return None


# --- verdicts shared by a group ---------------------------------------------------------

def _points_into_text(result: dict[str, Any]) -> bool:
    """Whether a verdict (or one of its parts' verdicts) quotes the text it was given."""
    if result.get("position") is not None:
        return True
    ev = result.get("evidence") or {}
    if "false_links" in ev or "label" in ev:
        return True
    parts = ev.get("parts")
    if isinstance(parts, dict):
        return any(isinstance(p, dict) and _points_into_text(p) for p in parts.values())
    return False


def _with_text(result: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """``result`` with the answer text ``old`` replaced by ``new`` (in its parts too)."""
    out = dict(result)
    if out.get("answer") == old:
        out["answer"] = new
    ev = out.get("evidence")
    if isinstance(ev, dict) and isinstance(ev.get("parts"), dict):
        out["evidence"] = dict(ev, parts={k: _with_text(p, old, new) if isinstance(p, dict)
                                          else p for k, p in ev["parts"].items()})
    return out


def no_answer_verdict(q: Question) -> dict[str, Any]:
    """The verdict on a response in which no final answer was found (the judge's own)."""
    from ..judge.check import Options, check_response
    return check_response(q, "", Options()).to_dict()


@dataclass
class _Group:
    question: Question
    text: str                       # the text that is checked (the first member's)
    lines: list[Record] = field(default_factory=list)
    result: dict[str, Any] | None = None


def _next_chunk(pending: list[Item]) -> list[Item]:
    """The next batch for a worker: the first pending answer and up to :data:`CHUNK` - 1
    more answers to the same question from just after it (a process that has a
    question's set-up gets more of its answers). Removes them from ``pending``."""
    qid = pending[0].question
    take = [0] + [k for k in range(1, min(len(pending), WINDOW))
                  if pending[k].question == qid][:CHUNK - 1]
    chunk = [pending[k] for k in take]
    for k in reversed(take):
        del pending[k]
    return chunk


# --- backends ---------------------------------------------------------------------------

class SerialBackend:
    """Grade in this process (one sandboxed worker for parsing and proofs)."""

    name = "serial"

    def __init__(self, settings: Settings):
        self.settings = settings
        self.capacity = 1
        self.lookahead = 1
        self._queue: list[tuple[int, list[Item]]] = []

    def submit(self, tid: int, items: list[Item]) -> None:
        self._queue.append((tid, items))

    def poll(self, timeout: float) -> list[tuple[int, list[tuple[int, dict]]]]:
        from .work import grade_items
        if not self._queue:
            return []
        tid, items = self._queue.pop(0)
        return [(tid, grade_items(self.settings, items))]

    def close(self, kill: bool = False) -> None:
        pass


def _pool_main(conn: Any, settings: Settings) -> None:
    """A pool worker's loop: ``(task id, items)`` in, ``(task id, results)`` out."""
    from .work import close_state, grade_items, init_pool_worker, state
    init_pool_worker()
    try:
        # set up before the first batch arrives (while the other processes start too): the
        # bank, the sandboxed worker, torch
        state(settings).worker.warm()
        from ..judge import numeric  # noqa: F401
        while True:
            try:
                msg = conn.recv()
            except (EOFError, OSError):
                return
            if msg is None:
                return
            tid, items = msg
            conn.send((tid, grade_items(settings, items)))
    finally:
        close_state()


class PoolBackend:
    """``jobs`` worker processes (started fresh, never forked), each with its own sandboxed
    worker and caches; a process that dies has its answers reported as crashed and is
    replaced. An idle process is given a batch of a question it has already set up (parsed
    its reference, drawn its points) when one is waiting, so each question's set-up is
    mostly paid by one process."""

    name = "processes"

    def __init__(self, settings: Settings, jobs: int):
        import multiprocessing as mp
        self.settings = settings
        self.ctx = mp.get_context("spawn")
        self.capacity = jobs
        # every batch is handed over at once, so that an idle process can be given one of
        # the questions it has set up from anywhere in the run, not only from the next few
        # batches: each question's set-up (up to a second and a half a process) is then
        # paid by one process, and the processes share the questions out between them
        self.lookahead = 1 << 30
        self.workers: list[list[Any]] = [self._start() for _ in range(jobs)]  # [proc, conn, task]
        self.seen: list[set[str]] = [set() for _ in range(jobs)]
        self._queue: list[tuple[int, list[Item]]] = []

    def _start(self) -> list[Any]:
        parent, child = self.ctx.Pipe()
        p = self.ctx.Process(target=_pool_main, args=(child, self.settings), daemon=True)
        p.start()
        child.close()
        return [p, parent, None]

    def submit(self, tid: int, items: list[Item]) -> None:
        self._queue.append((tid, items))
        self._dispatch()

    def _pick(self, k: int) -> int:
        """The index in the queue of the batch for worker ``k``: one of its questions, else
        one no other worker has, else the first (when every question left is another
        process's, the idle one helps with it)."""
        qs = [task[1][0].question for task in self._queue]
        owned = set().union(*(s for j, s in enumerate(self.seen) if j != k))
        for pref in (lambda q: q in self.seen[k], lambda q: q not in owned):
            hit = next((i for i, q in enumerate(qs) if pref(q)), None)
            if hit is not None:
                return hit
        return 0

    def _dispatch(self) -> None:
        for k, w in enumerate(self.workers):
            if w[2] is None and self._queue:
                task = self._queue.pop(self._pick(k))
                self.seen[k].add(task[1][0].question)
                w[1].send(task)
                w[2] = task

    def poll(self, timeout: float) -> list[tuple[int, list[tuple[int, dict]]]]:
        from multiprocessing.connection import wait
        busy = [w for w in self.workers if w[2] is not None]
        if not busy:
            return []
        ready = wait([w[1] for w in busy], timeout)
        out = []
        for w in busy:
            if w[1] not in ready:
                continue
            tid, items = w[2]
            try:
                got = w[1].recv()
                out.append(got)
            except (EOFError, OSError):  # the process died (a crash in native code)
                code = w[0].exitcode if not w[0].is_alive() else None
                out.append((tid, [(it.key, {"error": f"the grading process died (exit code "
                                                      f"{code}) while checking this answer"})
                                  for it in items]))
                w[0].join(timeout=1)
                w[:] = self._start()
                self.seen[self.workers.index(w)] = set()
            w[2] = None
        self._dispatch()
        return out

    def close(self, kill: bool = False) -> None:
        for w in self.workers:
            p, conn = w[0], w[1]
            if kill:
                p.terminate()
            else:
                try:
                    conn.send(None)
                except (OSError, BrokenPipeError):
                    pass
        for w in self.workers:
            w[0].join(timeout=10)
            if w[0].is_alive():
                w[0].kill()
                w[0].join(timeout=5)
            w[1].close()


# --- the run ------------------------------------------------------------------------------

@dataclass
class Summary:
    total: int = 0                 # lines with a verdict to give (this run and before)
    done_before: int = 0           # lines found finished in the output (--resume)
    written: int = 0               # lines given a verdict by this run
    skipped: list[Skipped] = field(default_factory=list)
    crashed: list[int] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)
    distinct: int = 0              # answers actually checked
    interrupted: bool = False
    seconds: float = 0.0
    backend: str = ""
    jobs: int = 1

    @property
    def exit_code(self) -> int:
        if self.interrupted:
            return EXIT_INTERRUPTED
        if self.crashed:
            return EXIT_CRASHED
        if self.skipped:
            return EXIT_SKIPPED
        return EXIT_OK

    def text(self) -> str:
        parts = [f"{n} {k}" for k, n in sorted(self.counts.items())]
        if self.skipped:
            parts.append(f"{len(self.skipped)} lines skipped")
        if self.crashed:
            parts.append(f"{len(self.crashed)} crashed (a bug in derive: please report)")
        head = ", ".join(parts) if parts else "no answers"
        more = (f"; {self.written} lines in {self.seconds:.1f} s, {self.distinct} distinct "
                f"answers checked ({self.backend}, {self.jobs} "
                f"{'process' if self.jobs == 1 else 'processes'})")
        if self.done_before:
            more += f"; {self.done_before} lines were already done"
        if self.interrupted:
            more += (f"; INTERRUPTED: {self.done_before + self.written} of {self.total} lines "
                     f"done, run again with --resume to finish")
        return head + more


@dataclass
class Run:
    """One grading run. ``output`` None writes to ``stream`` (standard output)."""

    source: Any
    bank: Bank
    settings: Settings
    output: str | None = None
    stream: IO[str] | None = None
    resume: bool = False
    jobs: int | None = None
    ray: str | None = None          # "" for a local Ray, an address, or None: no Ray
    dedupe: bool = True
    progress: IO[str] | None = None
    extract: Callable[[str], str | None] | None = None
    on_record: Callable[[Record, dict[str, Any]], None] | None = None

    def __post_init__(self) -> None:
        self.summary = Summary()
        self._stop = threading.Event()

    # -- public ------------------------------------------------------------------------

    def stop(self) -> None:
        """Ask the run to stop after the answers in progress (what SIGINT does)."""
        self._stop.set()

    def execute(self) -> Summary:
        t0 = time.perf_counter()
        s = self.summary
        records: list[Record] = []
        for n, raw in read_lines(self.source):
            r = read_record(n, raw, self.bank, self.extract)
            if r is None:
                continue
            if isinstance(r, Skipped):
                s.skipped.append(r)
                self._say(f"derive: line {r.line}: skipped ({r.why})")
            else:
                records.append(r)
        s.total = len(records)
        done = self._finished(records) if self.resume else {}
        s.done_before = len(done)
        todo = [r for r in records if r.line not in done]
        out = self._open_output()
        handler = self._install_sigint()
        backend = None
        try:
            groups, order = self._group(todo)
            items = [Item(gid, groups[gid].question.id, groups[gid].text) for gid in order
                     if groups[gid].result is None]
            backend = self._backend(len(items))
            s.backend, s.jobs = backend.name, backend.capacity
            self._grade(backend, groups, items, todo, out)
        finally:
            if backend is not None:
                backend.close(kill=self._stop.is_set())
            self._restore_sigint(handler)
            if out is not self.stream:
                out.close()
        s.interrupted = self._stop.is_set() and s.done_before + s.written < s.total
        s.seconds = time.perf_counter() - t0
        return s

    # -- steps ---------------------------------------------------------------------------

    def _say(self, text: str) -> None:
        if self.progress is not None:
            print(text, file=self.progress, flush=True)

    def _group(self, todo: list[Record]) -> tuple[dict[int, _Group], list[int]]:
        groups: dict[int, _Group] = {}
        by_key: dict[Any, int] = {}
        order: list[int] = []
        keys: dict[tuple[str, str], Any] = {}   # the same text is lexed once
        for r in todo:
            if r.no_answer:
                key: Any = ("no-answer", r.question.id)
            elif self.dedupe:
                key = keys.get((r.question.id, r.text))
                if key is None:
                    key = keys[(r.question.id, r.text)] = answer_key(r.question, r.text)
            else:
                key = ("line", r.line)
            gid = by_key.get(key)
            if gid is None:
                gid = by_key[key] = len(groups)
                groups[gid] = _Group(r.question, r.text)
                order.append(gid)
                if r.no_answer:
                    groups[gid].result = no_answer_verdict(r.question)
            groups[gid].lines.append(r)
        self._by_key = by_key
        return groups, order

    def _backend(self, n_items: int) -> Any:
        if self.ray is not None:
            from .ray_backend import RayBackend
            return RayBackend(self.settings, self.ray, self.jobs)
        if self.jobs is not None:  # as asked, but never more processes than answers
            jobs = max(1, min(self.jobs, n_items))
        else:                      # the cores, unless there is too little to share out
            jobs = max(1, min(os.cpu_count() or 1, n_items // MIN_ITEMS_PER_JOB))
        return SerialBackend(self.settings) if jobs == 1 else PoolBackend(self.settings, jobs)

    def _grade(self, backend: Any, groups: dict[int, _Group], items: list[Item],
               todo: list[Record], out: IO[str]) -> None:
        s = self.summary
        result_of: dict[int, dict[str, Any]] = {}   # line -> result
        pending = list(items)
        tasks = 0
        in_flight = 0
        next_line = 0                              # index into todo: next line to write

        def settle(gid: int) -> None:
            g = groups[gid]
            res = g.result
            assert res is not None
            for r in g.lines:
                if r.text == g.text or "error" in res or not _points_into_text(res):
                    result_of[r.line] = _with_text(res, g.text, r.text) if "error" not in res \
                        else res
                else:  # its own text, checked on its own (a new group of one)
                    key = (r.question.id, "exact", r.text)
                    new = self._by_key.get(key)
                    if new is None:
                        new = self._by_key[key] = len(groups)
                        groups[new] = _Group(r.question, r.text)
                        pending.append(Item(new, r.question.id, r.text))
                    groups[new].lines.append(r)

        for gid, g in groups.items():
            if g.result is not None:
                settle(gid)
        while True:
            next_line = self._write_ready(todo, next_line, result_of, out)
            if self._stop.is_set():
                break
            while pending and in_flight < backend.lookahead:
                chunk = _next_chunk(pending)
                backend.submit(tasks, chunk)
                tasks += 1
                in_flight += 1
            if in_flight == 0:
                break
            for _tid, results in backend.poll(0.2):
                in_flight -= 1
                if self._stop.is_set():
                    continue  # what finished after Ctrl-C is not written (see _install_sigint)
                for gid, res in results:
                    s.distinct += 1
                    groups[gid].result = res
                    settle(gid)
        self._write_ready(todo, next_line, result_of, out)

    def _write_ready(self, todo: list[Record], k: int, result_of: dict[int, dict[str, Any]],
                     out: IO[str]) -> int:
        s = self.summary
        while k < len(todo) and todo[k].line in result_of:
            r = todo[k]
            res = result_of.pop(r.line)
            rec = {**r.extra, **res, "input_line": r.line}
            if r.extracted and not r.no_answer:
                rec["extracted"] = r.text   # what was read off the response, and checked
            out.write(json.dumps(rec, default=str) + "\n")
            out.flush()
            s.written += 1
            if "error" in res:
                s.crashed.append(r.line)
                s.counts["crashed"] += 1
                self._say(f"derive: line {r.line}: the check crashed ({res['error']}); this "
                          f"is a bug in derive, please report it with the line")
            else:
                s.counts[res["status"]] += 1
                self._say(f"[{s.done_before + s.written}/{s.total}] {r.question.id}: "
                          f"{res['status']} ({res['reason']})")
            if self.on_record is not None:
                self.on_record(r, rec)
            k += 1
        return k

    # -- output and resume -----------------------------------------------------------------

    def _finished(self, records: list[Record]) -> dict[int, dict[str, Any]]:
        """Lines already in the output (with their records); rewrites the output without
        any torn last line or crashed record, so the run can append to it."""
        if self.output is None:
            raise GradeError("--resume needs an output file (-o FILE)")
        path = Path(self.output)
        if not path.exists():
            return {}
        by_line = {r.line: r for r in records}
        kept: dict[int, dict[str, Any]] = {}
        with open(path, "rb") as fh:
            for raw in fh:
                try:
                    rec = json.loads(raw.decode("utf-8"))
                except (ValueError, UnicodeDecodeError):
                    continue  # a line torn by a kill: checked again
                n = rec.get("input_line") if isinstance(rec, dict) else None
                if not isinstance(n, int) or "error" in rec:
                    continue
                r = by_line.get(n)
                if r is None or rec.get("question") != r.question.id:
                    raise GradeError(f"{path}: line {n} of the output does not match line {n} "
                                     f"of the input; resume with the same input file")
                kept[n] = rec
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            for n in sorted(kept):
                fh.write(json.dumps(kept[n], default=str) + "\n")
        os.replace(tmp, path)
        return kept

    def _open_output(self) -> IO[str]:
        if self.output is None:
            return self.stream or sys.stdout
        return open(self.output, "a" if self.resume else "w", encoding="utf-8")

    def _install_sigint(self) -> Any:
        """Ctrl-C stops the run cleanly: the answers in progress are dropped (their
        workers may have been hit by the same signal), the lines finished so far stay in
        the output, the summary is printed. A second Ctrl-C interrupts at once."""
        if threading.current_thread() is not threading.main_thread():
            return None

        def on_sigint(signum: int, frame: Any) -> None:
            self._stop.set()
            signal.signal(signal.SIGINT, signal.default_int_handler)
        return signal.signal(signal.SIGINT, on_sigint)

    def _restore_sigint(self, old: Any) -> None:
        if old is not None and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGINT, old)


def grade(source: Any, *, bank: Bank | None = None, output: str | None = None,
          stream: IO[str] | None = None, resume: bool = False, jobs: int | None = None,
          ray: str | None = None, seed: int = 0, device: str | None = None,
          timeout: float | None = None, dedupe: bool = True,
          progress: IO[str] | None = None) -> Summary:
    """Grade a JSON-lines file (see docs/grading.md); returns the run's :class:`Summary`."""
    from ..bank.loader import load_bank
    from .work import GRADE_PROOF_TIMEOUT
    bank = bank or load_bank()
    settings = Settings(bank.dirs, seed=seed, device=device,
                        proof_timeout=GRADE_PROOF_TIMEOUT if timeout is None else timeout)
    return Run(source, bank, settings, output=output, stream=stream, resume=resume, jobs=jobs,
               ray=ray, dedupe=dedupe, progress=progress).execute()

