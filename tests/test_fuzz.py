"""Mutation fuzzing of the bank's own forms: every reference, accepted and rejected form of
every question, mutated the way hands slip (a token deleted, inserted or swapped, a
transpose moved, a sign flipped, a digit changed, a brace unbalanced), and checked.

Every mutant must get a verdict (nothing escapes ``check_question``), within the time
limits plus a small constant, and every mutant judged ``equivalent`` must be equivalent
by an independent numeric evaluation: derive's torch evaluator at fresh seeds and a larger
batch against the question's ground truth (the exam's definition, else its reference),
or, for counts and shapes, the exact difference evaluated to 50 digits.

In CI the slice is small and derandomised (``MUTANTS`` mutants, the same every run); a
wider search: ``DERIVE_FUZZ_MUTANTS=20000 DERIVE_FUZZ_SEED=7 python -m pytest -m slow
tests/test_fuzz.py -s`` (it prints what it found).
"""
from __future__ import annotations

import collections
import os
import random
import re
import time
from typing import Any, Iterator

import pytest
import sympy as sp

import derive
from derive.errors import AnswerError
from derive.judge.check import Options, check_question, reference, target_solution
from derive.judge.verdict import Status

BANK = derive.load_bank()
WIDE = int(os.environ.get("DERIVE_FUZZ_MUTANTS", "0"))
SEED = int(os.environ.get("DERIVE_FUZZ_SEED", "0"))
MUTANTS = 80                # the CI slice (about 30 s here)
PARSE_S, PROOF_S = 5.0, 3.0
SLACK_S = 10.0              # the numeric check, a worker restart after a kill, a loaded machine
FRESH_SEEDS = (1009, 2027)

_TOKEN = re.compile(r"\\[A-Za-z]+|\\.|\d+(?:\.\d+)?|[A-Za-z]|\s+|.", re.S)
_INSERTS = ["x", "-", "+", "2", "^T", "^{-1}", "_i", "{", "}", "(", ")", "\\cdot", "\\frac",
            "\\sum", "n", "0", "^2", "\\sqrt", "|", "=", ",", "\\top", "\\mathbf{1}", "\\left("]


def forms() -> list[tuple[Any, str]]:
    """Every form of the bank: (question, LaTeX)."""
    out = []
    for q in BANK.questions.values():
        texts = [q.reference] + [f.latex for f in q.accept] + [f.latex for f in q.reject]
        out.extend((q, t) for t in dict.fromkeys(texts) if t)
    return out


def mutate(text: str, rng: random.Random) -> str:
    """One slip of the hand (the kinds of the module docstring), chosen by ``rng``."""
    toks = [t for t in _TOKEN.findall(text)]
    kinds = ["delete", "insert", "swap", "transpose", "sign", "digit", "brace"]
    for _ in range(20):
        kind = rng.choice(kinds)
        out = _MUTATIONS[kind](list(toks), rng)
        if out is not None and "".join(out) != text:
            return "".join(out)
    return text + "}"


def _delete(t: list[str], rng: random.Random) -> list[str] | None:
    idx = [k for k, x in enumerate(t) if not x.isspace()]
    if not idx:
        return None
    del t[rng.choice(idx)]
    return t


def _insert(t: list[str], rng: random.Random) -> list[str]:
    t.insert(rng.randrange(len(t) + 1), rng.choice(_INSERTS))
    return t


def _swap(t: list[str], rng: random.Random) -> list[str] | None:
    if len(t) < 2:
        return None
    k = rng.randrange(len(t) - 1)
    t[k], t[k + 1] = t[k + 1], t[k]
    return t


def _transpose(t: list[str], rng: random.Random) -> list[str] | None:
    """Move a transpose to another place, or add one where there was none."""
    text = "".join(t)
    m = list(re.finditer(r"\^\{?(?:T|\\top)\}?", text))
    if m:
        hit = rng.choice(m)
        text = text[:hit.start()] + text[hit.end():]
    toks = _TOKEN.findall(text)
    toks.insert(rng.randrange(len(toks) + 1), rng.choice(["^T", "^\\top"]))
    return toks


def _sign(t: list[str], rng: random.Random) -> list[str] | None:
    idx = [k for k, x in enumerate(t) if x in "+-"]
    if not idx:
        t.insert(0, "-")
        return t
    k = rng.choice(idx)
    t[k] = "-" if t[k] == "+" else "+"
    return t


def _digit(t: list[str], rng: random.Random) -> list[str] | None:
    idx = [k for k, x in enumerate(t) if x[:1].isdigit()]
    if not idx:
        return None
    k = rng.choice(idx)
    s = list(t[k])
    j = rng.randrange(len(s))
    if s[j].isdigit():
        s[j] = rng.choice([d for d in "0123456789" if d != s[j]])
    t[k] = "".join(s)
    return t


def _brace(t: list[str], rng: random.Random) -> list[str] | None:
    idx = [k for k, x in enumerate(t) if x in ("{", "}", "(", ")", "\\left(", "\\right)")]
    if idx and rng.random() < 0.7:
        del t[rng.choice(idx)]
        return t
    t.insert(rng.randrange(len(t) + 1), rng.choice(["{", "}", "(", ")"]))
    return t


_MUTATIONS = {"delete": _delete, "insert": _insert, "swap": _swap, "transpose": _transpose,
              "sign": _sign, "digit": _digit, "brace": _brace}


def mutants(n: int, seed: int) -> Iterator[tuple[Any, str, str]]:
    """``n`` mutants: (question, original form, mutant), forms taken in turn so that every
    form is mutated once before any is mutated twice."""
    rng = random.Random(seed)
    pool = forms()
    order = list(range(len(pool)))
    rng.shuffle(order)
    for k in range(n):
        q, text = pool[order[k % len(order)]]
        yield q, text, mutate(text, rng)


# --- the independent check of an 'equivalent' verdict ------------------------------------

def truly_equivalent(q: Any, answer: str) -> tuple[bool, str]:
    """Whether ``answer`` is equivalent to ``q``'s ground truth, decided without derive's
    verdict: its parsed value evaluated at fresh seeds against the definition."""
    from derive.judge.numeric import compare
    from derive.notation.answer import single_value, values as chain_values
    from derive.notation.parser import parse_answer
    if q.kind == "shape":  # 126 \times 126 \times 64 lists sizes (derive.judge.tasks.parse)
        head, eq, tail = answer.rpartition("=")
        answer = head + eq + tail.replace("\\times", ",")
    try:
        parsed = parse_answer(answer, q.context)
    except AnswerError as exc:  # the worker read it: a difference to report, not a crash
        return False, f"does not parse in this process: {exc.code}: {exc.message}"
    if q.kind in ("count", "shape"):
        got = [v for c in parsed.parts for v in _items(chain_values(c)[1][-1])]
        want = list(reference(q)) if q.kind == "shape" else [reference(q)]
        ok = len(got) == len(want) and all(abs(sp.N(a - b, 50)) < 1e-30
                                            for a, b in zip(got, want))
        return ok, f"{got} vs {want}"
    if q.kind == "equation":
        eq = parsed.parts[0].items
        lhs, rhs = eq[0], eq[-1]
        if len(eq) == 1:
            lhs, rhs = q.context.objects[q.target], eq[0]
        target = q.context.objects[q.target]
        residual = (lhs - rhs).xreplace({target: target_solution(q)})
        zero = (sp.ZeroMatrix(*residual.shape) if isinstance(residual, sp.MatrixExpr)
                else sp.Integer(0))
        runs = [compare(q, zero, [residual], seed=s, batch=128) for s in FRESH_SEEDS]
        return all(r.outcomes[0].status != "mismatch" for r in runs), "residual"
    if q.kind == "tuple":
        values = _tuple_values(q, parsed)
        ok = True
        for p in q.parts:
            runs = [compare(q, reference(q, p.name), [values[p.name]], seed=s, batch=128,
                            definition=q.ground_truth(), part=p.name) for s in FRESH_SEEDS]
            ok &= all(r.outcomes[0].status != "mismatch" for r in runs)
        return ok, "parts"
    value = single_value(parsed)
    runs = [compare(q, reference(q), [value], seed=s, batch=128,
                    definition=q.ground_truth()) for s in FRESH_SEEDS]
    bad = [r.outcomes[0] for r in runs if r.outcomes[0].status in ("mismatch", "shape")]
    return not bad, (bad[0].detail or str(bad[0].counterexample)) if bad else ""


def _items(v: Any) -> list[Any]:
    return list(v.args) if isinstance(v, sp.Tuple) else [v]


def _tuple_values(q: Any, parsed: Any) -> dict[str, Any]:
    from derive.judge.check import _assign_parts, _read
    assigned = _assign_parts(q, parsed)
    return {name: _read(chain, q, name).values[-1] for name, chain in assigned.items()}


# --- the run -----------------------------------------------------------------------------

def run(n: int, seed: int) -> dict[str, Any]:
    """Check ``n`` mutants; return what was found (the test asserts on it)."""
    opts = Options(bank=BANK, parse_timeout=PARSE_S, proof_timeout=PROOF_S)
    found: dict[str, Any] = {"escapes": [], "slow": [], "false_accepts": [],
                             "internal": [], "reasons": collections.Counter(), "worst": (0.0, "")}
    first = next(iter(BANK.questions.values()))
    check_question(first, first.reference, opts)  # start the worker, import torch: not timed
    for q, original, text in mutants(n, seed):
        start = time.monotonic()
        try:
            v = check_question(q, text, opts)
        except Exception as exc:  # noqa: BLE001 - what the test is looking for
            found["escapes"].append((q.id, text, f"{type(exc).__name__}: {exc}"))
            continue
        took = time.monotonic() - start
        found["reasons"][v.reason] += 1
        if took > found["worst"][0]:
            found["worst"] = (took, f"{q.id} {text!r}")
        if took > PARSE_S + PROOF_S + SLACK_S:
            found["slow"].append((q.id, text, round(took, 1)))
        if v.reason == "internal.error":
            found["internal"].append((q.id, text, v.message))
        if v.status is Status.EQUIVALENT:
            ok, why = truly_equivalent(q, text)
            if not ok:
                found["false_accepts"].append((q.id, text, original, v.reason, why))
    return found


def _report(found: dict[str, Any]) -> str:
    lines = [f"worst {found['worst'][0]:.1f} s ({found['worst'][1]}); reasons: "
             f"{dict(found['reasons'].most_common())}"]
    for key in ("escapes", "slow", "false_accepts", "internal"):
        for item in found[key][:20]:
            lines.append(f"{key}: {item}")
    return "\n".join(lines)


def test_mutants_of_bank_forms_get_sound_verdicts_in_time():
    found = run(MUTANTS, SEED)
    print(_report(found))
    assert not found["escapes"], _report(found)
    assert not found["slow"], _report(found)
    assert not found["false_accepts"], _report(found)
    assert not found["internal"], _report(found)


@pytest.mark.slow
@pytest.mark.skipif(not WIDE, reason="set DERIVE_FUZZ_MUTANTS=N for a wider search")
def test_wide_mutation_search():
    found = run(WIDE, SEED)
    print(_report(found))
    assert not found["escapes"] and not found["slow"] and not found["false_accepts"], \
        _report(found)


def test_mutations_are_the_kinds_asked_for():
    rng = random.Random(1)
    text = r"\frac{n}{\sum_i x_i}\left(\mathbf{I}_n - \frac{\mathbf{x}\mathbf{1}^T}{2}\right)"
    for kind, fn in _MUTATIONS.items():
        out = fn(_TOKEN.findall(text), rng)
        assert out is not None and "".join(out) != text, kind
    assert len({m for _, _, m in mutants(50, 0)}) > 40   # mutants differ
    assert [m for _, _, m in mutants(5, 0)] == [m for _, _, m in mutants(5, 0)]  # repeatable
