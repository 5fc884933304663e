"""The final answer's LaTeX, read off a whole response (a language model's, a student's).

:func:`extract_answer` looks, in this order of preference, for

1. the last ``\\boxed{...}`` or ``\\fbox{...}`` (balanced braces; an escaped ``\\{`` does not
   count), unless a "final answer" sentence comes after it;
2. the last "final answer is ...", "the answer is ...", "Answer: ...", "Final: ..." sentence: the first
   mathematics after it (``$...$``, ``\\(...\\)``, ``$$...$$``, ``\\[...\\]``), or, where it
   has none, the rest of its line (``Answer: 784``);
3. the last display mathematics (``$$...$$``, ``\\[...\\]``, ``equation``/``align``/...
   environments);
4. the last inline mathematics (``$...$``, ``\\(...\\)``);

and ignores the working before it. Pure text: no SymPy, nothing evaluated. Every step is
one pass over the text (braces are matched once for the whole text with a stack; math
delimiters in one scan; the answer sentences with a regular expression without nested
repetition), so 100,000 characters take linear time whatever they hold.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

#: responses longer than this are cut to their last MAX_RESPONSE characters (where the
#: final answer is), so that the work stays bounded
MAX_RESPONSE = 1_000_000

_BOX_COMMANDS = ("\\boxed", "\\fbox")
#: (``aligned``, ``gathered``, ``split`` belong inside a display, but a response may write
#: them bare, as one)
_DISPLAY_ENVS = ("equation", "equation*", "align", "align*", "gather", "gather*",
                 "displaymath", "multline", "multline*", "aligned", "gathered", "split",
                 "alignat", "alignat*", "flalign", "flalign*", "eqnarray", "eqnarray*")
# "The final answer is", "Final Answer:", "the answer is", "Answer:", "**Answer:**";
# one alternation, no nested repetition (no catastrophic backtracking)
_SENTENCE = re.compile(r"(?:(?:final\s+answer|answer)(?:\s+is|\s*:)|\bfinal\s*:)"
                       r"(?:\s*\*\*)?[ \t]*", re.IGNORECASE)
_WORDS = re.compile(r"[A-Za-z]{4,}")   # an English word: prose, not an answer
_COMMAND = re.compile(r"\\[A-Za-z]+")  # \frac: not a word
_NUMBER_THEN_WORDS = re.compile(r"([-+]?\d[\d,.]*)[ \t]+[A-Za-z][A-Za-z ]*")  # 784 parameters
_MAX_GAP = 200          # how far after "the answer is" its mathematics may start
_MAX_PLAIN = 120        # how long a plain "Answer: 784" may be


@dataclass(frozen=True)
class _Math:
    start: int      # the opening delimiter
    end: int        # just after the closing delimiter
    body: str
    display: bool


#: a multiple-choice option named by its letter: "A", "(B)", "\\text{C}"
_OPTION = re.compile(r"\(?(?:\\text(?:bf)?\{)?\s*([A-H])\s*\}?\)?")


def option_letter(latex: str) -> str | None:
    """``A``, ``(B)``, ``\\text{C}``: the option letter an answer names, else None."""
    m = _OPTION.fullmatch(latex.strip())
    return m.group(1) if m else None


def extract_answer(text: str | bytes, *, options: bool = True) -> str | None:
    """The LaTeX of the final answer in ``text``, or None when there is none.

    With ``options=False`` (the question is not multiple choice), a final-answer sentence
    that only names an option letter ("Final answer: A.") is no answer: the response's
    mathematics is read instead."""
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    if not isinstance(text, str):
        return None
    if len(text) > MAX_RESPONSE:
        text = text[-MAX_RESPONSE:]
    closing = _match_braces(text)
    maths = _math_spans(text)
    if _cut_off(text, closing, maths):
        return None
    box = _last_box(text, closing)
    sentence = _last_sentence(text, maths)
    if sentence is not None and not options and option_letter(_clean(sentence[1])):
        sentence = None
    if box is not None and (sentence is None or box[0] >= sentence[0]):
        return _clean(box[1])
    if sentence is not None:
        return _clean(sentence[1])
    if box is not None:
        return _clean(box[1])
    shown = _highlighted(text, maths)
    if shown is not None:
        return _clean(shown.body)
    conclusion = _closing_statement(text, maths)
    if conclusion is not None:
        return _clean(conclusion.body)
    for display in (True, False):
        found = [m for m in maths if m.display == display and m.body.strip()]
        if found:
            return _clean(found[-1].body)
    return None


def _highlighted(text: str, maths: list[_Math]) -> _Math | None:
    """``> **$D_E = \\sqrt{2(1 - D_C)}$**``: the response's last mathematics, alone on its
    line and set off there in markdown (a blockquote ``>``, bold ``**``/``__``, a heading
    ``#``), is the answer it presents. Mathematics in a sentence is not set off."""
    if not maths:
        return None
    last = maths[-1]
    start = text.rfind("\n", 0, last.start) + 1
    end = text.find("\n", last.end)
    end = len(text) if end < 0 else end
    before, after = text[start:last.start], text[last.end:end]
    if text[end:].strip():
        return None     # prose after it: the line is not where the response ends
    marks_before = before.replace(" ", "").replace("\t", "")
    marks_after = after.strip().rstrip(".").replace(" ", "")
    if _BOLD_LABEL.fullmatch(before) and not marks_after.strip("*_"):
        return last     # **Output shape:** $(126, 126, 64)$: a bold label, then the value
    if not marks_before or not set(marks_before) <= set(">*_#") \
            or not set(marks_after) <= set("*_"):
        return None
    quoted = marks_before.startswith(">") or marks_before.startswith("#")
    bold = any(marks_before.endswith(b) and marks_after.startswith(b) for b in ("**", "__"))
    return last if quoted or bold else None


#: ``**Output shape:**``, ``> __Result__:``, ``- **Gradient:**``: a short bold label (a few
#: words, its colon inside or after the bold) that the last line opens with
_BOLD_LABEL = re.compile(r"[ \t]*(?:>[ \t]*)?(?:[-*][ \t]+)?(\*\*|__)[A-Za-z][A-Za-z0-9 ()'/-]{0,50}"
                         r"(?::[ \t]*\1|\1[ \t]*:)[ \t]*")


#: prose that opens a remark on what was displayed, not a conclusion ("where $S = ...$")
_REMARK = re.compile(r"\b(?:where|with|here|for|if|when|since|because|and)\b", re.IGNORECASE)


def _closing_statement(text: str, maths: list[_Math]) -> _Math | None:
    """``... \\end{align}\nTaking the non-negative root, $D_E = \\sqrt{2 - 2D_C}$.``: an
    inline equation that ends the response, in a sentence of its own after the last
    display, is its conclusion (the display was working); so is a value in a sentence that
    opens with a conclusion ("Hence the output volume is $(64, 64, 32)$."). Not a remark
    on the display ("where $S = \\sum_i x_i$"), and not a bare name or value ("for $n$")."""
    if not maths or maths[-1].display:
        return None
    last = maths[-1]
    if text[last.end:].strip(" \t\n.!*_") != "":   # **$D_E = ...$**.: markdown emphasis
        return None
    concluded = _CONCLUSION.match(_sentence_before(text, last.start)) is not None
    if "=" not in last.body and not concluded:
        return None
    shown = [m for m in maths if m.display and m.body.strip()]
    if not shown:
        return None
    between = text[shown[-1].end:last.start]
    if any(m.start >= shown[-1].end for m in maths[:-1]):
        return None          # other inline mathematics after the display: a remark's
    new_sentence = shown[-1].body.rstrip().endswith(".") or "\n" in between \
        or re.match(r"\s*[.!]", between) is not None
    if concluded and new_sentence and not _REMARK.search(_sentence_before(text, last.start)):
        return last
    if not new_sentence or _REMARK.search(between):
        return None
    return last


#: a sentence that states a conclusion: "Hence the output volume is $(64, 64, 32)$."
_CONCLUSION = re.compile(r"\s*(?:hence|thus|therefore|so|consequently|finally|altogether)\b",
                         re.IGNORECASE)


def _sentence_before(text: str, pos: int) -> str:
    """The sentence that ``text[pos]`` is in, up to ``pos``: from the last full stop,
    exclamation mark or line break before it (at most 300 characters back)."""
    window = text[max(0, pos - 300):pos]
    cut = max(window.rfind(". "), window.rfind(".\n"), window.rfind("!"), window.rfind("\n"))
    return window[cut + 1:] if cut >= 0 else window


#: ``S = \\sum_k x_k``, ``r_i = (Wx - y)_i``: a name (a letter or a Greek letter, with a
#: subscript) defined as a value
_DEFINED_NAME = re.compile(r"\s*((?:\\[A-Za-z]+|[A-Za-z])(?:_(?:\{[^{}=]{1,20}\}|[A-Za-z0-9]))?)"
                           r"\s*")


def _definition(body: str, introduced: bool) -> tuple[str, str] | None:
    """``NAME = value`` with one ``=`` outside braces (``S = \\sum_{k=1}^n x_k``). A chain
    (``a = b = c``) is working, unless the sentence ``introduced`` it as a definition ("Let
    $S = \\sum_k x_k = \\mathbf 1^\\top \\mathbf x$"): then its first value defines the
    name (the others are what the working says it equals)."""
    depth, eqs = 0, []
    for k, c in enumerate(body):
        depth += (c == "{") - (c == "}")
        if c == "=" and depth == 0:
            eqs.append(k)
    if not eqs or len(eqs) > 1 and not introduced:
        return None
    name = _DEFINED_NAME.fullmatch(body[:eqs[0]])
    value = body[eqs[0] + 1:eqs[1] if len(eqs) > 1 else len(body)].strip().rstrip(".,;").strip()
    if name is None or not value or "\\boxed" in value:
        return None
    return name.group(1), value


#: a sentence that introduces a definition, just before its mathematics: "Let $S = ...$",
#: "Define", "Denote", "we write", "where", "with"
_INTRODUCES = re.compile(r"\b(?:let|define|denote|set|write|where|with)\s*$", re.IGNORECASE)


def working_definitions(text: str, answer: str) -> list[str]:
    """Definitions the response makes in its working that its final answer uses: ``Let $S
    = \\sum_k x_k$ ... $$\\boxed{\\frac{n}{S^2}(\\ldots)}$$`` gives ``["S = \\sum_k
    x_k"]``. Each is a whole piece of mathematics ``NAME = value`` before the answer, whose
    name the answer uses; a name defined twice keeps its last definition. Whether a name is
    the question's own (and so not the response's to define) is the parser's to say."""
    if not isinstance(text, str) or not answer:
        return []
    found: dict[str, str] = {}
    for m in _math_spans(text):
        body = m.body.strip()
        if answer.strip() in body:
            break    # the answer itself: what comes after it is not working
        d = _definition(body, _INTRODUCES.search(_sentence_before(text, m.start)) is not None)
        if d is None:
            continue
        name, value = d
        if re.search(r"(?<![A-Za-z\\])" + re.escape(name) + r"(?![A-Za-z])", answer):
            found[name] = f"{name} = {value}"
    return list(found.values())


# --- braces and boxes ------------------------------------------------------------------

def _match_braces(text: str) -> dict[int, int]:
    """Each ``{`` -> its ``}`` (one pass; ``\\{``, ``\\}`` and ``\\\\`` are not braces)."""
    closing: dict[int, int] = {}
    stack: list[int] = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            stack.append(i)
        elif c == "}" and stack:
            closing[stack.pop()] = i
        i += 1
    return closing


def _last_box(text: str, closing: dict[int, int]) -> tuple[int, str] | None:
    """The last ``\\boxed{...}``/``\\fbox{...}`` whose braces close: (position, content).
    Boxes just before it, with only separators between (``\\boxed{1.5} \\text{ and }
    \\boxed{-0.65}``, ``$\\boxed{a}$, $\\boxed{b}$``), box the parts of one answer: their
    contents come back as one list, ``1.5, -0.65``."""
    last = _box_before(text, closing, len(text))
    if last is None:
        return None
    at, end, body = last
    parts = [body]
    for _ in range(_MAX_BOXES - 1):
        prev = _box_before(text, closing, at)
        if prev is None or _BOX_GAP.fullmatch(text[prev[1]:at]) is None:
            break
        at, _, body = prev
        parts.insert(0, body)
    return at, ", ".join(p.strip() for p in parts)


_MAX_BOXES = 8
#: what may stand between the boxes of one answer's parts: space, commas, semicolons, math
#: delimiters, TeX spaces, "and" (bare or in \text)
_BOX_GAP = re.compile(r"(?:\s|[,;$]|\\[\[\]()]|\\(?:quad|qquad|[,;: ])|\\text\{\s*and\s*\}|\band\b)*")


def _box_before(text: str, closing: dict[int, int], limit: int) -> tuple[int, int, str] | None:
    """The last closing, non-empty box that starts before ``limit``: (start, just after its
    closing brace, content)."""
    best: tuple[int, int, str] | None = None
    for cmd in _BOX_COMMANDS:
        at = limit
        while True:
            at = text.rfind(cmd, 0, at)
            if at < 0:
                break
            after = at + len(cmd)
            if after < len(text) and text[after].isalpha():  # \boxedx is another command
                continue
            j = after
            while j < len(text) and text[j] in " \t\n":
                j += 1
            if j < len(text) and text[j] == "{" and j in closing \
                    and text[j + 1:closing[j]].strip() and closing[j] < limit:
                if best is None or at > best[0]:
                    best = (at, closing[j] + 1, text[j + 1:closing[j]])
                break  # the last one of this command that closes and holds something
    return best


def _cut_off(text: str, closing: dict[int, int], maths: list[_Math]) -> bool:
    """The response stops in the middle of its mathematics: inside a ``$``, ``$$``,
    ``\\[``, ``\\(`` or display environment that never closes, or inside the braces of its
    last ``\\boxed{``/``\\fbox{``. Its final answer was cut off, and an earlier, complete
    piece of the working is not the answer: there is none."""
    if _open_math(text, maths[-1].end if maths else 0):
        return True
    last = max(text.rfind(cmd) for cmd in _BOX_COMMANDS)
    if last < 0:
        return False
    j = text.find("{", last)
    if j < 0 or text[last:j].strip() not in _BOX_COMMANDS:
        return False
    return j not in closing


def _open_math(text: str, start: int) -> bool:
    """After ``start`` (the end of the last closed mathematics), a math delimiter opens
    and is never closed."""
    tail = text[start:]
    i = 0
    while i < len(tail):
        c = tail[i]
        if c == "\\":
            if tail[i + 1:i + 2] in ("[", "(") or tail.startswith("\\begin{", i) and \
                    tail[i + 7:tail.find("}", i + 7, i + 40)] in _DISPLAY_ENVS:
                return True
            i += 2
            continue
        if c == "$":
            return True
        i += 1
    return False


# --- mathematics -----------------------------------------------------------------------

def _math_spans(text: str) -> list[_Math]:
    """Every closed math region, in order (one pass, a small state machine)."""
    out: list[_Math] = []
    i, n = 0, len(text)
    open_at = -1
    closer = ""
    display = False
    while i < n:
        c = text[i]
        if closer:                                   # inside mathematics
            if text.startswith(closer, i):
                out.append(_Math(open_at, i + len(closer),
                                 text[open_at + _opener_len(text, open_at):i], display))
                i += len(closer)
                closer = ""
                continue
            i += 2 if c == "\\" and not text.startswith(closer, i) else 1
            continue
        if c == "\\":
            nxt = text[i + 1:i + 2]
            if nxt == "[":
                open_at, closer, display = i, "\\]", True
            elif nxt == "(":
                open_at, closer, display = i, "\\)", False
            elif text.startswith("\\begin{", i):
                end = text.find("}", i + 7, i + 40)
                env = text[i + 7:end] if end > 0 else ""
                if env in _DISPLAY_ENVS:
                    open_at, closer, display = i, f"\\end{{{env}}}", True
                    i = end + 1
                    continue
            i += 2
            continue
        if c == "$":
            if text.startswith("$$", i):
                open_at, closer, display = i, "$$", True
                i += 2
            else:
                open_at, closer, display = i, "$", False
                i += 1
            continue
        i += 1
    return out


def _opener_len(text: str, at: int) -> int:
    if text.startswith("$$", at):
        return 2
    if text.startswith("\\begin{", at):
        return text.index("}", at) + 1 - at
    return 1 if text[at] == "$" else 2


# --- "the final answer is ..." -----------------------------------------------------------

def _last_sentence(text: str, maths: list[_Math]) -> tuple[int, str] | None:
    """The last answer sentence with something in it: (position, its LaTeX)."""
    marks = [m for m in _SENTENCE.finditer(text)]
    for mark in reversed(marks):
        end = mark.end()
        # the first mathematics after the marker, close by and in the same paragraph
        nxt = _first_after(maths, end)
        if nxt is not None and nxt.start - end <= _MAX_GAP \
                and "\n\n" not in text[end:nxt.start] and nxt.body.strip():
            box = _inner_box(nxt.body)
            return mark.start(), box if box is not None else nxt.body
        plain = _plain_answer(text, end)
        if plain:
            return mark.start(), plain
    return None


def _first_after(maths: list[_Math], pos: int) -> _Math | None:
    lo, hi = 0, len(maths)
    while lo < hi:                     # binary search: maths are in order
        mid = (lo + hi) // 2
        if maths[mid].start < pos:
            lo = mid + 1
        else:
            hi = mid
    return maths[lo] if lo < len(maths) else None


def _plain_answer(text: str, start: int) -> str | None:
    """``Answer: 784``: the rest of the line, when it reads as mathematics, not prose
    (``784 parameters`` gives ``784``). Looks at most _MAX_PLAIN characters ahead."""
    window = text[start:start + _MAX_PLAIN + 1]
    stop = window.find("\n")
    if stop < 0 and start + len(window) < len(text):
        return None  # a line longer than an answer
    line = (window[:stop] if stop >= 0 else window).strip().strip("*").strip()
    if line.endswith("."):
        line = line[:-1].rstrip().strip("*").strip()   # **A**.: bold, then the period
    if not line or "$" in line:
        return None
    number = _NUMBER_THEN_WORDS.fullmatch(line)
    if number:
        return number.group(1).strip()
    if _WORDS.search(_COMMAND.sub(" ", line)):
        return None  # "the answer is the gradient of ..." is prose
    return line


def _inner_box(body: str) -> str | None:
    """``$\\boxed{x}$``: the box's content."""
    closing = _match_braces(body)
    box = _last_box(body, closing)
    return box[1] if box is not None else None


def _clean(latex: str) -> str:
    s = latex.strip()
    for a, b in (("$$", "$$"), ("$", "$"), ("\\(", "\\)"), ("\\[", "\\]")):
        if s.startswith(a) and s.endswith(b) and len(s) >= len(a) + len(b):
            s = s[len(a):len(s) - len(b)].strip()
            break
    if s.endswith(".") and not s.endswith("\\."):
        s = s[:-1].rstrip()
    return s
