"""The checker: a LaTeX answer in, a :class:`Verdict` with evidence out.

Pipeline (pure stages; the worker process and torch are the only effects):

    text --[worker: lex, parse]--> ParsedAnswer --[kind]--> candidate value(s)
         --[worker: symbolic proof]--> Proof
         --[torch: numeric vs autograd / reference, with the known wrong forms]-->
         Verdict

Each answer kind (expression, equation, tuple, count, shape) has one function in
:data:`KINDS`. Errors in the answer are converted to ``invalid`` verdicts here,
once; errors in the bank raise.
"""
from __future__ import annotations

import dataclasses
import functools
import math
import traceback
from dataclasses import dataclass, field
from typing import Any, Callable

import sympy as sp
from sympy.matrices.expressions.matexpr import MatrixElement

from ..bank.loader import Bank, Form, Question, load_bank
from ..errors import AnswerError, BankError, DeriveError
from ..notation.answer import (ASKED_IN_VALUE, Chain, ParsedAnswer, Readings, one_part,
                               single_value)
from ..notation.answer import values as chain_values
from ..notation.extract import extract_answer, option_letter, working_definitions
from ..notation.shapes import is_matrix
from ..notation.symbols import is_asked
from ..notation.parser import parse_answer
from ..notation.tables import MAX_EXPONENT_DIGITS
from ..judge.sandbox import Budget, SandboxError, TaskFailed, Worker, shared_worker
from ..judge.symbolic import Proof
from ..judge.tasks import bounded_text
from ..judge.verdict import REASONS, Counterexample, Status, Verdict

PARSE_TIMEOUT = 10.0
PROOF_TIMEOUT = 10.0
#: the most links a chain may have (a = b = c has 3); a longer one is undecided (limit.size)
MAX_CHAIN_LINKS = 64


@dataclass
class Options:
    seed: int = 0
    device: str | None = None
    parse_timeout: float = PARSE_TIMEOUT
    proof_timeout: float = PROOF_TIMEOUT
    symbolic: bool = True
    worker: Worker | None = None
    bank: Bank | None = None
    #: the worker time one check may still spend on proofs and exact arithmetic (all its
    #: calls together); check_question gives each check a fresh one of proof_timeout s
    budget: Budget | None = None
    @property
    def bank_dirs(self) -> tuple[str, ...]:
        """The folders the worker loads the bank from (the same bank as the caller's)."""
        return self.bank.dirs if self.bank is not None else load_bank().dirs

    def __post_init__(self) -> None:
        if self.device is not None:  # a wrong device is the caller's error: say so at once
            from ..judge.numeric import resolve_device
            resolve_device(self.device)

    @property
    def w(self) -> Worker:
        return self.worker or shared_worker()


# --- the public function -------------------------------------------------------------

def check(question: str, answer: str | bytes | None = None, *, response: str | bytes | None = None,
          seed: int = 0, device: str | None = None, timeout: float = PROOF_TIMEOUT,
          symbolic: bool = True, bank: str | None = None) -> Verdict:
    """Check ``answer`` (LaTeX) against bank question ``question``.

    Returns a :class:`Verdict`; never raises for a bad answer (that is an
    ``invalid`` verdict). Raises :class:`UnknownQuestion` for an id not in the bank.
    ``seed`` fixes the numeric points; ``device`` is ``"cpu"``, ``"cuda"`` or
    ``None`` (CUDA when present); ``timeout`` bounds the symbolic proof, in seconds.
    ``response=`` instead of ``answer``: a whole response (a language model's, with its
    working); its final answer is read off it (:func:`derive.extract_answer`), checked, and
    recorded in the verdict's ``extracted`` (none found: ``invalid``, ``input.no_answer``).
    """
    if (answer is None) == (response is None):
        raise TypeError("derive.check takes an answer or a response=, not both, not neither")
    b = load_bank(bank)
    q = b.question(question)
    opts = Options(seed=seed, device=device, proof_timeout=timeout, symbolic=symbolic, bank=b)
    if response is not None:
        return check_response(q, response, opts)
    return check_question(q, answer, opts)


def check_response(q: Question, response: str | bytes, opts: Options) -> Verdict:
    """Check the final answer of a whole response: read it off with
    :func:`derive.notation.extract.extract_answer`, check it as an answer, and record it in
    ``extracted``. A response with no final answer is ``invalid`` (``input.no_answer``)."""
    if isinstance(response, bytes):
        try:
            response = response.decode("utf-8")
        except UnicodeDecodeError as exc:
            return Verdict(q.id, Status.INVALID, "input.not_utf8",
                           f"the response is not UTF-8 (byte {exc.start})", position=exc.start)
    latex = extract_answer(response)
    letter = option_letter(latex) if latex is not None else None
    if letter is not None and not any(letter in s.latex for s in q.symbols):
        # "Final answer: A." where the question has no options: its mathematics instead
        latex = extract_answer(response, options=False) or latex
    if latex is None:
        return Verdict(q.id, Status.INVALID, "input.no_answer",
                       "no final answer found in the response: no \\boxed{...}, no 'final "
                       "answer is ...' or 'Answer: ...' sentence, and no mathematics; or the "
                       "response stops inside its mathematics (cut off before its answer "
                       "closes)")
    verdict = check_question(q, latex, opts)
    defs = working_definitions(response, latex) if verdict.reason == "symbol.foreign" else []
    if defs:
        # a name the answer uses, defined in the working ("Let $S = \sum_k x_k$"): the
        # answer with those definitions as trailing parts, which the parser substitutes
        # where the name is not the question's own
        with_defs = latex + "".join(",\\quad " + d for d in defs)
        defined = check_question(q, with_defs, opts)
        if defined.status is not Status.INVALID:
            verdict, latex = defined, with_defs
    return dataclasses.replace(verdict, extracted=latex)


def check_question(q: Question, answer: str | bytes, opts: Options) -> Verdict:
    """Check one answer to one question. Never raises for a bad answer: a limit is an
    ``undecided`` verdict with its ``limit.*`` code, and anything unexpected an
    ``undecided`` verdict with code ``internal.error`` (a bug in derive, to be reported);
    the next check works either way. A bank or caller error (:class:`DeriveError`) raises.

    Time: reading the answer gets ``opts.parse_timeout`` seconds of worker time, and the
    proofs and exact arithmetic of the check share ``opts.proof_timeout`` seconds; the
    numeric check in this process is bounded in size before it starts."""
    if not isinstance(answer, (str, bytes)):  # the caller's error, not a bad answer
        raise TypeError(f"an answer is LaTeX text (str or bytes), not {type(answer).__name__}")
    text = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else answer
    try:
        opts = dataclasses.replace(opts, budget=Budget(opts.proof_timeout))
        return _check_question(q, answer, text, opts)
    except AnswerError as exc:
        return _from_answer_error(q, text, exc)
    except DeriveError:  # the bank's or the caller's error: raised at once
        raise
    except Exception as exc:  # noqa: BLE001 - a bug in derive must not lose the answer
        return _internal_error(q, text, exc)


def _check_question(q: Question, answer: str | bytes, text: str, opts: Options) -> Verdict:
    try:
        parsed = opts.w.call("parse", opts.bank_dirs, q.id, answer,
                             timeout=opts.parse_timeout)
    except TaskFailed as exc:
        return _internal_error(q, text, exc)
    except SandboxError as exc:
        return _undecided(q, text, exc.code, f"reading the answer hit a limit: {exc}")
    if isinstance(parsed, AnswerError):
        # the status follows the reason code: unreadable text is invalid, a dimensionally
        # inconsistent answer wrong (shape.inconsistent), an ambiguous notation undecided
        return _from_answer_error(q, text, parsed)
    if isinstance(parsed, Readings):
        return _check_readings(q, parsed, text, opts)
    return _check_parsed(q, parsed, text, opts)


def _check_readings(q: Question, parsed: Readings, text: str, opts: Options) -> Verdict:
    """An answer whose notation has several readings (``(Wx-y)^2`` of a vector: entrywise,
    or of its norm?): judged under each; where every reading is decided and all agree
    (all right, or all wrong) that is the verdict (``readings.all_right``,
    ``readings.all_wrong``), with each reading's verdict in ``evidence.readings``;
    otherwise the notation stays ambiguous (``parse.ambiguous``)."""
    verdicts = [(words, _from_answer_error(q, text, p) if isinstance(p, AnswerError)
                 else _check_parsed(q, p, text, opts)) for words, p in parsed.readings]
    evidence = {"readings": [{"reading": words, "status": v.status.value, "reason": v.reason,
                              "message": v.message} for words, v in verdicts]}
    statuses = {v.status for _, v in verdicts}
    ambiguous = _from_answer_error(q, text, parsed.error)
    if len(statuses) != 1 or not statuses <= {Status.EQUIVALENT, Status.NOT_EQUIVALENT}:
        return dataclasses.replace(ambiguous, evidence=evidence)
    status = statuses.pop()
    said = "; ".join(f"read {words}: {v.message}" for words, v in verdicts)
    if status is Status.EQUIVALENT:
        return Verdict(q.id, status, "readings.all_right", f"correct under every reading of "
                       f"ambiguous notation ({ambiguous.message}); {said}", answer=text,
                       position=ambiguous.position, evidence=evidence)
    return Verdict(q.id, status, "readings.all_wrong", f"not equivalent under any reading of "
                   f"ambiguous notation ({ambiguous.message}); {said}", answer=text,
                   position=ambiguous.position, evidence=evidence)


def _check_parsed(q: Question, parsed: ParsedAnswer, text: str, opts: Options) -> Verdict:
    longest = max((len(c.items) for c in parsed.parts), default=0)
    if longest > MAX_CHAIN_LINKS:
        return _undecided(q, text, "limit.size", f"the answer is a chain of {longest} "
                          f"links; derive checks chains of at most {MAX_CHAIN_LINKS}")
    try:
        return KINDS[q.kind](q, parsed, text, opts)
    except AnswerError as exc:
        # the status follows the reason code: a wrong number of parts is a wrong answer,
        # a syntax fault an invalid one
        return _from_answer_error(q, text, exc)
    except TaskFailed as exc:
        return _internal_error(q, text, exc)
    except SandboxError as exc:  # exact arithmetic (count, shape) past its limit
        return _undecided(q, text, exc.code, f"comparing the answer hit a limit: {exc}")


def _internal_error(q: Question, text: str, exc: BaseException) -> Verdict:
    """A bug in derive (or in a library under it): an undecided verdict asking for a
    report, with what is needed to reproduce it."""
    if isinstance(exc, TaskFailed):
        kind, detail, trace = exc.kind, exc.detail, exc.trace
    else:
        kind, detail = type(exc).__name__, str(exc)
        trace = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    shown = text if len(text) <= 300 else text[:297] + "..."
    detail = detail if len(detail) <= 200 else detail[:197] + "..."
    message = (f"internal error ({kind}: {detail}): this is a bug in derive, please report "
               f"it with the question and the answer: derive check {q.id} {shown!r}")
    return Verdict(q.id, Status.UNDECIDED, "internal.error", message, answer=text,
                   evidence={"internal": {"exception": kind, "traceback": trace[-4000:]}})


def _from_answer_error(q: Question, text: str, exc: AnswerError) -> Verdict:
    code = exc.code if exc.code in REASONS else "parse.syntax"  # never raise over a code
    return Verdict(q.id, REASONS[code], code, exc.message, answer=text, position=exc.position)


def _undecided(q: Question, text: str, code: str, message: str, **kw: Any) -> Verdict:
    return Verdict(q.id, Status.UNDECIDED, code, message, answer=text, **kw)


# --- references (bank data: parsed in this process, once) ------------------------------

@functools.lru_cache(maxsize=512)
def reference(q: Question, part: str = "") -> Any:
    """The reference value of a question (or of one part of a tuple question).

    A reference that does not parse is the bank author's error: :class:`BankError`.
    """
    try:
        return _reference(q, part)
    except AnswerError as exc:
        key = f"parts.{part}.reference" if part else "reference"
        raise BankError(f"the reference does not parse: {exc.message}", file=q.file,
                        question=q.id, key=key) from None


def _reference(q: Question, part: str) -> Any:
    if q.kind == "tuple":
        p = next(p for p in q.parts if p.name == part)
        return single_value(parse_answer(p.reference, q.context))
    parsed = parse_answer(q.reference, q.context)
    if q.kind == "equation":
        return _equation(parsed.parts[0], q)
    if q.kind == "shape":
        return _shape(parsed)
    return single_value(parsed)


@functools.lru_cache(maxsize=512)
def known_wrong(q: Question) -> tuple[tuple[Form, Any], ...]:
    """The question's known wrong forms, parsed (bank data)."""
    out = []
    for f in q.reject:
        try:
            parsed = parse_answer(f.latex, q.context)
        except AnswerError:
            # a deliberately unreadable form (\delta for \Delta): nothing to compare
            # with; derive validate reports it if it was not meant to be invalid
            continue
        if q.kind == "equation":
            out.append((f, _equation(parsed.parts[0], q)))
        elif q.kind == "shape":
            out.append((f, _shape(parsed)))
        elif q.kind == "tuple":
            assigned = _assign_parts(q, parsed)
            if assigned is not None:
                out.append((f, {name: chain_values(c)[1][-1] for name, c in assigned.items()}))
        else:
            out.append((f, single_value(parsed)))
    return tuple(out)


@functools.lru_cache(maxsize=256)
def target_solution(q: Question) -> Any:
    ref = reference(q)
    target = q.context.objects[q.target]
    if isinstance(target, sp.MatrixSymbol):
        return _solve_matrix_reference(ref, target, q)
    sols = sp.solve(ref.lhs - ref.rhs, target)
    if len(sols) != 1:
        raise BankError(f"the reference has {len(sols)} solutions for {q.target}, not one",
                        file=q.file, question=q.id, key="reference")
    return sols[0]


def _solve_matrix_reference(ref: Any, target: Any, q: Question) -> Any:
    if ref.lhs == target:
        return ref.rhs
    if ref.rhs == target:
        return ref.lhs
    raise BankError(f"write a matrix equation's reference as {q.target} = ...", file=q.file,
                    question=q.id, key="reference")


# --- interpreting a parsed answer -------------------------------------------------------

def _equation(chain: Chain, q: Question) -> Any:
    """The one equation of a constraint answer (the last link of a chain ``a = b = c``)."""
    return _equations(chain, q)[-1]


def _equations(chain: Chain, q: Question) -> list[Any]:
    """``lhs = v1 = v2``: the equations ``lhs = v1`` and ``lhs = v2`` (the last is graded)."""
    if len(chain.items) == 1:  # a bare value is read as "target = value"
        return [_eq(q.context.objects[q.target], chain.items[0], chain)]
    if any(op != "=" for op in chain.ops):
        raise AnswerError("parse.syntax", "write the constraint as an equation, lhs = rhs",
                          chain.pos)
    lhs = chain.items[0]
    return [_eq(lhs, rhs, chain) for rhs in chain.items[1:]]


def _eq(lhs: Any, rhs: Any, chain: Chain) -> Any:
    lm, rm = isinstance(lhs, sp.MatrixExpr), isinstance(rhs, sp.MatrixExpr)
    if lm or rm:
        if lm != rm:  # X^T (X W - Y) = 0: a scalar 0 stands for the zero matrix
            mat, other = (lhs, rhs) if lm else (rhs, lhs)
            if other != 0:
                raise AnswerError("shape.mismatch", f"one side of the equation is a "
                                  f"{_shape_words(mat)}, the other a scalar", chain.pos)
            zero = sp.ZeroMatrix(*mat.shape)
            lhs, rhs = (lhs, zero) if lm else (zero, rhs)
        elif lhs.shape != rhs.shape:
            raise AnswerError("shape.mismatch", f"the two sides of the equation have different "
                              f"shapes ({_shape_words(lhs)} and {_shape_words(rhs)})", chain.pos)
        return _MatEq(lhs, rhs)
    return sp.Eq(lhs, rhs, evaluate=False)


def _shape_words(m: Any) -> str:
    r, c = m.shape
    return f"{r} x {c} matrix" if c != 1 else f"vector of length {r}"


@dataclass(frozen=True)
class _MatEq:
    """SymPy's Eq refuses matrix expressions: a plain pair of sides."""

    lhs: Any
    rhs: Any


def _shape(parsed: ParsedAnswer) -> tuple:
    items: list[Any] = []
    for chain in parsed.parts:
        _, vals = chain_values(chain)
        v = vals[-1]
        items.extend(v.args if isinstance(v, sp.Tuple) else [v])
    return tuple(items)


# --- kinds ----------------------------------------------------------------------------

def _check_expression(q: Question, parsed: ParsedAnswer, text: str, opts: Options,
                      part: str = "") -> Verdict:
    return _judge_statement(q, _read(one_part(parsed), q, part), text, opts, part)


# --- what a chain states: its label and its links -----------------------------------------
#
# A label is part of the statement. "label = v1 = v2" states that the label equals every
# value. When the label is the asked quantity itself the values are its values; when it is
# an expression of it (-\nabla_x L, 10 w^*, P^2) the statement is solved for the asked
# quantity (P^2 = 6 states P = \sqrt 6); when it is another declared quantity
# (D_C = ... where D_E is asked) it is judged as the chain's first step. Every step of a
# chain is judged: a false step with a right final value is chain.false_link.

_LABEL_DEPTH = 8  # how many scalings, shifts and powers a label may wrap the asked name in


@dataclass
class _Statement:
    """What one chain of an answer states about the asked quantity.

    ``values``: the asked quantity's value at each step, read through the label (the last
    is the answer); ``texts``: each step as written; ``written``: the last value as written.
    ``label``: the label as written, when it is not the asked quantity itself;
    ``label_link``: the label is another declared quantity, judged as ``values[0]``;
    ``states``: what the label makes the answer say (LaTeX), None when the label is not a
    readable expression of the asked quantity. ``false`` and ``written_right`` are filled
    in by the judge: the indices of the false steps, and whether the value as written is
    right for the asked quantity itself.
    """

    values: list[Any]
    texts: list[str]
    written: Any
    asked: str = "the asked quantity"
    label: str | None = None
    label_link: bool = False
    states: str | None = None
    false: list[int] = field(default_factory=list)
    written_right: bool | None = None
    counterexample: Counterexample | None = None  # where the first false step fails

    @property
    def through_label(self) -> bool:
        """The values were solved through a label that is an expression of the asked name."""
        return self.label is not None and not self.label_link


def _asked_text(q: Question, part: str) -> str:
    forms = q.context.asked.get(part) or ()
    return forms[0] if forms else (part or "the asked quantity")


def _asked_in(e: Any) -> Any:
    """The asked-name marker inside ``e`` (one), or None. (A marker is never a bound
    variable, so its atoms are enough: ``free_symbols`` of a sum or a Lambda rebuilds them,
    ten times the cost.)"""
    syms = e.atoms(sp.Symbol) if isinstance(e, sp.Basic) else getattr(e, "free_symbols", ())
    found = [s for s in syms if is_asked(s) is not None]
    return found[0] if len(found) == 1 else (found or None)


def _label_part(chain: Chain) -> str | None:
    """The part a chain's label names: the asked name itself, or an expression of it."""
    head = chain.items[0]
    if is_asked(head) is not None:
        return is_asked(head)
    marker = _asked_in(head) if len(chain.items) > 1 else None
    if marker is None and chain.ops == ["="]:
        marker = _asked_in(chain.items[1])    # "1.5 = \partial L/\partial w_{11}"
    return is_asked(marker) if isinstance(marker, sp.Symbol) else None


def _is_declared(e: Any, q: Question) -> bool:
    """``e`` names a declared quantity of the question, possibly scaled by a number or
    raised to a numeric power (``D_C``, ``W``, ``p_1``, ``10\\,w^*``, ``D_C^2``): a label."""
    ctx = q.context
    for _ in range(_LABEL_DEPTH):
        if isinstance(e, (sp.Mul, sp.MatMul)):
            inner = [a for a in e.args if not getattr(a, "is_number", False)]
            if len(inner) != 1:
                return False
            e = inner[0]
        elif isinstance(e, sp.Pow) and e.exp.is_number:
            e = e.base
        else:
            break
    base = e.parent if isinstance(e, MatrixElement) else e
    if not isinstance(base, (sp.Symbol, sp.MatrixSymbol)):
        return False
    spec = ctx.spec_of(base.name)
    return spec is not None and spec.kind in ("scalar", "vector", "matrix", "family") \
        and ctx.objects.get(base.name) == base


def _read(chain: Chain, q: Question, part: str = "") -> _Statement:
    """What ``chain`` states about the asked quantity (see the comment above)."""
    if chain.ops == ["="] and _asked_in(chain.items[0]) is None \
            and _asked_in(chain.items[1]) is not None and not _is_declared(chain.items[0], q):
        # "6 = P", "\nabla J = \nabla\tilde J + ...": the asked name on the right. Not
        # "D_C = 1 - \frac12 D_E^2": that gives another quantity, in terms of the asked one
        chain = Chain(chain.items[::-1], chain.ops, chain.pos, chain.spans[::-1],
                      chain.texts[::-1])
    label, vals = chain_values(chain)
    texts = list(chain.texts) or [""] * len(chain.items)
    asked = _asked_text(q, part)
    head = chain.items[0]
    if label is None and len(vals) > 1:
        marker = _asked_in(head)
        if marker is not None:
            written = vals[1:]
            st = _Statement(written, texts[1:1 + len(written)], written[-1], asked,
                            label=texts[0])
            name = _asked_text(q, is_asked(marker)) if isinstance(marker, sp.Symbol) else asked
            shown = [t or sp.latex(v) for v, t in zip(written, st.texts + [""] * len(written))]
            solved = ([_through_label(head, marker, v, t) for v, t in zip(written, shown)]
                      if isinstance(marker, sp.Symbol) else [None])
            if solved and all(s is not None for s in solved):
                st.values = [v for v, _ in solved]
                st.states = f"{name} = {solved[-1][1]}"
            _no_asked_inside(st.values, chain)
            return st
        if _is_declared(head, q):
            _no_asked_inside(vals, chain)
            return _Statement(vals, texts[:len(vals)], vals[-1], asked, label=texts[0],
                              label_link=True)
    _no_asked_inside(vals, chain)
    first = 1 if label is not None else 0
    return _Statement(vals, texts[first:first + len(vals)], vals[-1], asked)


def _no_asked_inside(vals: list[Any], chain: Chain) -> None:
    if any(_asked_in(v) is not None for v in vals):
        raise AnswerError("symbol.asked_in_value", ASKED_IN_VALUE, chain.pos)


def _through_label(f: Any, marker: Any, v: Any, shown: str) -> tuple[Any, str] | None:
    """Solve ``f = v`` for the asked name ``marker`` where ``f`` is the name scaled, shifted
    or raised to a power (``-\\nabla_x L``, ``10\\,w^*``, ``P^2``: the principal root);
    None for any other label. ``shown`` is ``v`` as written; the solution comes back with
    its LaTeX built from it. Peels one layer of ``f`` a step, at most _LABEL_DEPTH."""
    try:
        for _ in range(_LABEL_DEPTH):
            if f == marker:
                return v, shown
            if isinstance(v, sp.Tuple):
                return None
            if isinstance(f, (sp.Mul, sp.Add)):
                inner = [a for a in f.args if a.has(marker)]
                rest = f.func(*[a for a in f.args if not a.has(marker)])
                if len(inner) != 1 or is_matrix(rest):
                    return None
                if isinstance(f, sp.Mul):
                    if rest == 0:
                        return None
                    v = sp.Pow(rest, -1) * v
                    shown = (rf"-\left({shown}\right)" if rest == -1
                             else rf"\frac{{{shown}}}{{{sp.latex(rest)}}}")
                elif rest != 0:
                    if is_matrix(v):
                        return None
                    v = v - rest
                    shown = rf"{shown} - \left({sp.latex(rest)}\right)"
                f = inner[0]
            elif isinstance(f, sp.Pow) and f.base.has(marker) and not f.exp.has(marker) \
                    and f.exp != 0 and not is_matrix(v):
                k = f.exp
                v = _power(v, 1 / k)
                shown = (rf"\sqrt{{{shown}}}" if k == 2 else
                         rf"\sqrt[{k}]{{{shown}}}" if k.is_Integer and k > 0 else
                         rf"\left({shown}\right)^{{{sp.latex(1 / k)}}}")
                f = f.base
            else:
                return None
    except (TypeError, ValueError, ArithmeticError, sp.ShapeError):
        return None
    return None


def _judge_statement(q: Question, st: _Statement, text: str, opts: Options,
                     part: str = "") -> Verdict:
    """Judge what a chain states: its final value, every step, and its label."""
    if st.through_label and st.states is None:
        return _unreadable_label(q, st, text, part)
    v = _judge_values(q, st, text, opts, part)
    return _with_statement(q, st, v, text, part)


def _with_statement(q: Question, st: _Statement, v: Verdict, text: str, part: str) -> Verdict:
    """The verdict on the final value, amended by the label and the chain's false steps."""
    what = f"part {part}: " if part else ""
    shown = [st.texts[k] if k < len(st.texts) and st.texts[k] else sp.latex(st.values[k])
             for k in st.false]
    evidence = dict(v.evidence)
    if shown:
        evidence["false_links"] = shown
    if st.label is not None:
        evidence["label"] = {"written": st.label, "states": st.states}
    kw = dict(answer=text, counterexample=v.counterexample, evidence=evidence,
              misconception=v.misconception, position=v.position)
    right = v.status is Status.EQUIVALENT
    value = st.texts[-1] if st.texts else sp.latex(st.written)
    if st.label_link and 0 in st.false:
        msg = (f"{what}the label {st.label} is another quantity of the question, not "
               f"{st.asked}, and the statement {st.label} = {value} is false")
        msg += (f"; the value is right for {st.asked}" if right
                else f"; the value is not right for {st.asked} either ({_bare(v.message)})")
        return Verdict(q.id, Status.NOT_EQUIVALENT, "label.mismatch", msg, **kw)
    if st.through_label and v.status is Status.NOT_EQUIVALENT:
        msg = f"{what}the label states {st.label} = {value}, that is {st.states}, which is false"
        msg += (f"; the value {value} is right for {st.asked} itself" if st.written_right
                else f" ({_bare(v.message)})")
        return Verdict(q.id, Status.NOT_EQUIVALENT, "label.mismatch", msg, **kw)
    if right and shown:
        more = f" (and {len(shown) - 1} more)" if len(shown) > 1 else ""
        msg = (f"{what}the final value is right, but the step '{shown[0]}' in the chain is "
               f"false{more}: a chain states that every step is equal")
        kw["counterexample"] = st.counterexample
        return Verdict(q.id, Status.NOT_EQUIVALENT, "chain.false_link", msg, **kw)
    msg = v.message
    if right and st.through_label:
        msg += f" (the label {st.label} = {value} states {st.states})"
    return Verdict(q.id, v.status, v.reason, msg, **kw)


def _power(v: Any, e: Any) -> Any:
    """``v ** e`` for solving a label, left unevaluated where SymPy would compute a number
    of more than MAX_EXPONENT_DIGITS digits here (``P^{10^{-6}} = 9^{999}``: 9^{999000000})."""
    if getattr(v, "is_number", False) and getattr(e, "is_number", False):
        try:
            size = abs(float(e)) * math.log10(max(abs(complex(v)), 1e-300))
        except (TypeError, OverflowError, ValueError):
            size = math.inf
        if not size <= MAX_EXPONENT_DIGITS:
            return sp.Pow(v, e, evaluate=False)
    return v ** e


def _bare(message: str) -> str:
    """A verdict's message without its "part x: " lead."""
    return message.split(": ", 1)[1] if message.startswith("part ") else message


def _under_condition(link: Any, final: Any, final_text: str) -> Any:
    """``a = b = c \\text{ if } P, \\text{ else } d``: the condition written after the last
    value qualifies the whole chain, so the step ``b`` states ``b = c`` where P holds (and
    says nothing elsewhere): it is judged as ``b if P, else d``. A ``cases`` environment
    after a step is a value of its own, and the step must equal it everywhere."""
    if not isinstance(final, sp.Piecewise) or isinstance(link, sp.Piecewise) \
            or "cases" in final_text or r"\text" not in final_text or "if" not in final_text:
        return link
    (_, first), *rest = final.args
    return sp.Piecewise((link, first), *rest)


def _judge_values(q: Question, st: _Statement, text: str, opts: Options,
                  part: str = "") -> Verdict:
    """The verdict on the final value (numeric check, then symbolic proof); fills in
    ``st.false`` (the false steps) and ``st.written_right``."""
    from ..judge.numeric import compare
    from ..judge.torch_eval import Unsupported
    values = st.values
    ref = reference(q, part)
    final = values[-1]
    links = [_under_condition(link, final, st.texts[-1] if st.texts else "")
             for link in values[:-1]]
    # the known wrong answers are read only for a wrong answer (to name its misconception)
    wrong = (lambda: known_wrong(q)) if not part else (lambda: ())
    # a value read through a label is also compared as written, to say whether the label
    # is what made it wrong
    written = [st.written] if st.through_label else []
    exprs = [final, *links, *written]
    # numbers first: a counterexample settles "not equivalent" in milliseconds, so the
    # symbolic proof (seconds, up to its time limit) is only tried for answers that agree
    try:
        run = compare(q, ref, exprs, seed=opts.seed, device=opts.device, part=part,
                      definition=q.ground_truth(), wrong=lambda: [w for _, w in wrong()])
    except (Unsupported, ArithmeticError, RuntimeError, TypeError, AttributeError) as exc:
        proof = _prove(q, [(final, ref)], opts)[0] if opts.symbolic else Proof(None, "skipped")
        return _from_proof_only(q, text, proof, f"the numeric check could not run: {exc}")
    o = run.outcomes[0]
    if not opts.symbolic:
        proof = Proof(None, "skipped")
    elif o.status in ("mismatch", "shape"):
        proof = Proof(None, "not attempted: the numeric check found a counterexample")
    else:
        proof = _prove(q, [(final, ref)], opts)[0]
    evidence = {
        "symbolic": {"result": proof.result, "method": proof.method},
        "numeric": {"status": o.status, "points": o.points, "against": run.against,
                    "ground_truth": run.describe,
                    "max_abs_error": o.max_abs_error, "device": run.device, "seed": run.seed,
                    "detail": o.detail},
    }
    if run.reference_error is not None:
        evidence["numeric"]["reference_vs_definition"] = run.reference_error
    # a step is false when it differs from the ground truth somewhere (or has another shape)
    st.false = [k for k in range(len(links))
                if run.outcomes[1 + k].status in ("mismatch", "shape")]
    if written:
        st.written_right = run.outcomes[-1].status == "agree"
    for k in st.false:
        ce = run.outcomes[1 + k].counterexample
        if ce is not None:
            st.counterexample = Counterexample(ce["point"], ce["expected"], ce["got"], ce["seed"])
            break
    misconception = wrong()[o.agrees_with[0]][0] if o.agrees_with else None
    # "torch autograd (jacrev) of f(x) = n x / sum_i x_i", "a torch forward pass ..."
    against = (f"the ground truth ({run.describe})" if run.describe else "the definition") \
        if run.against == "definition" else "the reference"
    what = f"part {part}: " if part else ""
    if o.status == "agree" or (o.status == "undecided" and proof.result is True):
        if proof.result is False:  # numeric agreement cannot beat a proof of difference
            return Verdict(q.id, Status.NOT_EQUIVALENT, "numeric.mismatch",
                           f"{what}not equivalent: {proof.method}", answer=text,
                           evidence=evidence)
        reason = "symbolic.proven" if proof.result else "numeric.agree"
        how = (f"proved symbolically ({proof.method})" if proof.result
               else "not proved symbolically")
        where = (f"at {o.points} random points" if _samples(q)
                 else "at the question's given values")
        msg = (f"{what}correct: {how}; agrees with {against} {where}"
               if o.points else f"{what}correct: {how}")
        return Verdict(q.id, Status.EQUIVALENT, reason, msg, answer=text, evidence=evidence)
    if o.status == "shape":
        return Verdict(q.id, Status.NOT_EQUIVALENT, "shape.mismatch",
                       f"{what}wrong shape: {o.detail}", answer=text, evidence=evidence,
                       misconception=misconception.label if misconception else None)
    if o.status == "mismatch":
        ce = o.counterexample
        counter = Counterexample(ce["point"], ce["expected"], ce["got"], ce["seed"])
        if misconception is not None:
            msg = _misconception_message(misconception)
            return Verdict(q.id, Status.NOT_EQUIVALENT, "misconception.match", what + msg,
                           answer=text, counterexample=counter, evidence=evidence,
                           misconception=misconception.label)
        msg = (f"{what}not equivalent: at {_short(ce['point'])} the answer gives "
               f"{_short(ce['got'])} but {against} gives {_short(ce['expected'])}")
        return Verdict(q.id, Status.NOT_EQUIVALENT, "numeric.mismatch", msg, answer=text,
                       counterexample=counter, evidence=evidence)
    if proof.result is False:
        return Verdict(q.id, Status.NOT_EQUIVALENT, "numeric.mismatch",
                       f"{what}not equivalent: {proof.method}", answer=text, evidence=evidence)
    # limit.size (too big to evaluate), numeric.too_few_points (an agreement on too few
    # points), else: something the engine cannot evaluate, or no point at all
    reason = o.reason or ("numeric.unsupported" if o.detail else "numeric.no_points")
    detail = o.detail or "no sample point was far enough from the answer's kinks"
    return _undecided(q, text, reason, f"{what}could not decide: {detail}", evidence=evidence)


def _from_proof_only(q: Question, text: str, proof: Proof, note: str) -> Verdict:
    evidence = {"symbolic": {"result": proof.result, "method": proof.method}, "numeric": note}
    if proof.result is True:
        return Verdict(q.id, Status.EQUIVALENT, "symbolic.proven",
                       f"correct: proved symbolically ({proof.method})", answer=text,
                       evidence=evidence)
    if proof.result is False:
        return Verdict(q.id, Status.NOT_EQUIVALENT, "numeric.mismatch",
                       f"not equivalent: {proof.method}", answer=text, evidence=evidence)
    return _undecided(q, text, "numeric.unsupported", note, evidence=evidence)


def _samples(q: Question) -> bool:
    """Whether the numeric check draws random values (some symbol is not fixed)."""
    return any(s.kind not in ("constant", "identity", "ones", "function") and not s.define
               for s in q.context.specs)


def _misconception_message(f: Form) -> str:
    if not f.label:
        lead = "this is a known wrong answer"
    elif f.label.lower().startswith("option"):
        lead = f"this is {f.label}"              # "this is option C: ..."
    else:
        lead = f"this is a known mistake ({f.label})"
    parts = [lead]
    if f.misconception:
        parts[0] += f": {f.misconception}"
    if f.feedback:
        parts.append(f.feedback)
    return ". ".join(parts)


def _short(v: Any, width: int = 80) -> str:
    def fmt(x: Any) -> Any:
        if isinstance(x, float):
            return float(f"{x:.6g}")
        if isinstance(x, list):
            return [fmt(y) for y in x]
        if isinstance(x, dict):
            return {k: fmt(y) for k, y in x.items()}
        return x
    s = str(fmt(v))
    return s if len(s) <= width else s[:width - 3] + "..."


def _prove(q: Question, pairs: list[tuple[Any, Any]], opts: Options) -> list[Proof]:
    try:
        return opts.w.call("prove", opts.bank_dirs, q.id, pairs,
                           timeout=opts.proof_timeout, budget=opts.budget)
    except SandboxError as exc:
        return [Proof(None, f"symbolic step stopped: {exc}")] * len(pairs)


def _check_equation(q: Question, parsed: ParsedAnswer, text: str, opts: Options) -> Verdict:
    chain = one_part(parsed, "equation")
    *links, cand = _equations(chain, q)
    verdict = _judge_equation(q, cand, text, opts)
    if verdict.status is Status.EQUIVALENT and q.explicit and not _solved(cand, q):
        spec = q.context.spec_of(q.target)
        name = spec.forms[0] if spec is not None else q.target
        side = chain.texts[0] if chain.texts and chain.texts[0] else sp.latex(cand.lhs)
        verdict = Verdict(q.id, Status.NOT_EQUIVALENT, "equation.not_solved",
                          f"the equation holds exactly where the reference does, but it does "
                          f"not give {name} itself ({side} = ...): the question asks for "
                          f"{name} in closed form", answer=text,
                          evidence=dict(verdict.evidence, same_constraint=True))
    false_links = [k for k, link in enumerate(links)
                   if _judge_equation(q, link, text, opts).status is Status.NOT_EQUIVALENT]
    if not false_links:
        return verdict
    rhs_texts = chain.texts[1:]  # "lhs = step = ... = answer": the steps as written
    shown = [rhs_texts[k] if k < len(rhs_texts) else sp.latex(getattr(links[k], "rhs", links[k]))
             for k in false_links]
    evidence = dict(verdict.evidence, false_links=shown)
    if verdict.status is Status.EQUIVALENT:  # a false statement does not get full marks
        more = f" (and {len(shown) - 1} more)" if len(shown) > 1 else ""
        return Verdict(q.id, Status.NOT_EQUIVALENT, "chain.false_link",
                       f"the final equation is right, but the step '{shown[0]}' in the chain "
                       f"is false{more}: a chain states that every step is equal",
                       answer=text, evidence=evidence)
    return Verdict(q.id, verdict.status, verdict.reason, verdict.message, answer=text,
                   counterexample=verdict.counterexample, evidence=evidence,
                   misconception=verdict.misconception)


def _judge_equation(q: Question, cand: Any, text: str, opts: Options) -> Verdict:
    from ..judge.numeric import compare
    ctx = q.context
    target = ctx.objects[q.target]
    sol = target_solution(q)
    if opts.symbolic and isinstance(cand, sp.Equality):
        try:
            proof = opts.w.call("prove_equation", opts.bank_dirs, q.id,
                                cand, sol, timeout=opts.proof_timeout, budget=opts.budget)
        except SandboxError as exc:
            proof = Proof(None, f"symbolic step stopped: {exc}")
    else:
        proof = Proof(None, "compared numerically")
    residual = _residual(cand)
    shift = sp.OneMatrix(*target.shape) if isinstance(target, sp.MatrixSymbol) else sp.Integer(1)
    # unevaluated: SymPy would compute (2 a \Delta)^{10^8}'s 2^{10^8} exactly, here, in
    # this process; torch evaluates the same expression in float64 anyway
    with sp.evaluate(False):
        at_solution = residual.xreplace({target: sol})
        off_solution = residual.xreplace({target: sol + shift})
    zero = sp.ZeroMatrix(*residual.shape) if isinstance(residual, sp.MatrixExpr) else sp.Integer(0)
    run = compare(q, zero, [at_solution, off_solution], seed=opts.seed, device=opts.device)
    on, off = run.outcomes
    evidence = {"symbolic": {"result": proof.result, "method": proof.method},
                "numeric": {"points": on.points, "device": run.device, "seed": run.seed,
                            "method": f"the answer's residual vanishes where {q.target} solves "
                                      f"the reference, and not elsewhere"}}
    if on.status == "agree" and off.status == "mismatch" and proof.result is not False:
        reason = "symbolic.proven" if proof.result else "numeric.agree"
        how = f"proved ({proof.method})" if proof.result else "not proved symbolically"
        return Verdict(q.id, Status.EQUIVALENT, reason,
                       f"correct: the equation is the reference constraint ({how}; checked at "
                       f"{on.points} random points)", answer=text, evidence=evidence)
    if on.status == "mismatch" or proof.result is False:
        ce = on.counterexample
        counter = Counterexample(ce["point"], 0.0, ce["got"], ce["seed"]) if ce else None
        msg = ("not equivalent: where the reference holds, the answer's equation does not "
               f"(at {_short(ce['point'])} its two sides differ by {_short(ce['got'])})"
               if ce else f"not equivalent: {proof.method}")
        return Verdict(q.id, Status.NOT_EQUIVALENT, "equation.not_equivalent", msg,
                       answer=text, counterexample=counter, evidence=evidence)
    if off.status == "agree":
        return Verdict(q.id, Status.NOT_EQUIVALENT, "equation.not_equivalent",
                       f"not equivalent: the answer's equation does not determine {q.target}",
                       answer=text, evidence=evidence)
    return _undecided(q, text, "numeric.no_points", "could not decide the equation",
                      evidence=evidence)


def _solved(eq: Any, q: Question) -> bool:
    """``eq`` gives the target itself: one side is the target (by name, or entry by entry,
    which the reader gives as the name), the other does not use it. ``W^T = ...``,
    ``X^T X W = X^T Y`` state the same constraint without giving ``W``."""
    target = q.context.objects[q.target]
    lhs, rhs = getattr(eq, "lhs", None), getattr(eq, "rhs", None)
    return any(a == target and not b.has(target) for a, b in ((lhs, rhs), (rhs, lhs))
               if a is not None and b is not None)


def _residual(eq: Any) -> Any:
    return eq.lhs - eq.rhs


def _check_exact(q: Question, parsed: ParsedAnswer, text: str, opts: Options,
                 part: str = "") -> Verdict:
    st: _Statement | None = None
    if q.kind == "shape" and not part:
        got, st = _answer_shape(parsed, q, opts)
        want: Any = reference(q)
        same = _same_items(got, want, opts)
        wrong = known_wrong(q)
    else:
        st = _read(one_part(parsed), q, part)
        if st.through_label and st.states is None:
            return _unreadable_label(q, st, text, part)
        want = reference(q, part)
        if not all(getattr(v, "is_number", False) for v in st.values):
            raise AnswerError("parse.syntax", "the answer to this question is a number", 0)
        got = st.values[-1]
        same = _same_number(got, want, opts)
        st.false = [k for k, v in enumerate(st.values[:-1]) if not _same_number(v, want, opts)]
        if st.through_label:
            st.written_right = (getattr(st.written, "is_number", False)
                                and _same_number(st.written, want, opts))
        wrong = known_wrong(q) if not part else ()
    what = f"part {part}: " if part else ""
    # bounded text: Python refuses to write an integer of more than 4,300 digits
    evidence = {"exact": {"expected": bounded_text(want), "got": bounded_text(got)}}
    if same:
        v = Verdict(q.id, Status.EQUIVALENT, "exact.match", f"{what}correct: {_fmt(got)}",
                    answer=text, evidence=evidence)
    else:
        v = Verdict(q.id, Status.NOT_EQUIVALENT, "exact.mismatch",
                    f"{what}not equivalent: the answer is {_fmt(got)}, which is not the "
                    f"expected value", answer=text, evidence=evidence)
        for f, w in wrong:
            if w == got or (not isinstance(w, tuple) and _same_number(w, got, opts)):
                v = Verdict(q.id, Status.NOT_EQUIVALENT, "misconception.match",
                            what + _misconception_message(f), answer=text, evidence=evidence,
                            misconception=f.label)
                break
    return _with_statement(q, st, v, text, part)


def _same_number(a: Any, b: Any, opts: Options) -> bool:
    """Exact equality, decided in the worker: ``simplify`` has no time bound (past the
    check's limit the call raises, and check_question answers limit.timeout)."""
    if a == b:
        return True
    return opts.w.call("exact_equal", a, b, timeout=opts.proof_timeout,
                       budget=opts.budget) is True


def _same_items(a: tuple, b: tuple, opts: Options) -> bool:
    return len(a) == len(b) and (a == b or opts.w.call(
        "exact_equal", tuple(a), tuple(b), timeout=opts.proof_timeout,
        budget=opts.budget) is True)


def _items(v: Any) -> tuple:
    return tuple(v.args) if isinstance(v, sp.Tuple) else (v,)


def _answer_shape(parsed: ParsedAnswer, q: Question,
                  opts: Options) -> tuple[tuple, _Statement]:
    """A shape answer's numbers, and one statement standing for all its parts: a step of a
    part is false when it differs from that part's final value."""
    items: list[Any] = []
    false_texts: list[str] = []
    for chain in parsed.parts:
        st = _read(chain, q)
        final = _items(st.values[-1])
        for k, link in enumerate(st.values[:-1]):
            if not _same_items(_items(link), final, opts):
                false_texts.append(st.texts[k] if k < len(st.texts) else sp.latex(link))
        items.extend(final)
    whole = sp.Tuple(*items)
    return tuple(items), _Statement([whole], false_texts, whole,
                                    false=list(range(len(false_texts))))


def _unreadable_label(q: Question, st: _Statement, text: str, part: str) -> Verdict:
    what = f"part {part}: " if part else ""
    value = st.texts[-1] if st.texts else sp.latex(st.written)
    return Verdict(q.id, Status.NOT_EQUIVALENT, "label.mismatch",
                   f"{what}the label {st.label} is not {st.asked}, and the answer cannot be "
                   f"read as a value of {st.asked}: it states {st.label} = {value}",
                   answer=text, evidence={"label": {"written": st.label, "states": None}})


def _fmt(v: Any) -> str:
    return bounded_text(tuple(v) if isinstance(v, tuple) else v)


def _assign_parts(q: Question, parsed: ParsedAnswer) -> dict[str, Chain] | None:
    """The answer's part for each of the question's parts: by label, the rest in order.
    None when the number of parts is wrong."""
    names = [p.name for p in q.parts]
    if len(parsed.parts) == 1 and len(names) > 1:
        # "(2, 0)": one parenthesised tuple holds the parts, in order
        chain = parsed.parts[0]
        _, values = chain_values(chain)
        if len(values) == 1 and isinstance(values[0], sp.Tuple):
            parsed = ParsedAnswer([Chain([v], [], chain.pos) for v in values[0].args])
    if len(parsed.parts) != len(names):
        return None
    assigned: dict[str, Chain] = {}
    unlabelled = []
    for chain in parsed.parts:
        label = _label_part(chain)  # the asked name, or an expression of it (2 P = ...)
        if label is not None and label in names and label not in assigned:
            assigned[label] = chain
        else:
            unlabelled.append(chain)
    for name in names:
        if name not in assigned:
            assigned[name] = unlabelled.pop(0)
    return assigned


def _tuple_misconception(q: Question, assigned: dict[str, Chain], opts: Options) -> Form | None:
    """The known wrong answer whose every part equals the answer's, at the question's
    points: numerically, as a one-value answer's misconception is named, so that the same
    answer names the same misconception in every process (a proof under a grading run's
    budget finishes in one process and not in another)."""
    from ..judge.numeric import compare
    from ..judge.torch_eval import Unsupported
    known = known_wrong(q)
    if not known:
        return None
    values = {name: _read(chain, q, name).values[-1] for name, chain in assigned.items()}
    for f, parts in known:
        same = bool(parts)
        for name, wrong_value in parts.items():
            value = values[name]
            try:
                run = compare(q, wrong_value, [value], seed=opts.seed, device=opts.device,
                              part=name)
            except (Unsupported, ArithmeticError, RuntimeError, TypeError, AttributeError):
                same = False
            else:
                same = run.outcomes[0].status == "agree"
            if not same:
                break
        if same:
            return f
    return None


def _check_tuple(q: Question, parsed: ParsedAnswer, text: str, opts: Options) -> Verdict:
    names = [p.name for p in q.parts]
    assigned = _assign_parts(q, parsed)
    if assigned is None:
        return Verdict(q.id, Status.NOT_EQUIVALENT, "tuple.arity",
                       f"expected {len(names)} parts ({', '.join(names)}), got "
                       f"{len(parsed.parts)}", answer=text)
    verdicts = {}
    for p in q.parts:
        sub = ParsedAnswer([assigned[p.name]])
        if p.kind == "count":
            verdicts[p.name] = _check_exact(q, sub, text, opts, part=p.name)
        else:
            verdicts[p.name] = _judge_statement(q, _read(assigned[p.name], q, p.name), text,
                                                opts, part=p.name)
    evidence: dict[str, Any] = {"parts": {k: v.to_dict() for k, v in verdicts.items()}}
    false_links = [s for v in verdicts.values() for s in v.evidence.get("false_links", ())]
    if false_links:
        evidence["false_links"] = false_links
    failing = [v for v in verdicts.values() if v.status is not Status.EQUIVALENT]
    if not failing:
        reason = ("symbolic.proven" if all(v.reason in ("symbolic.proven", "exact.match")
                                           for v in verdicts.values()) else "numeric.agree")
        return Verdict(q.id, Status.EQUIVALENT, reason,
                       "correct: " + "; ".join(f"{k} right" for k in verdicts),
                       answer=text, evidence=evidence)
    first = failing[0]
    own = {v.reason for v in failing}
    if own == {"chain.false_link"}:  # every final value right, some step false
        return Verdict(q.id, Status.NOT_EQUIVALENT, "chain.false_link",
                       "; ".join(v.message for v in failing), answer=text,
                       counterexample=first.counterexample, evidence=evidence)
    if first.status is Status.NOT_EQUIVALENT:
        f = _tuple_misconception(q, assigned, opts)
        if f is not None:
            return Verdict(q.id, Status.NOT_EQUIVALENT, "misconception.match",
                           _misconception_message(f), answer=text,
                           counterexample=first.counterexample, evidence=evidence,
                           misconception=f.label)
        # a wrong label is said as such; anything else is a wrong part
        reason = "label.mismatch" if own == {"label.mismatch"} else "tuple.part_mismatch"
        return Verdict(q.id, Status.NOT_EQUIVALENT, reason, first.message,
                       answer=text, counterexample=first.counterexample, evidence=evidence,
                       misconception=first.misconception)
    return Verdict(q.id, first.status, first.reason, first.message, answer=text,
                   evidence=evidence)


KINDS: dict[str, Callable[..., Verdict]] = {
    "expression": _check_expression,
    "equation": _check_equation,
    "tuple": _check_tuple,
    "count": _check_exact,
    "shape": _check_exact,
}
