"""A parsed answer: its parts, each a chain of relations, and how to read values off it.

These are the values the notation layer hands to the judge: ``ParsedAnswer`` holds the
parts of an answer (split at top-level commas, ``and``, ``;``), each a :class:`Chain`
``items[0] ops[0] items[1] ...``. :func:`values` and :func:`single_value` read the
asked value off a chain the way a grader does (``label = v1 = v2``).
"""
from __future__ import annotations

import contextvars
from dataclasses import dataclass, field
from typing import Any

from ..errors import AnswerError
from .symbols import is_asked


@dataclass
class Chain:
    """One part of an answer: ``items[0] ops[0] items[1] ...``."""

    items: list[Any]
    ops: list[str]
    pos: int = 0
    spans: list[tuple[int, int | None]] = field(default_factory=list)  # of each item
    texts: list[str] = field(default_factory=list)  # each item as the user wrote it


@dataclass(frozen=True)
class Local:
    """A name the answer defines (``where S = \\sum_i x_i``; ``p_k = ...`` for every
    ``k``, whose bare name is then the vector of the entries)."""

    value: Any
    index: Any = None       # the index symbol of an indexed definition
    vector: bool = False    # the value is the vector of the entries


@dataclass
class ParsedAnswer:
    """A whole answer: its parts (split at top-level commas, ``and``, ``;``)."""

    parts: list[Chain] = field(default_factory=list)


#: the message of ``symbol.asked_in_value``: a value written in the asked quantity itself
ASKED_IN_VALUE = ("the answer's value is written in the asked quantity itself: it says what "
                  "the asked quantity satisfies, not what it is; write it in the quantities "
                  "the question gives")


def values(chain: Chain) -> tuple[str | None, list[Any]]:
    """Split ``label = v1 = v2`` into the label (an asked name) and the values."""
    bad = [op for op in chain.ops if op not in ("=", r"\approx")]
    if bad:
        raise AnswerError("parse.syntax", f"the answer is a value; '{bad[0]}' does not "
                          f"belong in it", chain.pos)
    label = is_asked(chain.items[0])
    items = chain.items
    if r"\approx" in chain.ops:
        # "\ln 9 \approx 2.197": graded on the exact value before the first \approx,
        # unless nothing exact is given
        cut = chain.ops.index(r"\approx") + 1
        if cut > (1 if label is not None else 0):
            items = items[:cut]
    vals = items[1:] if label is not None else items
    if not vals:
        raise AnswerError("parse.syntax", "the answer names the quantity but gives no value",
                          chain.pos)
    if any(is_asked(v) is not None for v in vals):
        raise AnswerError("symbol.asked_in_value", ASKED_IN_VALUE, chain.pos)
    return label, vals


def one_part(parsed: ParsedAnswer, what: str = "value") -> Chain:
    """The answer's only part; several parts where one is asked are a wrong answer."""
    if len(parsed.parts) != 1:
        raise AnswerError("tuple.arity", f"expected one {what}, got {len(parsed.parts)} parts",
                          parsed.parts[1].pos)
    return parsed.parts[0]


def single_value(parsed: ParsedAnswer) -> Any:
    """The last value of the only part (``a = b = c`` gives ``c``)."""
    return values(one_part(parsed))[1][-1]


# --- notation with several readings ----------------------------------------------------

#: the reading chosen at each ambiguous notation while an answer is read again under one
#: reading (``reading`` key -> the chosen option); empty on a first reading
CHOSEN: contextvars.ContextVar[dict[str, str]] = contextvars.ContextVar("derive_readings",
                                                                         default={})


def choose(key: str, options: tuple[tuple[str, str], ...], error: AnswerError) -> str:
    """The option chosen for the ambiguous notation ``key`` (``options``: (name, what it
    means in words)), or, on a first reading, ``error`` (``parse.ambiguous``) raised with
    the readings attached, so that the caller can read the answer under each of them
    (:class:`Readings`)."""
    chosen = CHOSEN.get().get(key)
    if chosen is not None:
        return chosen
    error.readings = (key, options)   # type: ignore[attr-defined]
    raise error


@dataclass
class Readings:
    """An answer whose notation has several readings: the ``parse.ambiguous`` error of the
    first reading, and the answer read under each reading (``(what it means in words,
    ParsedAnswer or AnswerError)``)."""

    error: AnswerError
    readings: list[tuple[str, Any]]
