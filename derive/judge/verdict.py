"""Verdicts: four outcomes, a stable reason code, a sentence, and evidence.

A :class:`Verdict` has no truth value (``bool(v)`` raises), so that
"not equivalent", "could not read" and "ran out of time" can never be confused
the way a bare bool confuses them.
"""
from __future__ import annotations

import copy
import enum
import json
from dataclasses import dataclass, field, fields, is_dataclass
from typing import Any


class Status(enum.Enum):
    EQUIVALENT = "equivalent"
    NOT_EQUIVALENT = "not_equivalent"
    UNDECIDED = "undecided"
    INVALID = "invalid"


#: Every reason code derive emits, with its status. docs/verdicts.md lists the
#: same table; tests/test_docs.py keeps the two in step.
REASONS: dict[str, Status] = {
    # equivalent
    "symbolic.proven": Status.EQUIVALENT,
    "numeric.agree": Status.EQUIVALENT,
    "exact.match": Status.EQUIVALENT,
    "readings.all_right": Status.EQUIVALENT,
    # not equivalent
    "misconception.match": Status.NOT_EQUIVALENT,
    "numeric.mismatch": Status.NOT_EQUIVALENT,
    "exact.mismatch": Status.NOT_EQUIVALENT,
    "shape.mismatch": Status.NOT_EQUIVALENT,
    "equation.not_equivalent": Status.NOT_EQUIVALENT,
    "equation.not_solved": Status.NOT_EQUIVALENT,
    "tuple.part_mismatch": Status.NOT_EQUIVALENT,
    "tuple.arity": Status.NOT_EQUIVALENT,
    "shape.inconsistent": Status.NOT_EQUIVALENT,
    "symbol.foreign": Status.NOT_EQUIVALENT,
    "symbol.asked_in_value": Status.NOT_EQUIVALENT,
    "label.mismatch": Status.NOT_EQUIVALENT,
    "chain.false_link": Status.NOT_EQUIVALENT,
    "readings.all_wrong": Status.NOT_EQUIVALENT,
    # undecided
    "limit.timeout": Status.UNDECIDED,
    "limit.memory": Status.UNDECIDED,
    "limit.worker_crashed": Status.UNDECIDED,
    "limit.size": Status.UNDECIDED,
    "internal.error": Status.UNDECIDED,
    "numeric.no_points": Status.UNDECIDED,
    "numeric.too_few_points": Status.UNDECIDED,
    "numeric.unsupported": Status.UNDECIDED,
    "parse.ambiguous": Status.UNDECIDED,
    # invalid
    "input.empty": Status.INVALID,
    "input.too_long": Status.INVALID,
    "input.not_utf8": Status.INVALID,
    "input.control_char": Status.INVALID,
    "parse.unbalanced_braces": Status.INVALID,
    "parse.unknown_command": Status.INVALID,
    "parse.undeclared_symbol": Status.INVALID,
    "parse.syntax": Status.INVALID,
    "parse.too_deep": Status.INVALID,
    "parse.huge_number": Status.INVALID,
    "shape.invalid": Status.INVALID,
    "input.no_answer": Status.INVALID,
}


@dataclass(frozen=True)
class Counterexample:
    """Where a numeric check disproved the answer, and how to reproduce it."""

    point: dict[str, Any]
    expected: Any
    got: Any
    seed: int


@dataclass(frozen=True)
class Verdict:
    """The outcome of checking one answer against one question.

    ``status``: one of the four :class:`Status` values; ``reason``: a stable code
    from :data:`REASONS`; ``message``: one sentence a student can act on;
    ``counterexample``: set when a numeric check disproved the answer;
    ``position``: character offset of the fault for ``invalid``; ``misconception``:
    label of the known wrong answer this one equals; ``evidence``: how it was
    decided (symbolic method, numeric points, largest error, device, seed,
    ``false_links`` of a chain, ``label`` of a labelled answer); ``extracted``: for a
    whole response (``derive.check(..., response=...)``), the final answer's LaTeX
    that was read off it and checked (then ``answer`` is that LaTeX too), else None.
    """

    question: str
    status: Status
    reason: str
    message: str
    answer: str = ""
    counterexample: Counterexample | None = None
    position: int | None = None
    misconception: str | None = None
    evidence: dict[str, Any] = field(default_factory=dict)
    extracted: str | None = None

    def __post_init__(self) -> None:
        expected = REASONS.get(self.reason)
        if expected is None:
            raise ValueError(f"unknown reason code {self.reason!r}")
        if expected is not self.status:
            raise ValueError(f"reason {self.reason!r} belongs to {expected.value}, "
                             f"not {self.status.value}")

    def __bool__(self) -> bool:
        raise TypeError("a Verdict has no truth value: test v.status "
                        "(equivalent / not_equivalent / undecided / invalid)")

    def to_dict(self) -> dict[str, Any]:
        """The stable JSON contract (docs/verdicts.md)."""
        d = {f.name: _plain(getattr(self, f.name)) for f in fields(self)}
        d["status"] = self.status.value
        return d

    def to_json(self, **kw: Any) -> str:
        return json.dumps(self.to_dict(), default=_jsonable, **kw)


_ATOMS = (str, int, float, bool, type(None), enum.Enum)


def _plain(v: Any) -> Any:
    """What ``dataclasses.asdict`` makes of a field's value, without deep-copying the
    numbers and strings it is mostly made of (asdict took half a millisecond a verdict)."""
    if isinstance(v, _ATOMS):
        return v
    if isinstance(v, dict):
        return {k: _plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return type(v)(_plain(x) for x in v)
    if is_dataclass(v) and not isinstance(v, type):
        return {f.name: _plain(getattr(v, f.name)) for f in fields(v)}
    return copy.deepcopy(v)


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, enum.Enum):
        return obj.value
    return str(obj)
