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

import functools
import re

import unicodedata
from dataclasses import dataclass

from ..errors import AnswerError

#: Greek letter names (the command without its backslash); the publisher maps the same
#: table to Typst (derive.publish.latex_text, through derive.notation.tables)
GREEK = frozenset(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu "
    "nu xi omicron pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega "
    "Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega ell".split())

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
    r"\nolimits", r"\middle", r"\(", r"\)", r"\[", r"\]", r"\hfill", r"\enspace",
    r"\thinspace", r"\medspace", r"\thickspace", r"\negthinspace",
}
#: math delimiters and wrappers around a whole answer: $...$, $$...$$, \(...\), \[...\],
#: \boxed{...} (the last is a STYLE command: its argument is kept)
MATH_DELIMITERS = {"$"}
#: commands that introduce the conclusion: what precedes them is working, what follows is
#: the answer ("... \Rightarrow p_2 = 0.9", "\therefore 784")
LEAD_COMMANDS = {r"\therefore", r"\Rightarrow", r"\implies", r"\Longrightarrow",
                 r"\Rrightarrow"}
#: prose that introduces the conclusion, inside \text{...} (compared lower-case, without
#: trailing punctuation)
LEAD_WORDS = {"so", "hence", "thus", "therefore", "answer", "final answer", "the answer is",
              "the final answer is", "so the answer is", "which gives", "we get", "giving",
              "result", "solution", "final"}
#: words that open a justification after the value (``(124, 124, 16) \\text{ since } 128 - 5
#: + 1 = 124``): working, not part of the answer
JUSTIFICATION_WORDS = {"since", "because", "as"}
#: commands whose braced argument is kept as is (presentation only)
STYLE = {
    r"\mathbf", r"\boldsymbol", r"\bm", r"\mathit", r"\mathrm", r"\mathsf", r"\vec",
    r"\mathnormal", r"\pmb", r"\mathbfit", r"\symbf", r"\bf", r"\rm", r"\boxed",
    r"\fbox", r"\underline",
}
#: a relation with a mark set over it: ``\\overset{!}{=}`` ("must equal", German texts) and
#: ``\\stackrel{\\text{def}}{=}`` are ``=``; another mark (``\\overset{?}{=}``, a question)
#: is not read
OVERSET = {r"\overset", r"\stackrel"}
OVERSET_MARKS = {"!", "def", r"\text{def}", r"\mathrm{def}", r"\text{!}"}
#: blackboard letters with a meaning of their own: \mathbb{V}[y] is \operatorname{Var}[y]
BLACKBOARD = {"V": r"\Var"}
#: the mark of an equals sign that assigns (``:=``, ``\\leftarrow``, ``\\gets``)
ASSIGN = "assign"
#: the bold styles: a bold 1 is the ones vector
BOLD = {r"\mathbf", r"\boldsymbol", r"\bm", r"\pmb", r"\mathbfit", r"\symbf", r"\vec"}
#: commands with several spellings, mapped to one
ALIAS = {
    r"\dfrac": r"\frac", r"\tfrac": r"\frac", r"\cfrac": r"\frac",
    r"\ln": r"\log",
    r"\leq": r"\le", r"\leqslant": r"\le", r"\geq": r"\ge", r"\geqslant": r"\ge",
    r"\neq": r"\ne", r"\lt": "<", r"\gt": ">",
    r"\top": "T", r"\intercal": "T", r"\mathsf{T}": "T",
    r"\ast": "*", r"\star": "*", r"\#": "#", r"\lg": r"\lg",
    r"\lvert": "|", r"\rvert": "|", r"\vert": "|", r"\mid": "|",
    r"\lVert": r"\|", r"\rVert": r"\|", r"\Vert": r"\|",
    r"\widehat": r"\hat", r"\overline": r"\bar", r"\widetilde": r"\tilde",
    r"\varepsilon": r"\epsilon", r"\vartheta": r"\theta", r"\varphi": r"\phi",
    r"\lbrack": "[", r"\rbrack": "]", r"\{": "(", r"\}": ")", r"\lbrace": "(", r"\rbrace": ")",
    r"\langle": "(", r"\rangle": ")",
    r"\sgn": r"\sign", r"\dots": r"\cdots", r"\ldots": r"\cdots", r"\dotsb": r"\cdots",
    r"\to": r"\rightarrow", r"\triangleq": "=", r"\equiv": "=",
    # assignments (an update: the left side's new value) are kept apart from "="
    r"\coloneqq": ":=", r"\coloneq": ":=", r"\leftarrow": ":=", r"\gets": ":=",
    r"\Leftarrow": "=",
    r"\simeq": r"\approx", r"\thickapprox": r"\approx",
    r"\exp": r"\exp",
}
#: words inside \text{}, \operatorname{}, \mathrm{} that are functions or keywords
WORD_COMMANDS = {
    "sign": r"\sign", "sgn": r"\sign", "diag": r"\diag", "softmax": r"\softmax",
    "max": r"\max", "min": r"\min", "exp": r"\exp", "log": r"\log", "ln": r"\log",
    "tr": r"\tr", "trace": r"\tr", "relu": r"\relu", "ReLU": r"\relu", "sigmoid": r"\sigmoid",
    "tanh": r"\tanh", "Var": r"\Var", "E": None, "Tr": r"\tr", "det": r"\det",
    "vec": r"\vecop", "pinv": r"\pinv", "Heaviside": r"\heaviside", "Std": r"\Std",
    "argmin": r"\argmin", "argmax": r"\argmax", "arg min": r"\argmin", "arg max": r"\argmax",
    "softplus": r"\softplus", "Softplus": r"\softplus", "logsumexp": r"\logsumexp",
    "LogSumExp": r"\logsumexp", "LSE": r"\logsumexp", "GELU": r"\gelu", "gelu": r"\gelu",
    "SiLU": r"\silu",
    "silu": r"\silu", "floor": r"\floor", "ceil": r"\ceil",
}
#: brackets that apply a function: ``\\lfloor x \\rfloor`` is ``\\floor(x)``, ``\\lceil x
#: \\rceil`` is ``\\ceil(x)``
FLOOR_BRACKETS = {r"\lfloor": (r"\floor", "("), r"\rfloor": (")",),
                  r"\lceil": (r"\ceil", "("), r"\rceil": (")",)}
#: what may separate the digit groups of one number: 200\,000\,100, 200{,}000{,}100
GROUP_SEPARATORS = (r"\,", "{,}", r"\ ", r"\thinspace ", "~")
#: relations written in words, in conditions ("when s_j is at most s_y")
RELATION_WORDS = {
    "is at most": r"\le", "at most": r"\le", "is at least": r"\ge", "at least": r"\ge",
    "exceeds": ">", "is greater than": ">", "is larger than": ">", "is more than": ">",
    "is bigger than": ">", "is less than": "<", "is smaller than": "<", "is below": "<",
    "is above": ">", "equals": "=", "is equal to": "=", "is not equal to": r"\ne",
    "is not": r"\ne", "does not exceed": r"\le", "is less than or equal to": r"\le",
    "is greater than or equal to": r"\ge",
}
#: numbers written in words (\text{three})
NUMBER_WORDS = {w: str(k) for k, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty".split())}
#: values written in words (a piece of cases that has none)
VALUE_WORDS = {"undefined": r"\undefined", "not defined": r"\undefined",
               "undef": r"\undefined"}
PROSE_COMMANDS = {r"\text", r"\textrm", r"\mbox", r"\textnormal", r"\textit", r"\textbf",
                  r"\texttt", r"\textsf"}
KEYWORDS = {"where", "otherwise", "else", "if", "and", "for", "with", "when", "or"}
#: the keywords in other languages, as exams of other traditions write them in cases
#: (German, French, Spanish, Italian): the English keyword
KEYWORD_WORDS = {"sonst": "otherwise", "andernfalls": "otherwise", "sinon": "otherwise",
                 "sino": "otherwise", "si no": "otherwise", "en otro caso": "otherwise",
                 "altrimenti": "otherwise", "falls": "if", "wenn": "if", "si": "if"}
#: (``\\texttt{dout}``, ``\\mathtt{dout}``: a name in a typewriter font, as code writes it)
TEXT_COMMANDS = {r"\text", r"\textrm", r"\textit", r"\mbox", r"\operatorname", r"\textnormal",
                 r"\mathrm", r"\textbf", r"\texttt", r"\textsf", r"\mathtt"}


def lex(text: str | bytes) -> list[Token]:
    """Validate ``text`` and return its normalised tokens.

    Raises :class:`AnswerError` with a reason code and a position.
    """
    text = _check_text(text)
    raw = _over(_prose_outside_math(_e_notation(_tokenize(text)), text))
    _check_nesting(raw)
    raw = _spaced_definitions(_inner_products(raw))
    return _signed_scripts(canonical_derivatives(_script_accents(
        _alignment(_normalise(raw, text)))))


#: wide spaces that may set a definition off after the value (``\\ldots \\qquad p_k :=
#: \\ldots``), and the spellings of the definition's ``:=``
WIDE_SPACES = {r"\quad", r"\qquad"}
DEFINES = {r"\coloneqq", r"\coloneq"}


def _spaced_definitions(tokens: list[Token]) -> list[Token]:
    """A wide space at the top level, after a value, before ``NAME :=`` (a letter or Greek
    letter with optional sub- and superscripts) sets a definition off as a comma does:
    ``\\begin{cases}\\ldots\\end{cases} \\qquad p_k := \\frac{e^{s_k}}{\\sum_j e^{s_j}}`` is
    the value and the definition of ``p_k``, never the chain ``(\\ldots) p_k = \\ldots``.
    An update (``\\gets``, ``\\leftarrow``) or ``=`` is not set off so."""
    out: list[Token] = []
    depth = 0
    for k, t in enumerate(tokens):
        if t.kind == "char" and t.text in ("{", "(", "["):
            depth += 1
        elif t.kind == "char" and t.text in ("}", ")", "]"):
            depth -= 1
        if (t.kind == "cmd" and t.text in WIDE_SPACES and depth == 0 and out
                and out[-1].text not in (",", ";", "=") and _defined_name_end(tokens, k + 1)):
            out.append(Token("char", ",", t.pos))
            continue
        out.append(t)
    return out


def _defined_name_end(tokens: list[Token], k: int) -> bool:
    """Whether ``tokens[k:]`` open with ``NAME :=``."""
    while k < len(tokens) and tokens[k].kind == "cmd" and tokens[k].text in WIDE_SPACES | DROP:
        k += 1
    if k >= len(tokens) or not (tokens[k].kind == "char" and tokens[k].text.isalpha()
                                or tokens[k].kind == "cmd" and tokens[k].text[1:] in GREEK):
        return False
    k += 1
    while k + 1 < len(tokens) and tokens[k].text in ("_", "^"):
        k = _group_end(tokens, k + 1) if tokens[k + 1].text == "{" else k + 2
    return k < len(tokens) and (tokens[k].kind == "char" and tokens[k].text == "="
                                and tokens[k].ref == ASSIGN
                                or tokens[k].kind == "cmd" and tokens[k].text in DEFINES)


#: the brackets of an inner product, ``\\langle a, b\\rangle``; without one comma at their
#: own level they stay a pair of round brackets (``\\langle x \\rangle``)
ANGLE_BRACKETS = (r"\langle", r"\rangle")


def _inner_products(tokens: list[Token]) -> list[Token]:
    """``\\langle a, b \\rangle`` is the inner product: the command ``\\inner{a}{b}``
    (the grammar's ``Parser.inner``), innermost first."""
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t.kind == "cmd" and t.text == ANGLE_BRACKETS[0]:
            split = _inner_split(tokens, i)
            if split is not None:
                comma, close = split
                left = _inner_products(tokens[i + 1:comma])
                right = _inner_products(tokens[comma + 1:close])
                out.append(Token("cmd", r"\inner", t.pos))
                for part in (left, right):
                    out.append(Token("char", "{", t.pos))
                    out.extend(part)
                    out.append(Token("char", "}", t.pos))
                i = close + 1
                continue
        out.append(t)
        i += 1
    return out


def _inner_split(tokens: list[Token], start: int) -> tuple[int, int] | None:
    """The positions of the one comma at the angle bracket's own level and of its
    ``\\rangle``, or None (no closing bracket, or not exactly one comma)."""
    depth, angle, commas = 0, 0, []
    for k in range(start + 1, len(tokens)):
        u = tokens[k]
        if u.kind == "cmd" and u.text == ANGLE_BRACKETS[0]:
            angle += 1
        elif u.kind == "cmd" and u.text == ANGLE_BRACKETS[1]:
            if angle == 0:
                if len(commas) != 1 or depth != 0:
                    return None
                return commas[0], k   # a \right before the \rangle is dropped later
            angle -= 1
        elif u.kind == "char" and u.text in ("{", "(", "["):
            depth += 1
        elif u.kind == "char" and u.text in ("}", ")", "]"):
            depth -= 1
        elif u.kind == "char" and u.text == "," and depth == 0 and angle == 0:
            commas.append(k)
    return None


#: environments that only align a chain of working (``\\begin{aligned} a &= b \\\\ &= c
#: \\end{aligned}``): presentation, read as the chain ``a = b = c``
ALIGN_ENVIRONMENTS = frozenset({"aligned", "align", "align*", "alignat", "alignat*", "gathered",
                                "gather", "gather*", "split", "eqnarray", "eqnarray*",
                                "flalign", "flalign*", "multline", "multline*", "equation",
                                "equation*"})
#: what may open a row that continues the row before it (a relation, a binary operator)
CONTINUING = frozenset({"=", "<", ">", "+", "-", "*", "/", r"\le", r"\ge", r"\ne", r"\approx",
                        r"\cdot", r"\times", r"\odot", r"\otimes", r"\rightarrow", "so"})


def _alignment(tokens: list[Token]) -> list[Token]:
    """Alignment outside any other environment (a chain pasted from ``align`` or
    ``aligned``): the ``\\begin``/``\\end`` of an alignment environment and the ``&``
    marks are dropped; a row break ``\\\\`` before a row that continues the last one (it
    opens with a relation or an operator, ``&= 0.98 w_i``) joins them, and before a row of
    its own (``x = 1 \\\\ y = 2``) separates parts, as a comma does. Inside ``cases``,
    matrices and arrays, ``&`` and ``\\\\`` keep their meaning there."""
    out: list[Token] = []
    envs: list[bool] = []    # open environments: True for an alignment one
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t.kind == "cmd" and t.text in (r"\begin", r"\end") and i + 1 < len(tokens) \
                and tokens[i + 1].text == "{":
            end = _group_end(tokens, i + 1)
            name = _raw_word(tokens, i + 2, end - 1)
            align = name in ALIGN_ENVIRONMENTS
            if t.text == r"\begin":
                envs.append(align)
            elif envs:
                envs.pop()
            if align:
                i = end
                if t.text == r"\begin" and name.startswith("alignat") and i < len(tokens) \
                        and tokens[i].text == "{":
                    i = _group_end(tokens, i)   # alignat's number of columns
                continue
        elif not all(envs):
            pass
        elif t.key == ("char", "&"):
            i += 1
            continue
        elif t.key == ("cmd", "\\\\"):
            k = i + 1
            while k < len(tokens) and tokens[k].key == ("char", "&"):
                k += 1
            nxt = tokens[k] if k < len(tokens) else None
            if nxt is not None and not (nxt.kind == "cmd" and nxt.text == r"\end") \
                    and nxt.text not in CONTINUING and out and out[-1].text not in CONTINUING:
                out.append(Token("char", ",", t.pos))
            i += 1
            continue
        out.append(t)
        i += 1
    return out


def _signed_scripts(tokens: list[Token]) -> list[Token]:
    """``x^-1``, ``(X^\\top X)^-2``: a superscript that is a lone minus, then a digit, is
    that negative digit (every grader reads ``^-1`` as the inverse, although TeX raises only
    the sign). With more digits, ``x^-12``, the two readings differ: the whole number
    (``x^{-12}``, as plain text means it) or one digit (``x^{-1} 2``, as ``x^20`` is
    ``x^2 0``); derive does not choose (``parse.ambiguous``). ``X^+`` stays the
    pseudo-inverse."""
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if (t.key == ("char", "^") and i + 2 < len(tokens)
                and tokens[i + 1].key == ("char", "-") and tokens[i + 2].kind == "num"):
            sign, num = tokens[i + 1], tokens[i + 2]
            if len(num.text) > 1:
                raise AnswerError(
                    "parse.ambiguous", f"'^-{num.text}' at position {t.pos} has two "
                    f"readings: '^{{-{num.text}}}', or '^{{-{num.text[0]}}}' times "
                    f"{num.text[1:]} (TeX raises only the sign); write the exponent in braces",
                    t.pos)
            out.extend([t, Token("char", "{", sign.pos), sign, num, Token("char", "}", num.pos)])
            i += 3
            continue
        out.append(t)
        i += 1
    return out


@functools.lru_cache(maxsize=8192)
def _lex_form(form: str) -> tuple[Token, ...]:
    return tuple(lex(form))


def lex_form(form: str) -> list[Token]:
    """:func:`lex` of a bank's form (a declared spelling, an asked label): the same text is
    lexed for every answer read, so its tokens (immutable) are kept. Never for an answer's
    text."""
    return list(_lex_form(form))


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


#: Unicode mathematics pasted from a phone or a word processor, mapped to the TeX it means
#: (one token each). Greek letters keep their case (``Δ`` is ``\\Delta``, ``δ`` is
#: ``\\delta``); ``Σ`` is the letter ``\\Sigma``, ``∑`` the sum. ``√`` takes a bracketed
#: argument, a whole number or one token (see :func:`_tokenize`)
UNICODE = {"−": "-", "–": "-", "·": r"\cdot", "⋅": r"\cdot", "∙": r"\cdot",
           "×": r"\times", "∗": "*", "≤": r"\le", "≥": r"\ge", "≠": r"\ne",
           "≈": r"\approx", "∑": r"\sum", "∏": r"\prod", "√": r"\sqrt", "∂": r"\partial",
           "∇": r"\nabla", "⊤": "T", "∞": r"\infty", "⊙": r"\odot", "⊗": r"\otimes",
           "‖": r"\|", "′": "'", "∈": r"\in", "→": r"\rightarrow",
           "⇒": r"\Rightarrow", "∴": r"\therefore",
           "𝟙": r"\indicator", "⌊": r"\lfloor", "⌋": r"\rfloor", "⌈": r"\lceil", "⌉": r"\rceil",
           "α": r"\alpha", "β": r"\beta", "γ": r"\gamma", "δ": r"\delta", "Δ": r"\Delta",
           "ε": r"\epsilon", "ϵ": r"\epsilon", "ζ": r"\zeta", "η": r"\eta", "θ": r"\theta",
           "ϑ": r"\theta", "κ": r"\kappa", "λ": r"\lambda", "Λ": r"\Lambda", "μ": r"\mu",
           "ν": r"\nu", "ξ": r"\xi", "π": r"\pi", "ρ": r"\rho", "σ": r"\sigma",
           "Σ": r"\Sigma", "τ": r"\tau", "φ": r"\phi", "ϕ": r"\phi", "Φ": r"\Phi",
           "χ": r"\chi", "ψ": r"\psi", "ω": r"\omega", "Ω": r"\Omega", "Γ": r"\Gamma",
           "Θ": r"\Theta", "Π": r"\Pi", "Ψ": r"\Psi"}
VULGAR_FRACTIONS = {"½": ("1", "2"), "⅓": ("1", "3"), "⅔": ("2", "3"), "¼": ("1", "4"),
                    "¾": ("3", "4")}
#: Unicode superscripts and subscripts: a run of them is one braced script (``x⁻¹`` is
#: ``x^{-1}``, ``Wᵀ`` is ``W^{T}``, ``x₁₂`` is ``x_{12}``)
SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁺ᵀⁿⁱ⁽⁾", "0123456789-+Tni()"))
SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉₋₊ᵢⱼₖₙₘₜ₍₎", "0123456789-+ijknmt()"))


def _digits(s: str) -> bool:
    """ASCII digits only: '¹' and '٣' are digits to str.isdigit, not to a number."""
    return bool(s) and all('0' <= c <= '9' for c in s)


def _tokenize(text: str) -> list[Token]:
    out: list[Token] = []
    closes: set[int] = set()   # positions of the ')' that close a √(...) argument
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch.isspace():
            i += 1
        elif text.startswith("\\%", i):   # 98\% is 98/100
            out.extend([Token("char", "/", i), Token("num", "100", i)])
            i += 2
        elif ch == "%" and (i == 0 or text[i - 1].isspace()):
            # a TeX comment, ``... % weight decay``, runs to the end of the line; a % right
            # after a number (98%) is left to be refused as before, not read as a comment
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
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
            out.append(Token("char", "=", i, ref=ASSIGN))
            i += 2
        elif ch == "√":
            i = _unicode_root(text, i, out, closes)
        elif ch in SUPERSCRIPTS or ch in SUBSCRIPTS:
            table = SUPERSCRIPTS if ch in SUPERSCRIPTS else SUBSCRIPTS
            j = i
            while j < n and text[j] in table:
                j += 1
            script = "".join(table[c] for c in text[i:j])
            out.append(Token("char", "^" if table is SUPERSCRIPTS else "_", i))
            out.append(Token("char", "{", i))
            out.extend(Token(u.kind, u.text, i) for u in _tokenize(script))
            out.append(Token("char", "}", j - 1))
            i = j
        elif ch == "⊤" and not (out and out[-1].key == ("char", "^")):
            # W⊤: pasted without its superscript, the transpose sign still is one
            out.extend([Token("char", "^", i), Token("char", "T", i)])
            i += 1
        elif ch in VULGAR_FRACTIONS:   # ½ is \frac{1}{2}
            p, q = VULGAR_FRACTIONS[ch]
            out.extend([Token("cmd", r"\frac", i), Token("char", "{", i), Token("num", p, i),
                        Token("char", "}", i), Token("char", "{", i), Token("num", q, i),
                        Token("char", "}", i)])
            i += 1
        elif ch in UNICODE:
            mapped = UNICODE[ch]
            out.append(Token("cmd" if mapped.startswith("\\") else "char", mapped, i))
            i += 1
        elif ch == ")" and i in closes:   # the end of a √(...) argument
            out.extend([Token("char", ")", i), Token("char", "}", i)])
            i += 1
        elif ch.isascii() and (ch.isalpha() or ch in "+-*/=<>()[]{},|^_'!&;:.~$"):
            out.append(Token("char", ch, i))
            i += 1
        else:
            raise AnswerError("parse.syntax", f"unexpected character {ch!r} at position {i}", i)
    return out


def _unicode_root(text: str, i: int, out: list[Token], closes: set[int]) -> int:
    """``√`` at ``text[i]``: ``\\sqrt`` and a braced argument, the bracket after it
    (``√(2−2D_C)``, kept inside the braces), a whole number (``√12``: a pasted root covers
    the number, not TeX's one digit), or else the one token after it (``√x``, ``√\\pi``,
    as TeX reads ``\\sqrt x``). Returns where to go on."""
    out.append(Token("cmd", r"\sqrt", i))
    j = i + 1
    while j < len(text) and text[j] == " ":
        j += 1
    if j < len(text) and text[j] == "(":
        depth = 0
        for k in range(j, len(text)):
            depth += {"(": 1, ")": -1}.get(text[k], 0)
            if depth == 0:
                out.append(Token("char", "{", j))
                closes.add(k)
                return j
    k = j
    while k < len(text) and (_digits(text[k]) or text[k] == "." and _digits(text[k + 1:k + 2])):
        k += 1
    if k > j:
        out.extend([Token("char", "{", j), Token("num", text[j:k], j), Token("char", "}", k - 1)])
        return k
    return i + 1


#: the commands that set a calculator's exponent mark upright (``2.5\\mathrm{E}{-}4``)
E_NOTATION_FONTS = frozenset({r"\mathrm", r"\text", r"\textrm", r"\operatorname", r"\rm"})


#: a question's number or letter before the answer, no part of it: ``(a)``, ``(iii)``,
#: ``6.3)``, ``b.``, ``Q12:``; without math delimiters only the forms whose bracket does not
#: open (``6.3)``, ``a)``, ``Q12:``): ``(a) b`` may be maths
ITEM_LABEL = re.compile(r"\s*(?:\((?:[a-z]|[ivx]+|\d+(?:\.\d+)*)\)|(?:[a-z]|[ivx]+|\d+(?:\.\d+)*)[.)]"
                        r"|Q\s*\d+(?:\.\d+)*\s*[:.)])\s+")
ITEM_LABEL_BARE = re.compile(r"\s*(?:(?:[a-z]|[ivx]+|\d+(?:\.\d+)*)\)|Q\s*\d+(?:\.\d+)*\s*:)\s+")
#: what opens and closes math inside a line of prose
MATH_OPEN = {"$": "$", r"\(": r"\)", r"\[": r"\]"}


def _prose_outside_math(tokens: list[Token], source: str) -> list[Token]:
    """``(a) $p_2 = 0.9$``, ``Output volume: $126 \\times 126$``, ``$D_E = \\ldots$ since
    $\\ldots$ for unit vectors``: where an answer writes its maths in ``$...$``/``\\(...\\)``
    segments, the text outside them is prose, read as if in ``\\text{}``; a question label at
    the start is dropped. Unbalanced delimiters, or braces and commands outside the
    segments (maths written outside them), leave the tokens as they are."""
    segments: list[list[int]] = []   # the indices of each run of tokens outside math
    close = None
    run: list[int] = []
    k = 0
    while k < len(tokens):
        t = tokens[k]
        if close is None and t.text in MATH_OPEN and t.kind in ("char", "cmd"):
            segments.append(run)
            run = []
            close = MATH_OPEN[t.text]
            if t.text == "$" and k + 1 < len(tokens) and tokens[k + 1].text == "$":
                close, k = "$$", k + 1
        elif close is not None and (t.text == close or close == "$$" and t.text == "$"):
            if close == "$$":
                if not (k + 1 < len(tokens) and tokens[k + 1].text == "$"):
                    return _drop_item_label(tokens, source, ITEM_LABEL_BARE)
                k += 1
            close = None
        elif close is None:
            run.append(k)
        k += 1
    segments.append(run)
    if close is not None or len(segments) == 1:   # unbalanced, or no math delimiters
        return _drop_item_label(tokens, source, ITEM_LABEL_BARE)
    label = ITEM_LABEL.match(source)
    opening = next(t.pos for t in tokens if t.text in MATH_OPEN)
    start = label.end() if label and label.end() <= opening else 0
    wrap: dict[int, list[Token]] = {}
    drop: set[int] = set()
    for n, run in enumerate(segments):
        run = [k for k in run if tokens[k].pos >= start] if n == 0 else run
        drop.update(k for k in segments[0] if tokens[k].pos < start) if n == 0 else None
        if not run:
            continue
        if any(tokens[k].kind == "cmd" or tokens[k].text in "{}" for k in run):
            return _drop_item_label(tokens, source, ITEM_LABEL_BARE)
        end = tokens[run[-1] + 1].pos if run[-1] + 1 < len(tokens) else len(source)
        first = tokens[run[0]]
        wrap[run[0]] = [Token("cmd", r"\text", first.pos), Token("char", "{", first.pos - 1),
                        *(tokens[k] for k in run), Token("char", "}", end)]
        drop.update(run)
    out: list[Token] = []
    for k, t in enumerate(tokens):
        out.extend(wrap.get(k, ()))
        if k not in drop:
            out.append(t)
    return out


def _over(tokens: list[Token]) -> list[Token]:
    """TeX's ``{a \\over b}``: the fraction of what is before and after ``\\over`` in its
    brace group, ``{\\frac{a}{b}}`` (``{\\alpha_0 \\over 2}``, ``\\cos{\\pi i \\over N}``).
    An ``\\over`` outside a group, or two in one group, is left as it is (not read)."""
    if not any(t.kind == "cmd" and t.text == r"\over" for t in tokens):
        return tokens
    out: list[Token] = []
    opens: list[tuple[int, int | None]] = []   # (index in out of '{', index of \over)
    for t in tokens:
        if t.kind == "char" and t.text == "{":
            opens.append((len(out), None))
        elif t.kind == "cmd" and t.text == r"\over" and opens and opens[-1][1] is None:
            opens[-1] = (opens[-1][0], len(out))
            continue
        elif t.kind == "char" and t.text == "}" and opens:
            start, over = opens.pop()
            if over is not None:
                num, den = out[start + 1:over], out[over:]
                pos = out[start].pos
                out[start + 1:] = [Token("cmd", r"\frac", pos), Token("char", "{", pos), *num,
                                   Token("char", "}", pos), Token("char", "{", pos), *den,
                                   Token("char", "}", t.pos)]
        out.append(t)
    return out


def _drop_item_label(tokens: list[Token], source: str, pattern: re.Pattern) -> list[Token]:
    label = pattern.match(source)
    if label is None or label.end() >= len(source.rstrip()):
        return tokens
    return [t for t in tokens if t.pos >= label.end()]


def _e_notation(tokens: list[Token]) -> list[Token]:
    """A calculator's e-notation: a decimal number, an upright ``e`` or ``E`` (``\\mathrm``,
    ``\\text``) and an explicitly signed whole exponent, ``2.000001\\mathrm{e}{+}08``,
    ``1.5\\text{e-}3``, ``2.5\\mathrm{E}{-}4``, is the number times a power of ten. Without
    the decimal point or the sign it is not read so: ``2e8`` and ``2\\mathrm{e}8`` have
    Euler's number in them."""
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        read = _e_exponent(tokens, i + 1) if t.kind == "num" and "." in t.text else None
        if read is None:
            out.append(t)
            i += 1
            continue
        sign, digits, end = read
        p = tokens[i + 1].pos
        out.extend([t, Token("cmd", r"\times", p), Token("num", "10", p), Token("char", "^", p),
                    Token("char", "{", p)]
                   + ([Token("char", "-", p)] if sign == "-" else [])
                   + [Token("num", digits.lstrip("0") or "0", p), Token("char", "}", p)])
        i = end
    return out


def _e_exponent(tokens: list[Token], i: int) -> tuple[str, str, int] | None:
    """``\\mathrm{e}{+}08`` (or ``\\text{e-}3``, ``\\mathrm{E}-4``) at ``tokens[i]``: the
    sign, the exponent's digits and the index past them; else None."""
    def text(k: int) -> str:
        return tokens[k].text if k < len(tokens) else ""
    if text(i) not in E_NOTATION_FONTS or text(i + 1) != "{" or text(i + 2) not in ("e", "E"):
        return None
    k = i + 3
    sign = ""
    if text(k) in ("+", "-"):
        sign, k = text(k), k + 1
    if text(k) != "}":
        return None
    k += 1
    if not sign:
        if text(k) in ("+", "-"):
            sign, k = text(k), k + 1
        elif text(k) == "{" and text(k + 1) in ("+", "-") and text(k + 2) == "}":
            sign, k = text(k + 1), k + 3
    if not sign or k >= len(tokens) or tokens[k].kind != "num" or not tokens[k].text.isdigit():
        return None
    after = text(k + 1)
    if after and (after[0].isalpha() or after in ("(", r"\left") or tokens[k + 1].kind == "num"
                  or after.startswith("\\") and after not in (r"\text", r"\quad", r"\qquad",
                                                              r"\,", r"\;", r"\approx",
                                                              r"\cdot", r"\times", r"\le",
                                                              r"\ge", r"\ne", r"\right")):
        return None   # 1.5\mathrm{e}-3x: the exponent is not a number alone
    return sign, tokens[k].text, k + 1


#: what can never follow \left or \right: TeX needs a delimiter there ("Missing delimiter"),
#: so ``\left(X^\top X\right^{-1}`` is unreadable, never a bracket closed by the sizing
NOT_DELIMITERS = {"^", "_", "{", "}", "&", "=", "+", "-", ",", ";", ":", "!", "'", "*"}


def _check_delimiter(tokens: list[Token], k: int) -> None:
    nxt = tokens[k + 1] if k + 1 < len(tokens) else None
    if nxt is None or (nxt.kind == "num" and not nxt.text.startswith(".")) or (
            nxt.kind == "char" and (nxt.text in NOT_DELIMITERS or nxt.text.isalnum())):
        where = nxt.pos if nxt is not None else tokens[k].pos
        raise AnswerError("parse.syntax", f"'{tokens[k].text}' at position {tokens[k].pos} "
                          "needs a delimiter after it (a bracket, '|' or '.')", where)


def _check_nesting(tokens: list[Token]) -> None:
    stack: list[Token] = []
    depth = 0
    for k, t in enumerate(tokens):
        if t.text in (r"\left", r"\right") and t.kind == "cmd":
            _check_delimiter(tokens, k)
        if t.text in ("{", "(", "[") and t.kind == "char" or t.text == r"\left":
            if t.text in ("{", r"\left"):
                stack.append(t)
            depth += 1
            if depth > MAX_DEPTH:
                raise AnswerError("parse.too_deep", f"the answer nests brackets more than "
                                  f"{MAX_DEPTH} deep (position {t.pos})", t.pos)
        elif t.text in ("}", ")", "]") and t.kind == "char" or t.text == r"\right":
            depth = max(depth - 1, 0)
            # TeX pairs \left with \right inside one brace group, as { with }: an unpaired
            # one stops TeX ("Extra \right", "Missing \right. inserted"), so it is unreadable
            if t.text == r"\right" and (not stack or stack[-1].text != r"\left"):
                raise AnswerError("parse.unbalanced_braces",
                                  f"'\\right' at position {t.pos} closes no '\\left'", t.pos)
            if t.text == "}" and stack and stack[-1].text == r"\left":
                _never_closed(stack[-1])
            if t.text in ("}", r"\right"):
                if not stack:
                    raise AnswerError("parse.unbalanced_braces",
                                      f"'}}' at position {t.pos} closes no '{{'", t.pos)
                stack.pop()
    if stack:
        _never_closed(stack[-1])


def _never_closed(t: Token) -> None:
    if t.text == r"\left":
        raise AnswerError("parse.unbalanced_braces", f"'\\left' at position {t.pos} is never "
                          "closed by a '\\right'", t.pos)
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


def _source_word(tokens: list[Token], open_: int, end: int, source: str) -> str:
    """The text of the group ``tokens[open_:end]`` (braces included) as written, spaces
    kept (the tokens dropped them)."""
    if source and end - 1 > open_:
        return source[tokens[open_].pos + 1:tokens[end - 1].pos].strip()
    return _raw_word(tokens, open_ + 1, end - 1).strip()


#: what makes \mathbb{I} an indicator: a condition in a bracket after it, or in its subscript
INDICATOR_OPENERS = {"[", "(", r"\{", r"\lbrace", r"\left", r"\big", r"\bigl", r"\Big",
                     r"\Bigl"}
CONDITION_MARKS = {"=", "<", ">", r"\le", r"\ge", r"\leq", r"\geq", r"\ne", r"\neq", r"\in",
                   r"\{", r"\lbrace", r"\lt", r"\gt"}


def _indicator_follows(tokens: list[Token], k: int) -> bool:
    """Whether ``\\mathbb{I}`` that ends before ``tokens[k]`` opens an indicator: a bracket
    after it (``\\mathbb{I}[k = y]``) or a subscript holding a condition (``_{k=y}``)."""
    if k >= len(tokens):
        return False
    if tokens[k].text in INDICATOR_OPENERS:
        return True
    if tokens[k].text == "_" and k + 1 < len(tokens) and tokens[k + 1].text == "{":
        end = _group_end(tokens, k + 1)
        return any(u.text in CONDITION_MARKS for u in tokens[k + 2:end - 1])
    return False


def _raw_word(tokens: list[Token], start: int, end: int) -> str:
    return "".join(t.text for t in tokens[start:end])


def _normalise(tokens: list[Token], source: str = "") -> list[Token]:
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if t.kind == "char" and t.text in MATH_DELIMITERS:
            i += 1   # $...$, $$...$$: the math itself is what is graded
            continue
        if t.kind == "cmd":
            name = ALIAS.get(t.text, t.text)
            if name in LEAD_COMMANDS:
                out.append(Token("word", "so", t.pos))
                i += 1
                continue
            if name == "\\\\":
                skip = _row_spacing(tokens, i + 1)
                if skip:   # \\[4pt], \\*: the spacing of a row break, presentation only
                    out.append(t)
                    i += 1 + skip
                    continue
            if name == r"\left" and i + 1 < len(tokens) and tokens[i + 1].text == "." \
                    and _closes_with_bar(tokens, i):
                out.append(Token("cmd", r"\evalopen", t.pos))   # \left. X \right|_{v=a}
                i += 2
                continue
            if name in (r"\left", r"\right") and i + 1 < len(tokens) \
                    and tokens[i + 1].text == ".":
                i += 2   # \left. and \right.: an invisible delimiter
                continue
            if (name == r"\left" and i + 2 < len(tokens) and tokens[i + 1].text == r"\{"
                    and tokens[i + 2].text == r"\begin"):
                i += 2   # \left\{ \begin{array}...\end{array} \right.: the brace of cases
                out.extend(_array_as_cases(tokens, i, source))
                i = _environment_end(tokens, i)
                continue
            if name in DROP:
                i += 1
                continue
            if name in FLOOR_BRACKETS:   # \lfloor x \rfloor is \floor(x)
                out.extend(Token("cmd" if u.startswith("\\") else "char", u, t.pos)
                           for u in FLOOR_BRACKETS[name])
                i += 1
                continue
            if name == r"\operatorname" and i + 2 < len(tokens) and tokens[i + 1].text == "*":
                tokens = tokens[:i + 1] + tokens[i + 2:]   # \operatorname*: limits below
            if name == r"\arg" and i + 1 < len(tokens) and tokens[i + 1].text in (r"\min",
                                                                                 r"\max"):
                out.append(Token("cmd", r"\arg" + tokens[i + 1].text[1:], t.pos))  # \arg\min
                i += 2
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
                    if name in BOLD and _raw_word(tokens, i + 2, end - 1).strip() == "1":
                        out.append(Token("cmd", r"\ones", t.pos))   # the ones vector
                        i = end
                        continue
                    inner = tokens[i + 2:end - 1]
                    word = _source_word(tokens, i + 1, end, source)
                    if name in TEXT_COMMANDS and word in WORD_COMMANDS and WORD_COMMANDS[word]:
                        out.append(Token("cmd", WORD_COMMANDS[word], t.pos))
                    elif name in TEXT_COMMANDS and word.lower().strip(" :,.") in KEYWORDS:
                        out.append(Token("word", word.lower().strip(" :,."), t.pos))
                    elif (name in PROSE_COMMANDS
                          and " ".join(word.lower().strip(" :,.").split()) in KEYWORD_WORDS):
                        out.append(Token("word", KEYWORD_WORDS[
                            " ".join(word.lower().strip(" :,.").split())], t.pos))
                    elif (name in PROSE_COMMANDS
                          and " ".join(word.lower().strip(" :,.").split()) in LEAD_WORDS):
                        out.append(Token("word", "so", t.pos))
                    elif (name in PROSE_COMMANDS and word.endswith(":")
                          and word[:-1].strip().replace(" ", "").isalpha()
                          and " " not in word[:-1].strip()):
                        # \text{real: } a part's name, then a colon (a label)
                        head = word[:-1].strip()
                        out.extend(Token("char", c, t.pos, group=t.pos) for c in head)
                        out.append(Token("char", ":", t.pos))
                    elif (name in PROSE_COMMANDS
                          and word.lower().split()[:1] and word.lower().split()[0].strip(",")
                          in JUSTIFICATION_WORDS):
                        out.append(Token("word", " ".join(word.split()), t.pos))
                    elif (name in PROSE_COMMANDS
                          and " ".join(word.lower().strip(" :,.").split()) in RELATION_WORDS):
                        rel = RELATION_WORDS[" ".join(word.lower().strip(" :,.").split())]
                        out.append(Token("cmd" if rel.startswith("\\") else "char", rel, t.pos))
                    elif (name in PROSE_COMMANDS
                          and " ".join(word.lower().strip(" :,.").split()) in VALUE_WORDS):
                        out.append(Token("cmd", VALUE_WORDS[" ".join(
                            word.lower().strip(" :,.").split())], t.pos))
                    elif name in PROSE_COMMANDS and " ".join(
                            word.lower().strip(" :,.").split()) in VALUE_WORDS:
                        out.append(Token("cmd", r"\undefined", t.pos))
                    elif name in PROSE_COMMANDS and word.lower().strip(" .") in NUMBER_WORDS:
                        out.append(Token("num", NUMBER_WORDS[word.lower().strip(" .")], t.pos))
                    elif (name in PROSE_COMMANDS and word.lower().split()[:1] == ["and"]
                          and len(word.split()) > 1):
                        # "\text{ and the new } w_{11} = ...": a separator, then prose
                        out.append(Token("word", "and", t.pos))
                        out.append(Token("word", " ".join(word.split()[1:]), t.pos))
                    elif name in PROSE_COMMANDS and _counted(word) is not None:
                        # \text{3 tensors}: a number, then what it counts (its unit)
                        number, rest = _counted(word)
                        out.append(Token("num", number, t.pos))
                        out.append(Token("word", rest, t.pos))
                    elif (name in PROSE_COMMANDS and word.lower().split()[-1:] == ["and"]
                          and len(word.split()) > 1):
                        # "\text{ for a real sample and }": prose, then a separator
                        out.append(Token("word", " ".join(word.split()[:-1]), t.pos))
                        out.append(Token("word", "and", t.pos))
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
                                   for u in _normalise(inner, source))
                    else:
                        out.extend(_normalise(inner, source))
                    i = end
                    continue
                if name in BOLD and i + 1 < len(tokens) and tokens[i + 1].text == "1":
                    # \mathbf 1: TeX's argument is one token, the digit, as \mathbf{1}
                    out.append(Token("cmd", r"\ones", t.pos))
                    i += 2
                    continue
                i += 1  # \bf x style switches: drop the switch
                continue
            if name in OVERSET and i + 1 < len(tokens) and tokens[i + 1].text == "{":
                # \overset{!}{=} ("must equal"), \stackrel{\text{def}}{=}: the relation below
                mark_end = _group_end(tokens, i + 1)
                mark = _raw_word(tokens, i + 2, mark_end - 1).strip()
                if (mark in OVERSET_MARKS and mark_end + 2 < len(tokens)
                        and tokens[mark_end].text == "{" and tokens[mark_end + 1].text == "="
                        and tokens[mark_end + 2].text == "}"):
                    out.append(Token("char", "=", tokens[mark_end + 1].pos))
                    i = mark_end + 3
                    continue
            if name == r"\mathbb" and i + 1 < len(tokens):
                nxt = tokens[i + 1]
                if nxt.text == "{":
                    end = _group_end(tokens, i + 1)
                    word = _raw_word(tokens, i + 2, end - 1).strip()
                else:
                    end, word = i + 2, nxt.text
                if word == "I" and not _indicator_follows(tokens, end):
                    # \mathbb{I}, \mathbb{I}_n with no condition after it: the identity, as
                    # \mathbf{I} (\mathbb{I}[k = y], \mathbb{I}_{k=y} stay the indicator)
                    out.append(Token("char", "I", t.pos))
                elif word in ("1", "I"):
                    out.append(Token("cmd", r"\indicator", t.pos))
                else:   # \mathbbE, \mathbbR; \mathbb{V} is the variance, \operatorname{Var}
                    out.append(Token("cmd", BLACKBOARD.get(word, r"\mathbb" + word), t.pos))
                i = end
                continue
            if name == ":=":   # an assignment: an equals sign that names the new value
                out.append(Token("char", "=", t.pos, ref=ASSIGN))
                i += 1
                continue
            out.append(Token("cmd" if name.startswith("\\") else "char", name, t.pos))
            i += 1
        else:
            out.append(t)
            i += 1
    return _collapse_singleton_groups(out)


def _counted(word: str) -> tuple[str, str] | None:
    """``3 tensors``, ``three tensors``, ``12 weights per filter``, ``200,000,100
    parameters``, ``6 values (3 means, 3 variances)``, ``4 (3 weights + 1 bias)``: a leading
    number (digits, digit groups of three after commas, or a number word) followed by words
    and/or one bracketed aside at the end, as (the number's digits, the rest); else None.
    The aside says what the number counts: its own numbers are not the answer. A number
    elsewhere in the prose (``about 3``, ``3 or 4``, ``3x``) is not read, nor an aside that
    offers another value (``3 (or 4)``)."""
    text = word.strip()
    aside = ""
    if text.endswith(")") and "(" in text:
        open_ = _aside_start(text)
        if open_ is None:
            return None
        text, aside = text[:open_].rstrip(), text[open_:]
        first = aside[1:].split()[:1]
        if not first or first[0].lower().strip(",:") in ("or", "maybe", "possibly"):
            return None
    head, _, rest = text.partition(" ")
    rest = " ".join(rest.split())
    if (not rest and not aside) or "(" in rest or ")" in rest:
        return None
    words = rest.split()
    if not all(w.isalpha() for w in words) or words[:1] and words[0] in KEYWORDS:
        return None
    rest = " ".join(w for w in (rest, aside) if w)
    groups = head.split(",")
    if len(groups) > 1 and 1 <= len(groups[0]) <= 3 and groups[0][0] != "0" \
            and all(len(g) == 3 for g in groups[1:]) and all(_digits(g) for g in groups):
        return "".join(groups), rest   # 200,000,100: digit groups of one number
    if _digits(head.replace(".", "", 1)) and not head.startswith(".") \
            and not head.endswith("."):
        return head, rest
    if head.lower() in NUMBER_WORDS:
        return NUMBER_WORDS[head.lower()], rest
    return None


def _aside_start(text: str) -> int | None:
    """Where the bracketed aside that ends ``text`` opens (its ``(`` matches the final
    ``)``), or None if the brackets do not balance."""
    depth = 0
    for k in range(len(text) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(text[k], 0)
        if depth == 0:
            return k
        if depth < 0:
            return None
    return None


#: TeX's units of length: ``\\\\[4pt]``, ``\\\\[1ex]``
LENGTH_UNITS = ("pt", "em", "ex", "mm", "cm", "in", "bp", "pc", "dd", "cc", "sp", "mu")


def _row_spacing(tokens: list[Token], i: int) -> int:
    """After a row break ``\\\\``: how many tokens its spacing takes, ``*`` and
    ``[<length>]`` (``[4pt]``, ``[-1.5ex]``, ``[0.5em]``), or 0. A bracket that holds
    anything but a length is not spacing (``\\\\ [k = y]`` starts the next row)."""
    k = i
    if k < len(tokens) and tokens[k].text == "*":
        k += 1
    if k < len(tokens) and tokens[k].text == "[":
        close = next((j for j in range(k + 1, min(k + 8, len(tokens)))
                      if tokens[j].text == "]"), None)
        if close is not None:
            inside = "".join(u.text for u in tokens[k + 1:close]).replace(" ", "")
            unit = next((u for u in LENGTH_UNITS if inside.endswith(u)), None)
            number = inside[:-len(unit)] if unit else ""
            if unit and number.lstrip("-+").replace(".", "", 1).isdigit():
                k = close + 1
    return k - i


def _closes_with_bar(tokens: list[Token], i: int) -> bool:
    """The ``\\left.`` at ``tokens[i]`` is closed by ``\\right|_`` (an evaluation bar)."""
    depth = 0
    for k in range(i, len(tokens) - 2):
        if tokens[k].text == r"\left":
            depth += 1
        elif tokens[k].text == r"\right":
            depth -= 1
            if depth == 0:
                return tokens[k + 1].text == "|" and tokens[k + 2].text == "_"
    return False


def _environment_end(tokens: list[Token], i: int) -> int:
    """Index just past the ``\\end{...}`` that closes the ``\\begin`` at ``tokens[i]``."""
    depth = 0
    for k in range(i, len(tokens)):
        if tokens[k].text == r"\begin":
            depth += 1
        elif tokens[k].text == r"\end":
            depth -= 1
            if depth == 0:
                if k + 1 < len(tokens) and tokens[k + 1].text == "{":
                    return _group_end(tokens, k + 1)
                return k + 1
    raise AnswerError("parse.syntax", "\\begin{...} is never closed", tokens[i].pos)


def _array_as_cases(tokens: list[Token], i: int, source: str) -> list[Token]:
    """``\\left\\{\\begin{array}{ll} ... \\end{array}\\right.``: a cases environment
    written by hand; the column specification is dropped."""
    end = _environment_end(tokens, i)
    inner = tokens[i:end]
    k = 1
    if k < len(inner) and inner[k].text == "{":   # {array}
        k = _group_end(inner, k)
    if k < len(inner) and inner[k].text == "{":   # {ll}: the columns
        k = _group_end(inner, k)
    body = inner[k:]
    j = len(body) - 1
    while j >= 0 and body[j].text != r"\end":
        j -= 1
    begin = [Token("cmd", r"\begin", inner[0].pos), Token("char", "{", inner[0].pos),
             *[Token("char", c, inner[0].pos) for c in "cases"], Token("char", "}", inner[0].pos)]
    close = [Token("cmd", r"\end", body[j].pos if j >= 0 else inner[-1].pos),
             *[Token("char", c, inner[-1].pos) for c in "{cases}"]]
    return _normalise(begin + body[:max(j, 0)] + close, source)


def _script_accents(tokens: list[Token]) -> list[Token]:
    """``\\mu_\\mathcal{B}`` is ``\\mu_{\\mathcal B}``: a script whose argument is an accent
    or font command takes the command's own argument with it (TeX expands the macro), so
    the script is the accented letter, never the bare command."""
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        t = tokens[i]
        if (t.kind == "char" and t.text in "_^" and i + 2 < len(tokens)
                and tokens[i + 1].kind == "cmd" and tokens[i + 1].text in ACCENTS
                and tokens[i + 2].text not in ("}", "_", "^")):
            end = _group_end(tokens, i + 2) if tokens[i + 2].text == "{" else i + 3
            out.append(t)
            out.append(Token("char", "{", tokens[i + 1].pos))
            out.extend(tokens[i + 1:end])
            out.append(Token("char", "}", tokens[end - 1].pos))
            i = end
            continue
        out.append(t)
        i += 1
    return out


def _collapse_singleton_groups(tokens: list[Token]) -> list[Token]:
    """``{x}`` -> ``x``: a brace group around one token is presentation only; not around a
    number of several digits, which TeX reads as one argument only in braces (``x^{20}``
    is not ``x^20``)."""
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        if (tokens[i].text == "{" and tokens[i].kind == "char" and i + 2 < len(tokens)
                and tokens[i + 2].text == "}" and tokens[i + 2].kind == "char"
                and tokens[i + 1].text not in ("{", "}")
                and not (tokens[i + 1].kind == "num" and len(tokens[i + 1].text) > 1)):
            out.append(tokens[i + 1])
            i += 3
        else:
            out.append(tokens[i])
            i += 1
    return out


# --- derivatives: one spelling ---------------------------------------------------------
#
# \frac{df}{dw}, \frac{\mathrm{d}f}{\mathrm{d}w}, \partial f/\partial w, df/dw,
# \partial_w f all become \frac{\partial f}{\partial w}; second derivatives
# \frac{d^2 f}{dw^2}, \partial^2 f/\partial w^2, \partial_w^2 f become
# \frac{\partial^2 f}{\partial w^2}; \dot f, \ddot f, f^\prime become f', f''. Declared
# forms go through the same rewriting, so any spelling matches any declared one.

DIFFERENTIALS = {("char", "d"), ("cmd", r"\partial")}
#: accents that make one name of the letter after them (\tilde J, \hat y)
ACCENTS = {r"\tilde", r"\hat", r"\bar", r"\mathcal", r"\mathscr", r"\check", r"\breve"}
#: dot accents: the derivative in the argument, as primes
DOT_ACCENTS = {r"\dot": 1, r"\ddot": 2}


def _atom_end(tokens: list[Token], k: int) -> int | None:
    """End of a name starting at ``tokens[k]``: a letter (after an accent), with an
    optional subscript (one token or a braced group); None if there is none."""
    if k < len(tokens) and tokens[k].kind == "cmd" and tokens[k].text in ACCENTS:
        k += 1
    if k >= len(tokens) or not (tokens[k].kind == "char" and tokens[k].text.isalpha()
                                or tokens[k].kind == "cmd" and tokens[k].text[1:] in GREEK):
        return None
    k += 1
    if k + 1 < len(tokens) and tokens[k].text == "_":
        if tokens[k + 1].text == "{":
            return _group_end(tokens, k + 1)
        return k + 2
    return k


def _order(tokens: list[Token], k: int) -> tuple[int, int]:
    """``^2`` (or ``^{2}``) at ``tokens[k]``: (the order, the index after it); else (1, k)."""
    if k + 1 < len(tokens) and tokens[k].text == "^" and tokens[k + 1].kind == "num":
        return int(tokens[k + 1].text), k + 2
    return 1, k


def _fraction(num: list[Token], den: list[Token], order: int, pos: int) -> list[Token]:
    def tok(kind: str, text: str) -> Token:
        return Token(kind, text, pos)
    power = [tok("char", "^"), tok("num", str(order))] if order > 1 else []
    return [tok("cmd", r"\frac"), tok("char", "{"), tok("cmd", r"\partial"), *power, *num,
            tok("char", "}"), tok("char", "{"), tok("cmd", r"\partial"), *den, *power,
            tok("char", "}")]


def canonical_derivatives(tokens: list[Token]) -> list[Token]:
    out: list[Token] = []
    i = 0
    n = len(tokens)
    while i < n:
        t = tokens[i]
        # \frac{d ...}{d ...}: the d of a differential is \partial
        if t.kind == "cmd" and t.text == r"\frac" and i + 1 < n and tokens[i + 1].text == "{":
            num_end = _group_end(tokens, i + 1)
            if num_end < n and tokens[num_end].text == "{":
                den_end = _group_end(tokens, num_end)
                num, den = tokens[i + 2:num_end - 1], tokens[num_end + 1:den_end - 1]
                if _differential_pair(num, den):
                    out.append(t)
                    out.append(tokens[i + 1])
                    out.extend(_as_partial(num))
                    out.append(tokens[num_end - 1])
                    out.append(tokens[num_end])
                    out.extend(_as_partial(den))
                    out.append(tokens[den_end - 1])
                    i = den_end
                    continue
        # D F / D V, D^2 F / D V^2
        if t.key in DIFFERENTIALS:
            order, k = _order(tokens, i + 1)
            f_end = _atom_end(tokens, k)
            if f_end is not None and f_end + 1 < n and tokens[f_end].text == "/" \
                    and tokens[f_end + 1].key == t.key:
                v_end = _atom_end(tokens, f_end + 2)
                if v_end is not None:
                    order2, after = _order(tokens, v_end)
                    if order2 == order:
                        out.extend(_fraction(tokens[k:f_end], tokens[f_end + 2:v_end], order,
                                             t.pos))
                        i = after
                        continue
        # \partial_w f, \partial_w^2 f, \partial^2_w f, \nabla_w f, \nabla^2_w f, \nabla_w^2 f
        first, s = (_order(tokens, i + 1) if t.kind == "cmd" and t.text in (r"\partial",
                                                                           r"\nabla")
                    else (1, i + 1))
        if t.kind == "cmd" and t.text in (r"\partial", r"\nabla") and s + 1 < n \
                and tokens[s].text == "_":
            v_end = (_group_end(tokens, s + 1) if tokens[s + 1].text == "{" else s + 2)
            var = tokens[s + 1:v_end] if tokens[s + 1].text != "{" else tokens[s + 2:v_end - 1]
            order, k = _order(tokens, v_end)
            if first > 1 and order > 1:
                var = []   # \partial^2_w^2 f: not a derivative
            order = max(order, first)
            f_end = _atom_end(tokens, k)
            if f_end is not None and var:
                out.extend(_fraction(tokens[k:f_end], var, order, t.pos))
                i = f_end
                continue
        # \dot f, \ddot f: primes
        if t.kind == "cmd" and t.text in DOT_ACCENTS and i + 1 < n:
            out.append(tokens[i + 1])
            out.extend(Token("char", "'", t.pos) for _ in range(DOT_ACCENTS[t.text]))
            i += 2
            continue
        # f^\prime, f^{\prime\prime}
        if t.text == "^" and i + 1 < n and tokens[i + 1].text == r"\prime":
            out.append(Token("char", "'", t.pos))
            i += 2
            continue
        if t.text == "^" and i + 2 < n and tokens[i + 1].text == "{" and \
                tokens[i + 2].text == r"\prime":
            end = _group_end(tokens, i + 1)
            inner = tokens[i + 2:end - 1]
            if all(u.text == r"\prime" for u in inner):
                out.extend(Token("char", "'", t.pos) for _ in inner)
                i = end
                continue
        out.append(t)
        i += 1
    return out


def _differential_pair(num: list[Token], den: list[Token]) -> bool:
    """``{d ...}{d x ...}``: a derivative written with d (not ``\\frac{d^2}{d}`` of a dim d)."""
    if not num or not den or num[0].key != ("char", "d") or den[0].key != ("char", "d"):
        return False
    if len(den) < 2 or _atom_end(den, 1) is None:
        return False
    if len(num) == 1:
        return True
    order, k = _order(num, 1)
    return _atom_end(num, k) is not None or k == len(num)


def _as_partial(group: list[Token]) -> list[Token]:
    return [Token("cmd", r"\partial", group[0].pos), *group[1:]]
