"""An exam's own code: its ground-truth definitions and claim settlers.

An exam is ``<exam>.toml`` plus, optionally, ``<exam>.py`` beside it. The Python file
registers what the exam needs to compute with the public decorators::

    from derive import definition, settles, Settlement

    @definition("my-exam/1", "torch autograd of f(x) = ...", sympy=my_sympy_derivation)
    def q1(v): ...

    @settles("my-exam/claim-3")
    def claim3() -> Settlement: ...

The decorators mark the function and, while an exam's file is being imported, add it
to that file's collection; nothing is registered globally. The file is imported by path
(like pytest's ``conftest.py``) the first time one of its names is needed, never while a
bank loads, and its marked functions are collected into an :class:`ExamCode`. An error
in the file becomes a :class:`~derive.errors.BankError` naming the file and the line;
the first time the code serves its exam, every ``definition``/``settle`` name the
exam's TOML uses must be registered in it (a BankError naming the TOML file, the
question and the key otherwise).
"""
from __future__ import annotations

import importlib.util
import os
import sys
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Sequence

from ..errors import BankError

_MARK = "__derive_registered__"


@dataclass(frozen=True)
class Definition:
    """The ground truth of one question.

    ``torch(v)`` receives the sampled values of the question's symbols, keyed by
    name (scalars ``(B, 1, 1)``, vectors ``(B, n, 1)``, matrices ``(B, r, c)``, dims
    as ``int``) and returns what the answer should equal, computed the way a
    framework would: autograd of the function or loss, a forward pass, a module's
    parameter count. ``sympy(v)`` re-derives the answer symbolically from the same
    definition, with explicit, instantiated values (dims are small integers, vectors
    explicit SymPy matrices, indices integers), so ``derive validate`` checks the
    stored closed form three ways; it is required for every question that is not a
    plain count or shape. ``dims`` optionally lists the dimension sizes to
    instantiate at (``[{"n": 3, "d": 2}, ...]``) where the default, every dim at 2
    and then at 3, does not fit the question (a least-squares problem needs n > d).
    """

    name: str
    describe: str
    torch: Callable[[dict[str, Any]], Any]
    sympy: Callable[[dict[str, Any]], Any] | None = None
    dims: tuple[dict[str, int], ...] | None = None

    @property
    def derivation(self) -> str:
        """What ``sympy`` does, in a sentence: the first paragraph of its docstring."""
        if self.sympy is None:
            return ""
        doc = (getattr(self.sympy, "__doc__", None) or "").strip()
        if not doc:
            return f"SymPy: {getattr(self.sympy, '__name__', 'derivation')}"
        return " ".join(doc.split("\n\n")[0].split())


@dataclass(frozen=True)
class Settlement:
    """What a claim settler found."""

    holds: bool | dict[str, bool]   # one truth value, or one per option/letter
    method: str                     # "proof" | "counterexample" | "computation"
    evidence: str                   # one paragraph a reader can check, built from the numbers
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # numpy and torch booleans become Python ones; anything else is a settler's bug
        def truth(v: Any) -> bool:
            if isinstance(v, bool):
                return v
            if type(v).__name__ in ("bool_", "bool") or (hasattr(v, "item") and
                                                         isinstance(v.item(), bool)):
                return bool(v)
            raise TypeError(f"Settlement.holds: expected a truth value, got {v!r}")
        holds = {str(k): truth(v) for k, v in self.holds.items()} \
            if isinstance(self.holds, dict) else truth(self.holds)
        object.__setattr__(self, "holds", holds)


def tex_number(x: float, digits: int = 4) -> str:
    """A number as LaTeX, for the evidence a settler writes: ``1.2e-17`` becomes
    ``1.2 \\times 10^{-17}``."""
    text = f"{x:.{digits}g}"
    if "e" in text:
        mant, exp = text.split("e")
        return f"{mant} \\times 10^{{{int(exp)}}}"
    return text


def require_close(actual: Any, expected: Any, what: str = "", *, rtol: float = 1e-7,
                  atol: float = 1e-7) -> None:
    """Raise AssertionError unless two tensors agree (float64 tolerances), for the sanity
    checks inside a definition. Unlike ``torch.testing.assert_close``, whose first call
    imports ``torch.distributed`` (about a second), it costs nothing on a check's hot path."""
    # tensor methods, so that the bank never imports torch itself (an import-linter contract)
    if not actual.allclose(expected, rtol=rtol, atol=atol, equal_nan=False):
        worst = float((actual - expected).abs().max())
        raise AssertionError(f"{what or 'values'} differ: largest gap {worst:.3g}")


def definition(name: str, describe: str, *, sympy: Callable | None = None,
               dims: Sequence[dict[str, int]] | None = None):
    """Mark ``fn(values) -> tensor`` as the torch ground truth of bank entry ``name``
    (the question's ``definition = "..."``), with its SymPy derivation ``sympy(values)``
    (required by ``derive validate`` unless the question is a count or a shape; the
    first paragraph of its docstring is shown in the report) and, optionally, the dims to
    instantiate that derivation at."""
    if not isinstance(name, str) or not name:
        raise TypeError("definition(name, describe): name is the bank's definition name")
    if sympy is not None and not callable(sympy):
        raise TypeError(f"definition({name!r}): sympy= must be a function of the values")
    if dims is not None and (not dims or not all(
            isinstance(d, dict) and all(isinstance(k, str) and isinstance(v, int) and v > 0
                                        for k, v in d.items()) for d in dims)):
        raise TypeError(f"definition({name!r}): dims= is a list of {{dim name: size}} tables")

    def mark(fn: Callable) -> Callable:
        d = Definition(name, describe, fn, sympy, tuple(dict(x) for x in dims) if dims else None)
        try:
            setattr(fn, _MARK, ("definition", d))
        except (AttributeError, TypeError):
            pass
        _collect("definition", name, d)
        return fn
    return mark


def settles(name: str):
    """Mark ``fn() -> Settlement`` as the settler named ``name`` (a claim's ``settle``)."""
    if not isinstance(name, str) or not name:
        raise TypeError("settles(name): name is the claim's settle name")

    def mark(fn: Callable[[], Settlement]) -> Callable[[], Settlement]:
        try:
            setattr(fn, _MARK, ("settler", name))
        except (AttributeError, TypeError):
            pass
        _collect("settler", name, fn)
        return fn
    return mark


#: while an exam's file runs, what its decorators register (None otherwise)
_collecting: dict[str, dict[str, Any]] | None = None


def _collect(what: str, name: str, value: Any) -> None:
    if _collecting is None:
        return
    table = _collecting[what]
    if name in table:
        raise BankError(f"{what} {name!r} is registered twice")
    table[name] = value


@dataclass(frozen=True)
class ExamCode:
    """The definitions and settlers one exam's ``.py`` registers."""

    file: str
    definitions: dict[str, Definition]
    settlers: dict[str, Callable[[], Settlement]]


_lock = threading.Lock()
_loaded: dict[tuple[str, float], ExamCode] = {}


_resolved: dict[str, Path] = {}


def load_code(path: str | Path) -> ExamCode:
    """Import an exam's ``.py`` by path (once per file version) and collect its marks.

    A path is resolved once per process (resolving walks every component); the file is
    still looked at on every call, so an edited file is imported again."""
    p = _resolved.get(str(path))
    if p is None:
        p = _resolved.setdefault(str(path), Path(path).resolve())
    try:
        key = (str(p), os.stat(p).st_mtime)
    except OSError:
        raise BankError("the exam's code file is missing", file=str(p)) from None
    with _lock:
        if key in _loaded:
            return _loaded[key]
        code = _import(p)
        _loaded[key] = code
        return code


def _import(p: Path) -> ExamCode:
    name = "derive_bank_code." + "".join(c if c.isalnum() else "_" for c in p.stem) \
        + f"_{abs(hash(str(p))):x}"
    spec = importlib.util.spec_from_file_location(name, p)
    if spec is None or spec.loader is None:
        raise BankError("cannot import the exam's code", file=str(p))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look the module up by name
    global _collecting
    _collecting = {"definition": {}, "settler": {}}
    try:
        spec.loader.exec_module(module)
        collected = _collecting
    except Exception as exc:
        sys.modules.pop(name, None)
        line = _line_in(exc, p)
        at = f"line {line}: " if line else ""
        if isinstance(exc, BankError):
            raise BankError(at + exc.message, file=str(p)) from exc
        if isinstance(exc, SyntaxError):
            raise BankError(f"{at}the exam's code is not valid Python: {exc.msg}",
                            file=str(p)) from exc
        raise BankError(f"{at}importing the exam's code raised {type(exc).__name__}: {exc}",
                        file=str(p)) from exc
    finally:
        _collecting = None
    definitions: dict[str, Definition] = dict(collected["definition"])
    settlers: dict[str, Callable[[], Settlement]] = dict(collected["settler"])
    return ExamCode(str(p), definitions, settlers)


def _line_in(exc: BaseException, p: Path) -> int | None:
    if isinstance(exc, SyntaxError) and exc.lineno:
        return exc.lineno
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if Path(frame.filename).resolve() == p:
            return frame.lineno
    return None


@dataclass(frozen=True)
class Use:
    """One name an exam's TOML uses: ``what`` is ``definition`` or ``settle``."""

    what: str
    name: str
    entry: str      # the question or claim id
    file: str       # the TOML file


_checked: set[tuple[int, tuple[Use, ...]]] = set()


def exam_code(code_file: str, uses: Sequence[Use] = (), *, file: str = "?",
              entry: str = "") -> ExamCode:
    """An exam's code, imported on first use, with every name its TOML uses checked.

    The first time the code serves an exam, each ``definition``/``settle`` name in
    ``uses`` must be registered in it; a missing one is a BankError naming the TOML
    file, the question or claim, and the key (and what the code does register).
    """
    if not code_file:  # the loader refuses such a bank; this guards direct callers
        u = uses[0] if uses else Use("definition", "?", entry, file)
        raise BankError(f"{u.what} {u.name!r} is named, but the exam has no .py file beside "
                        f"its TOML", file=u.file, question=u.entry or None, key=u.what)
    code = load_code(code_file)
    key = (id(code), tuple(uses))  # every loaded version is kept (_loaded): ids are unique
    if key not in _checked:
        tables = {"definition": code.definitions, "settle": code.settlers}
        for u in uses:
            table = tables[u.what]
            if u.name not in table:
                known = ", ".join(sorted(table)) or "none"
                noun = "definition" if u.what == "definition" else "settler"
                raise BankError(f"no {noun} named {u.name!r} in {code.file} (it registers: "
                                f"{known})", file=u.file, question=u.entry, key=u.what)
        _checked.add(key)
    return code


def definition_of(code_file: str, name: str, *, question: str = "", file: str = "?",
                  uses: Sequence[Use] = ()) -> Definition:
    """The definition ``name`` in an exam's code file (every name in ``uses`` checked)."""
    own = Use("definition", name, question, file)
    code = exam_code(code_file, tuple(uses) if own in uses else (*uses, own), file=file,
                     entry=question)
    return code.definitions[name]


def settler_of(code_file: str, name: str, *, claim: str = "", file: str = "?",
               uses: Sequence[Use] = ()) -> Callable[[], Settlement]:
    """The settler ``name`` in an exam's code file (every name in ``uses`` checked)."""
    own = Use("settle", name, claim, file)
    code = exam_code(code_file, tuple(uses) if own in uses else (*uses, own), file=file,
                     entry=claim)
    return code.settlers[name]
