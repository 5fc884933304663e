"""``derive validate``: check the bank itself, three ways per question.

For every question:

1. **closed form vs definition, symbolically**: the stored reference,
   instantiated at small dimensions, against the definition's SymPy derivation
   (where the definition has one);
2. **closed form vs torch**: the reference against the definition's torch
   computation (autograd, a forward pass, a module's parameter count) at random
   points inside the declared domains;
3. **the forms**: every accepted form must be judged equivalent and every known
   wrong answer not equivalent, with the expected reason code.

Tier-2 claims are settled (proof or counterexample) and compared with the
exam's key. The result is a list of records, used by the CLI's table, by the
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
from ..judge.symbolic import INSTANCE_DIMS, Proof, explicit, instantiate
from ..notation.derived import expand_derived
from ..judge.verdict import Status

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
        # symbolic: the reference against the definition's own derivation
        if d is not None and d.sympy is not None:
            proof = _symbolic_vs_definition(q, ref, d, part)
            rec.symbolic[part or "value"] = {"result": proof.result, "method": proof.method}
            if proof.result is not True:
                rec.problems.append(f"{label}reference vs the definition's SymPy derivation: "
                                    f"{proof.method}")
        else:
            rec.symbolic[part or "value"] = {
                "result": None, "method": "no symbolic derivation in the definition" if d else
                "no definition: checked through its accepted and rejected forms"}
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


def _symbolic_vs_definition(q: Question, ref: Any, d: Any, part: str) -> Proof:
    ctx = q.context
    dims = [s for s in ctx.specs if s.kind == "dim"]
    sizes = INSTANCE_DIMS if dims else (None,)
    for k in sizes:
        values = {s.name: k for s in dims}
        named: dict[str, Any] = dict(values)
        for s in ctx.specs:
            if s.kind in ("vector", "matrix", "family", "identity", "ones"):
                named[s.name] = explicit(s, ctx, values)
            elif s.kind != "dim":
                named[s.name] = ctx.objects[s.name]
        want = d.sympy(named)
        if isinstance(want, dict):
            want = want[part]
        got = instantiate(expand_derived(ref, ctx), ctx, values)  # Z = diag(...) etc.
        diff = (sp.Matrix(got) - sp.Matrix(want)) if isinstance(got, sp.MatrixBase) else \
            sp.Matrix([got - want])
        if any(sp.simplify(x) != 0 for x in diff):
            return Proof(False, f"differs from the definition's derivation at {values or 'fixed dims'}")
    where = f" at {', '.join(s.name for s in dims)} = {' and '.join(map(str, sizes))}" if dims else ""
    return Proof(True, f"equals the SymPy derivation from the definition{where}")


def validate_claim(c: Claim) -> ClaimRecord:
    try:
        s = c.settle_now()
    except Exception as exc:
        return ClaimRecord(c.id, False, None, "error", f"{type(exc).__name__}: {exc}",
                           c.exam_key, None, problems=[f"settler crashed: {exc}"])
    agrees = None
    problems = []
    if c.exam_key is not None:
        agrees = s.holds == c.exam_key
        if not agrees:
            # a disagreement with the key is a finding (an erratum), not a failure,
            # when the bank records it in the claim's note
            if "erratum" not in c.note.lower():
                problems.append(f"derive says {s.holds}, the exam's key says {c.exam_key}; "
                                f"record it as an erratum in the claim's note if derive is right")
    return ClaimRecord(c.id, not problems, s.holds, s.method, s.evidence, c.exam_key, agrees,
                       s.details, problems)
