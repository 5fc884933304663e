"""Stage 1 of the notation layer: LaTeX text -> validated, normalised tokens.

Every token keeps the character offset where it starts in the user's text, so
a fault found anywhere later can be reported at its position.

Normalisation only removes *presentation*: ``\\mathbf{x}`` and ``x``,
``\\left(`` and ``(``, ``\\dfrac`` and ``\\frac``, ``\\ln`` and ``\\log`` (the
catalogue's convention: log is natural), ``^\\top`` and ``^T``. It never
changes case and never merges letters: ``W`` stays ``W``, ``\\Delta`` stays
``\\Delta``. The tables below are the whole of it.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from ..errors import AnswerError

MAX_LENGTH = 2000
MAX_DEPTH = 40


@dataclass(frozen=True)
class Token:
    kind: str   # 'cmd' (\name), 'char' (one character), 'num', 'word' (\text{..}), 'ref'
    text: str
    pos: int
    ref: object = None  # for 'ref' tokens: what the alias resolved to
    group: int | None = None  # letters of one \text{word}: the word's position

    @property
    def key(self) -> tuple[str, str]:
        return (self.kind, self.text)

    def __repr__(self) -> str:
        return f"{self.kind}:{self.text}@{self.pos}"


# --- tables -------------------------------------------------------------------

#: commands dropped entirely (sizing, spacing, style switches without argument)
DROP = {
    r"\left", r"\right", r"\bigl", r"\bigr", r"\Bigl", r"\Bigr", r"\big", r"\Big",
    r"\bigg", r"\Bigg", r"\biggl", r"\biggr", r"\Biggl", r"\Biggr", r"\displaystyle",
    r"\textstyle", r"\,", r"\;", r"\:", r"\!", r"\ ", r"\quad", r"\qquad", r"\limits",
    r"\nolimits", r"\middle",
}
#: commands whose braced argument is kept as is (presentation only)
STYLE = {
    r"\mathbf", r"\boldsymbol", r"\bm", r"\mathit", r"\mathrm", r"\mathsf", r"\vec",
    r"\mathnormal", r"\pmb", r"\mathbfit", r"\symbf", r"\bf", r"\rm",
}
#: commands with several spellings, mapped to one
ALIAS = {
    r"\dfrac": r"\frac", r"\tfrac": r"\frac", r"\cfrac": r"\frac",
    r"\ln": r"\log",
    r"\leq": r"\le", r"\leqslant": r"\le", r"\geq": r"\ge", r"\geqslant": r"\ge",
    r"\neq": r"\ne", r"\lt": "<", r"\gt": ">",
    r"\top": "T", r"\intercal": "T", r"\mathsf{T}": "T",
    r"\ast": "*", r"\star": "*",
    r"\lvert": "|", r"\rvert": "|", r"\vert": "|", r"\mid": "|",
    r"\lVert": r"\|", r"\rVert": r"\|", r"\Vert": r"\|",
    r"\widehat": r"\hat", r"\overline": r"\bar", r"\widetilde": r"\tilde",
    r"\varepsilon": r"\epsilon", r"\vartheta": r"\theta", r"\varphi": r"\phi",
    r"\lbrack": "[", r"\rbrack": "]", r"\{": "(", r"\}": ")", r"\lbrace": "(", r"\rbrace": ")",
    r"\langle": "(", r"\rangle": ")",
    r"\sgn": r"\sign", r"\dots": r"\cdots", r"\ldots": r"\cdots", r"\dotsb": r"\cdots",
    r"\to": r"\rightarrow", r"\triangleq": "=", r"\coloneqq": "=", r"\equiv": "=",
    r"\coloneq": "=", r"\leftarrow": "=", r"\gets": "=", r"\Leftarrow": "=",
    r"\simeq": r"\approx", r"\thickapprox": r"\approx",
    r"\exp": r"\exp",
}
#: words inside \text{}, \operatorname{}, \mathrm{} that are functions or keywords
WORD_COMMANDS = {
    "sign": r"\sign", "sgn": r"\sign", "diag": r"\diag", "softmax": r"\softmax",
    "max": r"\max", "min": r"\min", "exp": r"\exp", "log": r"\log", "ln": r"\log",
    "tr": r"\tr", "trace": r"\tr", "relu": r"\relu", "ReLU": r"\relu", "sigmoid": r"\sigmoid",
    "tanh": r"\tanh", "Var": r"\Var", "E": None,
}
#: what may separate the digit groups of one number: 200\,000\,100, 200{,}000{,}100
GROUP_SEPARATORS = (r"\,", "{,}", r"\ ", r"\thinspace ", "~")
PROSE_COMMANDS = {r"\text", r"\textrm", r"\mbox", r"\textnormal", r"\textit", r"\textbf"}
KEYWORDS = {"where", "otherwise", "else", "if", "and", "for", "with", "when", "or"}
TEXT_COMMANDS = {r"\text", r"\textrm", r"\textit", r"\mbox", r"\operatorname", r"\textnormal",
                 r"\mathrm", r"\textbf"}


def lex(text: str | bytes) -> list[Token]:
    """Validate ``text`` and return its normalised tokens.

    Raises :class:`AnswerError` with a reason code and a position.
    """
    text = _check_text(text)
    raw = _tokenize(text)
    _check_nesting(raw)
    return _normalise(raw)


def _check_text(text: str | bytes) -> str:
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise AnswerError("input.not_utf8", f"the answer is not valid UTF-8 "
                              f"(byte {exc.start})", exc.start) from None
    if not text.strip():
        raise AnswerError("input.empty", "the answer is empty", 0)
    if len(text) > MAX_LENGTH:
        raise AnswerError("input.too_long", f"the answer has {len(text)} characters; "
                          f"the limit is {MAX_LENGTH}", MAX_LENGTH)
    for i, ch in enumerate(text):
        if ch in "\t\n\r":
            continue
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            raise AnswerError("input.control_char", f"the answer contains the control "
                              f"character U+{ord(ch):04X} at position {i}", i)
    return text


#: unicode a student may paste, mapped to the LaTeX it means
UNICODE = {"−": "-", "·": r"\cdot", "×": r"\times", "≤": r"\le", "≥": r"\ge", "≠": r"\ne",
           "∑": r"\sum", "√": r"\sqrt", "∂": r"\partial", "∇": r"\nabla", "⊤": "T",
           "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "Δ": r"\Delta",
           "ε": r"\epsilon", "λ": r"\lambda", "μ": r"\mu", "σ": r"\sigma", "θ": r"\theta",
           "π": r"\pi", "η": r"\eta", "∞": r"\infty", "⊙": r"\odot"}


def _digits(s: str) -> bool:
    """ASCII digits only: '¹' and '٣' are digits to str.isdigit, not to a number."""
    return bool(s) and all('0' <= c <= '9' for c in s)


def _tokenize(text: str) -> list[Token]:
    out: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif text.startswith("\\%", i):   # 98\% is 98/100
            out.extend([Token("char", "/", i), Token("num", "100", i)])
            i += 2
        elif ch == "\\":
            j = i + 1
            if j < n and text[j].isalpha():
                while j < n and text[j].isalpha():
                    j += 1
            else:
                j = min(j + 1, n)
            out.append(Token("cmd", text[i:j], i))
            i = j
        elif _digits(ch) or (ch == "." and i + 1 < n and _digits(text[i + 1])):
            j = i
            while j < n and _digits(text[j]):
                j += 1
            digits = text[i:j]
            # 200\,000\,100 and 200{,}000{,}100: digit groups of one number (a first group
            # of 1-3 digits not starting with 0, then groups of exactly 3)
            grouped = 1 <= len(digits) <= 3 and digits[0] != "0"
            while grouped:
                sep = next((s for s in GROUP_SEPARATORS if text.startswith(s, j)), None)
                k = j + len(sep) if sep else j
                group = text[k:k + 3]
                if sep and len(group) == 3 and _digits(group) and not _digits(text[k + 3:k + 4]):
                    digits += group
                    j = k + 3
                else:
                    break
            if digits != text[i:j]:
                out.append(Token("num", digits, i))
                i = j
                continue
            if text.startswith("{,}", j) and _digits(text[j + 3:j + 4]):  # 1{,}5: decimal comma
                k = j + 3
                while k < n and _digits(text[k]):
                    k += 1
                out.append(Token("num", digits + "." + text[j + 3:k], i))
                i = k
                continue
            if j < n - 1 and text[j] == "." and _digits(text[j + 1]):
                j += 1
                while j < n and _digits(text[j]):
                    j += 1
            out.append(Token("num", text[i:j], i))
            i = j
        elif ch == ":" and text.startswith(":=", i):   # w := 0.98 w
            out.append(Token("char", "=", i))
            i += 2
        elif ch in UNICODE:
            mapped = UNICODE[ch]
            out.append(Token("cmd" if mapped.startswith("\\") else "char", mapped, i))
            i += 1
        elif ch.isascii() and (ch.isalpha() or ch in "+-*/=<>()[]{},|^_'!&;:.~"):
            out.append(Token("char", ch, i))
            i += 1
        else:
            raise AnswerError("parse.syntax", f"unexpected character {ch!r} at position {i}", i)
    return out


def _check_nesting(tokens: list[Token]) -> None:
    stack: list[Token] = []
    depth = 0
    for t in tokens:
        if t.text in ("{", "(", "[") and t.kind == "char" or t.text == r"\left":
            if t.text == "{":
                stack.append(t)
            depth += 1
            if depth > MAX_DEPTH:
                raise AnswerError("parse.too_deep", f"the answer nests brackets more than "
                                  f"{MAX_DEPTH} deep (position {t.pos})", t.pos)
        elif t.text in ("}", ")", "]") and t.kind == "char" or t.text == r"\right":
            depth = max(depth - 1, 0)
            if t.text == "}":
                if not stack:
                    raise AnswerError("parse.unbalanced_braces",
                                      f"'}}' at position {t.pos} closes no '{{'", t.pos)
                stack.pop()
    if stack:
        t = stack[-1]
        raise AnswerError("parse.unbalanced_braces",
                          f"'{{' at position {t.pos} is never closed", t.pos)


def _group_end(tokens: list[Token], start: int) -> int:
    """Index just past the balanced group that opens at ``tokens[start]`` ('{')."""
    depth = 0
    for k in range(start, len(tokens)):
        if tokens[k].kind == "char" and tokens[k].text == "{":
            depth += 1
        elif tokens[k].kind == "char" and tokens[k].text == "}":
            depth -= 1
            if depth == 0:
                return k + 1
    raise AnswerError("parse.unbalanced_braces", "unclosed '{'", tokens[start].pos)


def _raw_word(tokens: list[Token], start: int, end: int) -> str:
    return "".join(t.text for t in tokens[start:end])


def _normalise(tokens: list[Token]) -> list[Token]:
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t.kind == "cmd":
            name = ALIAS.get(t.text, t.text)
            if name in DROP:
                i += 1
                continue
            if name in TEXT_COMMANDS or name in STYLE:
                if i + 1 < len(tokens) and tokens[i + 1].text == "{":
                    end = _group_end(tokens, i + 1)
                    if (name in STYLE and _raw_word(tokens, i + 2, end - 1).strip() == "1"
                            and end < len(tokens) and tokens[end].text == r"\{"):
                        # \mathbf{1}\{k = y\}: the indicator, as \mathbb{1}[k = y]
                        out.append(Token("cmd", r"\indicator", t.pos))
                        i = end
                        continue
                    inner = tokens[i + 2:end - 1]
                    word = _raw_word(tokens, i + 2, end - 1).strip()
                    if name in TEXT_COMMANDS and word in WORD_COMMANDS and WORD_COMMANDS[word]:
                        out.append(Token("cmd", WORD_COMMANDS[word], t.pos))
                    elif name in TEXT_COMMANDS and word.lower().rstrip(":,") in KEYWORDS:
                        out.append(Token("word", word.lower().rstrip(":,"), t.pos))
                    elif name in PROSE_COMMANDS and (
                            not word or not word.replace(" ", "").isalnum() or " " in word
                            ):
                        # prose or punctuation in \text: a separator, nothing to grade
                        out.append(Token("word", word or " ", t.pos))
                    elif name in PROSE_COMMANDS and word.isalpha() and len(word) > 1:
                        # one word: read letter by letter (so a declared \text{dout} matches),
                        # marked, so that an undeclared word at either end of the answer
                        # ("33 \text{parameters}") can be dropped as a unit after aliasing
                        out.extend(Token(u.kind, u.text, u.pos, u.ref, group=t.pos)
                                   for u in _normalise(inner))
                    else:
                        out.extend(_normalise(inner))
                    i = end
                    continue
                i += 1  # \bf x style switches: drop the switch
                continue
            if name == r"\mathbb" and i + 1 < len(tokens):
                nxt = tokens[i + 1]
                if nxt.text == "{":
                    end = _group_end(tokens, i + 1)
                    word = _raw_word(tokens, i + 2, end - 1).strip()
                else:
                    end, word = i + 2, nxt.text
                if word in ("1", "I"):
                    out.append(Token("cmd", r"\indicator", t.pos))
                else:
                    out.append(Token("cmd", r"\mathbb" + word, t.pos))
                i = end
                continue
            out.append(Token("cmd" if name.startswith("\\") else "char", name, t.pos))
            i += 1
        else:
            out.append(t)
            i += 1
    return _collapse_singleton_groups(out)


def _collapse_singleton_groups(tokens: list[Token]) -> list[Token]:
    """``{x}`` -> ``x``: a brace group around one token is presentation only."""
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        if (tokens[i].text == "{" and tokens[i].kind == "char" and i + 2 < len(tokens)
                and tokens[i + 2].text == "}" and tokens[i + 2].kind == "char"
                and tokens[i + 1].text not in ("{", "}")):
            out.append(tokens[i + 1])
            i += 3
        else:
            out.append(tokens[i])
            i += 1
    return out
