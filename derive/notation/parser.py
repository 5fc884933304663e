"""The notation layer's front door: LaTeX text -> a :class:`ParsedAnswer` of SymPy values.

:func:`parse_answer` lexes the text (:mod:`.lexer`), reads what a grader reads around the
mathematics (the conclusion after ``\\therefore`` or "Answer:", asides and units, shape
annotations), splits off definitions (``where S = ...``, or a trailing part ``S = ...``
whose name the answer uses), splits the answer into its parts, replaces every declared
name by one ``ref`` token (:func:`.symbols.substitute_aliases`) and hands each part to the
grammar (:mod:`.grammar`). A name the question does not declare is read as a quantity of
its own (:data:`FOREIGN`); the answer is then wrong (``symbol.foreign``) unless the name
only labels the value. :func:`parse_expression` reads one expression (bank data, tests).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sympy as sp

from ..errors import AnswerError
from .answer import Chain, Local, ParsedAnswer  # noqa: F401  (Chain: re-exported)
from .grammar import Parser, branch_at
from .lexer import ACCENTS, ASSIGN, GREEK, JUSTIFICATION_WORDS, Token, lex, lex_form
from .operators import in_place_update
from .shapes import free_dims, index_fault, is_matrix, settle
from .symbols import Context, Pattern, asked_marker, asked_name, is_asked, substitute_aliases
from .tables import (DERIVATIVE_WORDS, FILLER_WORDS, FOREIGN, ONE_HOT_WORDS, OPTIMISERS,
                     ORDER_WORDS, PROSE_FUNCTIONS, STEP_WORDS, UPDATE_WORDS)

SEPARATORS = (",", ";", "and")


# --- public entry points --------------------------------------------------------

def parse_answer(text: str | bytes, ctx: Context, *, strict: bool = False) -> ParsedAnswer:
    """Parse a whole answer (parts, chains, ``where`` definitions).

    A name the question does not declare makes a student's answer wrong
    (``symbol.foreign``); with ``strict`` (bank data, a library user's closed form) it is
    the author's error, ``parse.undeclared_symbol``."""
    try:
        return _parse_answer(text, ctx, strict)
    except AnswerError as exc:
        # a fault "at the end" is placed after the last token, whose length after
        # normalisation (an alias, \\% read as /100) may differ from the source's
        size = len(text)
        if exc.position is not None and exc.position > size:
            raise AnswerError(exc.code, exc.message.replace(f"position {exc.position}",
                                                            f"position {size}"), size) from None
        raise


def parse_expression(text: str, ctx: Context) -> Any:
    """Parse one expression (no relations, no parts). For bank data and tests."""
    p = Parser(substitute_aliases(lex(text), ctx.patterns), ctx)
    value = _settle(p.whole(), ctx, 0)
    _no_foreign([value], p.foreign_at, strict=True)
    return value


def _settle(value: Any, ctx: Context, pos: int) -> Any:
    """A bare \\mathbf{I} or \\mathbf{1} that nothing sized: the question's only dim."""
    if not free_dims(value):
        return value
    if len(ctx.dims) == 1:
        return settle(value, ctx.objects[ctx.dims[0].name])
    raise AnswerError("shape.invalid", "cannot tell the size of a bare \\mathbf{I} or "
                      "\\mathbf{1} here: write it with its size, as \\mathbf{I}_n", pos)


# --- the answer -------------------------------------------------------------------

def _parse_answer(text: str | bytes, ctx: Context, strict: bool, by_part: bool = True
                  ) -> ParsedAnswer:
    tokens = _conclusion(lex(text))
    tokens = _entry_superscripts(_component_superscripts(
        _text_brackets(_strip_end_punctuation(tokens)), ctx), ctx)
    tokens = _iterate_scripts(_script_word_brackets(_counted_after_colon(tokens, ctx)), ctx)
    main, defs = _split_where(_drop_justification(_drop_index_range(tokens)))
    pieces = [_named_part(_prose_heading(_prose_part_label(
        _operator_label(_drop_lead_prose(p), ctx), ctx), ctx), ctx)
        for p in _split_top(main, SEPARATORS)]
    heading, pieces = _heading([p for p in pieces if p], ctx)
    pieces, diagonals = _diagonals([p for p in pieces if p], ctx)
    pieces = _entry_cases(pieces, ctx)
    defs_pieces, more = _diagonals(_split_top(defs, SEPARATORS), ctx, used=pieces)
    diagonals += more
    pieces, trailing = _trailing_definitions(pieces, ctx)
    pieces = [p for p in (_clean_part(p, ctx) for p in pieces) if p]
    extra: list[tuple[Pattern, Any]] = []
    foreign_at: dict[sp.Symbol, int] = {}
    for diagonal in diagonals:
        extra.append(diagonal.definition(ctx, extra, foreign_at))
    for piece in _used_first([*defs_pieces, *trailing]):
        piece = _drop_space(
            [t for t in piece if not (t.kind == "word" and t.text.strip() == "")])
        if piece:
            extra.extend(_definition(piece, ctx, extra, foreign_at))
    parts = []
    whole = _asked_entry(ctx)
    pieces = [_assignment(_drop_common_label(_method_subscript(_prose_subscript_label(
        in_place_update(p, ctx), ctx), ctx), ctx), ctx)
              for p in pieces]
    part_of = _piece_parts(pieces, ctx, extra) if by_part else [None] * len(pieces)
    for piece, part in zip(pieces, part_of):
        label = _entry_label(piece, ctx)
        if label is not None:
            parts.append(label.read(piece, ctx, extra, foreign_at))
            continue
        patterns = ctx.part_patterns.get(part[0], ctx.patterns) if part else ctx.patterns
        p = Parser(_old_values(piece, substitute_aliases(piece, patterns, extra),
                               foreign_at), ctx)
        p.foreign_at = foreign_at
        chain = p.chain()
        parts.append(_free_index_entries(chain, piece, ctx, extra, foreign_at) or chain)
    if not parts:
        raise AnswerError("input.empty", "the answer has nothing to grade", 0)
    if heading:
        _add_heading(heading, parts, ctx, extra, foreign_at)
    parts = _axes_by_name(parts, ctx)
    _foreign_labels(parts, ctx)
    # a step of working may use what the question's text names but does not declare
    # (z_2 = \ln\frac{p_2}{p_1} = \ln 9): it cannot be checked, and is not graded as false;
    # the answer's value and its label may not
    _no_foreign([x for c in parts for x in (c.items if strict else _graded(c))], foreign_at,
                strict)
    for chain in parts:
        chain.items = [_settle(x, ctx, chain.pos) for x in chain.items]
        if whole is not None:
            chain.items = [_entry_at(x, whole) for x in chain.items]
    parts = _labelled_tuple(_columns_as_parts(parts, ctx), ctx)
    for chain in parts:
        _drop_unevaluated_steps(chain)
    source = text.decode("utf-8") if isinstance(text, bytes) else text
    for chain in parts:
        chain.texts = [source[a:b].strip() for a, b in chain.spans]
    if any(part_of) and not _read_as_assigned(parts, part_of):
        return _parse_answer(text, ctx, strict, by_part=False)   # the part was not what
    return ParsedAnswer(parts)                                   # the judge will take


def _piece_parts(pieces: list[list[Token]], ctx: Context, extra: list
                 ) -> list[tuple[str, bool] | None]:
    """The part of a tuple question each piece gives, ``(part, labelled)``, where some part
    declares forms of its own (:meth:`Context.add_part_forms`): by its label
    (``\\text{real} = v``, ``v \\text{ for } X^i``), the unlabelled pieces in order over the
    parts left, as the judge assigns them. None for every piece where that cannot be told
    for sure (another number of pieces, an asked name inside a value, a part named twice):
    then no part's own forms are used, and they stay names of the student's own."""
    names = [p for p in ctx.asked if p]
    unknown: list[tuple[str, bool] | None] = [None] * len(pieces)
    if not ctx.part_patterns or len(names) < 2 or len(pieces) != len(names):
        return unknown
    labels: list[str | None] = []
    for piece in pieces:
        toks = substitute_aliases(piece, ctx.patterns, extra)
        marks = [k for k, t in enumerate(toks)
                 if t.kind == "ref" and str(t.ref[0]).startswith("asked:")]
        if not marks:
            labels.append(None)
        elif marks == [0] and len(toks) > 2 and toks[1].kind == "char" \
                and toks[1].text in ("=", ":"):
            labels.append(str(toks[0].ref[0])[len("asked:"):])
        else:
            return unknown
    named = [x for x in labels if x is not None]
    if len(set(named)) != len(named) or not set(named) <= set(names):
        return unknown
    rest = iter([n for n in names if n not in named])
    return [(x, True) if x is not None else (next(rest), False) for x in labels]


def _read_as_assigned(parts: list[Chain], part_of: list[tuple[str, bool] | None]) -> bool:
    """The chains read with a part's own forms are the judge's for that part: a labelled
    one still has its label first, an unlabelled one no asked name anywhere."""
    if len(parts) != len(part_of):
        return False
    for chain, (part, labelled) in zip(parts, part_of):
        if labelled:
            if is_asked(chain.items[0]) != part:
                return False
        elif any(is_asked(s) is not None for x in chain.items
                 for s in (x.atoms(sp.Symbol) if isinstance(x, sp.Basic) else ())):
            return False
    return True


# --- what surrounds the mathematics -------------------------------------------------

def _depths(tokens: list[Token]) -> list[int]:
    """The bracket/environment depth before each token."""
    out, depth = [], 0
    for t in tokens:
        out.append(depth)
        if t.kind == "char" and t.text in "([{" or t.kind == "cmd" and t.text == r"\begin":
            depth += 1
        elif t.kind == "char" and t.text in ")]}" or t.kind == "cmd" and t.text == r"\end":
            depth -= 1
    return out


def _conclusion(tokens: list[Token]) -> list[Token]:
    """What follows the last top-level lead-in (``\\therefore``, ``\\Rightarrow``, "so",
    "Answer:"): the working before it is not graded."""
    depths = _depths(tokens)
    cut = None
    for k, t in enumerate(tokens):
        if t.kind == "word" and t.text == "so" and depths[k] == 0:
            cut = k
    if cut is None:
        return tokens
    rest = tokens[cut + 1:]
    if rest and rest[0].kind == "char" and rest[0].text in "=:" and len(rest) > 1:
        rest = rest[1:]   # \text{Answer} = 6: the lead-in used as a label
    if not rest:
        raise AnswerError("input.empty", "nothing follows the conclusion's lead-in",
                          tokens[cut].pos)
    return rest


def _name_start(tokens: list[Token], end: int) -> int | None:
    """Where the name ending before ``tokens[end]`` starts: a letter or a Greek letter,
    with a subscript (one token or a braced group); None if there is none."""
    k = end - 1
    if k >= 0 and tokens[k].kind == "char" and tokens[k].text == "}":
        depth = 0
        while k >= 0:
            depth += {"}": 1, "{": -1}.get(tokens[k].text, 0) if tokens[k].kind == "char" \
                else 0
            if depth == 0:
                break
            k -= 1
        k -= 1   # the _ before the group
    elif k >= 1 and tokens[k - 1].kind == "char" and tokens[k - 1].text == "_":
        k -= 1
    else:
        k += 1   # no subscript
    if k < end and tokens[k].text == "_":
        k -= 1
    else:
        k = end - 1
    if k < 0 or not (tokens[k].kind == "char" and tokens[k].text.isalpha()
                     or tokens[k].kind == "cmd" and tokens[k].text[1:] in GREEK):
        return None
    return k


def _entry_superscripts(tokens: list[Token], ctx: Context) -> list[Token]:
    """``\\theta_{k+1}^{(ij)}``, ``W^{(i,j)}``: a superscript of two index letters in brackets
    on a declared matrix is its entry (``(\\theta_{k+1})_{ij}``), compared entry by entry;
    after ``\\partial`` (``\\frac{\\partial L}{\\partial \\theta^{(ij)}}``) it is the entry of
    the variable (``\\partial \\theta_{ij}``). One letter (``X^{(i)}``, a sample) or a number
    is no entry."""
    out = list(tokens)
    k = 0
    while k < len(out):
        t = out[k]
        if not (t.kind == "char" and t.text == "^" and k + 5 < len(out)
                and out[k + 1].text == "{" and out[k + 2].text == "("):
            k += 1
            continue
        close = next((j for j in range(k + 3, min(k + 8, len(out)))
                      if out[j].text == ")"), None)
        inner = [u for u in out[k + 3:close] if u.text != ","] if close else []
        if close is None or close + 1 >= len(out) or out[close + 1].text != "}" \
                or len(inner) != 2 or not all(u.kind == "char" and u.text.isalpha()
                                             for u in inner) \
                or inner[0].text == inner[1].text:
            k += 1
            continue
        start = _name_start(out, k)
        if start is None:
            k += 1
            continue
        pos = t.pos
        script = [Token("char", "_", pos), Token("char", "{", pos), *inner,
                  Token("char", "}", pos)]
        name = out[start:k]
        if start > 0 and out[start - 1].kind == "cmd" and out[start - 1].text == r"\partial" \
                and len(name) == 1:
            out[start:close + 2] = [*name, *script]
            k = start + len(name) + len(script)
            continue
        subst = substitute_aliases(name, ctx.patterns)
        spec = ctx.spec_of(subst[0].ref[0]) if len(subst) == 1 and subst[0].kind == "ref" \
            and subst[0].ref[1] is None else None
        if spec is None or spec.kind != "matrix":
            k += 1
            continue
        new = [Token("char", "(", name[0].pos), *name, Token("char", ")", pos), *script]
        out[start:close + 2] = new
        k = start + len(new)
    return out


def _component_superscripts(tokens: list[Token], ctx: Context) -> list[Token]:
    """``\\theta^{(i)}_{k+1}``: one index letter in brackets as the superscript of a declared
    vector or matrix is its component i where the name's subscript carries the step, or
    where the question writes no superscript on any name (no sample or step is indexed that
    way): of a vector its entry i, of a matrix its entries in one order (entry (i, j), with j
    a letter the answer does not use, so that an entrywise answer is compared on every
    entry); after ``\\partial`` the variable's component, as the same letter reads elsewhere.
    Without a subscript where the question writes superscripts (``\\theta^{(k)}``, a step;
    ``X^{(i)}``, a sample) the superscript could name either: ``parse.ambiguous``."""
    sites = [k for k in range(len(tokens) - 5)
             if tokens[k].kind == "char" and tokens[k].text == "^"
             and [u.text for u in tokens[k + 1:k + 3]] == ["{", "("]
             and tokens[k + 3].kind == "char" and tokens[k + 3].text.isalpha()
             and len(tokens[k + 3].text) == 1
             and [u.text for u in tokens[k + 4:k + 6]] == [")", "}"]]
    if not sites:
        return tokens
    kinds: dict[str, str] = {}   # the index letter -> "vector" or "matrix"
    plans = []
    for k in sites:
        start = _name_start(tokens, k)
        if start is None:
            continue
        end = k + 6
        if end + 1 < len(tokens) and tokens[end].text == "_" and start == k - 1:
            end = _group_end_at(tokens, end + 1)   # \theta^{(i)}_{k+1}: the step after it
        sub = tokens[k + 6:end]
        name = tokens[start:k] + sub
        partial = start > 0 and tokens[start - 1].kind == "cmd" \
            and tokens[start - 1].text == r"\partial" and len(name) == 1
        subst = substitute_aliases(name, ctx.patterns)
        spec = ctx.spec_of(subst[0].ref[0]) if len(subst) == 1 and subst[0].kind == "ref" \
            and subst[0].ref[1] is None else None
        letter = tokens[k + 3].text
        if spec is not None and spec.kind in ("vector", "matrix") and not partial:
            stepped = len(name) > 1
            if not stepped and _writes_superscripts(ctx):
                raise AnswerError("parse.ambiguous", f"the superscript ({letter}) at position "
                                  f"{tokens[k].pos} may be the component {letter} or the "
                                  f"{letter}-th sample or step: write the component as a "
                                  f"subscript", tokens[k].pos)
            kinds.setdefault(letter, spec.kind)
        plans.append((k, start, end, name, partial, letter))
    used = {t.text for t in tokens if t.kind == "char" and t.text.isalpha()}
    summed = {tokens[k + 2].text for k in range(len(tokens) - 2)
              if tokens[k].text == r"\sum" and tokens[k + 1].text == "_"} | {
        tokens[k + 3].text for k in range(len(tokens) - 3)
        if tokens[k].text == r"\sum" and tokens[k + 2].text == "{"}
    out = list(tokens)
    fresh: dict[str, str | None] = {}   # a matrix's index letter -> its column letter
    for k, start, end, name, partial, letter in reversed(plans):
        kind = kinds.get(letter)
        pos = tokens[k].pos
        if kind is None or letter in summed:
            continue
        if kind == "vector":
            script = [Token("char", "_", pos), Token("char", "{", pos),
                      Token("char", letter, tokens[k + 3].pos), Token("char", "}", pos)]
            new = ([*name, *script] if partial else
                   [Token("char", "(", name[0].pos), *name, Token("char", ")", pos), *script])
        else:
            if letter not in fresh:
                fresh[letter] = next((c for c in "jklmnpqrst" if c > letter and c not in used),
                                     None)
                used.add(fresh[letter] or "")
            if fresh[letter] is None:
                continue
            new = [*name, Token("char", "^", pos), Token("char", "{", pos),
                   Token("char", "(", pos), Token("char", letter, tokens[k + 3].pos),
                   Token("char", fresh[letter], pos), Token("char", ")", pos),
                   Token("char", "}", pos)]
        out[start:end] = new
    return out


def _group_end_at(tokens: list[Token], k: int) -> int:
    """Index past the script that starts at ``tokens[k]`` (a braced group or one token)."""
    if tokens[k].text != "{":
        return k + 1
    depth = 0
    for j in range(k, len(tokens)):
        depth += {"{": 1, "}": -1}.get(tokens[j].text, 0) if tokens[j].kind == "char" else 0
        if depth == 0:
            return j + 1
    return len(tokens)


def _writes_superscripts(ctx: Context) -> bool:
    """The question writes a superscript letter on some name (``\\theta^{(k)}``, ``X^i``):
    a step or a sample indexed that way."""
    for spec in ctx.specs:
        for form in spec.forms:
            toks = lex_form(form)
            for k in range(len(toks) - 1):
                if toks[k].text != "^":
                    continue
                nxt = [u for u in toks[k + 1:k + 4] if u.text not in "{("]
                if nxt and nxt[0].kind == "char" and nxt[0].text.isalpha() \
                        and nxt[0].text != "T":
                    return True
    return False


def _drop_justification(tokens: list[Token]) -> list[Token]:
    """``(124, 124, 16) \\text{ since } 128 - 5 + 1 = 124``: a justification after the value,
    opened by a word of :data:`.lexer.JUSTIFICATION_WORDS` outside any bracket, is working, not
    part of the answer; it runs to the next ``;`` or ``\\text{and}`` that separates parts, or
    to the end."""
    depths = _depths(tokens)
    for k, t in enumerate(tokens):
        words = t.text.lower().split() if t.kind == "word" else []
        if k == 0 or depths[k] != 0 or not words \
                or words[0].strip(",") not in JUSTIFICATION_WORDS \
                or all(u.kind == "word" for u in tokens[:k]):
            continue
        end = next((j for j in range(k + 1, len(tokens)) if depths[j] == 0 and (
            tokens[j].kind == "char" and tokens[j].text == ";"
            or tokens[j].kind == "word" and tokens[j].text == "and")), len(tokens))
        return tokens[:k] + _drop_justification(tokens[end:])
    return tokens


#: what a trailing "for" may say of an index: for i, for all i, for every i, for each i
RANGE_LEADS = ("for", "for all", "for every", "for each")
_BELOW = (r"\le", "<")


def _drop_index_range(tokens: list[Token]) -> list[Token]:
    """``\\alpha_i = \\ldots \\text{ for } i = 0, \\dots, N``: a trailing "for" that states
    the range of an index (``i = a, \\dots, b``, ``i \\in \\{a, \\dots, b\\}``, ``i \\in [N]``,
    ``1 \\le i \\le N``) is a qualifier of the value, not a case: it is dropped. A condition
    of another form (``v \\text{ for } s_j \\le s_y, \\ w \\text{ otherwise}``) is left to the
    inline cases."""
    depths = _depths(tokens)
    k = max((j for j, t in enumerate(tokens) if t.kind == "word" and depths[j] == 0), default=0)
    if k == 0 or " ".join(tokens[k].text.lower().split()) not in RANGE_LEADS:
        return tokens
    rest = tokens[k + 1:]
    if rest and rest[-1].kind == "char" and rest[-1].text == ".":
        rest = rest[:-1]
    if len(rest) < 3 or any(t.kind == "word" for t in rest):
        return tokens

    def letter(t: Token) -> bool:
        return t.kind == "char" and len(t.text) == 1 and t.text.isalpha() and t.group is None

    texts = [t.text for t in rest]
    dots = any(t.kind == "cmd" and t.text in (r"\cdots", r"\ldots", r"\dots") for t in rest)
    if letter(rest[0]) and texts[1] == "=" and dots and "," in texts \
            and texts.count("=") == 1:
        return tokens[:k]   # i = 0, \dots, N
    if letter(rest[0]) and texts[1] == r"\in" and len(rest) > 3 and texts[2] in "([" \
            and texts[-1] in ")]" and not any(u in texts[2:] for u in ("=", r"\in")):
        return tokens[:k]   # i \in \{0, \dots, N\}, i \in [N]
    if len(rest) == 5 and letter(rest[2]) and texts[1] in _BELOW and texts[3] in _BELOW:
        return tokens[:k]   # 1 \le i \le N
    return tokens


def _strip_end_punctuation(tokens: list[Token]) -> list[Token]:
    while tokens and tokens[-1].kind == "char" and tokens[-1].text in ".,;":
        tokens = tokens[:-1]
    return tokens


def _drop_lead_prose(piece: list[Token]) -> list[Token]:
    piece = [t for t in piece if not (t.kind == "word" and not t.text.strip())]
    while piece and piece[0].kind == "word" and piece[0].text not in CASE_WORDS and not (
            len(piece) > 1 and piece[1].text in ("=", ":")):   # \text{Parameter tensors} = 3
        piece = piece[1:]
    if len(piece) > 1 and (piece[0].kind, piece[0].text) in LEAD_RELATIONS:
        piece = piece[1:]   # "= 6", "\approx 2 \times 10^8": the value that follows, as stated
    return piece


#: a relation an answer may open with, its left side (the asked quantity) left implicit: it
#: states the value that follows. Never an inequality (``< 6`` states a bound, not a value)
LEAD_RELATIONS = {("char", "="), ("cmd", r"\approx")}


def _group(toks: list[Token], k: int) -> tuple[list[Token], int] | None:
    """The argument of a command at ``toks[k]``: a braced group (without its braces) or one
    token; and the index after it."""
    if k >= len(toks):
        return None
    if toks[k].kind == "char" and toks[k].text == "{":
        depths = _depths(toks[k:])
        end = next((j for j in range(1, len(depths)) if depths[j] == 1
                    and toks[k + j].text == "}" and toks[k + j].kind == "char"), None)
        return None if end is None else (toks[k + 1:k + end], k + end + 1)
    return [toks[k]], k + 1


def _asked_function(ctx: Context) -> list[Token] | None:
    """What the asked derivative forms differentiate (``\\tilde J`` where
    ``\\frac{\\partial \\tilde J}{\\partial \\mathbf w}`` and ``\\nabla_w \\tilde J`` are asked;
    the first spelling where ``\\mathcal L`` and ``L`` spell one asked function), when they
    are the forms of one asked part; else None."""
    parts: set[str] = set()
    tokens = None
    for part, forms in ctx.asked.items():
        for form in forms:
            try:
                toks = lex_form(form)
            except AnswerError:
                continue
            if not toks or toks[0].text != r"\frac":
                continue
            num = _group(toks, 1)
            if num is None or not num[0] or num[0][0].text != r"\partial" or len(num[0]) < 2:
                continue
            parts.add(part)
            tokens = tokens or num[0][1:]
    return tokens if len(parts) == 1 else None


def _operator_label(piece: list[Token], ctx: Context) -> list[Token]:
    """``\\frac{\\partial}{\\partial w_i} = \\ldots``, ``\\partial/\\partial w = \\ldots``: a
    label that is the derivative operator alone names the derivative of the asked function
    in that variable (``\\frac{\\partial \\tilde J}{\\partial w_i}``, an entry of the asked
    gradient); in another variable it names another derivative, which the question does
    not give (``symbol.foreign``). Only where the asked derivatives are of one part."""
    ops = (r"\partial", "d")
    if len(piece) < 4:
        return piece
    if piece[0].text == r"\frac":
        num = _group(piece, 1)
        den = _group(piece, num[1]) if num else None
        if not num or not den or len(num[0]) != 1 or num[0][0].text not in ops \
                or len(den[0]) < 2 or den[0][0].text != num[0][0].text:
            return piece
        var, after = den[0][1:], den[1]
    elif piece[0].text in ops and piece[1].text == "/" and piece[2].text == piece[0].text:
        eq = next((j for j, t in enumerate(piece) if t.kind == "char" and t.text == "="), 0)
        var, after = piece[3:eq], eq
    elif piece[0].text == r"\nabla" and piece[1].text == "_":
        # \nabla_x = \ldots: the gradient operator alone, in the variable x
        sub = _group(piece, 2)
        if sub is None:
            return piece
        var, after = sub
    elif piece[0].kind == "char" and piece[0].text == "(" and piece[1].text == r"\nabla" \
            and len(piece) > 6 and piece[2].text == "_":
        # (\nabla_x)_j = \ldots: an entry of that gradient
        sub = _group(piece, 3)
        if sub is None or sub[1] + 2 >= len(piece) or piece[sub[1]].text != ")" \
                or piece[sub[1] + 1].text != "_":
            return piece
        index = _group(piece, sub[1] + 2)
        if index is None or not index[0]:
            return piece
        label = _operator_label([*piece[1:sub[1]], *piece[index[1]:]], ctx)
        if label[0].text != r"\frac":
            return piece
        eq = next(j for j, t in enumerate(label) if t.kind == "char" and t.text == "=")
        return [piece[0], *label[:eq], *piece[sub[1]:index[1]], *label[eq:]]
    else:
        return piece
    if after >= len(piece) or piece[after].text != "=" or not var:
        return piece
    fn = _asked_function(ctx)
    if fn is None:
        return piece
    at = piece[0].pos
    op = Token("cmd", r"\partial", at)
    label = [Token("cmd", r"\frac", at), Token("char", "{", at), op, *fn,
             Token("char", "}", at), Token("char", "{", at), op, *var, Token("char", "}", at)]
    return label + piece[after:]


def _part_kinds(ctx: Context) -> dict[str, set[str]]:
    """What each part of a tuple question is, read off its asked forms: ``derivative``
    (a form ``\\frac{\\partial L}{\\partial w_{11}}``), ``update`` (a form marked as the
    value after a step: ``w_{11}^{new}``, ``w_{11}^*``, ``w_{11}^{+}``)."""
    out: dict[str, set[str]] = {}
    for part, forms in ctx.asked.items():
        kinds: set[str] = set()
        for form in forms:
            try:
                toks = lex_form(form)
            except AnswerError:
                continue
            if toks and toks[0].text == r"\frac":
                num = _group(toks, 1)
                if num and num[0] and num[0][0].text == r"\partial":
                    kinds.add("derivative")
            text = "".join(t.text for t in toks).lower()
            if any(w in text for w in UPDATE_WORDS) or "^*" in text or "^+" in text:
                kinds.add("update")
        out[part] = kinds
    return out


def _prose_part_label(piece: list[Token], ctx: Context) -> list[Token]:
    """``\\text{grad} = 1.5,\\ \\text{new } w_{11} = -0.65``: where a tuple is asked, a label
    of prose words (and the part's own asked name, if any) before ``=`` names the part its
    words say: the part's name, or what the part is (a derivative: grad, gradient,
    derivative; the value after a step: new, updated); words that only number the part
    (``\\text{answer}``, ``\\text{(a)}``) leave it to its position. A label with any other
    word, or words of two parts, or a name that is not that part's (``\\text{new } w_{12}``)
    names another quantity: it is left as written, the student's own name."""
    names = [p for p in ctx.asked if p]
    if len(names) < 2 or len(piece) < 3:
        return piece
    depths = _depths(piece)
    eq = next((k for k, t in enumerate(piece) if t.kind == "char" and t.text == "="
               and depths[k] == 0), None)
    if not eq:
        return piece
    k, words = 0, []
    while k < eq and (piece[k].kind == "word" or piece[k].group is not None):
        if piece[k].kind == "word":
            words.extend(piece[k].text.lower().split())
            k += 1
            continue
        g, word = piece[k].group, ""
        while k < eq and piece[k].group == g:
            word += piece[k].text
            k += 1
        words.extend(word.lower().split())
    if not words:
        return piece
    rest = substitute_aliases(piece[k:eq], ctx.patterns)
    named = None
    if rest:
        if len(rest) != 1 or rest[0].kind != "ref" \
                or not str(rest[0].ref[0]).startswith("asked:"):
            return piece
        named = str(rest[0].ref[0])[len("asked:"):]
    if set(words) & (STEP_WORDS - UPDATE_WORDS) and named is not None:
        # \text{old } w_{11} = -0.5: the value before the step, not the asked one
        text = " ".join(words) + " " + "".join(t.text for t in piece[k:eq])
        return [Token("word", text, piece[0].pos),
                *piece[eq:]]
    found: set[str] = set()
    kinds = _part_kinds(ctx)
    for word in words:
        if word in ORDER_WORDS or word in FILLER_WORDS:
            continue
        by_name = {p for p in names if p.lower() == word}
        by_kind = {p for p in names if word in DERIVATIVE_WORDS and "derivative" in kinds[p]
                   or word in UPDATE_WORDS and "update" in kinds[p]}
        if not by_name | by_kind:
            return piece   # \text{old} w_{11}, \text{bias gradient}: another quantity
        found |= by_name | by_kind
    if named is not None:
        if found - {named}:
            return piece
        found = {named}
    if len(found) > 1:
        return piece
    if not found:
        if not all(w in ORDER_WORDS for w in words):
            return piece   # \text{loss} = 1.5: a quantity, not a part
        return piece[eq + 1:]   # \text{answer} = 1.5: the value, in its place
    target = asked_name(found.pop())
    return [Token("ref", target, piece[0].pos, (target, None)), *piece[eq:]]


def _part_words(ctx: Context) -> dict[str, set[str]]:
    """The words that name each part of a tuple question: its name and its asked forms
    written as one \\text word (``real``, ``generated``, ``fake``)."""
    out: dict[str, set[str]] = {}
    for part, forms in ctx.asked.items():
        if not part:
            continue
        words = {part.lower()}
        for form in forms:
            toks = lex_form(form)
            if toks and all(t.group is not None and t.group == toks[0].group for t in toks):
                words.add("".join(t.text for t in toks).lower())
        out[part] = words
    return out


def _named_part(piece: list[Token], ctx: Context) -> list[Token]:
    """``v \\text{ for } X^i``, ``v \\text{ (real)}``, ``v \\text{ for a generated sample}``:
    where a tuple is asked, prose after a part's value that names one part (by a word, or
    ``for`` and the part's asked form) labels the value, as ``\\text{real} = v`` does; a
    label common to the parts before the value is dropped (it names them together)."""
    words_of = _part_words(ctx)
    if len(words_of) < 2 or len(piece) < 2:
        return piece
    depths = _depths(piece)
    k = max((j for j, t in enumerate(piece) if t.kind == "word" and depths[j] == 0),
            default=None)
    if not k:
        return piece
    word = piece[k].text.lower().replace("(", " ").replace(")", " ").replace(",", " ")
    found: list[str] = []
    if k == len(piece) - 1:   # 	ext{ (real)}, 	ext{ for a generated sample}
        found = [p for p, ws in words_of.items() if ws & set(word.split())]
    elif word.split() == ["for"]:   # 	ext{ for } X^i: an asked form after "for"
        rest = substitute_aliases(piece[k + 1:], ctx.patterns)
        if len(rest) == 1 and rest[0].kind == "ref" and str(rest[0].ref[0]).startswith(
                "asked:"):
            found = [str(rest[0].ref[0])[len("asked:"):]]
    if len(found) != 1 or found[0] not in words_of:
        return piece
    value = _drop_common_label(piece[:k], ctx)
    label = _name_tokens(value)
    if not value or label is not None and any(
            t.kind == "ref" for t in substitute_aliases(label, ctx.patterns)):
        return piece   # \text{generated} = v \text{ (real)}: labelled already
    target = asked_name(found[0])
    return [Token("ref", target, piece[0].pos, (target, None)),
            Token("char", "=", piece[k].pos), *value]


def _prose_heading(piece: list[Token], ctx: Context) -> list[Token]:
    """``\\text{Constraint: } b = 2a\\Delta``: a word before a colon labels a value
    (``\\text{real: } a``), but an equation is no value: before one, a word that names
    nothing the question gives is a heading, as prose before it is."""
    if len(piece) < 4 or piece[0].group is None or piece[0].kind != "char":
        return piece
    k = 0
    while k < len(piece) and piece[k].group == piece[0].group:
        k += 1
    if k >= len(piece) or piece[k].text != ":" or piece[k].kind != "char":
        return piece
    rest = piece[k + 1:]
    depths = _depths(rest)
    if not any(t.kind == "char" and t.text == "=" and depths[j] == 0
               for j, t in enumerate(rest)):
        return piece
    if any(t.kind == "ref" for t in substitute_aliases(piece[:k], ctx.patterns)):
        return piece   # 	ext{real}: ... names a part
    return rest


def _clean_part(piece: list[Token], ctx: Context) -> list[Token]:
    """One part as a grader reads it: prose before it and after it dropped (``\\text{so }``,
    ``33 \\text{ parameters}``, an aside ``\\text{ (i.e. } 90\\%\\text{)}``), and an
    annotation of its shape (``\\in \\mathbb{R}^n``, ``\\quad (N \\times D)``)."""
    piece = _drop_units(_drop_text_words_at_ends(piece, ctx), ctx)
    kept = _drop_remark(piece, ctx)
    if len(kept) < len(piece):   # 3 \text{tensors} (W_1, b_1, W_2): the unit before it
        kept = _drop_text_words_at_ends(kept, ctx)
    piece = kept
    depths = _depths(piece)
    for k, t in enumerate(piece):
        if depths[k] != 0 or k == 0:
            continue
        if t.kind == "word" and t.text not in CASE_WORDS and (
                t.text.lstrip().startswith("(")
                or all(u.kind == "word" or u.text in ")]" for u in piece[k:])):
            piece = piece[:k]   # an aside, or prose (units) at the end
            break
        if t.kind == "cmd" and t.text == r"\in" and k + 1 < len(piece) \
                and piece[k + 1].text.startswith(r"\mathbb"):
            piece = piece[:k]   # x \in \mathbb{R}^n: where the value lives
            break
    piece = _drop_shape_annotation(piece, ctx)
    if piece and piece[-1].kind == "char" and piece[-1].text == ".":
        piece = piece[:-1]
    return piece


def _drop_space(piece: list[Token]) -> list[Token]:
    """``\\delta = \\frac{\\partial L}{\\partial Y} \\in \\mathbb{R}^{N \\times M}``: where a
    defined value lives is no part of the definition."""
    depths = _depths(piece)
    for k, t in enumerate(piece):
        if k > 0 and depths[k] == 0 and t.kind == "cmd" and t.text == r"\in" \
                and k + 1 < len(piece) and piece[k + 1].text.startswith(r"\mathbb"):
            return piece[:k]
    return piece


CASE_WORDS = ("otherwise", "else", "if", "when")


def _text_brackets(piece: list[Token]) -> list[Token]:
    """``3 \\text{ tensors (W}_1, b_1, W_2\\text{)}``: a bracket opened inside one \\text
    and closed inside a later one, with mathematics between, is one bracket around that
    mathematics, as it is typeset; the text before it stays a word, a single letter after
    the ``(`` or before the ``)`` is a letter (``(W}_1``: W with its subscript;
    ``\\text{ (H} \\times \\text{W} \\times \\text{C)}``: the axes' names)."""
    depths = _depths(piece)
    for k, t in enumerate(piece):
        if t.kind != "word" or depths[k] != 0 or t.text.count("(") != 1 \
                or ")" in t.text.split("(", 1)[1]:
            continue
        end = next((j for j in range(k + 1, len(piece))
                    if piece[j].kind == "word" and piece[j].text.count(")") == 1
                    and "(" not in piece[j].text), None)
        if end is None or end == k + 1 or any(u.kind == "word" for u in piece[k + 1:end]):
            return piece
        before, after = t.text.split("(", 1)
        close_before, close_after = piece[end].text.split(")", 1)
        last = close_before.strip()
        if last and not (len(last) == 1 and last.isalpha()):
            return piece   # a single letter before the ")" is a letter: \text{C)}
        at = t.pos + len(before)
        out = piece[:k]
        if before.strip():
            out.append(Token("word", before, t.pos))
        out.append(Token("char", "(", at))
        word = after.strip()
        if len(word) == 1 and word.isalpha():
            out.append(Token("char", word, at + 1))
        elif word:
            return piece
        out += piece[k + 1:end]
        if last:
            out.append(Token("char", last, piece[end].pos))
        out.append(Token("char", ")", piece[end].pos))
        if close_after.strip():
            out.append(Token("word", close_after, piece[end].pos + 1))
        return out + piece[end + 1:]
    return piece


def _drop_remark(piece: list[Token], ctx: Context) -> list[Token]:
    """``\\hat y_2 = 0 \\quad (\\text{with } h_6 = \\ldots)``: a bracketed remark that
    opens with prose, after the value, is working; it is not graded."""
    if len(piece) < 4 or piece[-1].kind != "char" or piece[-1].text != ")":
        return piece
    depths = _depths(piece)
    k = len(piece) - 1
    while k > 0 and not (piece[k].text == "(" and depths[k] == 0):
        k -= 1
    first = piece[k + 1]
    if k > 0 and first.kind == "word" and first.text not in CASE_WORDS:
        return piece[:k]
    count = k - 1   # the count before the bracket, after its unit if it has one
    if count > 0 and piece[count].kind == "word":
        count -= 1   # 3 \text{ tensors } (W_1, b_1, W_2)
    elif count > 0 and piece[count].group is not None:
        g = piece[count].group   # 3 \text{tensors} (W_1, b_1, W_2)
        while count > 0 and piece[count].group == g:
            count -= 1
    if k > 0 and count >= 0 and piece[count].kind == "num" and _names_list(piece[k + 1:-1]) \
            and not any(
            u.kind == "ref" for u in substitute_aliases(piece[k + 1:-1], ctx.patterns)):
        # 3 \; (W_1, b_1, W_2): a count, then what it counts (names the question does not
        # give; 2(b, b) with b declared is no list of what is counted)
        return piece[:k]
    if k > 0 and first.group is not None:   # \text{since}: one word, read letter by letter
        word = [t for t in piece[k + 1:] if t.group == first.group]
        if not any(t.kind == "ref" for t in substitute_aliases(word, ctx.patterns)):
            return piece[:k]
    return piece


def _script_word_brackets(tokens: list[Token]) -> list[Token]:
    """``w_i^{\\text{(updated)}}``: a script that is one bracketed \\text word is that word
    in brackets, ``w_i^{(\\text{updated})}``, as it is typeset."""
    out: list[Token] = []
    for k, t in enumerate(tokens):
        word = t.text.strip()
        if k > 0 and t.kind == "word" and tokens[k - 1].text in ("^", "_") \
                and tokens[k - 1].kind == "char" and len(word) > 2 and word[0] == "(" \
                and word[-1] == ")" and word[1:-1].isalpha():
            at = t.pos
            out += [Token("char", "{", at), Token("char", "(", at),
                    *(Token("char", c, at + 1 + j, group=at + 1) for j, c in enumerate(word[1:-1])),
                    Token("char", ")", at), Token("char", "}", at)]
        else:
            out.append(t)
    return out


def _iterate_scripts(tokens: list[Token], ctx: Context) -> list[Token]:
    """``w_i^{(t+1)} = \\tfrac{49}{50} w_i^{(t)}``: where the question asks the value after
    one step written with the superscript ``(1)`` and declares the value before it with
    ``(0)``, an answer whose label carries the iterate superscript ``(t+1)`` (a letter of its
    own plus 1) writes the step in its own counter: ``(t+1)`` is ``(1)`` and ``(t)`` is
    ``(0)``, as subscripts ``k+1`` and ``k`` name the new and old iterates."""
    asked = {f.replace(" ", "") for fs in ctx.asked.values() for f in fs}
    declared = {f.replace(" ", "") for spec in ctx.specs for f in spec.forms}
    if not any("^{(1)}" in f for f in asked) or not any("^{(0)}" in f for f in declared):
        return tokens
    texts = [t.text for t in tokens]
    eq = texts.index("=") if "=" in texts else len(tokens)

    def script(k: int) -> tuple[str, int] | None:
        """The counter letter and the end of a superscript ``^{(x+1)}`` or ``^{(x)}`` at k."""
        if texts[k:k + 3] != ["^", "{", "("]:
            return None
        if k + 7 < len(tokens) and texts[k + 4:k + 8] == ["+", "1", ")", "}"] \
                and tokens[k + 3].kind == "char" and texts[k + 3].isalpha():
            return texts[k + 3] + "+", k + 8
        if k + 5 < len(tokens) and texts[k + 4:k + 6] == [")", "}"] \
                and tokens[k + 3].kind == "char" and texts[k + 3].isalpha() \
                and tokens[k + 3].group is None:
            return texts[k + 3], k + 6
        return None

    found = [(k, script(k)) for k in range(len(tokens)) if script(k) is not None]
    letters = {s[0].rstrip("+") for _, s in found}
    if len(letters) != 1 or not any(k < eq and s[0].endswith("+") for k, s in found):
        return tokens
    letter = letters.pop()
    if any(t.kind == "ref" for t in substitute_aliases([Token("char", letter, 0)],
                                                       ctx.patterns)):
        return tokens   # a declared name: no counter of the student's own
    out, k = [], 0
    for j, (at, (name, end)) in enumerate(found):
        out += tokens[k:at]
        n = "1" if name.endswith("+") else "0"
        p = tokens[at].pos
        out += [Token("char", "^", p), Token("char", "{", p), Token("char", "(", p),
                Token("num", n, p), Token("char", ")", p), Token("char", "}", p)]
        k = end
    return out + tokens[k:]


def _counted_after_colon(tokens: list[Token], ctx: Context) -> list[Token]:
    """``3 \\text{ tensors: } W_1, b_1, W_2``: a count, its unit, a colon, then the list of
    what it counts (names the question does not give) is the count, as with the list in
    brackets (``3 \\text{ tensors } (W_1, b_1, W_2)``) where it lists as many names as it
    says; a list of another length, with a declared name in it, or anything else after the
    colon, is left as written."""
    if len(tokens) < 6 or tokens[0].kind != "num":
        return tokens
    original, k, unit = tokens, 1, tokens[1]
    if unit.kind == "word" and unit.text.rstrip().endswith(":"):
        # \text{ parameter tensors: }: the colon inside the word
        unit = Token("word", unit.text.rstrip()[:-1], unit.pos)
        tokens = [tokens[0], unit, Token("char", ":", unit.pos), *tokens[2:]]
    if unit.kind == "word":
        k += 1
    elif unit.group is not None:
        while k < len(tokens) and tokens[k].group == unit.group:
            k += 1
    if k == 1 or k >= len(tokens) or tokens[k].kind != "char" or tokens[k].text != ":":
        return original
    rest = [t for t in tokens[k + 1:] if not (t.kind == "word" and not t.text.strip())]
    if not _names_list(rest) or any(
            u.kind == "ref" for u in substitute_aliases(rest, ctx.patterns)):
        return original
    depths = _depths(rest)
    names = 1 + sum(1 for j, t in enumerate(rest)
                    if t.kind == "char" and t.text == "," and depths[j] == 0)
    if tokens[0].text != str(names):
        return original   # 3 tensors: W_1, b_1, W_2, b_2 says two things
    return tokens[:k]


#: what joins an operand to the next: a bracket after one is an operand, not an annotation
_OPERATORS = ("+", "-", "*", "/", "^", "_", r"\times", r"\cdot", r"\frac", "=")


def _names_list(inner: list[Token]) -> bool:
    """``W_1, b_1, W_2``: two or more names (a letter, a Greek letter or a word, with
    scripts), separated by commas, and nothing else."""
    depths = _depths(inner)
    items: list[list[Token]] = [[]]
    for k, t in enumerate(inner):
        if t.kind == "char" and t.text == "," and depths[k] == 0:
            items.append([])
        elif not (t.kind == "word" and not t.text.strip()):
            items[-1].append(t)
    if len(items) < 2 or len({tuple(u.text for u in item) for item in items}) < len(items):
        return False
    for item in items:
        if not item or item[0].kind == "num" or (item[0].kind == "char"
                                                 and not item[0].text.isalpha()):
            return False
        if any(u.text in _OPERATORS and u.text not in "_^" for u in item):
            return False
        if any(u.kind == "word" for u in item):
            return False
    return True


def _drop_shape_annotation(piece: list[Token], ctx: Context) -> list[Token]:
    """A trailing ``(N \\times D)`` of declared dims is the shape, not a factor."""
    if len(piece) < 5 or piece[-1].text != ")":
        return piece
    k = len(piece) - 2
    while k > 0 and piece[k].text != "(":
        k -= 1
    inner = piece[k + 1:-1]
    dims = {d.name for d in ctx.dims}
    if (k > 0 and piece[k - 1].text not in _OPERATORS and len(inner) >= 3 and all(
            (u.text in dims or u.kind == "num") if j % 2 == 0 else u.text == r"\times"
            for j, u in enumerate(inner)) and len(inner) % 2 == 1):
        return piece[:k]
    return piece


#: what may follow a unit word after a number: the next term, a relation, the end
_AFTER_UNIT = ("+", "-", "=", ")", ",", r"\times", r"\cdot")


def _drop_units(piece: list[Token], ctx: Context) -> list[Token]:
    """``32 \\text{ weights} + 1 \\text{ bias} = 33``: a \\text word that names no symbol,
    right after a number and before the next term or a relation, is the number's unit."""
    out: list[Token] = []
    k = 0
    while k < len(piece):
        t = piece[k]
        prev = out[-1] if out else None
        if prev is not None and prev.kind == "num" and (t.group is not None or (
                t.kind == "word" and t.text.strip() and t.text.strip()[0].isalpha()
                and t.text not in KEYWORDS_KEPT)):
            end = k + 1
            if t.group is not None:
                while end < len(piece) and piece[end].group == t.group:
                    end += 1
            word = piece[k:end]
            subst = substitute_aliases(word, ctx.patterns)
            after = piece[end] if end < len(piece) else None
            if not any(u.kind == "ref" for u in subst) and (
                    after is None or after.text in _AFTER_UNIT):
                k = end
                continue
        out.append(t)
        k += 1
    return out


#: words that are part of the grammar, never units
KEYWORDS_KEPT = ("where", "otherwise", "else", "if", "and", "for", "with", "when", "or", "so")


def _drop_text_words_at_ends(piece: list[Token], ctx: Context) -> list[Token]:
    """``33 \\text{parameters}``, ``\\text{Answer} 33``: a \\text word that names no symbol,
    at either end of a part, is prose; at the start, unless it labels a value
    (``\\text{elements} = 200000100``)."""
    def word_end(k: int, step: int) -> int:
        g = piece[k].group
        while 0 <= k < len(piece) and piece[k].group == g:
            k += step
        return k

    def prose(word: list[Token], after_number: bool = False) -> bool:
        subst = substitute_aliases(word, ctx.patterns)
        if len(subst) == 1 and subst[0].kind == "ref":
            # 416 \text{ params} where \text{params} is asked: the count's unit (a number
            # times the asked quantity itself would say nothing)
            return after_number and str(subst[0].ref[0]).startswith("asked:")
        return True

    while piece and piece[-1].group is not None:
        k = word_end(len(piece) - 1, -1)
        if not prose(piece[k + 1:], k >= 0 and piece[k].kind == "num"):
            break
        piece = piece[:k + 1]
    if piece and piece[0].group is not None:
        k = word_end(0, 1)
        if prose(piece[:k]) and k < len(piece) and piece[k].text not in ("=", ":"):
            piece = piece[k:]
    return piece


# --- a heading ------------------------------------------------------------------------

def _heading(pieces: list[list[Token]], ctx: Context
             ) -> tuple[list[Token], list[list[Token]]]:
    """``\\frac{1}{n}(\\mathbb{1}[\\text{real}] - D):\\ a,\\ b`` where a pair is asked: a
    general formula, a colon, then every part. The formula is a heading (the tokens
    before the colon), the parts after it are the answer. A colon after a label
    (``\\text{real}: a``) stays a label."""
    n = len([p for p in ctx.asked if p])
    if n < 2 or len(pieces) != n:
        return [], pieces
    first = pieces[0]
    depths = _depths(first)
    colon = next((k for k, t in enumerate(first) if t.kind == "char" and t.text == ":"
                  and depths[k] == 0), None)
    if not colon or colon + 1 >= len(first):
        return [], pieces
    head = first[:colon]
    subst = substitute_aliases(head, ctx.patterns)
    if all(t.kind == "word" or t.group is not None for t in head) or (
            len(subst) == 1 and subst[0].kind == "ref"):
        return [], pieces   # a label
    return head, [first[colon + 1:], *pieces[1:]]


def _add_heading(head: list[Token], parts: list[Chain], ctx: Context, extra: list,
                 foreign_at: dict) -> None:
    """A heading must be readable. Written in the question's own quantities it is a
    statement about every part, its first step, judged like any step (a false heading
    makes the answer wrong); a heading that uses what the question's text names but does
    not declare (``\\mathbb{1}[\\text{real}]``, a bare ``D``) cannot be checked, and is
    working, not graded."""
    p = Parser(substitute_aliases(head, ctx.patterns, extra), ctx)
    p.foreign_at = foreign_at
    value = p.whole()
    if any(_foreign_name(s) is not None for s in getattr(value, "free_symbols", ())):
        return
    span = (head[0].pos, head[-1].pos + len(head[-1].text))
    for chain in parts:
        at = 1 if len(chain.items) > 1 and is_asked(chain.items[0]) is not None else 0
        chain.items.insert(at, value)
        chain.ops.insert(at, "=")
        chain.spans.insert(at, span)


# --- definitions ----------------------------------------------------------------

def _split_where(tokens: list[Token]) -> tuple[list[Token], list[Token]]:
    depths = _depths(tokens)
    for k, t in enumerate(tokens):
        if t.kind == "word" and t.text in ("where", "with") and depths[k] == 0:
            return tokens[:k], tokens[k + 1:]
    return tokens, []


def _name_tokens(piece: list[Token]) -> list[Token] | None:
    """The tokens of ``NAME`` in a part ``NAME = value`` (``NAME`` before the first top-level
    ``=``), or None."""
    depths = _depths(piece)
    eq = next((k for k, t in enumerate(piece)
               if t.kind == "char" and t.text == "=" and depths[k] == 0), None)
    if not eq:
        return None
    return piece[:eq]


def _is_declared_name(name: list[Token], ctx: Context) -> bool:
    """``name`` is (contains) a declared quantity; one the question defines
    (``\\mathbf{D} = \\operatorname{diag}(\\ldots)`` where ``Z``/``D`` is derived) may be
    defined by the answer too: the answer's definition is then what it states."""
    subst = substitute_aliases(name, ctx.patterns)
    if len(subst) == 1 and subst[0].kind == "ref" and subst[0].ref[1] is None:
        spec = ctx.spec_of(subst[0].ref[0])
        if spec is not None and spec.define:
            return False
    if not any(t.kind == "ref" for t in subst):
        return False
    # a name of the student's own built on a declared one (\bar z, p_k where k is a
    # declared index, \operatorname{LSE}(\mathbf z)): an undeclared letter or an accent
    return not any(_own_letter(subst, k) for k in range(len(subst)))


def _own_letter(toks: list[Token], k: int) -> bool:
    """``toks[k]`` is a letter or an accent that no declared name covers (the ``T`` of a
    transpose is not a letter)."""
    t = toks[k]
    if t.kind == "cmd":
        return t.text in ACCENTS
    if t.kind != "char" or not t.text.isalpha():
        return False
    return not (t.text == "T" and k > 0 and toks[k - 1].text == "^")


def _uses(piece: list[Token], name: list[Token]) -> bool:
    keys = [t.key for t in name]
    n = len(keys)
    for k in range(len(piece) - n + 1):
        if [t.key for t in piece[k:k + n]] == keys:
            return True
    return False


def _indexed(name: list[Token]) -> tuple[list[Token], str] | None:
    """``p_k``, ``s_{i}``: a base name and its index letter."""
    keys = [t.text for t in name]
    if len(name) >= 3 and keys[-2] == "_" and name[-1].kind == "char" and keys[-1].isalpha():
        return name[:-2], keys[-1]
    if (len(name) >= 5 and keys[-4:-3] == ["_"] and keys[-3] == "{" and keys[-1] == "}"
            and keys[-2].isalpha() and name[-2].kind == "char"):
        return name[:-4], keys[-2]
    return None


def _trailing_definitions(pieces: list[list[Token]], ctx: Context
                          ) -> tuple[list[list[Token]], list[list[Token]]]:
    """Parts that define a name the rest of the answer uses (``\\frac{n}{S^2}(...),\\ S =
    \\sum_k x_k``; ``\\ldots,\\ p_k = \\frac{e^{s_k}}{\\ldots}``; ``\\sigma \\text{ the
    softmax}``) are definitions, not parts of the answer."""
    if len(pieces) < 2:
        return pieces, []
    keep, defs = [], []
    for k, piece in enumerate(pieces):
        others = [p for j, p in enumerate(pieces) if j != k]
        if _describes_rows(piece):   # "\mathbf{w}_i^\top is row i of \mathbf{W}"
            defs.append(piece)
            continue
        name = _name_tokens(piece) or _prose_name(piece)
        if name and (not _is_declared_name(name, ctx) or _defined_entry(name, ctx)
                     or _notation_identity(name, ctx)):
            idx = _indexed(name)
            base = idx[0] if idx else name
            if any(_uses(o, name) or _uses(o, base) for o in others):
                defs.append(piece)
                continue
        keep.append(piece)
    if not keep:
        return pieces, []
    return keep, defs


def _used_first(defs: list[list[Token]]) -> list[list[Token]]:
    """The definitions in an order where each comes after those it uses
    (``Z = \\operatorname{diag}(z_1, \\dots, z_k),\\ z_i = \\ldots``: z_i first); the order
    written where none uses another, or where they use each other in a circle."""
    names = []
    for piece in defs:
        name = _name_tokens(piece) or _prose_name(piece) or []
        idx = _indexed(name) if name else None
        names.append(idx[0] if idx else name)
    left, out = list(range(len(defs))), []
    while left:
        ready = [k for k in left if not any(
            j != k and names[j] and _uses(defs[k][len(names[k]):], names[j]) for j in left)]
        if not ready:
            return [*[defs[k] for k in out], *[defs[k] for k in left]]
        out.append(ready[0])
        left.remove(ready[0])
    return [defs[k] for k in out]


def _notation_identity(name: list[Token], ctx: Context) -> bool:
    """``W = X^{+}Y,\\ X^{+} = (X^\\top X)^{-1}X^\\top``: a trailing equation whose left side is
    notation built on declared names (not one name, not the asked quantity) that the rest
    of the answer writes is a remark saying what that notation is. It is read as a
    definition (the answer means what it states), so a false identity makes the answer
    say something else, and it is judged so."""
    subst = substitute_aliases(name, ctx.patterns)
    return (len(subst) > 1 and any(t.kind == "ref" for t in subst)
            and not any(t.kind == "ref" and t.ref
                        and is_asked(ctx.objects.get(t.ref[0])) is not None for t in subst)
            and not any(_own_letter(subst, k) for k in range(len(subst))))


def _defined_entry(name: list[Token], ctx: Context) -> bool:
    """``p_i`` where the question declares the family p with its definition: a trailing
    ``p_i = \\frac{e^{z_i}}{\\ldots}`` defines the entries as \\text{where} does (the
    answer's definition is what it states, right or wrong); ``p_2 = \\ldots`` (a number
    index) is an entry's value, not a definition."""
    subst = substitute_aliases(name, ctx.patterns)
    if len(subst) != 1 or subst[0].kind != "ref" or not subst[0].ref[1]:
        return False
    spec = ctx.spec_of(subst[0].ref[0])
    index = subst[0].ref[1]
    return bool(spec is not None and spec.define and len(index) == 1
                and index[0].kind == "char" and index[0].text.isalpha()
                and _indexed(name) is not None)


def _describes_rows(piece: list[Token]) -> bool:
    """A part that says, in prose, that a name is a row or column of a matrix: what the
    grammar reads a_i^T as anyway (:meth:`Parser.row_of_matrix`)."""
    words = [t.text.lower() for t in piece if t.kind == "word"]
    groups: dict[int, str] = {}
    for t in piece:
        if t.group is not None and t.kind == "char":
            groups[t.group] = groups.get(t.group, "") + t.text.lower()
    words += list(groups.values())
    return any({"row", "column", "row-vector"} & set(w.replace("-th", " ").split())
               for w in words)


def _prose_name(piece: list[Token]) -> list[Token] | None:
    """``\\sigma \\text{ the softmax}``: a name followed by prose that says what it is."""
    if len(piece) >= 2 and piece[-1].kind == "word" and all(t.kind != "word"
                                                            for t in piece[:-1]):
        return piece[:-1]
    return None


def _definition(piece: list[Token], ctx: Context, extra: list[tuple[Pattern, Any]],
                foreign_at: dict) -> list[tuple[Pattern, Any]]:
    """The patterns a definition adds: ``NAME = value``, ``NAME \\text{ the softmax}``."""
    if _describes_rows(piece):
        return []
    name = _name_tokens(piece)
    if name is None:
        prose = _prose_name(piece)
        fn = PROSE_FUNCTIONS.get(_prose_key(piece[-1].text)) if prose else None
        one_hot = _one_hot(prose, piece[-1].text, ctx) if prose and fn is None else None
        if one_hot is not None:
            return [(Pattern(tuple(t.key for t in prose), "where"), Local(one_hot))]
        if fn is None:
            raise AnswerError("parse.syntax", "after 'where', write definitions as "
                              "NAME = ...", piece[0].pos)
        return [(Pattern(tuple(t.key for t in prose), "where"), Token("cmd", fn, piece[0].pos))]
    value_toks = piece[len(name) + 1:]
    if len(value_toks) == 1 and value_toks[0].kind == "cmd" and value_toks[0].text in \
            PROSE_FUNCTIONS.values():   # \sigma = \operatorname{softmax}
        return [(Pattern(tuple(t.key for t in name), "where"), value_toks[0])]
    idx = _indexed(name)
    if idx is not None and not _is_declared_name(idx[0], ctx):
        base, letter = idx
        index = sp.Dummy(letter, integer=True, positive=True)
        p = Parser(substitute_aliases(value_toks, ctx.patterns, extra), ctx)
        p.foreign_at = foreign_at
        p.bound = [{letter: index}]
        value = p.whole()
        out = [(Pattern(tuple(t.key for t in base) + (("char", "_"), ("char", "?")), "where",
                        wildcard="?"), Local(value, index))]
        size = _range(value, index)
        if size is not None:
            q, r = sp.Dummy("p", integer=True), sp.Dummy("q", integer=True)
            vec = sp.FunctionMatrix(size, 1, sp.Lambda((q, r), value.xreplace({index: q + 1})))
            out.append((Pattern(tuple(t.key for t in base), "where"), Local(vec, vector=True)))
        return out
    p = Parser(substitute_aliases(value_toks, ctx.patterns, extra), ctx)
    p.foreign_at = foreign_at
    return [(Pattern(tuple(t.key for t in name), "where"), Local(p.whole()))]


def _one_hot(name: list[Token], prose: str, ctx: Context) -> Any:
    """``\\mathbf y \\text{ is the one-hot label}`` where ``y`` is a declared index: the
    name is the index's one-hot vector (``\\mathbf e_y``), as a grader reads it. None where
    the prose says anything else or the name is no declared index."""
    words = _prose_key(prose).replace("one-hot", "one-hot ").split()
    if "one-hot" not in words and not ("one" in words and "hot" in words) \
            or not set(words) <= ONE_HOT_WORDS:
        return None
    subst = substitute_aliases(name, ctx.patterns)
    spec = ctx.spec_of(subst[0].ref[0]) if len(subst) == 1 and subst[0].kind == "ref" \
        and subst[0].ref[1] is None else None
    if spec is None or spec.kind != "index":
        return None
    p = Parser(subst, ctx)
    return p.basis(p.whole())


@dataclass
class _Diagonal:
    """``Z_{ii} = v_i`` with ``Z_{ij} = 0 \\ (i \\ne j)``: a diagonal matrix the answer
    defines by its entries."""

    name: list[Token]
    letter: str
    value: list[Token]

    def definition(self, ctx: Context, extra: list, foreign_at: dict
                   ) -> tuple[Pattern, Any]:
        index = sp.Dummy(self.letter, integer=True, positive=True)
        p = Parser(substitute_aliases(self.value, ctx.patterns, extra), ctx)
        p.foreign_at = foreign_at
        p.bound = [{self.letter: index}]
        value = p.whole()
        size = None if is_matrix(value) else _index_range(value, index, ctx)
        if size is None:
            raise AnswerError("shape.invalid", "cannot tell the size of the diagonal matrix "
                              "from its entries: write it as \\operatorname{diag}(\\ldots)",
                              self.name[0].pos)
        q, r = sp.Dummy("p", integer=True), sp.Dummy("q", integer=True)
        vec = sp.FunctionMatrix(size, 1, sp.Lambda((q, r), value.xreplace({index: q + 1})))
        return (Pattern(tuple(t.key for t in self.name), "where"), Local(sp.DiagMatrix(vec)))


def _entry_name(piece: list[Token]) -> tuple[list[Token], list[str], list[Token]] | None:
    """``NAME_{ab} = value``, ``NAME_{a,b} = value``: the name, its two index letters and
    the value's tokens."""
    name = _name_tokens(piece)
    if not name or len(name) < 5 or name[-1].text != "}":
        return None
    k = len(name) - 1
    while k > 0 and name[k].text != "{":
        k -= 1
    if k < 2 or name[k - 1].text != "_":
        return None
    letters = [t.text for t in name[k + 1:-1] if t.text != ","]
    if len(letters) != 2 or not all(t.kind == "char" for t in name[k + 1:-1]) \
            or not all(x.isalpha() and len(x) == 1 for x in letters):
        return None
    return name[:k - 1], letters, piece[len(name) + 1:]


def _entry_cases(pieces: list[list[Token]], ctx: Context) -> list[list[Token]]:
    """The asked entry given at a named index and, for the other indices, with a condition
    after its value: ``\\frac{\\partial L}{\\partial s_y} = A,\\ \\frac{\\partial L}{\\partial
    s_k} = B \\ (k \\ne y)`` (or ``B \\text{ for } k \\ne y``, ``B \\text{ otherwise}``) is the
    asked entry in cases, ``A`` where ``k = y`` and ``B`` where the condition holds, and is
    compared entry by entry like any entrywise answer."""
    whole = _asked_entry(ctx)
    if whole is None or len(pieces) < 2:
        return pieces
    slots = []   # the asked forms, each with where its index letter is
    for form in ctx.asked[whole.part]:
        toks = lex_form(form)
        for k in range(len(toks) - 1):
            spec = ctx.spec_of(toks[k + 1].text) if toks[k].text == "_" else None
            if spec is not None and spec.kind == "index" and spec.of:
                slots.append((tuple(t.key for t in toks), k + 1))
    for a, named in enumerate(pieces):
        at = _named_entry(named, slots, ctx)
        if at is None:
            continue
        label_end, slot, index_tok = at
        for b, other in enumerate(pieces):
            cut = _top_equals(other)
            if b == a or cut is None:
                continue
            keys = tuple(t.key for t in other[:cut])
            if not any(keys == form for form, s in slots if s == slot):
                continue
            split = _value_condition(other[cut + 1:])
            if split is None:
                continue
            value, cond = split
            pos = other[cut].pos
            letter = other[slot]

            def tok(kind: str, text: str) -> Token:
                return Token(kind, text, pos)
            env = [tok("char", "{")] + [tok("char", c) for c in "cases"] + [tok("char", "}")]
            merged = (other[:cut + 1] + [tok("cmd", r"\begin")] + env
                      + named[label_end + 1:] + [tok("char", "&"), letter, tok("char", "="),
                                                 index_tok, tok("cmd", "\\\\")]
                      + value + [tok("char", "&")] + cond + [tok("cmd", r"\end")] + env)
            first, second = sorted((a, b))
            return pieces[:first] + [merged] + [p for k, p in enumerate(pieces)
                                                if k > first and k != second]
    return pieces


def _top_equals(piece: list[Token]) -> int | None:
    depths = _depths(piece)
    return next((k for k, t in enumerate(piece) if t.kind == "char" and t.text == "="
                 and depths[k] == 0), None)


def _named_entry(piece: list[Token], slots: list[tuple[tuple, int]], ctx: Context
                 ) -> tuple[int, int, Token] | None:
    """``\\frac{\\partial L}{\\partial s_y} = A``: an asked form whose index letter is another
    declared index or a number; (where the label ends, the index's slot, that index)."""
    cut = _top_equals(piece)
    if cut is None:
        return None
    keys = tuple(t.key for t in piece[:cut])
    for form, slot in slots:
        if len(form) != len(keys) or keys[:slot] + keys[slot + 1:] != form[:slot] + form[slot + 1:]:
            continue
        t = piece[slot]
        spec = ctx.spec_of(t.text) if t.kind == "char" else None
        if t.key != form[slot] and (t.kind == "num" or spec is not None and spec.kind == "index"):
            return cut, slot, t
    return None


def _value_condition(value: list[Token]) -> tuple[list[Token], list[Token]] | None:
    """``B \\ (k \\ne y)``, ``B \\text{ for } k \\ne y``, ``B \\text{ otherwise}``: the value
    and its condition (tokens), or None."""
    if len(value) >= 4 and value[-1].text == ")" and value[-1].kind == "char":
        depths = _depths(value)
        start = next((k for k in range(len(value) - 1, 0, -1) if value[k].text == "("
                      and value[k].kind == "char" and depths[k] == 0), None)
        if start is not None and any(t.text in (r"\ne", "<", ">", r"\le", r"\ge")
                                     for t in value[start:]):
            return value[:start], value[start + 1:-1]
    words = [k for k, t in enumerate(value) if t.kind == "word" and k > 0]
    if words:
        k = words[-1]
        word = value[k].text.strip()
        if word in ("otherwise", "else") and k == len(value) - 1:
            return value[:k], [value[k]]
        if word in ("for", "if", "when") and k < len(value) - 1:
            return value[:k], value[k + 1:]
    return None


OFF_DIAGONAL_WORDS = ("otherwise", "else", "elsewhere")


def _off_diagonal_zero(value: list[Token], letters: list[str]) -> bool:
    """``0 (i \\ne j)``, ``0 \\text{ for } i \\ne j``, ``0 \\text{ otherwise}``."""
    if not value or value[0].kind != "num" or value[0].text != "0":
        return False
    rest = [t for t in value[1:] if t.text not in "()" and not (
        t.kind == "word" and t.text.strip() in ("for", "if", "when", ""))]
    if [t.text for t in rest] in ([letters[0], r"\ne", letters[1]],
                                  [letters[1], r"\ne", letters[0]]):
        return True
    return len(rest) == 1 and rest[0].kind == "word" and rest[0].text.strip() in \
        OFF_DIAGONAL_WORDS


def _diagonals(pieces: list[list[Token]], ctx: Context, used: list[list[Token]] = ()
               ) -> tuple[list[list[Token]], list[_Diagonal]]:
    """Parts that give a square matrix by its entries, ``Z_{ii} = v_i`` and
    ``Z_{ij} = 0 \\ (i \\ne j)`` (a diagonal matrix), for a name the rest of the answer
    (or ``used``) uses and the question does not give (or derives, as it may ``Z =
    \\operatorname{diag}(\\ldots)``): one definition, ``Z = \\operatorname{diag}(v)``.
    The part that says the other entries are 0 may be left out: a matrix written by its
    diagonal entries alone, ``Z_{ii} = v_i``, is a diagonal matrix (the convention of
    "D is diagonal with D_{ii} = ..."); a part that gives other off-diagonal entries
    (``Z_{ij} = 1``) makes it no diagonal matrix, and the name stays the student's own."""
    found = {}
    for k, piece in enumerate(pieces):
        entry = _entry_name(piece)
        if entry is not None and not _is_declared_name(entry[0], ctx):
            found[k] = entry
    out: list[_Diagonal] = []
    drop: set[int] = set()
    for k, (name, letters, value) in found.items():
        if letters[0] != letters[1]:
            continue
        keys = [t.key for t in name]
        off = [j for j, (n2, l2, v2) in found.items() if [t.key for t in n2] == keys
               and l2[0] != l2[1]]
        zero = next((j for j in off if _off_diagonal_zero(found[j][2], found[j][1])), None)
        if off and zero is None:
            continue   # Z_{ij} = (something else): not a diagonal matrix
        others = [p for j, p in enumerate(pieces) if j not in (k, zero)] + list(used)
        if not any(_uses(o, name) for o in others):
            continue
        out.append(_Diagonal(name, letters[0], value))
        drop |= {k, zero}
    return [p for j, p in enumerate(pieces) if j not in drop], out


def _prose_key(text: str) -> str:
    words = text.lower().replace(",", " ").replace("(", " ").replace(")", " ").split()
    while words and words[0] in ("the", "is", "a", "an", "denotes", "being"):
        words = words[1:]
    # "the Heaviside step applied elementwise": how a function of a vector applies here
    # anyway (entrywise), so the qualifier says nothing more
    while words and words[-1] in ENTRYWISE_WORDS:
        words = words[:-1]
    return " ".join(words)


#: trailing words that only say a function applies entry by entry
ENTRYWISE_WORDS = frozenset({"applied", "elementwise", "element-wise", "entrywise",
                             "entry-wise", "componentwise", "component-wise", "pointwise"})


def _range(value: Any, index: sp.Symbol) -> Any:
    from sympy.matrices.expressions.matexpr import MatrixElement
    for el in getattr(value, "atoms", lambda *a: ())(MatrixElement):
        if index in el.args[1].free_symbols and el.parent.shape[1] == 1:
            return el.parent.shape[0]
    return None


# --- entrywise answers --------------------------------------------------------------
#
# "(J)_{ij} = ...", "J_{ij} = ...", "\frac{\partial f_i}{\partial x_j} = ...",
# "\frac{\partial L}{\partial W_{ij}} = ...", "(\nabla_x f)_j = ...": a label that is the asked
# quantity with free indices gives its entries. The value is the matrix (vector) built
# from them, a FunctionMatrix over the indices, compared with the reference like any
# matrix. The indices are the label's, in order (numerator before denominator: the
# Jacobian convention (df/dx)_{ij} = \partial f_i / \partial x_j); each ranges over the dim
# of what it indexes in the label (x_j: x's length), else in the value (x_i), else over
# the question's only dim.

@dataclass
class _EntryLabel:
    part: str
    indices: list[str]
    eq: int                        # index of the label's '=' in the part
    ranges: dict[str, Any]         # index letter -> its dim, read off the label
    target: Any = None             # a declared matrix given by its entries (an equation)

    def read(self, piece: list[Token], ctx: Context, extra: list, foreign_at: dict) -> Chain:
        # Dummies: an index letter may also be a declared dim (k in \partial f/\partial x_k)
        symbols = {v: sp.Dummy(v, integer=True, positive=True) for v in self.indices}
        # the label's index letters are indices in the value, even where the question
        # declares the same letter (k a dim, i a scalar): never matched as a declared name
        letters = {("char", v) for v in symbols}
        patterns = [pat for pat in ctx.patterns if not (len(pat.tokens) == 1
                                                        and pat.tokens[0] in letters)]
        body = [Token("idx", t.text, t.pos) if t.key in letters and t.group is None else t
                for t in substitute_aliases(piece[self.eq + 1:], patterns, extra)]
        p = Parser(body, ctx)
        p.foreign_at = foreign_at
        p.bound = [dict(symbols)]
        chain = p.chain()
        items = [self._matrix(einstein(v), symbols, ctx, piece) if self.indices else v
                 for v in chain.items]
        label_span = (piece[0].pos, piece[self.eq].pos)
        head = self.target if self.target is not None else asked_marker(self.part)
        return Chain([head, *items], ["=", *chain.ops], piece[0].pos,
                     [label_span, *chain.spans])

    def _matrix(self, value: Any, symbols: dict, ctx: Context, piece: list[Token]) -> Any:
        if not is_matrix(value) and not (getattr(value, "free_symbols", set())
                                         & set(symbols.values())):
            # \operatorname{Var}[y_i] = d^{L+1}: the same for every i; the value itself
            return value
        if is_matrix(value):
            raise AnswerError("shape.inconsistent", "an entry of the answer is itself a vector "
                              "or a matrix", piece[self.eq].pos)
        sizes = []
        for v in self.indices:
            size = self.ranges.get(v) or _index_range(value, symbols[v], ctx)
            if size is None:
                raise AnswerError("shape.invalid", f"cannot tell the range of the index {v}: "
                                  f"write the answer as a matrix", piece[0].pos)
            fault = index_fault(value, symbols[v], size, ctx.dim_objects())
            if fault is not None:
                raise AnswerError("shape.inconsistent", f"{fault} (position {piece[0].pos})",
                                  piece[0].pos)
            sizes.append(size)
        p, q = sp.Dummy("p", integer=True), sp.Dummy("q", integer=True)
        subs = {symbols[self.indices[0]]: p + 1}
        if len(self.indices) == 2:
            subs[symbols[self.indices[1]]] = q + 1
        cols = sizes[1] if len(sizes) == 2 else sp.Integer(1)
        return sp.FunctionMatrix(sizes[0], cols, sp.Lambda((p, q), value.xreplace(subs)))


def einstein(value: Any) -> Any:
    """Einstein's summation convention in an entry: an index letter the label does not
    give (a name of the student's own) that is written exactly twice in a product term,
    each time alone as an index of a declared vector or matrix (or of ``\\delta``), every
    use over the same dim, is summed over that dim: ``\\frac{\\partial L}{\\partial W_{ij}}
    = 2(W_{ik}x_k - y_i)x_j`` is ``2(\\sum_k W_{ik}x_k - y_i)x_j``. Anything else (a letter
    once, three times, over two dims, outside an index) is left as it is: the letter stays
    the student's own name."""
    if is_matrix(value) or not isinstance(value, sp.Expr):
        return value
    letters = {s for s in value.free_symbols
               if len(_foreign_name(s) or "") == 1 and _foreign_name(s).isalpha()}
    if not letters:
        return value
    terms = sp.Add.make_args(sp.expand_mul(value))
    out = []
    for term in terms:
        summed = sorted(letters & term.free_symbols, key=str)
        dims = [_summed_dim(term, s) for s in summed]
        if any(dim is None for dim in dims):
            return value
        for s, dim in zip(summed, dims):
            d = sp.Dummy(_foreign_name(s), integer=True, positive=True)
            term = sp.Sum(term.xreplace({s: d}), (d, 1, dim))
        out.append(term)
    return sp.Add(*out)


def _summed_dim(term: Any, s: sp.Symbol) -> Any:
    """The dim that ``s`` runs over where it is written exactly twice in ``term``, each
    time alone as an index (of a declared vector or matrix, or of a Kronecker delta), and
    every use over the same dim; else None."""
    from sympy.matrices.expressions.matexpr import MatrixElement
    uses, dims = 0, set()

    def walk(e: Any) -> bool:
        nonlocal uses
        if not e.has(s):
            return True
        if isinstance(e, sp.Pow):   # x_k^2 is x_k x_k; any other power is no index use
            return e.exp == 2 and isinstance(e.base, MatrixElement) and walk(e.base) \
                and walk(e.base)
        if isinstance(e, MatrixElement):
            for k, idx in enumerate(e.args[1:]):
                if idx.has(s):
                    if idx.free_symbols != {s} or idx not in (s, s - 1) or e.args[0].has(s):
                        return False
                    uses += 1
                    dims.add(e.args[0].shape[k])
            return True
        if isinstance(e, sp.KroneckerDelta) and e.has(s):
            if not all(a == s or not a.has(s) for a in e.args):
                return False
            uses += sum(1 for a in e.args if a == s)
            return True
        if isinstance(e, sp.Mul):
            return all(walk(a) for a in e.args)
        return False   # the letter outside an index, or inside a function: not summed

    if not walk(term) or uses != 2 or len(dims) != 1:
        return None
    return dims.pop()


def _free_index_entries(chain: Chain, piece: list[Token], ctx: Context, extra: list,
                        foreign_at: dict) -> Chain | None:
    """``\\frac{n(\\delta_{ij} S - x_i)}{S^2}``, ``2x_j((Wx)_i - y_i)`` without a label, where
    one quantity is asked: the free indices (letters the question does not declare, used
    only as subscripts) give its entries, as an entrywise label would. One free index is a
    vector's; two are (row, column) when they are consecutive letters (i, j; k, l; m, n: the
    convention of \\delta_{ij} and A_{ij}), and ambiguous otherwise (``x_r y_c``: which is
    the row?). Where the entries cannot be read, the letters stay names of the student's
    own."""
    if len(ctx.asked) != 1 or len(chain.items) != 1 or _asked_entry(ctx) is not None:
        return None
    value = chain.items[0]
    names = {_foreign_name(x) for x in getattr(value, "free_symbols", ())} - {None}
    if not names or is_matrix(value):
        return None
    letters = sorted(names)
    if len(letters) > 2 or not all(len(x) == 1 and "a" <= x <= "z" for x in letters) \
            or not set(letters) <= _subscript_letters(piece):
        return None
    if len(letters) == 2 and ord(letters[1]) - ord(letters[0]) != 1:
        raise AnswerError("parse.ambiguous", f"the answer gives entries with the free indices "
                          f"{letters[0]} and {letters[1]}, which do not say which is the row: "
                          f"label it, as (\\cdot)_{{{letters[0]}{letters[1]}}} = \\ldots",
                          piece[0].pos)
    part = next(iter(ctx.asked))
    try:
        read = _EntryLabel(part, letters, -1, {}).read(piece, ctx, extra, dict(foreign_at))
    except AnswerError:
        return None
    if any(not is_matrix(x) for x in read.items[1:]):
        return None
    for x in letters:   # the letters are indices now, not names of the student's own
        foreign_at.pop(sp.Symbol(FOREIGN + x, real=True), None)
    return read


def _subscript_letters(piece: list[Token]) -> set[str]:
    """The single letters written in subscripts: ``x_i``, ``\\delta_{ij}``, ``W_{i,j}``."""
    out: set[str] = set()
    for k, t in enumerate(piece[:-1]):
        if t.kind == "char" and t.text == "_":
            group = piece[k + 2:] if piece[k + 1].text == "{" else [piece[k + 1]]
            depth = 0
            for u in group:
                if u.text == "{":
                    depth += 1
                elif u.text == "}":
                    if depth == 0:
                        break
                    depth -= 1
                elif u.kind == "char" and len(u.text) == 1 and u.text.isalpha():
                    out.add(u.text)
                if piece[k + 1].text != "{":
                    break
    return out


@dataclass(frozen=True)
class _Whole:
    """The asked quantity is entry ``index`` of a vector (``\\frac{\\partial L}{\\partial
    s_k}``, k a declared index): ``keys`` are its forms without the index (the whole
    gradient, ``\\nabla_{\\mathbf s} L``), ``size`` the index's range."""

    part: str
    index: Any
    size: Any
    keys: frozenset


def _asked_entry(ctx: Context) -> _Whole | None:
    key = ("asked-entry",)
    if key in ctx.cache:
        return ctx.cache[key]
    found = None
    if len(ctx.asked) == 1:
        part, forms = next(iter(ctx.asked.items()))
        keys = set()
        for form in forms:
            toks = lex_form(form)
            for k in range(len(toks) - 1):
                spec = ctx.spec_of(toks[k + 1].text) if toks[k].text == "_" else None
                if spec is not None and spec.kind == "index" and spec.of:
                    keys.add(tuple(t.key for t in toks[:k] + toks[k + 2:]))
                    found = (part, ctx.objects[spec.name], ctx.objects[spec.of])
        if found is not None:
            found = _Whole(*found, frozenset(keys))
    ctx.cache[key] = found
    return found


def _entry_at(value: Any, whole: _Whole) -> Any:
    """The answer gives the whole vector (``\\operatorname{softmax}(\\mathbf s) -
    b\\,\\mathbf{e}_y``) of which an entry is asked: that entry."""
    if is_matrix(value) and value.shape == (whole.size, 1):
        return value[whole.index - 1, 0]
    return value


def _index_range(value: Any, index: sp.Symbol, ctx: Context) -> Any:
    """The dim an index ranges over, from what it indexes in ``value`` (``x_i``: x's
    length), through Kronecker deltas, else the question's only dim."""
    from sympy.matrices.expressions.matexpr import MatrixElement
    seen, frontier = {index}, [index]
    deltas = list(value.atoms(sp.KroneckerDelta)) if isinstance(value, sp.Basic) else []
    while frontier:
        v = frontier.pop()
        for el in value.atoms(MatrixElement):
            for axis in (0, 1):
                e = el.args[1 + axis]
                if e.free_symbols and v in e.free_symbols and (e - v).is_number:
                    return el.parent.shape[axis]
        for d in deltas:
            if v in d.args:
                other = d.args[1] if d.args[0] == v else d.args[0]
                if isinstance(other, sp.Symbol) and other not in seen:
                    seen.add(other)
                    frontier.append(other)
    dims = ctx.dims
    return ctx.objects[dims[0].name] if len(dims) == 1 else None


def _index_letters(toks: list[Token]) -> list[str] | None:
    """The letters of a subscript that holds only indices: ``i``, ``{ij}``, ``{i,j}``."""
    letters = [t.text for t in toks if not (t.kind == "char" and t.text == ",")]
    if not 1 <= len(letters) <= 2 or not all(
            len(x) == 1 and x.isalpha() and x.islower() for x in letters):
        return None
    if any(t.kind not in ("char",) for t in toks):
        return None
    return letters


def _index_subscripts(toks: list[Token]) -> list[tuple[int, int, list[str]]]:
    """Each subscript that holds only index letters: (start, end, letters)."""
    out = []
    for k, t in enumerate(toks):
        if not (t.kind == "char" and t.text == "_" and k + 1 < len(toks)):
            continue
        if toks[k + 1].text == "{":
            end = k + 2
            while end < len(toks) and toks[end].text != "}":
                end += 1
            inner, nxt = toks[k + 2:end], end + 1
        else:
            inner, nxt = [toks[k + 1]], k + 2
        letters = _index_letters(inner)
        if letters is not None:
            out.append((k, nxt, letters))
    return out


def _strip_indices(toks: list[Token], forms: list[Pattern]
                   ) -> tuple[Pattern, list[tuple[str, list[Token]]]] | None:
    """The asked form that ``toks`` is once one or two index-only subscripts are removed,
    and the letters removed (each with the token it subscripts)."""
    subs = _index_subscripts(toks)
    choices = [[c] for c in subs] + [[a, b] for k, a in enumerate(subs) for b in subs[k + 1:]]
    for chosen in choices:
        letters = [x for _, _, xs in chosen for x in xs]
        if not 1 <= len(letters) <= 2:
            continue
        drop = {j for a, b, _ in chosen for j in range(a, b)}
        kept = tuple(t.key for j, t in enumerate(toks) if j not in drop)
        match = next((f for f in forms if f.tokens == kept), None)
        if match is not None:
            found = [(x, toks[a - 1:a] if a else []) for a, _, xs in chosen for x in xs]
            return match, found
    return None


def _entry_label(piece: list[Token], ctx: Context) -> _EntryLabel | None:
    name = _name_tokens(piece)
    if not name:
        return None
    if not ctx.asked:
        return _declared_entry_label(piece, name, ctx)
    asked = {p.target: p for p in ctx.patterns if p.target.startswith("asked:")}
    forms = [p for p in ctx.patterns if p.target in asked]
    keys = tuple(t.key for t in name)
    if any(f.tokens == keys for f in forms):
        return None   # the asked name itself
    whole = _asked_entry(ctx)
    if whole is not None and keys in whole.keys:   # \nabla_{\mathbf s} L = ...: the vector
        return _EntryLabel(whole.part, [], len(name), {})
    core = name
    outer: list[str] = []
    # (X)_{ij}, [X]_{ij}
    bracketed = _bracket_subscript(name) if len(name) >= 4 else None
    if bracketed is not None:
        core, outer = bracketed
    if outer:
        ckeys = tuple(t.key for t in core)
        match = next((f for f in forms if f.tokens == ckeys), None)
        found = [(x, []) for x in outer]
    else:
        stripped = _strip_indices(core, forms)
        match, found = stripped if stripped else (None, [])
    if match is None:
        return None
    letters = [x for x, _ in found]
    if len(set(letters)) != len(letters):
        return None
    ranges = {}
    for x, before in found:
        size = _range_of_name(x, before, found, ctx)
        if size is not None:
            ranges[x] = size
    part = match.target[len("asked:"):]
    return _EntryLabel(part, letters, len(name), ranges)


def _declared_entry_label(piece: list[Token], name: list[Token], ctx: Context
                          ) -> _EntryLabel | None:
    """``(\\theta_{k+1})_{ij} = \\ldots``, ``\\theta_{k+1,ij} = \\ldots`` where an equation
    is asked: the entries of a declared matrix (the equation's left side), entry by entry."""
    whole = substitute_aliases(name, ctx.patterns)
    if len(whole) == 1 and whole[0].kind == "ref" and whole[0].ref[1]:
        letters = _index_letters(whole[0].ref[1])
        obj = ctx.objects.get(whole[0].ref[0])
        if letters and is_matrix(obj) and len(letters) == (1 if obj.shape[1] == 1 else 2):
            return _EntryLabel("", letters, len(name),
                               {x: obj.shape[a] for a, x in enumerate(letters)}, target=obj)
    bracketed = _bracket_subscript(name) if len(name) >= 5 else None
    if bracketed is None and len(whole) >= 3 and whole[0].kind == "ref" \
            and whole[0].ref[1] is None and whole[1].text == "_":
        # \theta^{(k+1)}_{ij}: a declared name, then its entry's indices
        subs = _index_subscripts(whole)
        if len(subs) == 1 and subs[0][0] == 1 and subs[0][1] == len(whole):
            bracketed = ([u for u in name if u.pos < whole[1].pos], subs[0][2])
    if bracketed is None:
        return None
    core, letters = bracketed
    inner = substitute_aliases(core, ctx.patterns)
    if len(inner) != 1 or inner[0].kind != "ref" or inner[0].ref[1]:
        return None
    obj = ctx.objects.get(inner[0].ref[0])
    if not is_matrix(obj) or len(letters) != (1 if obj.shape[1] == 1 else 2):
        return None
    ranges = {x: obj.shape[a] for a, x in enumerate(letters)}
    return _EntryLabel("", letters, len(name), ranges, target=obj)


def _bracket_subscript(name: list[Token]) -> tuple[list[Token], list[str]] | None:
    """``(X)_{ij}``, ``[X]_{ij}``: the bracketed tokens and the index letters after them."""
    if not name or name[0].text not in "([":
        return None
    close = {"(": ")", "[": "]"}[name[0].text]
    depth, k = 0, 0
    for k, t in enumerate(name):
        depth += t.text == name[0].text
        depth -= t.text == close
        if depth == 0:
            break
    tail = name[k + 1:]
    if not tail or tail[0].text != "_":
        return None
    letters = _index_letters(tail[2:-1] if len(tail) > 2 and tail[1].text == "{" else tail[1:])
    if letters is None:
        return None
    return name[1:k], letters


def _range_of_name(x: str, before: list[Token], found: list, ctx: Context) -> Any:
    """The dim a label's index ranges over when it subscripts a declared vector (``x_j``)
    or matrix (``W_{ij}``: ``i`` its rows, ``j`` its columns)."""
    if not before:
        return None
    sub = substitute_aliases(before, ctx.patterns)
    if len(sub) != 1 or sub[0].kind != "ref" or sub[0].ref[1] is not None:
        return None
    obj = ctx.objects.get(sub[0].ref[0])
    if not is_matrix(obj):
        return None
    same = [y for y, b in found if b and b[-1] is before[-1]]
    if obj.shape[1] == 1 and len(same) == 1:
        return obj.shape[0]
    if obj.shape[1] != 1 and len(same) == 2:
        return obj.shape[same.index(x)]
    return None


def _assignment(piece: list[Token], ctx: Context) -> list[Token]:
    """``w_i \\leftarrow 0.98 w_i``, ``w := \\ldots``: an update names the new value of what
    is on its left, the asked quantity where the question asks for one value and the left
    is a declared quantity (the old value) rather than the asked name."""
    name = _name_tokens(piece)
    if not name or piece[len(name)].ref != ASSIGN or len(ctx.asked) != 1:
        return piece
    subst = substitute_aliases(name, ctx.patterns)
    if len(subst) != 1 or subst[0].kind != "ref" or subst[0].ref[1] is not None \
            or subst[0].ref[0].startswith("asked:"):
        return piece
    target = asked_name(next(iter(ctx.asked)))
    return [Token("ref", target, name[0].pos, (target, None)), *piece[len(name):]]


def _old_values(piece: list[Token], subst: list[Token], foreign_at: dict) -> list[Token]:
    """``w_{11}^{*} = w_{11} - 0.1 \\cdot 1.5 = -0.65``: where the label is the asked name
    with a mark (``^*``, ``'``, ``^{\\text{new}}``: the updated value) and the value uses the
    same name without it, that bare name is the value before the update, not the asked
    quantity: a name the question's text gives but derive does not have (a step that uses
    it is working, not checked; a graded value that uses it is ``symbol.foreign``)."""
    depths = _depths(subst)
    eq = next((k for k, t in enumerate(subst)
               if t.kind == "char" and t.text == "=" and depths[k] == 0), None)
    if eq != 1 or subst[0].kind != "ref" or not str(subst[0].ref[0]).startswith("asked:"):
        return subst

    def source(k: int) -> list[Token]:
        start, end = subst[k].pos, subst[k + 1].pos if k + 1 < len(subst) else None
        return [t for t in piece if t.pos >= start and (end is None or t.pos < end)]

    label = [t.key for t in source(0)]
    out = list(subst)
    for k in range(eq + 1, len(subst)):
        t = subst[k]
        if t.kind != "ref" or t.ref[0] != subst[0].ref[0]:
            continue
        written = source(k)
        keys = [u.key for u in written]
        if 0 < len(keys) < len(label) and label[:len(keys)] == keys:
            name = "".join(u.text for u in written)
            sym = sp.Symbol(FOREIGN + name, real=True)
            foreign_at.setdefault(sym, t.pos)
            out[k] = Token("ref", name, t.pos, ("=", (Local(sym), None)))
    return out


def _prose_subscript_label(piece: list[Token], ctx: Context) -> list[Token]:
    """``N_{\\text{params}} = \\ldots``, ``L_{\\text{smooth}}(x_i) = \\ldots``: where one
    quantity is asked, a label opening a chain that is a letter with a prose subscript (one
    ``\\text`` group) is the asked name: the asked name itself with the subscript as a
    description (``N`` asked; ``L(x_i)`` asked), or a letter of the student's own, no variant
    of a declared form (``Q_{\\text{total}}``, as ``\\text{params} = `` is). A declared form
    written as it is declared is left to the aliases; a letter the question declares as
    another quantity, or a word of time (``w_{\\text{new}}``), keeps its meaning."""
    name = _name_tokens(piece)
    if len(ctx.asked) != 1 or not name or len(name) < 5 or name[1].text != "_" \
            or name[2].text != "{" or name[0].group is not None \
            or name[0].kind not in ("char", "cmd") or name[3].group is None:
        return piece
    end = 3
    while end < len(name) and name[end].group == name[3].group:
        end += 1
    if end >= len(name) or name[end].text != "}" or name[end].kind != "char":
        return piece
    word = " ".join("".join(t.text for t in name[3:end]).lower().split())
    if not word or word in STEP_WORDS:
        return piece
    base, rest = name[:1], name[end + 1:]
    whole = substitute_aliases(name, ctx.patterns)
    if len(whole) == 1 and whole[0].kind == "ref":
        return piece   # a form the question declares, as written
    target = asked_name(next(iter(ctx.asked)))
    label = [Token("ref", target, name[0].pos, (target, None))]
    stripped = substitute_aliases([*base, *rest], ctx.patterns)
    if len(stripped) == 1 and stripped[0].kind == "ref" and stripped[0].ref[0] == target:
        return [*label, *piece[len(name):]]   # the asked name, described
    if rest or any(t.kind == "ref" for t in substitute_aliases(base, ctx.patterns)) \
            or _variant(base[0].text, ctx) or base[0].kind == "cmd" \
            and base[0].text not in GREEK:
        return piece   # another quantity the question gives, or a variant of its names
    return [*label, *piece[len(name):]]   # the student's own name for the answer


def _method_subscript(piece: list[Token], ctx: Context) -> list[Token]:
    """``\\hat{W}_{\\text{OLS}} = \\ldots``, ``\\theta_{\\text{MLE}} = \\ldots``: a label that is a
    declared name with a prose subscript naming how it was found (a word, not a declared
    name) is that name. A word of time (``w_{\\text{new}}``, ``w_{\\text{old}}``: table
    ``STEP_WORDS``) names another value and is kept, and so is a subscript the value uses
    too (``w_{\\text{a}} = w_{\\text{b}}``)."""
    name = _name_tokens(piece)
    if not name or len(name) < 3:
        return piece
    subst = substitute_aliases(name, ctx.patterns)
    if len(subst) < 3 or subst[0].kind != "ref" or subst[1].text != "_":
        return piece
    sub = subst[2:]
    if len(sub) > 2 and sub[0].text == "{" and sub[-1].text == "}":
        sub = sub[1:-1]
    if len(sub) == 1 and sub[0].kind == "word":
        word = sub[0].text
    elif len(sub) >= 2 and all(t.kind == "char" and t.group is not None
                               and t.group == sub[0].group for t in sub):
        word = "".join(t.text for t in sub)
    else:
        return piece
    if " ".join(word.lower().split()) in STEP_WORDS:
        return piece
    cut = next(k for k, t in enumerate(name) if t.pos == subst[1].pos and t.text == "_")
    rest = piece[len(name):]
    if any(t.kind == "word" and t.text == word or t.group is not None for t in rest):
        return piece   # the value uses prose subscripts too: not a label's description
    return [*name[:cut], *rest]


def _drop_common_label(piece: list[Token], ctx: Context) -> list[Token]:
    """Where a tuple is asked, a label that begins every part's name
    (``\\frac{\\partial L}{\\partial z} = \\begin{cases} \\ldots\\end{cases}`` where the parts are
    ``\\frac{\\partial L}{\\partial z}(X^i)`` and
    ``\\frac{\\partial L}{\\partial z}(G(Z^i))``) names
    them together: the value after it gives the parts."""
    parts = [p for p in ctx.asked if p]
    name = _name_tokens(piece)
    if len(parts) < 2 or not name:
        return piece
    keys = tuple(t.key for t in name)
    for part in parts:
        if not any(_starts_with(lex_form(form), keys) for form in ctx.asked[part]):
            return piece
    return piece[len(name) + 1:]


def _starts_with(toks: list[Token], keys: tuple) -> bool:
    return len(toks) > len(keys) and tuple(t.key for t in toks[:len(keys)]) == keys


def _axis_names(ctx: Context) -> list[str] | None:
    """A shape asked as ``(H, W, C)``: the names of its axes, in order."""
    forms = ctx.asked.get("") if len(ctx.asked) == 1 else None
    for form in forms or ():
        toks = lex_form(form)
        names = [t.text for t in toks[1:-1:2]]
        if (len(toks) >= 5 and toks[0].text == "(" and toks[-1].text == ")"
                and all(t.text == "," for t in toks[2:-1:2])
                and all(t.kind == "char" and t.text.isalpha() for t in toks[1:-1:2])):
            return names
    return None


def _axes_by_name(parts: list[Chain], ctx: Context) -> list[Chain]:
    """``(C, H, W) = (64, 126, 126)``, ``H = W = 126, C = 64`` where ``(H, W, C)`` is
    asked: the values put in the asked order (an axis not given is left out)."""
    names = _axis_names(ctx)
    if names is None:
        return parts
    given: dict[str, Any] = {}
    for chain in parts:
        head = chain.items[0]
        if isinstance(head, sp.Tuple) and len(chain.items) == 2 and isinstance(
                chain.items[1], sp.Tuple) and len(head) == len(chain.items[1]):
            labels = [_foreign_name(h) for h in head]
            if None in labels or not set(labels) <= set(names):
                return parts
            given.update(zip(labels, chain.items[1]))
            continue
        labels = [_foreign_name(h) for h in chain.items[:-1]]
        if not labels or None in labels or not set(labels) <= set(names):
            return parts
        for name in labels:
            given[name] = chain.items[-1]
    values = [given[name] for name in names if name in given]
    return [Chain([asked_marker(""), sp.Tuple(*values)], ["="], parts[0].pos,
                  [(parts[0].pos, None), (parts[0].pos, None)])]


def _columns_as_parts(parts: list[Chain], ctx: Context) -> list[Chain]:
    """Where a pair (a tuple) is asked, a column ``\\begin{pmatrix} a \\\\ b \\end{pmatrix}``
    (or ``(a, b)^\\top``) is its parts, row by row; a chain of columns
    (``\\begin{pmatrix} \\hat y_1 \\\\ \\hat y_2 \\end{pmatrix} = \\begin{pmatrix} 2 \\\\ 0
    \\end{pmatrix}``) gives one chain per row."""
    n = len([p for p in ctx.asked if p])   # the parts ('' names the whole tuple)
    if n < 2 or len(parts) != 1:
        return parts
    chain = parts[0]

    def column(x: Any) -> bool:
        return isinstance(x, sp.MatrixBase) and x.shape == (n, 1)
    if all(column(x) for x in chain.items):
        return [Chain([x[k, 0] for x in chain.items], list(chain.ops), chain.pos,
                      list(chain.spans)) for k in range(n)]
    if any(column(x) for x in chain.items):   # \hat{\mathbf{y}} = (2, 0)^\top: the tuple
        chain.items = [sp.Tuple(*x) if column(x) else x for x in chain.items]
    return parts


def _labelled_tuple(parts: list[Chain], ctx: Context) -> list[Chain]:
    """``\\left(\\frac{\\partial L}{\\partial w_{11}}, w_{11}^*\\right) = (1.5, -0.65)``
    where a tuple is asked: a tuple of the parts' labels, each part once, equal to tuples of
    values of its length, names each part by position (one chain per part, so labels in
    another order assign by name). A label tuple that names anything else than the parts
    stays one value, and wrong."""
    names = [p for p in ctx.asked if p]
    if len(names) < 2 or len(parts) != 1 or len(parts[0].items) < 2:
        return parts
    chain = parts[0]
    head = chain.items[0]
    if not isinstance(head, sp.Tuple) or len(head) != len(names):
        return parts
    labels = [is_asked(x) for x in head]
    if set(labels) != set(names) or not all(
            isinstance(x, sp.Tuple) and len(x) == len(head) for x in chain.items[1:]):
        return parts
    return [Chain([x[k] for x in chain.items], list(chain.ops), chain.pos, list(chain.spans))
            for k in range(len(head))]


# --- names the question does not declare -------------------------------------------------

def _foreign_name(e: Any) -> str | None:
    if isinstance(e, sp.Symbol) and e.name.startswith(FOREIGN):
        return e.name[len(FOREIGN):]
    return None


def _foreign_labels(parts: list[Chain], ctx: Context) -> None:
    """``P = 1216``, ``\\text{elements} = 200000100``, ``\\#\\text{values} = 6``: a name of
    the student's own, on the left of a chain, names the asked value, unless it is a
    variant of a name the question gives (``p_1`` where ``p_2`` is asked)."""
    if len(ctx.asked) != 1:
        return
    part = next(iter(ctx.asked))
    for chain in parts:
        name = _foreign_name(chain.items[0]) if len(chain.items) > 1 else None
        if name is None or chain.ops[0] != "=" or _variant(name, ctx):
            continue
        chain.items[0] = asked_marker(part)


def _variant(name: str, ctx: Context) -> bool:
    """``p_{1}`` where the question writes ``p_2``: the same letter, decorated otherwise."""
    if any(c in name for c in "([") or name.startswith("\\frac") or name.startswith("\\mathbb"):
        return True   # an operator applied (\operatorname{Std}[y]) or a derivative: not a label
    base = name.split("_")[0].split("^")[0].rstrip("'")
    if base.startswith(r"\text{") or base.startswith("#"):
        return False
    forms = [f for s in ctx.specs for f in s.forms] + [f for fs in ctx.asked.values()
                                                      for f in fs]
    for form in forms:
        try:
            toks = lex_form(form)
        except AnswerError:
            continue
        if toks and toks[0].text == base and len(toks) > 1:
            return True
    return False


def _drop_unevaluated_steps(chain: Chain) -> None:
    """``\\hat W = \\operatorname*{argmin}_W \\|XW - Y\\|^2 = (X^\\top X)^{-1}X^\\top Y``: a
    step derive does not compute (a minimiser) between the label and the value is working;
    it is neither checked nor graded."""
    keep = [k for k, x in enumerate(chain.items)
            if k in (0, len(chain.items) - 1) or not _optimiser(x)]
    if len(keep) == len(chain.items) or any(op != "=" for op in chain.ops):
        return
    chain.items = [chain.items[k] for k in keep]
    chain.spans = [chain.spans[k] for k in keep]
    chain.ops = ["="] * (len(keep) - 1)


def _optimiser(x: Any) -> bool:
    name = _foreign_name(x)
    return name is not None and name.split(" ")[0] in OPTIMISERS


def _graded(chain: Chain) -> list[Any]:
    """What of a chain is graded: its value, and its first item (a label: ``P^2 = 6``,
    ``\\Delta w_i = \\ldots``) unless that is working (a sum or difference without the asked
    name: ``w_i - \\lambda\\frac{d\\mathcal{L}}{dw_i} = \\ldots = 0.98 w_i``)."""
    head = chain.items[0]
    # working: a sum, or a formula with a sum in it (\frac{1}{2}\sum_j (\hat y_j - y_j)^2),
    # never a name or a multiple or power of one (P^2 = 6, 2q = 1.8 state something)
    computed = isinstance(head, sp.Basic) and not is_matrix(head) and (
        isinstance(head, sp.Add) or head.has(sp.Sum, sp.Product) or any(
            isinstance(a, sp.Add) for a in sp.preorder_traversal(head)))
    if len(chain.items) > 1 and computed and not any(
            is_asked(s) is not None for s in head.free_symbols):
        return [chain.items[-1]]
    return [head, chain.items[-1]]


def _no_foreign(values: list[Any], foreign_at: dict, strict: bool) -> None:
    # a value with no foreign-named symbol among its atoms has none free: looked at first,
    # since free_symbols rebuilds every sum and Lambda on the way (most of this check)
    if not any(_foreign_name(s) is not None for v in values if isinstance(v, sp.Basic)
               for s in v.atoms(sp.Symbol)):
        if all(isinstance(v, sp.Basic) or not getattr(v, "free_symbols", ())
               for v in values):
            return
    names = [s for v in values for s in getattr(v, "free_symbols", ())
             if _foreign_name(s) is not None]
    if not names:
        return
    first = min(names, key=lambda s: foreign_at.get(s, 0))
    name = _foreign_name(first)
    pos = foreign_at.get(first, 0)
    if strict:
        raise AnswerError("parse.undeclared_symbol", f"'{name}' is not a symbol of this "
                          f"question (position {pos})", pos)
    raise AnswerError("symbol.foreign", f"'{name}' is not a symbol of this question: the "
                      f"answer depends on a quantity the question does not give (position "
                      f"{pos})", pos)


_OPEN = {"(": ")", "[": "]", "{": "}"}


def _split_top(tokens: list[Token], seps: tuple[str, ...]) -> list[list[Token]]:
    """Split at separators outside any bracket and outside environments."""
    parts: list[list[Token]] = [[]]
    depth = 0
    env = 0
    for k, t in enumerate(tokens):
        nxt = tokens[k + 1] if k + 1 < len(tokens) else None
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
            if t.text == "," and (nxt is not None and nxt.kind == "word" and nxt.text in (
                    "else", "otherwise") or branch_at(tokens, k)):
                parts[-1].append(t)   # "v \text{ if } c, \text{ else } w",
                continue              # "v \text{ for } c, \quad w \text{ otherwise}": one part
            parts.append([])
            continue
        parts[-1].append(t)
    return [p for p in parts if p]
