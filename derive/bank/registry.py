"""An exam's own code: its ground-truth definitions and claim settlers.

An exam is ``<exam>.toml`` plus, optionally, ``<exam>.py`` beside it. The Python file
registers what the exam needs to compute with the public decorators::

    from derive import definition, settles, Settlement

    @definition("my-exam/1", "torch autograd of f(x) = ...", sympy=my_sympy_derivation)
    def q1(v): ...

    @settles("my-exam/claim-3")
    def claim3() -> Settlement: ...

The decorators mark the function and, while an exam's file is being imported, add it
to that file's collection; nothing is registered globally. The file is imported by path (like pytest's ``conftest.py``) the first time one of its names is
needed, never while a bank loads, and its marked functions are collected into an
:class:`ExamCode`. An error in the file becomes a :class:`~derive.errors.BankError`
naming the file and the line.
"""
from __future__ import annotations

import importlib.util
import sys
import threading
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..errors import BankError

_MARK = "__derive_registered__"


@dataclass(frozen=True)
class Definition:
    """The ground truth of one question.

    ``torch(v)`` receives the sampled values of the question's symbols, keyed by
    name (scalars ``(B, 1, 1)``, vectors ``(B, n, 1)``, matrices ``(B, r, c)``, dims
    as ``int``) and returns what the answer should equal, computed the way a
    framework would: autograd of the function or loss, a forward pass, a module's
    parameter count. ``sympy(v)`` re-derives the answer symbolically from
    explicit, instantiated values (dims are small integers, vectors explicit SymPy
    matrices), so ``derive validate`` checks the stored closed form three ways.
    """

    name: str
    describe: str
    torch: Callable[[dict[str, Any]], Any]
    sympy: Callable[[dict[str, Any]], Any] | None = None


@dataclass(frozen=True)
class Settlement:
    """What a claim settler found."""

    holds: bool | dict[str, bool]   # one truth value, or one per option/letter
    method: str                     # "proof" | "counterexample" | "computation"
    evidence: str                   # one paragraph a reader can check, built from the numbers
    details: dict[str, Any] = field(default_factory=dict)


def definition(name: str, describe: str, *, sympy: Callable | None = None):
    """Mark ``fn(values) -> tensor`` as the torch ground truth of bank entry ``name``
    (the question's ``definition = "..."``), with an optional SymPy derivation."""
    if not isinstance(name, str) or not name:
        raise TypeError("definition(name, describe): name is the bank's definition name")

    def mark(fn: Callable) -> Callable:
        d = Definition(name, describe, fn, sympy)
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


def load_code(path: str | Path) -> ExamCode:
    """Import an exam's ``.py`` by path (once per file version) and collect its marks."""
    p = Path(path).resolve()
    try:
        key = (str(p), p.stat().st_mtime)
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
        if isinstance(exc, BankError):
            raise BankError(exc.message, file=str(p)) from exc
        line = _line_in(exc, p)
        where = f" (line {line})" if line else ""
        raise BankError(f"the exam's code raised {type(exc).__name__}: {exc}{where}",
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


def definition_of(code_file: str, name: str, *, question: str = "",
                  file: str = "?") -> Definition:
    """The definition ``name`` in an exam's code file, or a BankError saying what is there."""
    if not code_file:
        raise BankError(f"definition {name!r} is named, but the exam has no .py file beside "
                        f"its TOML", file=file, question=question or None, key="definition")
    code = load_code(code_file)
    try:
        return code.definitions[name]
    except KeyError:
        known = ", ".join(sorted(code.definitions)) or "none"
        raise BankError(f"no definition named {name!r} in the exam's code (it has: {known})",
                        file=code_file, question=question or None, key="definition") from None


def settler_of(code_file: str, name: str, *, claim: str = "",
               file: str = "?") -> Callable[[], Settlement]:
    """The settler ``name`` in an exam's code file, or a BankError saying what is there."""
    if not code_file:
        raise BankError(f"settler {name!r} is named, but the exam has no .py file beside its "
                        f"TOML", file=file, question=claim or None, key="settle")
    code = load_code(code_file)
    try:
        return code.settlers[name]
    except KeyError:
        known = ", ".join(sorted(code.settlers)) or "none"
        raise BankError(f"no settler named {name!r} in the exam's code (it has: {known})",
                        file=code_file, question=claim or None, key="settle") from None
