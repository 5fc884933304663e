"""The verification record in words: what a booklet says about a question or a claim.

Pure functions from a :class:`~derive.validate.run.Record` (or ``ClaimRecord``) and the
bank entry to plain sentences; the Typst and LaTeX documents only lay them out. The words
are for an instructor: they say what was proven, against what, and where the check could
miss something. Nothing here is printed in the student edition except :func:`status`
(a failed or missing record is never hidden) and the answers of claims
(:func:`answer_text`).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..bank.loader import Claim, Exam, Question
from .content import number_key

__all__ = ["Verdicts", "status", "is_green", "booklet_ok", "ground_truth", "symbolic_lines",
           "numeric_lines", "limits_lines", "forms_line", "wrong_answer_verdict",
           "answer_text", "key_text", "claim_erratum", "summary_rows", "SUMMARY_HEAD",
           "VERIFIED", "FORMS_ONLY"]

VERIFIED = "verified"
FORMS_ONLY = "forms checked"   # green record, but no ground truth beyond the bank's reference
SETTLED = "settled"
GREEN = (VERIFIED, SETTLED, FORMS_ONLY)


@dataclass(frozen=True)
class Verdicts:
    """The records of one exam, looked up by id."""

    records: dict[str, Any]
    claims: dict[str, Any]

    @classmethod
    def of(cls, exam: Exam, report: Any) -> "Verdicts":
        ids = {q.id for q in exam.questions}
        cids = {c.id for c in exam.claims}
        return cls({r.question: r for r in report.records if r.question in ids},
                   {c.claim: c for c in report.claims if c.claim in cids})


def ground_truth(rec: Any) -> bool:
    """True when something other than the bank's own reference stands behind the answer:
    a symbolic proof, or a torch computation it agreed with."""
    if rec is None:
        return False
    proven = any(s.get("result") is True for s in rec.symbolic.values())
    numeric = any(isinstance(n, dict) and n.get("status") == "agree" and
                  ("points" in n or "torch" in n) for n in rec.numeric.values())
    return proven or numeric


def status(rec: Any) -> str:
    """The badge of a record: verified, forms checked, settled, FAILED, NOT VERIFIED."""
    if rec is None:
        return "NOT VERIFIED"
    if not rec.ok:
        return "FAILED"
    if hasattr(rec, "claim"):
        return SETTLED
    return VERIFIED if ground_truth(rec) else FORMS_ONLY


def is_green(label: str) -> bool:
    return label in GREEN


def booklet_ok(exam: Exam, report: Any) -> bool:
    """True when every question and claim of ``exam`` has a passing record."""
    v = Verdicts.of(exam, report)
    return all(v.records.get(q.id) is not None and v.records[q.id].ok for q in exam.questions) \
        and all(v.claims.get(c.id) is not None and v.claims[c.id].ok for c in exam.claims)


# --- questions --------------------------------------------------------------------------

def _label(part: str) -> str:
    return "" if part == "value" else f"part {part}: "


_SYMBOLIC_WORDS = {
    "no symbolic derivation in the definition":
        "no proof: the definition is a torch computation with no SymPy derivation",
    "an exact value: compared exactly": "not needed: an exact value, compared exactly",
}


def symbolic_lines(rec: Any, q: Question | None = None) -> list[str]:
    """What the symbolic check proved, one line per part."""
    out = []
    for part, s in rec.symbolic.items():
        result, method = s.get("result"), s.get("method", "")
        if result is True:
            out.append(f"{_label(part)}proven: the reference {method}")
        elif result is False:
            out.append(f"{_label(part)}FAILED: {method}")
        elif method.startswith("no definition"):
            out.append(f"{_label(part)}no proof: the question has no definition in code")
        else:
            out.append(f"{_label(part)}{_SYMBOLIC_WORDS.get(method, 'no proof: ' + method)}")
    return out or ["no symbolic check recorded"]


def _sampled(q: Question | None) -> bool:
    """Whether the question has inputs to sample (a fixed number has none)."""
    if q is None:
        return True
    return any(s.kind not in ("constant", "identity", "ones", "function") for s in q.symbols)


def _err(n: dict) -> str:
    err = n.get("max_abs_error")
    return "not recorded" if err is None else "0" if err == 0 else f"{err:.1e}"


def numeric_lines(rec: Any, q: Question | None = None) -> list[str]:
    """The torch comparison, one line per part (without the definition's description)."""
    out = []
    for part, n in rec.numeric.items():
        if not isinstance(n, dict):
            continue
        st = n.get("status", "?")
        where = f"device {n.get('device', '?')}, seed {n.get('seed', '?')}"
        if "points" in n and _sampled(q):
            out.append(f"{_label(part)}{st} at {n['points']} random points inside the declared "
                       f"domains; largest absolute error {_err(n)} ({where})")
        elif "points" in n:
            out.append(f"{_label(part)}{st}: a fixed value, computed by torch; absolute error "
                       f"{_err(n)} ({where})")
        elif "torch" in n:
            out.append(f"{_label(part)}{st}: torch gives {n['torch']}, the reference is "
                       f"{n.get('reference')} (exact; {n.get('device', '?')})")
        else:
            out.append(f"{_label(part)}{st}")
    return out or ["no torch computation: the question has no definition in code"]


def limits_lines(rec: Any, q: Question | None = None) -> list[str]:
    """Where and how the record could miss an error."""
    out = []
    methods = " ".join(s.get("method", "") for s in rec.symbolic.values()
                       if s.get("result") is True)
    if " at " in methods:
        out.append("The proof is for the sizes it names; other sizes rest on the numeric check.")
    nums = [n for n in rec.numeric.values() if isinstance(n, dict)]
    if any("points" in n for n in nums) and _sampled(q) and not methods:
        out.append("Random points are evidence, not a proof: a disagreement on a set the "
                   "points miss (points near a kink are dropped) would not be seen.")
    if not ground_truth(rec):
        out.append("Only the bank's reference stands behind this answer: the grader's verdicts "
                   "on its accepted and wrong forms are checked, the reference itself is not.")
    return out


def forms_line(rec: Any) -> str:
    acc = [f for f in rec.forms if f.role == "accept"]
    rej = [f for f in rec.forms if f.role == "reject"]
    return (f"{sum(f.ok for f in acc)}/{len(acc)} accepted forms judged equivalent; "
            f"{sum(f.ok for f in rej)}/{len(rej)} known wrong answers judged not equivalent "
            f"with the expected reason")


def wrong_answer_verdict(rec: Any, latex: str) -> str | None:
    """What the grader said to one known wrong answer, from the record."""
    if rec is None:
        return None
    for f in rec.forms:
        if f.role == "reject" and f.latex == latex:
            said = f"{f.status.replace('_', ' ')} ({f.reason})" if f.reason else \
                f.status.replace("_", " ")
            return f"grader: {said}" if f.ok else f"FAILED: the grader said {said}, " \
                f"expected {f.expected}"
    return None


# --- claims -------------------------------------------------------------------------------

def _truth(v: Any) -> str:
    return {True: "true", False: "false"}.get(v, str(v))


def answer_text(holds: Any) -> str:
    """``true``, or ``true: C, D; false: A, B`` for a claim with options."""
    if isinstance(holds, dict):
        groups = {t: [k for k, v in holds.items() if v is t] for t in (True, False)}
        other = [f"{k}: {v}" for k, v in holds.items() if not isinstance(v, bool)]
        return "; ".join([f"{_truth(t)}: {', '.join(ks)}" for t, ks in groups.items() if ks]
                         + other)
    return _truth(holds)


def key_text(c: Claim, rec: Any) -> str:
    if c.exam_key is None:
        return "no key printed"
    key = answer_text(c.exam_key)
    if rec is None or rec.agrees_with_key is None:
        return f"the printed key says {key}"
    return f"the printed key says {key} ({'agrees' if rec.agrees_with_key else 'DISAGREES'})"


def claim_holds(c: Claim, rec: Any) -> Any:
    """What a booklet states as the claim's answer: what was settled, else what the bank
    expects (a booklet built without a record of the claim)."""
    return rec.holds if rec is not None else getattr(c, "expect", None)


def claim_erratum(c: Claim) -> tuple[str, str, str] | None:
    """(what the printed key says, what it should say, why), where the bank declares one."""
    e = getattr(c, "erratum", None)
    if e is None:
        return None
    return answer_text(e.key), answer_text(e.ours), e.why


# --- the summary table ---------------------------------------------------------------

SUMMARY_HEAD = ("Item", "Kind", "Pts", "Symbolic / method", "Numeric / answer", "Forms",
                "Status")


def summary_rows(exam: Exam, v: Verdicts) -> list[tuple[str, ...]]:
    rows = []
    for q in sorted(exam.questions, key=lambda q: number_key(q.number)):  # printed order
        rec = v.records.get(q.id)
        pts = f"{q.points:g}" if q.points is not None else ""
        if rec is None:
            rows.append((q.id, q.kind, pts, "-", "-", "-", "NOT VERIFIED"))
        else:
            forms = f"{sum(f.ok for f in rec.forms)}/{len(rec.forms)}"
            rows.append((q.id, q.kind, pts, rec.symbolic_summary, _numeric_summary(rec, q),
                         forms, status(rec)))
    for c in exam.claims:
        rec = v.claims.get(c.id)
        if rec is None:
            rows.append((c.id, "claim", "", "-", "-", "-", "NOT VERIFIED"))
        else:
            key = "" if rec.agrees_with_key is None else \
                (" (= key)" if rec.agrees_with_key else " (!= key)")
            answer = answer_text(rec.holds)
            if len(answer) > 40:  # many options: the claim's own page lists them
                answer = f"{len(rec.holds)} options" if isinstance(rec.holds, dict) else "-"
            rows.append((c.id, "claim", "", rec.method, answer + key, "", status(rec)))
    return rows


def _numeric_summary(rec: Any, q: Question) -> str:
    """The run's one-word numeric result; a fixed value is not "192 pts"."""
    nums = [n for n in rec.numeric.values() if isinstance(n, dict)]
    if _sampled(q) or not nums or not all("points" in n for n in nums) or \
            any(n.get("status") != "agree" for n in nums):
        return rec.numeric_summary
    worst = max((n.get("max_abs_error") or 0.0) for n in nums)
    return f"fixed value, err {worst:.0e}" if worst else "fixed value, err 0"
