"""Check every label of the independent corpus against its hand-written meaning.

For each case of ``corpus/*.toml`` the ``meaning`` (a numpy expression over the question's
symbols, written by reading the LaTeX as a grader would) is evaluated at >= 20 random points
drawn by ``refs.py`` and compared with the reference value of the question there:

* label "correct"    <=> the meaning equals the reference at every point;
* label "wrong"      <=> the meaning differs from the reference at some point
                         (or is "DIMENSION_ERROR" / "WRONG_QUANTITY", see below);
* label "unreadable" <=> there is no meaning.

``meaning`` may also be a list of expressions, one per link of a chain ``a = b = c``: the case is
correct only if every link is. The two string meanings are accepted with label "wrong" only:
"DIMENSION_ERROR" (a well-formed but dimensionally inconsistent answer; when the case has an
``attempt`` expression, it must fail to evaluate at every point) and "WRONG_QUANTITY" (the answer
states a value of another quantity than the one asked; the case must carry a note).

Values compare with rtol 1e-9 / atol 1e-12 and identical shapes (a row vector is not a column
vector; a 1x1 array counts as a scalar); pairs and shapes compare element by element.

This script never imports derive. Exit status 1 when any label disagrees with its meaning.

    python bench/independent/label_check.py                                # bench/independent/corpus
    python bench/independent/label_check.py --corpus bench/heldout/corpus  # any folder of <family>.toml
"""
from __future__ import annotations

import math
import sys
import time
import tomllib
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import refs  # noqa: E402

N_POINTS = 20
LABELS = ("correct", "wrong", "unreadable")
SPECIAL = ("DIMENSION_ERROR", "WRONG_QUANTITY")
FIELDS = {"question", "latex", "family", "label", "meaning", "note", "response", "attempt"}


# ---- the vocabulary of meaning expressions ----------------------------------------------------

def _strict(op):
    def f(a, b):
        sa, sb = np.shape(a), np.shape(b)
        if sa and sb and sa != sb:
            raise ValueError(f"shapes {sa} and {sb} do not match")
        return op(a, b)
    return f


def _softmax(v):
    e = np.exp(v - np.max(v))
    return e / e.sum()


def _ent(f, shape):
    return np.array([[f(i, j) for j in range(shape[1])] for i in range(shape[0])], dtype=float)


def _vec(f, k):
    return np.array([[f(i)] for i in range(k)], dtype=float)


def _onehot(y, K):
    e = np.zeros((K, 1))
    e[y, 0] = 1.0
    return e


NAMESPACE = {
    "np": np, "log": np.log, "exp": np.exp, "sqrt": np.sqrt, "cos": np.cos, "sin": np.sin,
    "pi": np.pi, "abs": np.abs, "sign": np.sign, "maximum": np.maximum, "minimum": np.minimum,
    "where": np.where, "inv": np.linalg.inv, "pinv": np.linalg.pinv, "tr": np.trace,
    "relu": lambda v: np.maximum(v, 0), "sigmoid": lambda v: 1 / (1 + np.exp(-v)),
    "softmax": _softmax, "ind": lambda c: np.asarray(c, dtype=float),
    "I": np.eye, "eye": np.eye, "ones": lambda k: np.ones((k, 1)), "onehot": _onehot,
    "diag": lambda v: np.diag(np.asarray(v, dtype=float).ravel()),
    "ent": _ent, "vec": _vec, "others": lambda v, y: np.delete(np.asarray(v).ravel(), y),
    "add": _strict(np.add), "sub": _strict(np.subtract), "math": math,
}


SAFE_BUILTINS = {"sum": sum, "range": range, "max": max, "min": min, "float": float, "len": len,
                 "__import__": __import__}


def evaluate(expr: str, env: dict):
    ns = dict(NAMESPACE)
    ns.update(env)
    ns["__builtins__"] = SAFE_BUILTINS
    with np.errstate(all="ignore"):
        return eval(expr, ns)   # one dict: lambdas and generators inside the meaning see the symbols


def _norm(v):
    if isinstance(v, (tuple, list)):
        return tuple(_norm(x) for x in v)
    a = np.asarray(v, dtype=float)
    return float(a.reshape(())) if a.size == 1 else a


def same(a, b) -> bool:
    a, b = _norm(a), _norm(b)
    if isinstance(a, tuple) or isinstance(b, tuple):
        return (isinstance(a, tuple) and isinstance(b, tuple) and len(a) == len(b)
                and all(same(x, y) for x, y in zip(a, b)))
    if isinstance(a, float) or isinstance(b, float):
        return isinstance(a, float) and isinstance(b, float) and bool(np.isclose(a, b, rtol=1e-9, atol=1e-12))
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=1e-9, atol=1e-12))


# ---- loading -------------------------------------------------------------------------------------

def load(corpus_dir: Path = HERE / "corpus"):
    cases = []
    for path in sorted(corpus_dir.glob("*.toml")):
        with open(path, "rb") as f:
            data = tomllib.load(f)
        for i, c in enumerate(data.get("case", [])):
            c = dict(c)
            c["_where"] = f"{path.name}#{i + 1}"
            c["_file"] = path.stem
            cases.append(c)
    return cases


# ---- checking ------------------------------------------------------------------------------------

def check(cases) -> list[str]:
    problems: list[str] = []
    pts = {qid: refs.points(qid, N_POINTS) for qid in refs.QUESTIONS}
    refv = {qid: [refs.QUESTIONS[qid].ref(e) for e in pts[qid]] for qid in refs.QUESTIONS}
    seen = set()
    for c in cases:
        w = c["_where"]
        extra = set(c) - FIELDS - {"_where", "_file"}
        if extra:
            problems.append(f"{w}: unknown fields {sorted(extra)}")
        qid, label, fam = c.get("question"), c.get("label"), c.get("family")
        if qid not in refs.QUESTIONS:
            problems.append(f"{w}: unknown question {qid!r}")
            continue
        if label not in LABELS:
            problems.append(f"{w}: bad label {label!r}")
            continue
        if fam != c["_file"]:
            problems.append(f"{w}: family {fam!r} is not the file's name")
        if not isinstance(c.get("latex"), str) or not c["latex"].strip():
            problems.append(f"{w}: empty latex")
            continue
        key = (qid, c["latex"], c.get("response"))
        if key in seen:
            problems.append(f"{w}: duplicate case {qid} {c['latex']!r}")
        seen.add(key)
        if fam == "model_responses":
            r = c.get("response")
            if not r or c["latex"] not in r:
                problems.append(f"{w}: the response must contain the expected final answer")
        meaning = c.get("meaning")
        if label == "unreadable":
            if meaning is not None:
                problems.append(f"{w}: an unreadable case has no meaning")
            continue
        if meaning is None:
            problems.append(f"{w}: label {label} needs a meaning")
            continue
        if meaning in SPECIAL:
            if label != "wrong":
                problems.append(f"{w}: {meaning} only goes with label wrong")
            if meaning == "WRONG_QUANTITY" and not c.get("note"):
                problems.append(f"{w}: WRONG_QUANTITY needs a note")
            if meaning == "DIMENSION_ERROR" and c.get("attempt"):
                for env in pts[qid]:
                    try:
                        evaluate(c["attempt"], env)
                    except Exception:
                        continue
                    problems.append(f"{w}: the attempt {c['attempt']!r} evaluates without a dimension error")
                    break
            continue
        links = meaning if isinstance(meaning, list) else [meaning]
        all_equal = True
        for link in links:
            for k, env in enumerate(pts[qid]):
                try:
                    v = evaluate(link, env)
                except Exception as e:  # a meaning that cannot be evaluated is the author's error
                    problems.append(f"{w}: meaning {link!r} fails at point {k}: {type(e).__name__}: {e}")
                    all_equal = None
                    break
                if not same(v, refv[qid][k]):
                    if label == "correct":
                        problems.append(
                            f"{w}: labelled correct but {link!r} differs at point {k} "
                            f"({qid}; latex {c['latex']!r}): got {_short(v)}, reference {_short(refv[qid][k])}")
                    all_equal = False
                    break
            if all_equal is None or (all_equal is False and label == "correct"):
                break
        if all_equal is True and label == "wrong":
            problems.append(f"{w}: labelled wrong but its meaning equals the reference at all "
                            f"{N_POINTS} points ({qid}; latex {c['latex']!r})")
    return problems


def _short(v):
    s = repr(_norm(v))
    return s if len(s) < 120 else s[:117] + "..."


def main(argv: list[str] | None = None) -> int:
    import argparse
    ap = argparse.ArgumentParser(description="check every label of a corpus against its meaning")
    ap.add_argument("--corpus", type=Path, default=HERE / "corpus",
                    help="folder of <family>.toml case files (default: bench/independent/corpus)")
    args = ap.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"no such corpus folder: {args.corpus}")
        return 2
    t0 = time.perf_counter()
    cases = load(args.corpus)
    print(f"corpus: {args.corpus}")
    problems = check(cases)
    fams = defaultdict(Counter)
    for c in cases:
        fams[c.get("family")][c.get("label")] += 1
    tot = Counter(c.get("label") for c in cases)
    print(f"{'family':<18}{'correct':>9}{'wrong':>8}{'unread.':>9}{'total':>8}")
    for fam in sorted(fams):
        ct = fams[fam]
        print(f"{fam:<18}{ct['correct']:>9}{ct['wrong']:>8}{ct['unreadable']:>9}{sum(ct.values()):>8}")
    n = len(cases)
    print(f"{'TOTAL':<18}{tot['correct']:>9}{tot['wrong']:>8}{tot['unreadable']:>9}{n:>8}")
    if n:
        print(f"shares: correct {100 * tot['correct'] / n:.1f}%, wrong {100 * tot['wrong'] / n:.1f}%, "
              f"unreadable {100 * tot['unreadable'] / n:.1f}%")
    per_q = Counter(c.get("question") for c in cases)
    missing = [qid for qid in refs.QUESTIONS if per_q[qid] == 0]
    print(f"questions covered: {len(refs.QUESTIONS) - len(missing)}/{len(refs.QUESTIONS)}; "
          f"fewest cases: " + ", ".join(f"{q} {k}" for q, k in sorted(per_q.items(), key=lambda t: t[1])[:5]))
    if missing:
        problems.append("questions without cases: " + ", ".join(missing))
    print(f"points per question: {N_POINTS}; time {time.perf_counter() - t0:.1f} s")
    if problems:
        print(f"\n{len(problems)} PROBLEM(S):")
        for p in problems:
            print("  " + p)
        return 1
    print("all labels agree with their meanings")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
