"""Which answers are the same answer: the key a run deduplicates on.

Two answers to one question share a key only when derive would read them the same way:
the key is the answer's token stream as derive's own lexer (:func:`derive.notation.lexer.lex`)
normalises it, so ``2W^\\top(Wx-y)``, ``2\\mathbf{W}^T\\left(Wx-y\\right)`` and
``2W^{\\intercal}(Wx-y)`` are checked once, while ``W`` and ``w``, ``\\Delta`` and
``\\delta``, ``2 3`` and ``23`` keep their own keys (the lexer never case-folds or drops a
symbol; see its module docstring). A number also records whether white space separates it
from a number before it, so a rule that reads spacing between digits (TeX's ``2 3``) still
sees it.

Answers the lexer refuses, and answers to count and shape questions (whose text is
rewritten before lexing: ``200,000,100``), are keyed on their exact text after trimming
the white space around it. The key is only ever used to share a verdict; the verdict of
every answer in a group is the verdict of the group's first answer, with that answer's own
text put back (:func:`derive.grade.engine` re-checks a member on its own when the verdict
points into the text: a position, a quoted step).
"""
from __future__ import annotations

from typing import Any

from ..bank.loader import Question
from ..notation.lexer import MAX_LENGTH, lex

#: question kinds whose text the worker rewrites before lexing (tasks.parse)
_RAW_KINDS = ("count", "shape")


def answer_key(q: Question, text: str) -> tuple[Any, ...]:
    """The dedupe key of ``text`` as an answer to ``q`` (see the module docstring).

    Bounded before it starts: text over the lexer's length limit is keyed raw, and the
    lexer's passes are linear in the (limited) length."""
    stripped = text.strip()
    if q.kind in _RAW_KINDS or len(text) > MAX_LENGTH:
        return (q.id, "raw", stripped)
    try:
        tokens = lex(stripped)
    except Exception:  # noqa: BLE001 - an unreadable answer: its own text is its key
        return (q.id, "raw", stripped)
    groups: dict[int, int] = {}
    key = []
    for k, t in enumerate(tokens):
        # white space between two numbers is TeX's business (`2 3` typesets 23, digit
        # groups); anywhere else the lexer has already read it
        space = (k > 0 and t.kind == "num" and tokens[k - 1].kind == "num"
                 and t.pos > 0 and stripped[t.pos - 1].isspace())
        group = None if t.group is None else groups.setdefault(t.group, k)
        key.append((t.kind, t.text, space, group))
    return (q.id, "tokens", tuple(key))
