"""The notation layer's front door: LaTeX text -> a :class:`ParsedAnswer` of SymPy values.

:func:`parse_answer` lexes the text (:mod:`.lexer`), splits off ``where``
definitions and the answer's parts, replaces every declared name by one ``ref``
token (:func:`.symbols.substitute_aliases`) and hands each part to the grammar
(:mod:`.grammar`). :func:`parse_expression` reads one expression (bank data, tests).
"""
from __future__ import annotations

from typing import Any

from ..errors import AnswerError
from .answer import Chain, ParsedAnswer  # noqa: F401  (Chain: re-exported for callers)
from .grammar import Parser
from .lexer import Token, lex
from .symbols import Context, Pattern, substitute_aliases


# --- public entry points --------------------------------------------------------

def parse_answer(text: str | bytes, ctx: Context) -> ParsedAnswer:
    """Parse a whole answer (parts, chains, ``where`` definitions)."""
    try:
        return _parse_answer(text, ctx)
    except AnswerError as exc:
        # a fault "at the end" is placed after the last token, whose length after
        # normalisation (an alias, \\% read as /100) may differ from the source's
        size = len(text)
        if exc.position is not None and exc.position > size:
            raise AnswerError(exc.code, exc.message.replace(f"position {exc.position}",
                                                            f"position {size}"), size) from None
        raise


def _parse_answer(text: str | bytes, ctx: Context) -> ParsedAnswer:
    tokens = lex(text)
    main, defs = _split_where(tokens)
    extra: list[tuple[Pattern, Any]] = []
    for piece in _split_top(defs, (",", ";", "and")):
        piece = [t for t in piece if not (t.kind == "word" and t.text.strip() == "")]
        if not piece:
            continue
        eq = next((k for k, t in enumerate(piece) if t.kind == "char" and t.text == "="), None)
        if eq is None or eq == 0:
            raise AnswerError("parse.syntax", "after 'where', write definitions as NAME = ...",
                              piece[0].pos)
        value = Parser(substitute_aliases(piece[eq + 1:], ctx.patterns, extra), ctx).whole()
        pat = Pattern(tuple(t.key for t in piece[:eq]), "where")
        extra.append((pat, value))
    main = substitute_aliases(main, ctx.patterns, extra)
    parts = []
    for piece in _split_top(main, (",", ";", "and")):
        piece = [t for t in piece if t.kind != "word" or t.text in ("otherwise", "else", "if")]
        piece = _drop_text_words_at_ends(piece)
        if piece and piece[-1].text == "." and piece[-1].kind == "char":
            piece = piece[:-1]
        if piece:
            parts.append(Parser(piece, ctx).chain())
    if not parts:
        raise AnswerError("input.empty", "the answer has nothing to grade", 0)
    source = text.decode("utf-8") if isinstance(text, bytes) else text
    for chain in parts:
        chain.texts = [source[a:b].strip() for a, b in chain.spans]
    return ParsedAnswer(parts)


def parse_expression(text: str, ctx: Context) -> Any:
    """Parse one expression (no relations, no parts). For bank data and tests."""
    return Parser(substitute_aliases(lex(text), ctx.patterns), ctx).whole()


# --- splitting ------------------------------------------------------------------

def _drop_text_words_at_ends(piece: list[Token]) -> list[Token]:
    """``33 \\text{parameters}``, ``\\text{Answer} 33``: a \\text word that names no symbol,
    at either end of a part, is prose."""
    for _ in range(2):
        while piece and piece[-1].group is not None:
            g = piece[-1].group
            while piece and piece[-1].group == g:
                piece = piece[:-1]
        piece.reverse()
    return piece


_OPEN = {"(": ")", "[": "]", "{": "}"}


def _split_where(tokens: list[Token]) -> tuple[list[Token], list[Token]]:
    for k, t in enumerate(tokens):
        if t.kind == "word" and t.text in ("where", "with"):
            return tokens[:k], tokens[k + 1:]
    return tokens, []


def _split_top(tokens: list[Token], seps: tuple[str, ...]) -> list[list[Token]]:
    """Split at separators outside any bracket and outside environments."""
    parts: list[list[Token]] = [[]]
    depth = 0
    env = 0
    for t in tokens:
        if t.kind == "char" and t.text in "([{":
            depth += 1
        elif t.kind == "char" and t.text in ")]}":
            depth -= 1
        elif t.kind == "cmd" and t.text == r"\begin":
            env += 1
        elif t.kind == "cmd" and t.text == r"\end":
            env -= 1
        if depth == 0 and env == 0 and (
                (t.kind == "char" and t.text in seps) or (t.kind == "word" and t.text in seps)):
            parts.append([])
            continue
        parts[-1].append(t)
    return [p for p in parts if p]


