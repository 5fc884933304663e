"""LaTeX -> Typst for the bank's prose: question text, solutions, errata.

The bank writes its text as LaTeX: prose with math inside ``$...$``. The
solution PDFs are Typst documents, so this module translates that text:

* :func:`typst_markup` turns prose with ``$...$`` (also ``$$...$$``, ``\\(...\\)``,
  ``\\[...\\]``) into Typst markup, escaping what Typst would read as markup;
* :func:`latex_math_to_typst` turns one LaTeX math string into Typst math.

It covers the commands the bank uses (tables below: adding a command is adding a
row). It never raises: an unknown command is shown as raw code (``\\foo`` in a
monospace font), an unbalanced bracket inside a function argument is escaped,
and an unclosed ``$`` or brace is read as if closed. It is a translator of
*notation*, not a TeX engine: no macros, no counters.
"""
from __future__ import annotations

import re

from ..notation.tables import GREEK as NOTATION_GREEK

__all__ = ["typst_markup", "latex_math_to_typst", "typst_string", "latex_prose", "latex_escape"]

#: LaTeX Greek command -> Typst symbol. LaTeX's \epsilon and \phi are the lunate/closed
#: forms, which Typst spells epsilon.alt/phi.alt; \varX is Typst's X.alt otherwise.
_TYPST_GREEK_EXCEPTIONS = {"epsilon": "epsilon.alt", "varepsilon": "epsilon",
                           "phi": "phi.alt", "varphi": "phi"}
GREEK = {g: _TYPST_GREEK_EXCEPTIONS.get(g, g[3:] + ".alt" if g.startswith("var") else g)
         for g in sorted(NOTATION_GREEK)}

#: commands that are one symbol
SYMBOLS = {
    **GREEK,
    # operators and relations
    "cdot": "dot", "times": "times", "div": "div", "pm": "plus.minus", "mp": "minus.plus",
    "odot": "dot.o", "otimes": "times.o", "oplus": "plus.o", "circ": "circle.small",
    "ast": "ast", "star": "star", "le": "<=", "leq": "<=", "ge": ">=", "geq": ">=",
    "ne": "!=", "neq": "!=", "lt": "<", "gt": ">", "approx": "approx", "sim": "tilde.op",
    "simeq": "tilde.eq", "equiv": "equiv", "propto": "prop", "ll": "<<", "gg": ">>",
    "in": "in", "notin": "in.not", "ni": "in.rev", "subset": "subset", "subseteq": "subset.eq",
    "supset": "supset", "supseteq": "supset.eq", "cup": "union", "cap": "inter",
    "setminus": "without", "emptyset": "emptyset", "varnothing": "emptyset",
    "forall": "forall", "exists": "exists", "neg": "not", "lnot": "not", "land": "and",
    "wedge": "and", "lor": "or", "vee": "or", "mid": "mid", "parallel": "parallel",
    "perp": "perp",
    # arrows
    "to": "->", "rightarrow": "->", "leftarrow": "<-", "gets": "<-", "Rightarrow": "=>",
    "Leftarrow": "arrow.l.double", "implies": "=>", "iff": "<=>", "Leftrightarrow": "<=>",
    "leftrightarrow": "<->", "mapsto": "|->", "longrightarrow": "-->",
    "uparrow": "arrow.t", "downarrow": "arrow.b",
    # misc
    "partial": "partial", "nabla": "nabla", "infty": "infinity", "top": "top",
    "intercal": "top", "bot": "bot", "prime": "prime", "ell": "ell", "hbar": "ħ",
    "dots": "dots", "ldots": "dots", "cdots": "dots.c", "vdots": "dots.v",
    "ddots": "dots.down", "Re": "Re", "Im": "Im", "aleph": "aleph",
    "checkmark": "checkmark", "dagger": "dagger", "angle": "angle", "Box": "square.stroked",
    "square": "square.stroked", "blacksquare": "square.filled", "bullet": "bullet",
    "colon": ":", "coloneqq": ":=", "triangleq": "eq.delta", "ominus": "minus.o",
    "oslash": "slash.o", "cdotp": "dot", "vartriangle": "triangle.stroked.t",
    # big operators
    "sum": "sum", "prod": "product", "coprod": "product.co", "int": "integral",
    "iint": "integral.double", "oint": "integral.cont", "bigcup": "union.big",
    "bigcap": "inter.big",
    # delimiters
    "langle": "chevron.l", "rangle": "chevron.r", "lceil": "⌈", "rceil": "⌉",
    "lfloor": "⌊", "rfloor": "⌋", "lvert": "|", "rvert": "|", "vert": "|", "lVert": "||",
    "rVert": "||", "Vert": "||", "|": "||", "{": "\\{", "}": "\\}", "lbrace": "\\{",
    "rbrace": "\\}", "lbrack": "[", "rbrack": "]",
    # escaped characters
    "_": "\\_", "%": "%", "&": "\\&", "#": "\\#", "$": "\\$",
    # spacing
    ",": "thin", ":": "med", ">": "med", ";": "thick", " ": "space", "quad": "quad",
    "qquad": "wide", "!": "", "enspace": "space.en", "thinspace": "thin",
    # ignored presentation
    "displaystyle": "", "textstyle": "", "scriptstyle": "", "limits": "", "nolimits": "",
    "left": "", "right": "", "big": "", "Big": "", "bigg": "", "Bigg": "", "bigl": "",
    "bigr": "", "Bigl": "", "Bigr": "", "biggl": "", "biggr": "", "middle": "",
    "nonumber": "", "notag": "", "\\": " \\ ",
}

#: named operators (upright, with Typst's operator spacing)
OPERATORS = {name: name for name in (
    "log", "ln", "lg", "exp", "max", "min", "sup", "inf", "lim", "liminf", "limsup", "sin",
    "cos", "tan", "cot", "sec", "csc", "sinh", "cosh", "tanh", "coth", "arcsin", "arccos",
    "arctan", "det", "dim", "gcd", "arg", "deg", "ker", "mod", "Pr")}
OPERATORS.update({"argmax": 'op("arg max", limits: #true)',
                  "argmin": 'op("arg min", limits: #true)',
                  "sgn": 'op("sgn")', "sign": 'op("sign")', "tr": 'op("tr")',
                  "Tr": 'op("Tr")', "diag": 'op("diag")', "rank": 'op("rank")',
                  "softmax": 'op("softmax")', "relu": 'op("ReLU")', "ReLU": 'op("ReLU")',
                  "Var": 'op("Var")', "Cov": 'op("Cov")', "E": 'op("E")'})

#: one-argument commands: LaTeX name -> Typst function
ONE_ARG = {
    "sqrt": "sqrt", "mathbf": "bold", "boldsymbol": "bold", "bm": "bold", "pmb": "bold",
    "mathcal": "cal", "mathscr": "scr", "mathfrak": "frak", "mathit": "italic",
    "mathsf": "sans", "mathtt": "mono", "mathrm": "upright",
    "hat": "hat", "widehat": "hat", "tilde": "tilde", "widetilde": "tilde", "bar": "macron",
    "overline": "overline", "underline": "underline", "vec": "arrow", "dot": "dot",
    "ddot": "dot.double", "breve": "breve", "check": "caron", "acute": "acute",
    "grave": "grave", "mathring": "circle", "overrightarrow": "arrow",
    "underbrace": "underbrace", "overbrace": "overbrace", "cancel": "cancel",
    "abs": "abs", "norm": "norm",
}
#: \underset{below}{base}, \overset{above}{base}
STACKED = {"underset": "_", "overset": "^", "stackrel": "^"}
TWO_ARG = {"frac": "frac", "dfrac": "frac", "tfrac": "frac", "cfrac": "frac",
           "binom": "binom", "dbinom": "binom", "tbinom": "binom"}
TEXT_ARG = ("text", "textrm", "textnormal", "textup", "mbox", "hbox", "textit", "textbf",
            "textsf", "texttt", "operatorname", "mathop")
BLACKBOARD = {"R": "RR", "N": "NN", "Z": "ZZ", "Q": "QQ", "C": "CC"}
MATRIX_DELIMS = {"matrix": "#none", "pmatrix": '"("', "bmatrix": '"["', "Bmatrix": '"{"',
                 "vmatrix": '"|"', "Vmatrix": '"||"', "smallmatrix": "#none",
                 "array": "#none"}
_OPEN, _CLOSE = "([{", ")]}"
_TRANSPOSE = {"T", "top", "sans(T)", "upright(T)", 'upright("T")'}

_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\d+(?:\.\d+)?|[A-Za-z]|\s+|.", re.S)


def typst_string(text: str) -> str:
    """A Typst string literal (valid in markup after ``#``, in math and in code)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def _raw(code: str) -> str:
    return f"#raw({typst_string(code)})"


# --- math ----------------------------------------------------------------------------

class _Math:
    """Recursive-descent translation of one LaTeX math string."""

    def __init__(self, src: str, subs: dict[str, str] | None = None,
                 words: frozenset[str] = frozenset()):
        toks = [t for t in _TOKEN.findall(src)]
        if subs:  # replace index letters (a family's form y_i -> y_k)
            out = []
            for t in toks:
                if t in subs:
                    out.extend(["{", *_TOKEN.findall(subs[t]), "}"])
                else:
                    out.append(t)
            toks = out
        if words:  # a run of letters that the question declares as one name: one token
            toks = _merge_words(toks, words)
        self.toks = toks
        self.i = 0
        self.script_depth = 0  # inside ^{...} or _{...}

    # token helpers
    def peek(self, skip_space: bool = True) -> str | None:
        j = self.i
        while skip_space and j < len(self.toks) and self.toks[j].isspace():
            j += 1
        return self.toks[j] if j < len(self.toks) else None

    def next(self) -> str | None:
        while self.i < len(self.toks) and self.toks[self.i].isspace():
            self.i += 1
        if self.i >= len(self.toks):
            return None
        self.i += 1
        return self.toks[self.i - 1]

    def group_text(self) -> str:
        """The raw source of the next ``{...}`` group (or one token), for \\text."""
        t = self.next()
        if t != "{":
            return t or ""
        depth, out = 1, []
        while self.i < len(self.toks):
            t = self.toks[self.i]
            self.i += 1
            depth += (t == "{") - (t == "}")
            if depth == 0:
                break
            out.append(t)
        return "".join(out)

    def optional_arg(self) -> str | None:
        if self.peek() != "[":
            return None
        self.next()
        items = self.seq(stop=("]",))
        self.next()
        return self.join(items)

    # translation
    def run(self) -> str:
        out = []
        while self.peek() is not None:
            out.extend(self.seq(stop=()))
            if self.peek() is not None:  # a stray closing brace or \end
                t = self.next()
                if t != "}":
                    out.append(_raw(t))
        return self.join(out)

    @staticmethod
    def join(items: list[str]) -> str:
        out = ""
        for x in items:
            if not x:
                continue
            # "softmax" (z) would set a gap between a word and its bracket: "softmax"(z)
            glue = "" if not out or (out.endswith(('"', '")')) and x.startswith("(")) else " "
            out += glue + x
        return out

    def seq(self, stop: tuple[str, ...], call_arg: bool = False) -> list[str]:
        """Atoms up to (not including) a token in ``stop``, ``}`` or ``\\end``."""
        items: list[str] = []
        delims: list[int] = []  # positions of bare brackets, checked for balance
        while True:
            t = self.peek()
            if t is None or t == "}" or t in stop or t == "\\end":
                break
            atom = self.atom()
            if atom is None:
                continue
            if atom in ("(", ")", "[", "]"):
                delims.append(len(items))
            items.append(self.scripts(atom))
        items, delims = _pair_norms(items, delims)
        if call_arg:
            items = [self._escape_call(x, k in delims) for k, x in enumerate(items)]
            if not _balanced([items[k] for k in delims]):
                for k in delims:
                    items[k] = "\\" + items[k]
        return items

    @staticmethod
    def _escape_call(s: str, is_delim: bool) -> str:
        # a bare ',' or ';' would split the function's arguments
        return {",": "\\,", ";": "\\;"}.get(s, s)

    def arg(self, call_arg: bool = True) -> str:
        """A command's argument: a braced group or one token."""
        if self.peek() == "{":
            self.next()
            items = self.seq(stop=(), call_arg=call_arg)
            if self.peek() == "}":
                self.next()
            return self.join(items) or '""'   # frac(a, ) would miss an argument
        atom = self.atom()
        return atom or '""'

    def scripts(self, base: str) -> str:
        while True:
            t = self.peek()
            if t in ("^", "_"):
                self.next()
                if self.peek() is None:
                    break
                self.script_depth += 1
                try:
                    arg = self.arg()
                finally:
                    self.script_depth -= 1
                if t == "^" and arg in _TRANSPOSE:  # x^T, x^{\mathsf{T}}: one transpose sign
                    arg = "top"
                base += t + _script(arg)
            elif t == "'":
                self.next()
                base += "'"
            else:
                return base

    def atom(self) -> str | None:
        t = self.next()
        if t is None:
            return None
        if t == "{":
            items = self.seq(stop=())
            if self.peek() == "}":
                self.next()
            s = self.join(items)
            return f"({s})" if len(items) > 1 and self.peek() in ("^", "_") else s
        if t.startswith("\\") and len(t) > 1:
            return self.command(t[1:])
        if t in ("^", "_"):  # a script with no base: attach to an empty base
            return '""' + t + _script(self.arg())
        if len(t) > 1 and t.isalpha():  # a declared multi-letter name (_merge_words)
            return f"upright({typst_string(t)})"
        if t[0].isdigit() or t.isalpha():
            return t
        if t == "*" and not self.script_depth:  # a * b is a product; w^* keeps its star
            return "dot"
        return _CHARS.get(t, t)

    def command(self, name: str) -> str:
        if name in ("left", "right", "bigl", "bigr", "Bigl", "Bigr", "big", "Big",
                    "biggl", "biggr", "middle"):
            d = self.next()
            if d is None or d == ".":
                return ""
            if d.startswith("\\"):
                return SYMBOLS.get(d[1:], _raw(d))
            return _CHARS.get(d, d)
        if name in SYMBOLS:
            return SYMBOLS[name]
        if name in OPERATORS:
            return OPERATORS[name]
        if name in TWO_ARG:
            a, b = self.arg(), self.arg()
            return f"{TWO_ARG[name]}({a}, {b})"
        if name == "sqrt":
            n = self.optional_arg()
            x = self.arg()
            return f"root({n}, {x})" if n else f"sqrt({x})"
        if name == "mathrm" and self.peek() == "{":
            save = self.i
            text = self.group_text()
            if re.fullmatch(r"[A-Za-z]{2,}", text):  # \mathrm{sgn}: one upright word
                return f"upright({typst_string(text)})"
            self.i = save
        if name in STACKED:  # \underset{W}{\operatorname{argmin}}: a limit below
            over, base = self.arg(), self.arg()
            return f"limits({base}){STACKED[name]}{_script(over)}"
        if name == "mathbb":
            x = self.arg()
            return BLACKBOARD.get(x, f"bb({x})")
        if name in ONE_ARG:
            return f"{ONE_ARG[name]}({self.arg()})"
        if name in TEXT_ARG:
            if self.peek() == "*":  # \operatorname*
                self.next()
            text = self.group_text()
            if name in ("operatorname", "mathop"):
                return f"op({typst_string(text.replace(chr(92), ''))})"
            return typst_string(_text_arg(text))
        if name == "begin":
            return self.environment(self.group_text())
        if name in ("not",):
            nxt = self.atom() or ""
            return {"=": "!=", "in": "in.not"}.get(nxt, f"cancel({nxt})")
        return _raw("\\" + name)

    def environment(self, env: str) -> str:
        env_base = env.rstrip("*")
        if env_base == "array" and self.peek() == "{":
            self.group_text()  # the column spec
        rows: list[list[str]] = [[]]
        while True:
            t = self.peek()
            if t is None:
                break
            if t == "\\end":
                self.next()
                self.group_text()
                break
            if t == "&":
                self.next()
                rows[-1].append(None)  # cell separator marker
                continue
            if t == "\\\\":
                self.next()
                rows.append([])
                continue
            if t == "}":  # stray brace inside the environment
                self.next()
                continue
            cell = self.seq(stop=("&", "\\\\"), call_arg=True)
            rows[-1].extend(cell)
        cells = [_split_cells(r) for r in rows]
        cells = [r for r in cells if any(c for c in r)]
        if env_base in ("cases", "dcases", "rcases"):
            body = ", ".join(" & ".join(_condition(c) if k else c for k, c in enumerate(r))
                             for r in cells)
            return f"cases({body})"
        if env_base in MATRIX_DELIMS:
            body = "; ".join(", ".join(c or '""' for c in r) for r in cells)
            return f"mat(delim: {MATRIX_DELIMS[env_base]}, {body})"
        # aligned, align, split, gathered, equation...: lines with alignment points
        return " \\ ".join(" & ".join(r) for r in cells)


def _condition(cell: str) -> str:
    """A condition column of ``cases`` reads "if ...", unless it says in words already."""
    cell = re.sub(r"^(?:(?:thin|med|thick|space|quad|wide)\s+)+", "", cell.strip())
    if not cell or cell.startswith('"') or cell.startswith(","):
        return cell
    return f'"if" {cell}'


def _pair_norms(items: list[str], delims: list[int]) -> tuple[list[str], list[int]]:
    """``|| x ||^2`` -> ``norm(x)^2``, ``| w_i |`` -> ``abs(w_i)``: Typst spaces a lone
    bar like a relation. Bars tangled with brackets are left alone."""
    for bar, fn in (("||", "norm"), ("|", "abs")):
        items, delims = _pair_bars(items, delims, bar, fn)
    return items, delims


def _pair_bars(items: list[str], delims: list[int], bar: str,
               fn: str) -> tuple[list[str], list[int]]:
    close = re.compile(re.escape(bar) + r"([_^].*)?")
    for a in [k for k, x in enumerate(items) if x == bar]:
        b = next((k for k in range(a + 1, len(items))
                  if items[k] is not None and close.fullmatch(items[k])), None)
        if b is None or items[a] != bar or b == a + 1:
            continue
        inner = [{",": "\\,", ";": "\\;"}.get(x, x) for x in items[a + 1:b]]
        if not _balanced([x for k, x in enumerate(items[a + 1:b], a + 1) if k in delims]):
            return items, delims  # tangled with brackets: leave the bars alone
        items = items[:a] + [f"{fn}({' '.join(inner)}){items[b][len(bar):]}"] + items[b + 1:]
        delims = [k if k < a else k - (b - a) for k in delims if not a <= k <= b]
        return _pair_bars(items, delims, bar, fn)
    return items, delims


def _merge_words(toks: list[str], words: frozenset[str]) -> list[str]:
    """Join a maximal run of single letters that spells a declared name."""
    out, k = [], 0
    while k < len(toks):
        j = k
        while j < len(toks) and len(toks[j]) == 1 and toks[j].isalpha():
            j += 1
        run = "".join(toks[k:j])
        after_command = out and out[-1].startswith("\\") and out[-1][1:].isalpha()
        if j > k + 1 and run in words and not after_command:
            out.append(run)
            k = j
        else:
            out.extend(toks[k:max(j, k + 1)])
            k = max(j, k + 1)
    return out


def _split_cells(row: list) -> list[str]:
    cells, cur = [], []
    for x in row:
        if x is None:
            cells.append(" ".join(y for y in cur if y))
            cur = []
        else:
            cur.append(x)
    cells.append(" ".join(y for y in cur if y))
    return cells


def _balanced(delims: list[str]) -> bool:
    stack = []
    for d in (x[:1] for x in delims):  # ")^2": a bracket with its script
        if d in _OPEN:
            stack.append(d)
        elif d in _CLOSE:
            if not stack or _OPEN.index(stack.pop()) != _CLOSE.index(d):
                return False
    return not stack


def _script(s: str) -> str:
    """Sub/superscript argument: bare when Typst reads it as one unit."""
    if re.fullmatch(r"[A-Za-z0-9]|\d+|[A-Za-z][A-Za-z.]*|\*|'+|\"[^\"]*\"", s):
        return s
    return f"({s})" if s else '""'


def _text_arg(text: str) -> str:
    """The content of \\text{...}: TeX escapes and spacing removed."""
    text = re.sub(r"\\([%&#_${}])", r"\1", text)
    text = re.sub(r"\\[,;: ]|~", " ", text)
    return text


#: single characters that Typst math reads differently from LaTeX
_CHARS = {"/": "\\/", '"': '\\"', "#": "\\#", "@": "\\@", "~": "space", "`": "\\`",
          "$": "\\$", "\\": "\\\\"}


def latex_math_to_typst(src: str, *, subs: dict[str, str] | None = None,
                        words: frozenset[str] | set[str] = frozenset()) -> str:
    """Typst math source (no ``$``) for one LaTeX math string. Never raises.

    ``subs`` replaces single letters by LaTeX (``{"i": "k"}``), to print a
    family's form ``\\frac{\\partial f}{\\partial y_i}`` at another index.
    ``words`` are names of several letters that the question declares as one
    symbol (``dout``, ``iC``): a run of letters spelling one is set upright as a
    name, not in italics as a product of letters.
    """
    try:
        return _Math(src, subs, frozenset(words)).run()
    except Exception:  # a translator bug must not lose the text: show it as code
        return _raw(src)


# --- prose -----------------------------------------------------------------------------

_MATH = re.compile(r"\$\$(.+?)\$\$|\\\[(.+?)\\\]|\$(.+?)\$|\\\((.+?)\\\)", re.S)
_TEXT_COMMANDS = {"emph": "_", "textit": "_", "textbf": "*"}
_MARKUP_SPECIAL = set("\\#$*_@<>[]`/;")   # ; would end a #raw(...) or #emph[...] before it


def _escape_text(text: str) -> str:
    """Prose (outside math) as Typst markup text."""
    out = []
    i = 0
    while i < len(text):
        ch = text[i]
        m = re.match(r"\\([A-Za-z]+)\s*(\{([^{}]*)\})?", text[i:]) if ch == "\\" else None
        if m:
            name, arg = m.group(1), m.group(3)
            if name in _TEXT_COMMANDS and arg is not None:
                mark = _TEXT_COMMANDS[name]
                out.append(f"#{'emph' if mark == '_' else 'strong'}[{_escape_text(arg)}]")
            elif name in ("text", "textrm", "mbox") and arg is not None:
                out.append(_escape_text(arg))
            elif name == "texttt" and arg is not None:
                out.append(_raw(arg))
            elif name in ("ldots", "dots"):
                out.append("…")
            else:
                out.append(_raw(m.group(0)))
            i += m.end()
            continue
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append({"\\": " \\ ", ",": " ", " ": " "}.get(nxt, "\\" + nxt
                        if nxt in _MARKUP_SPECIAL else nxt))
            i += 2
            continue
        if ch == "`" and not text.startswith("``", i):  # Markdown-style `code`
            end = text.find("`", i + 1)
            if end > i + 1:
                out.append(_raw(text[i + 1:end]))
                i = end + 1
                continue
        if text.startswith("``", i) or text.startswith("''", i):
            out.append('"')
            i += 2
            continue
        out.append("\\" + ch if ch in _MARKUP_SPECIAL else ch)
        i += 1
    return "".join(out)


def typst_markup(text: str, *, subs: dict[str, str] | None = None,
                 words: frozenset[str] | set[str] = frozenset()) -> str:
    """Typst markup for bank prose with LaTeX math in ``$...$``. Never raises.

    Single line breaks are spaces (the TOML wraps lines anywhere); a blank
    line starts a new paragraph. ``subs`` and ``words`` apply to the maths, as
    in :func:`latex_math_to_typst`.
    """
    out = []
    for k, chunk in enumerate(re.split(r"```[A-Za-z]*\n?(.*?)```", text.strip(), flags=re.S)):
        if k % 2:  # a fenced code block: kept verbatim, lines and all
            out.append(f"#block(raw(block: true, {typst_string(chunk.rstrip())}))")
        elif chunk.strip():
            out.append(_prose(chunk, subs, frozenset(words)))
    return "\n\n".join(out)


def _prose(text: str, subs: dict[str, str] | None, words: frozenset[str]) -> str:
    paragraphs = re.split(r"\n\s*\n", text.strip())
    out = []
    for para in paragraphs:
        para = re.sub(r"\s*\n\s*", " ", para)
        pieces, pos = [], 0
        for m in _MATH.finditer(para):
            before = para[pos:m.start()]
            if pieces and pieces[-1].startswith("$ "):  # after a display: its punctuation
                punct = re.match(r"[.,;:]+", before)
                if punct:
                    pieces[-1] = pieces[-1][:-1] + punct.group(0) + " $"
                    before = before[punct.end():]
            pieces.append(_escape_text(before))
            display = m.group(1) is not None or m.group(2) is not None
            math = latex_math_to_typst(next(g for g in m.groups() if g is not None),
                                       subs=subs, words=words).strip()
            if math:
                # cases and matrices are unreadable at text size: set them apart
                display = display or bool(re.search(r"\b(cases|mat)\(", math))
                pieces.append(f"$ {math} $" if display else f"${math}$")
            pos = m.end()
        rest = para[pos:]
        if pieces and pieces[-1].startswith("$ "):
            punct = re.match(r"[.,;:]+", rest)
            if punct:
                pieces[-1] = pieces[-1][:-1] + punct.group(0) + " $"
                rest = rest[punct.end():]
        pieces.append(_escape_text(rest))  # an unclosed $ stays text
        para = "".join(pieces)
        if re.match(r"[-+=/]|\d+\.", para):  # would start a list or a heading
            para = '#""' + para
        out.append(para)
    return "\n\n".join(out)


# --- prose for the LaTeX engine ------------------------------------------------------------

_LATEX_SPECIAL = {"_": r"\_", "#": r"\#", "%": r"\%", "&": r"\&", "^": r"\^{}", "~": r"\~{}",
                  "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
                  "{": r"\{", "}": r"\}", "\\": r"\textbackslash{}"}


def latex_escape(text: str) -> str:
    """Plain text (no markup at all) as LaTeX text."""
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in text)


def latex_prose(text: str) -> str:
    """Bank prose for a LaTeX document: math kept verbatim, text made safe.

    The bank's math is LaTeX already; around it the text may hold Markdown-style
    code (fenced blocks, `inline`) and characters TeX reads as commands
    (``num_pixels``, ``#``), which are escaped. Text-mode commands the bank writes
    (``\\emph{..}``, ``\\%``) are kept.
    """
    out = []
    for k, chunk in enumerate(re.split(r"```[A-Za-z]*\n?(.*?)```", text.strip(), flags=re.S)):
        if k % 2:
            out.append("\\begin{verbatim}\n" + chunk.rstrip() + "\n\\end{verbatim}")
            continue
        pos, pieces = 0, []
        for m in _MATH.finditer(chunk):
            pieces.append(_latex_text_run(chunk[pos:m.start()]))
            inner = next(g for g in m.groups() if g is not None)
            if re.search(r"\\begin\{(cases|[pbvBV]?matrix)\}", inner):
                pieces.append(f"\\[{inner}\\]")  # too tall for a line of text
            else:
                pieces.append(m.group(0))
            pos = m.end()
        pieces.append(_latex_text_run(chunk[pos:]))
        out.append("".join(pieces))
    return "\n\n".join(out)


def _latex_text_run(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            m = re.match(r"\\(emph|textit|textbf|texttt|text|ldots|dots|%|&|#|_|\$|,| |\\)",
                         text[i:])
            if m:  # a text command the bank uses: keep it
                out.append(m.group(0))
                i += m.end()
                continue
            out.append(r"\textbackslash{}")
            i += 1
            continue
        if ch == "`" and not text.startswith("``", i):
            end = text.find("`", i + 1)
            if end > i + 1:
                out.append(r"\texttt{" + latex_escape(text[i + 1:end]) + "}")
                i = end + 1
                continue
        out.append(_LATEX_SPECIAL.get(ch, ch) if ch not in "{}\\" else ch)
        i += 1
    return "".join(out)
