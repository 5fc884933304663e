"""``derive validate``: check the bank itself, three ways per question.

For every question:

1. **closed form vs definition, symbolically**: the stored reference,
   instantiated at small dimensions (and every value of an index), against the
   definition's SymPy derivation. Required for every question that is not a plain
   count or shape: a question without one fails. Piecewise answers are compared
   region by region between their kinks (:mod:`.regions`);
2. **closed form vs torch**: the reference against the definition's torch
   computation (autograd, a forward pass, a module's parameter count) at random
   points inside the declared domains;
3. **the forms**: every accepted form must be judged equivalent and every known
   wrong answer not equivalent, with the expected reason code.

Tier-2 claims are settled (proof, counterexample or computation) and compared with
the outcome the bank expects (``expect``, or the printed key corrected by a declared
``erratum``); a disagreement fails. The result is a list of records, used by the CLI's table, by the
solution PDFs' verification record, and by the test suite.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import time
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Callable

import sympy as sp

from ..bank.loader import Bank, Claim, Question
from ..errors import DeriveError
from ..judge.check import Options, check_question, reference, target_solution
from ..judge.symbolic import INSTANCE_DIMS, explicit, instantiate
from ..notation.derived import expand_derived
from ..judge.verdict import Status
from .regions import equal_by_regions, has_kinks

EXACT_KINDS = ("count", "shape")


@dataclass
class FormResult:
    role: str              # "accept" | "reject"
    latex: str
    label: str | None
    ok: bool
    status: str
    reason: str
    expected: str
    message: str


@dataclass
class Record:
    question: str
    ok: bool
    symbolic: dict[str, Any] = field(default_factory=dict)
    numeric: dict[str, Any] = field(default_factory=dict)
    forms: list[FormResult] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0


    @property
    def symbolic_summary(self) -> str:
        """``proven``, ``FAILED`` or ``-`` (no symbolic derivation to compare with)."""
        results = [v.get("result") for v in self.symbolic.values()]
        if any(r is False for r in results):
            return "FAILED"
        return "proven" if results and all(r is True for r in results) else "-"

    @property
    def numeric_summary(self) -> str:
        """``192 pts, err 2e-16``, ``exact``, ``MISMATCH`` or ``-`` (no torch comparison)."""
        entries = [v for v in self.numeric.values() if isinstance(v, dict)]
        if any(v.get("status") == "mismatch" for v in entries):
            return "MISMATCH"
        if not entries or any(v.get("status") != "agree" for v in entries):
            return "-"
        if all("points" in v for v in entries):
            errs = [v.get("max_abs_error") for v in entries]
            err = "" if None in errs else f", err {max(errs):.0e}" if max(errs) else ", err 0"
            return f"{sum(v['points'] for v in entries)} pts{err}"
        return "exact"


@dataclass
class ClaimRecord:
    claim: str
    ok: bool
    holds: Any
    method: str
    evidence: str
    exam_key: Any
    agrees_with_key: bool | None
    details: dict[str, Any] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    expect: Any = None                       # what the bank expects the settler to find
    erratum: dict[str, Any] | None = None    # the declared erratum, when the key is wrong


@dataclass
class Report:
    records: list[Record]
    claims: list[ClaimRecord]
    date: str
    seed: int
    device: str

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.records) and all(c.ok for c in self.claims)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self) | {"ok": self.ok}


def load_report(path: str | os.PathLike) -> Report:
    """A :class:`Report` read back from ``derive validate --json FILE``."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        records = [_make(Record, r, forms=[_make(FormResult, f) for f in r.get("forms", [])])
                   for r in data["records"]]
        claims = [_make(ClaimRecord, c) for c in data.get("claims", [])]
        return Report(records, claims, str(data.get("date", "unknown date")),
                      int(data.get("seed", 0)), str(data.get("device", "unknown")))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DeriveError(f"{path}: not a report written by 'derive validate --json' "
                          f"({type(exc).__name__}: {exc})") from None


def _make(cls: type, data: dict, **override: Any) -> Any:
    """A dataclass from a dict, ignoring keys it does not have (newer reports)."""
    names = {f.name for f in fields(cls)}
    return cls(**({k: v for k, v in data.items() if k in names} | override))


def validate(bank: Bank, selection: str | None = None, *, seed: int = 0,
             device: str | None = None,
             progress: Callable[[str, int, int], None] | None = None,
             claims: bool = True) -> Report:
    from ..judge.numeric import resolve_device
    only_claim = bool(selection) and selection in bank.claims and selection not in bank.questions
    questions = [] if only_claim else bank.select(selection)
    if claims:
        if not selection:
            chosen = list(bank.claims.values())
        elif selection in bank.exams:
            chosen = list(bank.exams[selection].claims)
        else:
            chosen = [c for c in bank.claims.values() if c.id == selection]
    else:
        chosen = []
    opts = Options(seed=seed, device=device, bank=bank)
    total = len(questions) + len(chosen)
    records = []
    for k, q in enumerate(questions):
        if progress:
            progress(q.id, k, total)
        records.append(validate_question(q, opts))
    claim_records = []
    for k, c in enumerate(chosen):
        if progress:
            progress(c.id, len(questions) + k, total)
        claim_records.append(validate_claim(c))
    return Report(records, claim_records, _dt.datetime.now(_dt.timezone.utc).isoformat(
        timespec="seconds"), seed, str(resolve_device(device)))


def validate_question(q: Question, opts: Options) -> Record:
    start = time.perf_counter()
    rec = Record(q.id, True)
    try:
        _check_reference(q, opts, rec)
    except Exception as exc:  # a broken entry is a failed record, not a crash
        rec.problems.append(f"reference check crashed: {type(exc).__name__}: {exc}")
    for role, forms in (("accept", q.accept), ("reject", q.reject)):
        for f in forms:
            v = check_question(q, f.latex, opts)
            if role == "accept":
                ok = v.status is Status.EQUIVALENT
                expected = "equivalent"
            else:
                # a known wrong answer must be judged wrong: "could not read it" or "ran out
                # of time" is not a rejection, unless the form says that is what it tests
                # (reason = "parse.undeclared_symbol" for \delta written for \Delta)
                ok = (v.reason == f.reason if f.reason
                      else v.status is Status.NOT_EQUIVALENT)
                expected = f.reason or "not equivalent"
            rec.forms.append(FormResult(role, f.latex, f.label, ok, v.status.value, v.reason,
                                        expected, v.message))
            if not ok:
                rec.problems.append(f"{role} form {f.label or f.latex!r}: expected {expected}, "
                                    f"got {v.status.value} ({v.reason}): {v.message}")
    rec.ok = not rec.problems
    rec.seconds = time.perf_counter() - start
    return rec


def _check_reference(q: Question, opts: Options, rec: Record) -> None:
    from ..judge.numeric import compare
    d = q.ground_truth()
    if d is not None:
        rec.numeric["describe"] = d.describe
    if q.kind in EXACT_KINDS or (q.kind == "tuple" and all(p.kind == "count" for p in q.parts)):
        _check_exact_reference(q, d, rec)
        return
    parts = [p.name for p in q.parts] if q.kind == "tuple" else [""]
    for part in parts:
        kind = next((p.kind for p in q.parts if p.name == part), q.kind)
        label = f"part {part}: " if part else ""
        if kind == "count":
            continue
        if q.kind == "equation":
            ref = target_solution(q)
        else:
            ref = reference(q, part)
        # symbolic: the reference against the definition's own derivation (required)
        if d is None or d.sympy is None:
            why = ("no definition" if d is None else
                   f"the definition {q.definition!r} has no SymPy derivation (sympy=)")
            rec.symbolic[part or "value"] = {"result": None, "method": why}
            rec.problems.append(f"{label}{why}: every question that is not a count or a "
                                f"shape needs one, so that its reference is derived from "
                                f"its definition")
        else:
            entry = _symbolic_vs_definition(q, ref, d, part)
            rec.symbolic[part or "value"] = entry
            if entry["result"] is not True:
                rec.problems.append(f"{label}reference vs the definition's SymPy derivation: "
                                    f"{entry['method']}")
        if d is None:
            continue
        run = compare(q, ref, [ref], seed=opts.seed, device=opts.device, part=part,
                      definition=d)
        o = run.outcomes[0]
        rec.numeric[part or "value"] = {
            "status": o.status, "points": o.points, "max_abs_error": o.max_abs_error,
            "against": run.against, "device": run.device, "seed": run.seed}
        if o.status != "agree":
            rec.problems.append(f"{label}reference vs torch ({d.describe}): {o.status} "
                                f"{o.detail} {o.counterexample or ''}")


def _check_exact_reference(q: Question, d: Any, rec: Record) -> None:
    if d is None:
        rec.numeric["value"] = {"status": "no definition"}
        return
    got = d.torch({})
    if q.kind == "tuple":
        want = {p.name: reference(q, p.name) for p in q.parts}
        ok = all(sp.simplify(sp.sympify(got[k]) - v) == 0 for k, v in want.items())
    elif q.kind == "shape":
        want = reference(q)
        ok = tuple(int(x) for x in got) == tuple(int(x) for x in want)
    else:
        want = reference(q)
        ok = sp.simplify(sp.sympify(got) - want) == 0
    rec.numeric["value"] = {"status": "agree" if ok else "mismatch", "torch": str(got),
                            "reference": str(want), "device": "cpu (meta tensors)"}
    rec.symbolic["value"] = {"result": None, "method": "an exact value: compared exactly"}
    if not ok:
        rec.problems.append(f"reference {want} but the torch computation gives {got}")


#: a derived expression longer than this (as LaTeX) is summarised in the report
LATEX_LIMIT = 1500


def _symbolic_vs_definition(q: Question, ref: Any, d: Any, part: str) -> dict[str, Any]:
    """The reference against ``d.sympy`` at every instance: each dims setting (2 and 3
    by default, or the definition's own ``dims``) and each value of every index.

    Returns the report's entry: ``result`` (True only if every instance was shown
    equal), ``method``, ``derivation`` (what the SymPy function does), ``derived`` and
    ``reference`` (both as LaTeX, at the first instance) and ``instances``.
    """
    ctx = q.context
    dims = [s for s in ctx.specs if s.kind == "dim"]
    indices = [s for s in ctx.specs if s.kind == "index"]
    settings = _dim_settings(dims, d)
    entry: dict[str, Any] = {"result": None, "method": "", "derivation": d.derivation,
                             "instances": []}
    regions = 0
    for values in settings:
        for idx in _index_values(indices, values):
            where = _where(values, idx)
            named: dict[str, Any] = dict(values)
            for s in ctx.specs:
                if s.kind in ("vector", "matrix", "family", "identity", "ones"):
                    named[s.name] = explicit(s, ctx, values)
                elif s.kind == "index":
                    named[s.name] = sp.Integer(idx[s.name])
                elif s.kind != "dim":
                    named[s.name] = ctx.objects[s.name]
            want = d.sympy(named)
            if isinstance(want, dict):
                want = want[part]
            want = _sympify(want)
            got = _instantiate(ref, ctx, values, idx)
            if "derived" not in entry:
                entry["derived"] = _latex(want, ctx)
                entry["reference"] = _latex(got, ctx)
            entry["instances"].append(where or "as declared")
            equal, how = _equal(got, want)
            regions += how
            if equal is not True:
                entry["result"] = False
                at = where or "the declared symbols"
                entry["method"] = (f"differs from the definition's derivation at {at}: "
                                   f"{equal if isinstance(equal, str) else 'not shown equal'}")
                entry["derived_there"] = _latex(want, ctx)
                entry["reference_there"] = _latex(got, ctx)
                return entry
    entry["result"] = True
    at = ""
    if dims:
        at = " at " + " and ".join(", ".join(f"{k} = {v}" for k, v in s.items())
                                   for s in settings)
    if indices:
        at += f" and every value of {', '.join(s.name for s in indices)}"
    by = f", region by region between its kinks ({regions} regions)" if regions else ""
    entry["method"] = f"equals the SymPy derivation from the definition{at}{by}"
    return entry


def _dim_settings(dims: list[Any], d: Any) -> list[dict[str, int]]:
    if not dims:
        return [{}]
    if d.dims:
        return [{s.name: int(setting.get(s.name, INSTANCE_DIMS[0])) for s in dims}
                for setting in d.dims]
    # 2, then 3, but never below a dim's declared range (C >= 3 classes: 3, then 4)
    return [{s.name: k if not s.bounds else max(k, int(s.bounds[0]) + i) for s in dims}
            for i, k in enumerate(INSTANCE_DIMS)]


def _index_values(indices: list[Any], values: dict[str, int]) -> list[dict[str, int]]:
    """Every combination of the indices' values (an index ranges over its dim)."""
    out: list[dict[str, int]] = [{}]
    for s in indices:
        top = values.get(s.of or "", None)
        if top is None:
            top = int(s.bounds[1]) if s.bounds else INSTANCE_DIMS[0]
        out = [dict(o, **{s.name: k}) for o in out for k in range(1, int(top) + 1)]
    return out


def _where(values: dict[str, int], idx: dict[str, int]) -> str:
    return ", ".join(f"{k} = {v}" for k, v in {**values, **idx}.items())


def _instantiate(ref: Any, ctx: Any, values: dict[str, int], idx: dict[str, int]) -> Any:
    """``ref`` with dims set, vectors explicit, derived symbols expanded (to a fixed
    point: a derived family's entries can name derived scalars) and indices set.

    Inverses are set aside first and made explicit as adjugate / determinant: SymPy's
    default elimination, with its intermediate simplification, takes seconds for the
    2 x 2 inverse of a matrix of symbolic sums."""
    inverses: dict[str, Any] = {}

    def hold(n: Any) -> Any:
        name = f"_derive_inverse_{len(inverses)}"
        inverses[name] = n.arg
        return sp.MatrixSymbol(name, *n.shape)

    e = ref.replace(lambda n: isinstance(n, sp.Inverse), hold) \
        if isinstance(ref, sp.Basic) else ref
    for _ in range(6):
        e2 = expand_derived(instantiate(expand_derived(e, ctx), ctx, values), ctx)
        if e2 == e:
            break
        e = e2
    if inverses and isinstance(e, sp.Basic):
        explicit_inverse = {}
        for m in e.atoms(sp.MatrixSymbol):
            if m.name in inverses:
                a = sp.Matrix(_instantiate(inverses[m.name], ctx, values, idx))
                explicit_inverse[m] = sp.ImmutableMatrix(a.adjugate(method="berkowitz")
                                                         / a.det(method="berkowitz"))
        e = e.xreplace(explicit_inverse)
    subs = {ctx.objects[k]: sp.Integer(v) for k, v in idx.items()}
    if subs and isinstance(e, sp.Basic):
        e = e.xreplace(subs)
    if isinstance(e, sp.Basic):
        e = e.doit()
    return e


def _sympify(v: Any) -> Any:
    if isinstance(v, (list, tuple)):
        return sp.Matrix(v)
    return v if isinstance(v, (sp.Basic, sp.MatrixBase)) else sp.sympify(v)


def _latex(e: Any, ctx: Any) -> str:
    """LaTeX of a SymPy value, scalar symbols written as the question writes them."""
    names = {}
    for s in ctx.specs:
        obj = ctx.objects.get(s.name)
        if isinstance(obj, sp.Symbol) and s.latex:
            names[obj] = s.latex[0]
    try:
        text = sp.latex(e, symbol_names=names)
    except (TypeError, ValueError):
        text = sp.latex(e)
    if len(text) > LATEX_LIMIT:
        shape = f"a {e.shape[0]} \\times {e.shape[1]} matrix, " \
            if isinstance(e, sp.MatrixBase) else ""
        return f"\\text{{({shape}{len(text)} characters of LaTeX)}}"
    return text


def _is_zero(x: Any) -> bool:
    if x == 0:
        return True
    try:  # a rational function of its atoms is 0 when its numerator expands to 0
        if sp.expand(sp.numer(sp.together(x))) == 0:
            return True
    except (sp.PolynomialError, TypeError, ValueError):
        pass
    return sp.simplify(x) == 0


def _equal(got: Any, want: Any) -> tuple[bool | str, int]:
    """(True, regions compared) or (a reason, 0)."""
    g_mat, w_mat = isinstance(got, sp.MatrixBase), isinstance(want, sp.MatrixBase)
    if g_mat or w_mat:
        g = sp.Matrix(got) if g_mat else sp.Matrix([got])
        w = sp.Matrix(want) if w_mat else sp.Matrix([want])
        if g.shape != w.shape:
            return f"the reference is {g.shape[0]} x {g.shape[1]}, the derivation " \
                   f"{w.shape[0]} x {w.shape[1]}", 0
        diff: Any = sp.ImmutableMatrix(g - w)
        entries = list(diff)
    else:
        diff = sp.sympify(got - want)
        entries = [diff]
    if has_kinks(diff):  # simplify rarely decides a kink; split into regions at once
        if all(x == 0 for x in entries):
            return True, 0
        r = equal_by_regions(diff, _is_zero)
        if r.equal:
            return True, r.regions
        return (r.detail or f"not shown equal over {r.regions} regions"), 0
    if all(_is_zero(x) for x in entries):
        return True, 0
    return "the difference does not simplify to 0", 0


def validate_claim(c: Claim) -> ClaimRecord:
    """Settle a claim and compare the outcome with what the bank expects.

    The expected outcome is the claim's ``expect``, or the printed key corrected by
    its declared ``erratum`` (the loader makes the two agree). A settler finding
    anything else fails, whatever the claim's note says.
    """
    erratum = asdict(c.erratum) if c.erratum is not None else None
    try:
        s = c.settle_now()
    except Exception as exc:
        return ClaimRecord(c.id, False, None, "error", f"{type(exc).__name__}: {exc}",
                           c.exam_key, None, problems=[f"settler crashed: {exc}"],
                           expect=c.expect, erratum=erratum)
    problems = []
    if s.method not in CLAIM_METHODS:
        problems.append(f"the settler's method is {s.method!r}, not one of "
                        f"{', '.join(CLAIM_METHODS)}")
    if not s.evidence.strip():
        problems.append("the settler gives no evidence")
    if not _same_outcome(s.holds, c.expect):
        problems.append(f"the settler finds {_outcome_text(s.holds)}, but the bank expects "
                        f"{_outcome_text(c.expect)}")
    agrees = None if c.exam_key is None else _same_outcome(s.holds, c.exam_key)
    return ClaimRecord(c.id, not problems, s.holds, s.method, s.evidence, c.exam_key, agrees,
                       s.details, problems, expect=c.expect, erratum=erratum)


CLAIM_METHODS = ("proof", "counterexample", "computation")


def _same_outcome(a: Any, b: Any) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return set(a) == set(b) and all(bool(a[k]) is bool(b[k]) for k in a)
    return isinstance(a, bool) and isinstance(b, bool) and a is b


def _outcome_text(v: Any) -> str:
    if isinstance(v, dict):
        return ", ".join(f"{k}: {'true' if x else 'false'}" for k, x in v.items())
    return {True: "true", False: "false"}.get(v, repr(v))
