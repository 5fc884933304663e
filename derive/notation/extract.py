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
_DISPLAY_ENVS = ("equation", "equation*", "align", "align*", "gather", "gather*",
                 "displaymath", "multline", "multline*")
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
    for display in (True, False):
        found = [m for m in maths if m.display == display and m.body.strip()]
        if found:
            return _clean(found[-1].body)
    return None


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
    """The last ``\\boxed{...}``/``\\fbox{...}`` whose braces close: (position, content)."""
    best: tuple[int, str] | None = None
    for cmd in _BOX_COMMANDS:
        at = len(text)
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
                    and text[j + 1:closing[j]].strip():
                if best is None or at > best[0]:
                    best = (at, text[j + 1:closing[j]])
                break  # the last one of this command that closes and holds something
    return best


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
        line = line[:-1].rstrip()
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
