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

import functools
from dataclasses import dataclass
from typing import Any, Callable

import sympy as sp

from ..bank.loader import Bank, Form, Question, load_bank
from ..errors import AnswerError, BankError
from ..notation.answer import Chain, ParsedAnswer, one_part, single_value
from ..notation.answer import values as chain_values
from ..notation.parser import parse_answer
from ..judge.sandbox import SandboxError, Worker, shared_worker
from ..judge.symbolic import Proof
from ..judge.verdict import REASONS, Counterexample, Status, Verdict

PARSE_TIMEOUT = 10.0
PROOF_TIMEOUT = 10.0


@dataclass
class Options:
    seed: int = 0
    device: str | None = None
    parse_timeout: float = PARSE_TIMEOUT
    proof_timeout: float = PROOF_TIMEOUT
    symbolic: bool = True
    worker: Worker | None = None
    bank: Bank | None = None
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

def check(question: str, answer: str | bytes, *, seed: int = 0, device: str | None = None,
          timeout: float = PROOF_TIMEOUT, symbolic: bool = True,
          bank: str | None = None) -> Verdict:
    """Check ``answer`` (LaTeX) against bank question ``question``.

    Returns a :class:`Verdict`; never raises for a bad answer (that is an
    ``invalid`` verdict). Raises :class:`UnknownQuestion` for an id not in the bank.
    ``seed`` fixes the numeric points; ``device`` is ``"cpu"``, ``"cuda"`` or
    ``None`` (CUDA when present); ``timeout`` bounds the symbolic proof, in seconds.
    """
    b = load_bank(bank)
    q = b.question(question)
    opts = Options(seed=seed, device=device, proof_timeout=timeout, symbolic=symbolic, bank=b)
    return check_question(q, answer, opts)


def check_question(q: Question, answer: str | bytes, opts: Options) -> Verdict:
    text = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else answer
    try:
        parsed = opts.w.call("parse", opts.bank_dirs, q.id, answer,
                             timeout=opts.parse_timeout)
    except SandboxError as exc:
        return _undecided(q, text, exc.code, f"reading the answer hit a limit: {exc}")
    if isinstance(parsed, AnswerError):
        # the status follows the reason code: unreadable text is invalid, a dimensionally
        # inconsistent answer wrong (shape.inconsistent), an ambiguous notation undecided
        return _from_answer_error(q, text, parsed)
    try:
        return KINDS[q.kind](q, parsed, text, opts)
    except AnswerError as exc:
        # the status follows the reason code: a wrong number of parts is a wrong answer,
        # a syntax fault an invalid one
        return _from_answer_error(q, text, exc)


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
    chain = one_part(parsed)
    label, values = chain_values(chain)
    return _judge_values(q, values, text, opts, part, _link_texts(chain, label))


def _link_texts(chain: Chain, label: str | None) -> list[str]:
    """The intermediate steps of a chain as the user wrote them (for the message)."""
    first = 1 if label is not None else 0
    return chain.texts[first:]


def _judge_values(q: Question, values: list[Any], text: str, opts: Options,
                  part: str = "", texts: list[str] | None = None) -> Verdict:
    from ..judge.numeric import compare
    from ..judge.torch_eval import Unsupported
    ref = reference(q, part)
    final = values[-1]
    links = values[:-1]
    wrong = known_wrong(q) if not part else ()
    exprs = [final, *links, *(w for _, w in wrong)]
    # numbers first: a counterexample settles "not equivalent" in milliseconds, so the
    # symbolic proof (seconds, up to its time limit) is only tried for answers that agree
    try:
        run = compare(q, ref, exprs, seed=opts.seed, device=opts.device, part=part,
                      definition=q.ground_truth())
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
    false_links = [k for k in range(len(links)) if run.outcomes[1 + k].status == "mismatch"]
    if false_links:
        evidence["false_links"] = [texts[k] if texts and k < len(texts) else sp.latex(links[k])
                                   for k in false_links]
    misconception = None
    for k in o.agrees_with:
        if k >= 1 + len(links):
            misconception = wrong[k - 1 - len(links)][0]
            break
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
        if false_links:
            msg += f"; but the step '{evidence['false_links'][0]}' in the chain is false"
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
    reason = "numeric.unsupported" if o.detail else "numeric.no_points"
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
                           timeout=opts.proof_timeout)
    except SandboxError as exc:
        return [Proof(None, f"symbolic step stopped: {exc}")] * len(pairs)


def _check_equation(q: Question, parsed: ParsedAnswer, text: str, opts: Options) -> Verdict:
    chain = one_part(parsed, "equation")
    *links, cand = _equations(chain, q)
    verdict = _judge_equation(q, cand, text, opts)
    false_links = [k for k, link in enumerate(links)
                   if _judge_equation(q, link, text, opts).status is Status.NOT_EQUIVALENT]
    if not false_links:
        return verdict
    rhs_texts = chain.texts[1:]  # "lhs = step = ... = answer": the steps as written
    shown = [rhs_texts[k] if k < len(rhs_texts) else sp.latex(getattr(links[k], "rhs", links[k]))
             for k in false_links]
    evidence = dict(verdict.evidence, false_links=shown)
    message = verdict.message
    if verdict.status is Status.EQUIVALENT:
        message += f"; but the step '{shown[0]}' in the chain is false"
    return Verdict(q.id, verdict.status, verdict.reason, message, answer=text,
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
                                cand, sol, timeout=opts.proof_timeout)
        except SandboxError as exc:
            proof = Proof(None, f"symbolic step stopped: {exc}")
    else:
        proof = Proof(None, "compared numerically")
    residual = _residual(cand)
    shift = sp.OneMatrix(*target.shape) if isinstance(target, sp.MatrixSymbol) else sp.Integer(1)
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


def _residual(eq: Any) -> Any:
    return eq.lhs - eq.rhs


def _check_exact(q: Question, parsed: ParsedAnswer, text: str, opts: Options,
                 part: str = "") -> Verdict:
    if q.kind == "shape" and not part:
        got: Any = _shape(parsed)
        want: Any = reference(q)
        same = len(got) == len(want) and all(sp.simplify(a - b) == 0 for a, b in zip(got, want))
        wrong = known_wrong(q)
    else:
        got = single_value(parsed)
        want = reference(q, part)
        if not getattr(got, "is_number", False):
            raise AnswerError("parse.syntax", "the answer to this question is a number", 0)
        same = sp.simplify(got - want) == 0
        wrong = known_wrong(q) if not part else ()
    what = f"part {part}: " if part else ""
    evidence = {"exact": {"expected": str(want), "got": str(got)}}
    if same:
        return Verdict(q.id, Status.EQUIVALENT, "exact.match", f"{what}correct: {got}",
                       answer=text, evidence=evidence)
    for f, w in wrong:
        if w == got or (not isinstance(w, tuple) and sp.simplify(w - got) == 0):
            return Verdict(q.id, Status.NOT_EQUIVALENT, "misconception.match",
                           what + _misconception_message(f), answer=text, evidence=evidence,
                           misconception=f.label)
    return Verdict(q.id, Status.NOT_EQUIVALENT, "exact.mismatch",
                   f"{what}not equivalent: the answer is {_fmt(got)}, which is not the "
                   f"expected value", answer=text, evidence=evidence)


def _fmt(v: Any) -> str:
    if isinstance(v, tuple):
        return "(" + ", ".join(str(x) for x in v) + ")"
    return str(v)


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
        label, _ = chain_values(chain)
        if label is not None and label in names and label not in assigned:
            assigned[label] = chain
        else:
            unlabelled.append(chain)
    for name in names:
        if name not in assigned:
            assigned[name] = unlabelled.pop(0)
    return assigned


def _tuple_misconception(q: Question, assigned: dict[str, Chain], opts: Options) -> Form | None:
    """The known wrong answer whose every part equals the answer's (proved in the worker)."""
    forms, pairs = [], []
    for f, parts in known_wrong(q):
        forms.append(f)
        pairs.extend((chain_values(assigned[name])[1][-1], parts[name]) for name in parts)
    if not forms:
        return None
    proofs = _prove(q, pairs, opts)
    n = len(q.parts)
    for k, f in enumerate(forms):
        if all(p.result is True for p in proofs[k * n:(k + 1) * n]):
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
            label, values = chain_values(assigned[p.name])
            verdicts[p.name] = _judge_values(q, values, text, opts, part=p.name,
                                             texts=_link_texts(assigned[p.name], label))
    evidence = {"parts": {k: v.to_dict() for k, v in verdicts.items()}}
    failing = [v for v in verdicts.values() if v.status is not Status.EQUIVALENT]
    if not failing:
        reason = ("symbolic.proven" if all(v.reason in ("symbolic.proven", "exact.match")
                                           for v in verdicts.values()) else "numeric.agree")
        return Verdict(q.id, Status.EQUIVALENT, reason,
                       "correct: " + "; ".join(f"{k} right" for k in verdicts),
                       answer=text, evidence=evidence)
    first = failing[0]
    if first.status is Status.NOT_EQUIVALENT:
        f = _tuple_misconception(q, assigned, opts) if opts.symbolic else None
        if f is not None:
            return Verdict(q.id, Status.NOT_EQUIVALENT, "misconception.match",
                           _misconception_message(f), answer=text,
                           counterexample=first.counterexample, evidence=evidence,
                           misconception=f.label)
        return Verdict(q.id, Status.NOT_EQUIVALENT, "tuple.part_mismatch", first.message,
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
