"""The answer bank: one TOML file per exam, loaded as data.

A bank is a folder; an exam is ``<exam>.toml`` plus, optionally, ``<exam>.py`` beside
it with the exam's code (its definitions and claim settlers, see
:mod:`derive.bank.registry`). Loading reads the TOML only: an exam's Python file runs
the first time one of its names is needed. Banks add up: the built-in bank, then
every folder in ``$DERIVE_BANK`` (a path list) and every folder passed to
:func:`load_bank`; the same exam id in two places is a :class:`BankError` naming both
files. The format is documented in docs/bank-format.md; :func:`load_bank` rejects
unknown keys and missing ones with the file, the question id and the key.
"""
from __future__ import annotations

import dataclasses
import functools
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from ..errors import AnswerError, BankError, UnknownQuestion
from ..notation.declare import DeclarationError, make_context, spec
from ..notation.lexer import lex_form
from ..notation.symbols import Context, SymbolSpec
from .registry import Definition, Settlement, Use, definition_of, settler_of

ANSWER_KINDS = ("expression", "equation", "tuple", "count", "shape")
PART_KINDS = ("expression", "count")     # the kinds a tuple question's part may have


@dataclass(frozen=True)
class Form:
    """An accepted alternative, or a known wrong answer with its misconception."""

    latex: str
    label: str | None = None
    misconception: str | None = None
    feedback: str | None = None
    reason: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class Part:
    """One labelled part of a tuple answer (``\\hat y_1 = 2, \\hat y_2 = 0``)."""

    name: str
    reference: str
    asked: tuple[str, ...] = ()
    kind: str = "expression"
    #: forms that stand for one of the question's symbols in this part only:
    #: ``(("DX", ("\sigma(z)", "D")),)`` from ``symbols = { DX = ['\sigma(z)', 'D'] }``
    symbols: tuple[tuple[str, tuple[str, ...]], ...] = ()


@dataclass(frozen=True)
class Question:
    id: str
    exam: str
    number: str
    kind: str
    text: str
    reference: str
    symbols: tuple[SymbolSpec, ...] = ()
    asked: tuple[str, ...] = ()
    points: float | None = None
    definition: str | None = None
    target: str | None = None
    explicit: bool = False   # an equation that must give ``target`` itself (a closed form)
    parts: tuple[Part, ...] = ()
    avoid_zero: tuple[str, ...] = ()
    accept: tuple[Form, ...] = ()
    reject: tuple[Form, ...] = ()
    solution: str = ""
    errata: tuple[str, ...] = ()
    verify: str = ""
    file: str = ""
    code: str = ""      # the exam's .py beside its TOML, or ""
    uses: tuple[Use, ...] = field(default=(), repr=False, compare=False)  # the exam's names

    @functools.cached_property
    def context(self) -> Context:
        asked = {"": self.asked} if self.asked else {}
        for p in self.parts:
            asked[p.name] = p.asked
        try:
            ctx = make_context(list(self.symbols), asked)
        except DeclarationError as exc:
            raise BankError(str(exc), file=self.file, question=self.id, key="symbols") from None
        for k, p in enumerate(self.parts):
            if p.symbols:
                try:
                    ctx.add_part_forms(p.name, dict(p.symbols))
                except ValueError as exc:
                    raise BankError(str(exc), file=self.file, question=self.id,
                                    key=f"parts[{k}].symbols") from None
        return ctx

    def __hash__(self) -> int:
        return hash(self.id)

    def ground_truth(self) -> Definition | None:
        """The question's definition from its exam's code (imported on first use)."""
        if not self.definition:
            return None
        return definition_of(self.code, self.definition, question=self.id, file=self.file,
                             uses=self.uses)


@dataclass(frozen=True)
class Erratum:
    """A declared disagreement with the printed key: on these options (or the one
    truth value) the key says ``key`` and derive finds ``ours``, for the reason ``why``."""

    key: Any
    ours: Any
    why: str


@dataclass(frozen=True)
class Claim:
    """A tier-2 statement that derive settles by proof or counterexample."""

    id: str
    exam: str
    statement: str
    settle: str
    exam_key: Any = None
    note: str = ""
    file: str = ""
    code: str = ""
    expect: Any = None                # what the settler must find: a bool, or one per option
    erratum: "Erratum | None" = None  # where the printed key is wrong, declared
    uses: tuple[Use, ...] = field(default=(), repr=False, compare=False)  # the exam's names

    def settler(self):
        """The settler from the exam's code (imported on first use)."""
        return settler_of(self.code, self.settle, claim=self.id, file=self.file,
                          uses=self.uses)

    def settle_now(self) -> Settlement:
        return self.settler()()


@dataclass(frozen=True)
class Exam:
    id: str
    title: str
    source: str = ""
    key: str = ""
    questions: tuple[Question, ...] = ()
    claims: tuple[Claim, ...] = ()
    errata: tuple[str, ...] = ()   # errata about parts of the exam that are not questions here
    file: str = ""
    code: str = ""


@dataclass
class Bank:
    exams: dict[str, Exam] = field(default_factory=dict)
    dirs: tuple[str, ...] = ()     # the folders it was loaded from, in order

    @functools.cached_property
    def questions(self) -> dict[str, Question]:
        return {q.id: q for e in self.exams.values() for q in e.questions}

    @functools.cached_property
    def claims(self) -> dict[str, Claim]:
        return {c.id: c for e in self.exams.values() for c in e.claims}

    def question(self, qid: str) -> Question:
        try:
            return self.questions[qid]
        except KeyError:
            close = [q for q in self.questions if q.startswith(qid.split("/")[0])]
            hint = f"; this exam has {', '.join(close[:8])}" if close else ""
            raise UnknownQuestion(f"no question {qid!r} in the bank{hint}") from None

    def select(self, what: str | None) -> list[Question]:
        """All questions, one exam's, or one question."""
        if not what:
            return list(self.questions.values())
        if what in self.exams:
            return list(self.exams[what].questions)
        return [self.question(what)]


# --- loading ------------------------------------------------------------------------

_EXAM_KEYS = {"exam", "title", "source", "key", "question", "claim", "errata"}
_Q_REQUIRED = {"id", "number", "kind", "text"}
_Q_KEYS = _Q_REQUIRED | {"reference", "symbols", "asked", "points", "definition", "target",
                         "explicit", "parts", "avoid_zero", "accept", "reject", "solution",
                         "errata", "verify"}
_FORM_KEYS = {"latex", "label", "misconception", "feedback", "reason", "note"}
_PART_KEYS = {"name", "reference", "asked", "kind", "symbols"}
_CLAIM_KEYS = {"id", "statement", "settle", "exam_key", "note", "expect", "erratum"}
_ERRATUM_KEYS = {"key", "ours", "why"}


def builtin_dir() -> Path:
    """The built-in bank: the checkout's answers/, or the copy installed in the package."""
    here = Path(__file__).resolve().parent.parent
    for cand in (here.parent / "answers", here / "answers"):
        if cand.is_dir() and any(cand.glob("*.toml")):
            return cand
    raise BankError("cannot find the built-in answer bank", file=str(here))


def bank_dirs(extra: str | Path | Sequence[str | Path] | None = None, *,
              builtin: bool = True) -> tuple[str, ...]:
    """The folders of the bank in use: built-in (unless ``builtin=False``), then
    ``$DERIVE_BANK``, then ``extra``."""
    out = [str(builtin_dir())] if builtin else []
    env = os.environ.get("DERIVE_BANK")
    if env:
        out += [p for p in env.split(os.pathsep) if p]
    if extra:
        out += [str(extra)] if isinstance(extra, (str, Path)) else [str(p) for p in extra]
    seen: list[str] = []
    for d in out:
        r = str(Path(d).resolve())
        if r not in seen:
            seen.append(r)
    return tuple(seen)


def load_bank(directory: str | Path | Sequence[str | Path] | None = None, *,
              builtin: bool = True) -> Bank:
    """Load the bank: the built-in exams plus those in ``$DERIVE_BANK`` and ``directory``
    (one folder or several). ``builtin=False`` leaves the built-in exams out (to try an
    edited copy of one)."""
    return load_dirs(bank_dirs(directory, builtin=builtin))


def load_dirs(dirs: tuple[str, ...]) -> Bank:
    """Load exactly these folders (resolved paths, in order): no built-in, no $DERIVE_BANK.

    Cached while none of their TOML files changes (an edited exam is read again)."""
    stamp = []
    for d in dirs:  # os.scandir: a quarter of pathlib's glob + stat (this runs every check)
        try:
            with os.scandir(d) as entries:
                found = sorted((e.name, e) for e in entries if e.name.endswith(".toml"))
        except OSError:
            found = []
        for name, entry in found:
            try:
                st = entry.stat()
            except OSError:
                continue
            stamp.append((os.path.join(d, name), st.st_mtime_ns, st.st_size))
    return _load_dirs(tuple(dirs), tuple(stamp))


@functools.lru_cache(maxsize=8)
def _load_dirs(dirs: tuple[str, ...], stamp: tuple[tuple[str, int, int], ...]) -> Bank:
    bank = Bank(dirs=tuple(dirs))
    for d in dirs:
        root = Path(d)
        if not root.is_dir():
            raise BankError("not a folder", file=d)
        for path in sorted(root.glob("*.toml")):
            # the file is named after its exam: a second copy is reported as such, before
            # anything else in it (a copy without its .py beside it, say)
            if path.stem in bank.exams:
                raise BankError(f"exam {path.stem!r} is defined twice: here and in "
                                f"{bank.exams[path.stem].file}", file=str(path), key="exam")
            exam = load_exam(path)
            if exam.id in bank.exams:
                raise BankError(f"exam {exam.id!r} is defined twice: here and in "
                                f"{bank.exams[exam.id].file}", file=str(path), key="exam")
            bank.exams[exam.id] = exam
    return bank


def load_exam(path: Path) -> Exam:
    f = str(path)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise BankError(f"not valid TOML: {exc}", file=f) from None
    except UnicodeDecodeError as exc:
        raise BankError(f"not UTF-8 text: {exc}", file=f) from None
    _keys(data, _EXAM_KEYS, {"exam", "title"}, f, None, "")
    exam_id = data["exam"]
    if path.stem != exam_id:
        raise BankError(f"file name must be {exam_id}.toml", file=f, key="exam")
    code_path = path.with_suffix(".py")
    code = str(code_path) if code_path.is_file() else ""
    questions = tuple(_question(q, exam_id, f, code) for q in data.get("question", []))
    seen: set[str] = set()
    for q in questions:
        if q.id in seen:
            raise BankError("duplicate id", file=f, question=q.id, key="id")
        seen.add(q.id)
    claims = tuple(_claim(c, exam_id, f, code) for c in data.get("claim", []))
    # every name the TOML gives the exam's code; checked when that code is first imported
    uses = tuple(Use("definition", q.definition, q.id, f) for q in questions if q.definition) \
        + tuple(Use("settle", c.settle, c.id, f) for c in claims)
    if uses and not code:
        raise BankError(f"{uses[0].what} {uses[0].name!r} is named, but there is no "
                        f"{code_path.name} beside the TOML", file=f, question=uses[0].entry,
                        key=uses[0].what)
    questions = tuple(dataclasses.replace(q, uses=uses) for q in questions)
    claims = tuple(dataclasses.replace(c, uses=uses) for c in claims)
    return Exam(exam_id, data["title"], data.get("source", ""), data.get("key", ""),
                questions, claims, _strs(data.get("errata", []), f, exam_id, "errata"),
                f, code)


def _keys(d: Any, allowed: set[str], required: set[str], f: str, qid: str | None,
          where: str) -> None:
    if not isinstance(d, dict):
        raise BankError("expected a table", file=f, question=qid, key=where or None)
    for k in d:
        if k not in allowed:
            raise BankError(f"unknown key (allowed: {', '.join(sorted(allowed))})", file=f,
                            question=qid, key=f"{where}{k}")
    for k in required:
        if k not in d:
            raise BankError("missing", file=f, question=qid, key=f"{where}{k}")


def _strs(v: Any, f: str, qid: str, key: str) -> tuple[str, ...]:
    if isinstance(v, str):
        return (v,)
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise BankError("expected a string or a list of strings", file=f, question=qid, key=key)
    return tuple(v)


def _question(d: dict, exam: str, f: str, code: str) -> Question:
    qid = d.get("id", "?")
    _keys(d, _Q_KEYS, _Q_REQUIRED, f, qid, "")
    if not qid.startswith(exam + "/"):
        raise BankError(f"id must start with {exam}/", file=f, question=qid, key="id")
    kind = d["kind"]
    if kind not in ANSWER_KINDS:
        raise BankError(f"unknown kind {kind!r} (known: {', '.join(ANSWER_KINDS)})", file=f,
                        question=qid, key="kind")
    symbols = []
    table = d.get("symbols") or {}
    if not isinstance(table, dict):
        raise BankError("expected a table of symbols", file=f, question=qid, key="symbols")
    for name, s in table.items():
        try:
            symbols.append(spec(name, s))
        except DeclarationError as exc:
            raise BankError(exc.message, file=f, question=qid,
                            key=f"symbols.{name}.{exc.key}" if exc.key else f"symbols.{name}"
                            ) from None
    parts = []
    for k, p in enumerate(d.get("parts", [])):
        _keys(p, _PART_KEYS, {"name", "reference"}, f, qid, f"parts[{k}].")
        if p.get("kind", "expression") not in PART_KINDS:
            raise BankError(f"unknown part kind {p['kind']!r} (known: {', '.join(PART_KINDS)})",
                            file=f, question=qid, key=f"parts[{k}].kind")
        parts.append(Part(p["name"], p["reference"],
                          _strs(p.get("asked", []), f, qid, f"parts[{k}].asked"),
                          p.get("kind", "expression"),
                          _part_symbols(p.get("symbols"), f, qid, f"parts[{k}].symbols")))
    if kind == "tuple" and not parts:
        raise BankError("a tuple question needs parts", file=f, question=qid, key="parts")
    if any(p.symbols for p in parts):
        _check_part_symbols(kind, parts, symbols, _strs(d.get("asked", []), f, qid, "asked"),
                            f, qid)
    if kind != "tuple" and "reference" not in d:
        raise BankError("missing", file=f, question=qid, key="reference")
    if "definition" in d and (not isinstance(d["definition"], str) or not d["definition"]):
        raise BankError("expected the name of a definition in the exam's .py", file=f,
                        question=qid, key="definition")
    if kind == "equation" and "target" not in d:
        raise BankError("an equation question names the target it solves for", file=f,
                        question=qid, key="target")
    if "explicit" in d and (kind != "equation" or not isinstance(d["explicit"], bool)):
        raise BankError("explicit = true or false, for an equation question only", file=f,
                        question=qid, key="explicit")

    def forms(key: str) -> tuple[Form, ...]:
        out = []
        for k, x in enumerate(d.get(key, [])):
            _keys(x, _FORM_KEYS, {"latex"}, f, qid, f"{key}[{k}].")
            out.append(Form(**x))
        return tuple(out)

    return Question(
        id=qid, exam=exam, number=str(d["number"]), kind=kind, text=d["text"].strip(),
        reference=d.get("reference", ", ".join(p.reference for p in parts)),
        symbols=tuple(symbols), asked=_strs(d.get("asked", []), f, qid, "asked"),
        points=d.get("points"), definition=d.get("definition"), target=d.get("target"),
        explicit=d.get("explicit", False), parts=tuple(parts),
        avoid_zero=_strs(d.get("avoid_zero", []), f, qid, "avoid_zero"),
        accept=forms("accept"), reject=forms("reject"), solution=d.get("solution", "").strip(),
        errata=_strs(d.get("errata", []), f, qid, "errata"), verify=d.get("verify", ""),
        file=f, code=code)


def _part_symbols(v: Any, f: str, qid: str, key: str
                  ) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """A part's ``symbols``: a table from a declared symbol's name to its forms there."""
    if v is None:
        return ()
    if not isinstance(v, dict):
        raise BankError("expected a table from a symbol's name to the forms that stand for "
                        "it in this part: symbols = { DX = ['\\sigma(z)', 'D'] }", file=f,
                        question=qid, key=key)
    return tuple((name, _strs(forms, f, qid, f"{key}.{name}")) for name, forms in v.items())


def _form_keys(form: str, f: str, qid: str, key: str) -> tuple:
    try:
        return tuple(t.key for t in lex_form(form))
    except AnswerError as exc:
        raise BankError(f"cannot read the form {form!r}: {exc.message}", file=f, question=qid,
                        key=key) from None


def _check_part_symbols(kind: str, parts: list[Part], symbols: list[SymbolSpec],
                        asked: tuple[str, ...], f: str, qid: str) -> None:
    """A part's own forms name a declared symbol, in a tuple question, and are no form the
    whole question already gives (a name, or a label) nor one of a second symbol there."""
    if kind != "tuple":
        k = next(k for k, p in enumerate(parts) if p.symbols)
        raise BankError(f"forms of a part's own are for a tuple question's parts (this "
                        f"question's kind is {kind!r})", file=f, question=qid,
                        key=f"parts[{k}].symbols")
    by_name = {s.name: s for s in symbols}
    wide: dict[tuple, str] = {}
    for s in symbols:
        for form in s.forms:
            wide.setdefault(_form_keys(form, f, qid, f"symbols.{s.name}"), f"of {s.name}")
    for where, forms in [("asked", asked), *((f"parts.{p.name}.asked", p.asked)
                                               for p in parts)]:
        for form in forms:
            wide.setdefault(_form_keys(form, f, qid, where), "an asked name")
    for k, p in enumerate(parts):
        own: dict[tuple, str] = {}
        for name, forms in p.symbols:
            key = f"parts[{k}].symbols.{name}"
            if name not in by_name:
                raise BankError(f"{name!r} is not a symbol of this question (declared: "
                                f"{', '.join(by_name) or 'none'})", file=f, question=qid,
                                key=key)
            for form in forms:
                toks = _form_keys(form, f, qid, key)
                if toks in wide:
                    raise BankError(f"{form!r} is already a form of the whole question "
                                    f"({wide[toks]}): a part cannot give it another meaning",
                                    file=f, question=qid, key=key)
                if own.get(toks, name) != name:
                    raise BankError(f"{form!r} is given for both {own[toks]} and {name} in "
                                    f"this part", file=f, question=qid, key=key)
                own[toks] = name


def _claim(d: dict, exam: str, f: str, code: str) -> Claim:
    cid = d.get("id", "?")
    _keys(d, _CLAIM_KEYS, {"id", "statement", "settle"}, f, cid, "")
    if not isinstance(d["settle"], str) or not d["settle"]:
        raise BankError("expected the name of a settler in the exam's .py", file=f,
                        question=cid, key="settle")
    key = _outcome(d["exam_key"], f, cid, "exam_key") if "exam_key" in d else None
    erratum = None
    if "erratum" in d:
        e = d["erratum"]
        _keys(e, _ERRATUM_KEYS, _ERRATUM_KEYS, f, cid, "erratum.")
        if key is None:
            raise BankError("an erratum corrects the printed key: give exam_key too", file=f,
                            question=cid, key="erratum")
        erratum = Erratum(_outcome(e["key"], f, cid, "erratum.key"),
                          _outcome(e["ours"], f, cid, "erratum.ours"), str(e["why"]).strip())
        _check_erratum(erratum, key, f, cid)
    # what the settler must find: stated, or the printed key with the declared erratum
    from_key = None if key is None else _corrected(key, erratum)
    if "expect" in d:
        expect = _outcome(d["expect"], f, cid, "expect")
        if from_key is not None and expect != from_key:
            corrected = " with its erratum" if erratum else ""
            raise BankError(f"expect = {expect!r} but the printed key{corrected} "
                            f"says {from_key!r}: declare where the key is wrong with "
                            f"erratum = {{ key = ..., ours = ..., why = \"...\" }}", file=f,
                            question=cid, key="expect")
    elif from_key is not None:
        expect = from_key
    else:
        raise BankError("a claim states the outcome it expects (expect = true/false, or a "
                        "table of them), from the printed key (exam_key) or the author's "
                        "working", file=f, question=cid, key="expect")
    return Claim(cid, exam, d["statement"].strip(), d["settle"], key, d.get("note", ""), f,
                 code, expect=expect, erratum=erratum)


def _outcome(v: Any, f: str, cid: str, key: str) -> bool | dict[str, bool]:
    """A claim's outcome: one truth value, or a table of them (one per option)."""
    if isinstance(v, bool):
        return v
    if isinstance(v, dict) and v and all(isinstance(x, bool) for x in v.values()):
        return dict(v)
    raise BankError("expected true/false or a table of them (one per option)", file=f,
                    question=cid, key=key)


def _check_erratum(e: Erratum, key: Any, f: str, cid: str) -> None:
    """The erratum quotes the key where it disagrees, and says something else there."""
    if isinstance(key, bool):
        if e.key != key or not isinstance(e.ours, bool) or e.ours == key:
            raise BankError(f"the erratum must quote the key (key = {str(key).lower()}) and "
                            f"give the other value (ours = {str(not key).lower()})", file=f,
                            question=cid, key="erratum")
        return
    if not isinstance(e.key, dict) or not isinstance(e.ours, dict) or set(e.key) != set(e.ours):
        raise BankError("the erratum's key and ours are tables over the same options", file=f,
                        question=cid, key="erratum")
    for option, value in e.key.items():
        if option not in key or key[option] != value:
            raise BankError(f"the erratum quotes option {option!r} as {value}, but exam_key "
                            f"says {key.get(option)}", file=f, question=cid, key="erratum.key")
        if e.ours[option] == value:
            raise BankError(f"the erratum gives option {option!r} the key's own value",
                            file=f, question=cid, key="erratum.ours")


def _corrected(key: Any, e: Erratum | None) -> Any:
    if e is None:
        return key
    return e.ours if isinstance(key, bool) else {**key, **e.ours}
