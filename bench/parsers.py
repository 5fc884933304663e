"""derive's notation-layer parser vs latex2sympy2_extended on the notation gaps.

    python bench/parsers.py [--quick]

Each case is a piece of exam notation (``^\\top``, ``\\mathbf{1}_n``, sums without
bounds, ``w_i^*``, ...) with the symbols a question declares. Both parsers read it:

* derive: ``derive.notation.grammar.parse_answer(latex, ctx)`` with the question's Context
  (a bank question's, or one declared here), in this process (no worker);
* latex2sympy2_extended: ``latex2sympy(latex, conversion_config=
  ConversionConfig(lowercase_symbols=False))`` (its default lowercases every
  symbol, which would merge ``W`` and ``w``), default normalisation.

"Means what a grader reads" is our judgement, encoded per case as the value a
grader expects at given inputs: the parsed object is evaluated there (vectors and
matrices as explicit SymPy matrices, symbols by name, dims by value) and must equal
it exactly. A result that keeps an unknown symbol (``top``, ``I_n``, ``x_i`` as a
name) or cannot be evaluated does not mean what the grader reads. Latency: median
of repeated parses, the two parsers interleaved per repetition.

Also: a 2,000-character input (derive's limit) and one over it, and deeply
nested parentheses (derive refuses more than 40 levels; latex2sympy2 hits
RecursionError deeper down). Exceptions are caught and reported.

Writes bench/results/parsers.json.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any, Callable

import _common as C

import sympy as sp

# --- contexts -------------------------------------------------------------------------


def contexts(bank) -> dict[str, Any]:
    from derive.notation.symbols import Context, SymbolSpec as S
    out = {
        "vectors": Context([
            S("n", "dim"), S("m", "dim"),
            S("x", "vector", shape=("n",), latex=("x", r"\mathbf{x}")),
            S("y", "vector", shape=("n",), latex=("y", r"\mathbf{y}")),
            S("W", "matrix", shape=("m", "n"), latex=("W", r"\mathbf{W}")),
        ]),
        "scalars": Context([
            S("y", "scalar", latex=("y",)),
            S("lambda", "scalar", domain="positive", latex=(r"\lambda",)),
            S("x", "scalar", domain="positive", latex=("x",)),
        ]),
    }
    for qid in ("stanford-cs230-sp21/4.ii", "ucb-cs182-sp22/9.beta"):
        if qid in bank.questions:
            out[qid] = bank.question(qid).context
    return out


# values at which a case is evaluated: names as derive declares them and as
# latex2sympy2 spells them (it keeps LaTeX names such as 'H_{i,i}', 'lambda')
M = sp.ImmutableMatrix
VEC = {"n": 2, "m": 3, "x": M([[2], [-3]]), "y": M([[1], [4]]),
       "W": M([[1, 2], [3, -1], [0, 5]])}


@dataclass
class Case:
    gap: str
    latex: str
    ctx: str
    reads: str                                   # what a grader reads, in words
    points: list[tuple[dict, Callable[[dict], Any]]] = field(default_factory=list)
    exact: bool = False                          # the value must be exact (no Float)


def cases() -> list[Case]:
    dot = lambda v: (v["x"].T * v["y"])[0, 0]                               # noqa: E731
    ssum = lambda v: sum(v["x"])                                            # noqa: E731
    st = lambda v: sp.sign(v["y"]) * sp.Max(abs(v["y"]) - v["lambda"], 0)  # noqa: E731
    sth = [({"y": -3, "lambda": 1}, st), ({"y": sp.Rational(1, 2), "lambda": 1}, st)]
    g = {"m": 3, "g": M([[1], [2], [3]])}
    w = {"wstar": -3, "w_i^*": -3, "H": 2, "H_{i,i}": 2, "alpha": 1}
    return [
        Case("^\\top", r"\mathbf{x}^\top \mathbf{y}", "vectors", "the dot product x.y",
             [(VEC, dot)]),
        Case("^T", r"x^T y", "vectors", "the dot product x.y", [(VEC, dot)]),
        Case("\\intercal", r"\mathbf{x}^{\intercal}\mathbf{y}", "vectors",
             "the dot product x.y", [(VEC, dot)]),
        Case("\\mathbf", r"\mathbf{W}\mathbf{x}", "vectors", "the matrix-vector product Wx",
             [(VEC, lambda v: v["W"] * v["x"])]),
        Case("\\mathbf{1}_n", r"\mathbf{1}_n^\top \mathbf{x}", "vectors",
             "the sum of the entries of x", [(VEC, ssum)]),
        Case("\\mathbf{I}_n", r"\mathbf{I}_n - \mathbf{x}\mathbf{y}^\top", "vectors",
             "identity minus the outer product x y^T",
             [(VEC, lambda v: sp.eye(2) - v["x"] * v["y"].T)]),
        Case("sum with bounds", r"\sum_{i=1}^{n} x_i", "vectors",
             "the sum of the entries of x", [(VEC, ssum)]),
        Case("sum without bounds", r"\sum_i x_i", "vectors", "the sum of the entries of x",
             [(VEC, ssum)]),
        Case("\\operatorname{sign}", r"\operatorname{sign}(y)\max(|y| - \lambda, 0)", "scalars",
             "soft thresholding of y at lambda", sth),
        Case("\\mathrm{sgn}", r"\mathrm{sgn}(y)\max(|y| - \lambda, 0)", "scalars",
             "soft thresholding of y at lambda", sth),
        Case("cases", r"\begin{cases} y - \lambda & y > \lambda \\ 0 & \text{otherwise}"
             r"\end{cases}", "scalars", "a piecewise function: y - lambda above lambda, else 0",
             [({"y": 3, "lambda": 1}, lambda v: 2), ({"y": -3, "lambda": 1}, lambda v: 0)]),
        Case("\\partial f/\\partial y_i", r"\sum_{i=1}^m \frac{\partial f}{\partial y_i}",
             "ucb-cs182-sp22/9.beta", "the sum of the upstream gradients",
             [(g, lambda v: 6)]),
        Case("\\partial f/\\partial y_i (slash)", r"\sum_i \partial f/\partial y_i",
             "ucb-cs182-sp22/9.beta", "the sum of the upstream gradients",
             [(g, lambda v: 6)]),
        Case("w_i^*", r"\operatorname{sign}(w_i^*)\max\left(|w_i^*| - \frac{\alpha}{H_{i,i}}, "
             r"0\right)", "stanford-cs230-sp21/4.ii", "w* (one name) soft-thresholded at alpha/H",
             [(w, lambda v: sp.Rational(-5, 2))]),
        Case("\\|x\\|", r"\|\mathbf{x}\|", "vectors", "the Euclidean norm of x",
             [(VEC, lambda v: sp.sqrt(13))]),
        Case("\\|x\\|^2", r"\|\mathbf{x}\|^2", "vectors", "the squared norm of x",
             [(VEC, lambda v: 13)]),
        Case("\\log natural", r"\log x", "scalars", "the natural logarithm",
             [({"x": 5}, lambda v: sp.log(5))]),
        Case("\\ln", r"\ln(x)", "scalars", "the natural logarithm",
             [({"x": 5}, lambda v: sp.log(5))]),
        Case("exact decimal", r"0.98\,y", "scalars", "exactly 49/50 times y",
             [({"y": 3}, lambda v: sp.Rational(147, 50))], exact=True),
        Case("matrix product, symbolic dims", r"\mathbf{W}^\top\mathbf{W}\mathbf{x}", "vectors",
             "W^T W x with W m x n (m != n)", [(VEC, lambda v: v["W"].T * v["W"] * v["x"])]),
    ]


# --- the two parsers ----------------------------------------------------------------------

def derive_parse(latex: str, ctx) -> Any:
    from derive.notation.parser import parse_answer
    parsed = parse_answer(latex, ctx)
    if len(parsed.parts) != 1:
        return sp.Tuple(*[p.items[-1] for p in parsed.parts])
    return parsed.parts[0].items[-1]


def make_l2s():
    from latex2sympy2_extended import latex2sympy
    from latex2sympy2_extended.latex2sympy2 import ConversionConfig
    cc = ConversionConfig(lowercase_symbols=False)
    return lambda latex: latex2sympy(latex, conversion_config=cc)


def try_parse(fn: Callable[[], Any]) -> tuple[Any, str | None, float]:
    t = C.now()
    try:
        out = fn()
        err = None
    except RecursionError as exc:
        out, err = None, f"RecursionError: {str(exc)[:80]}"
    except Exception as exc:
        code = getattr(exc, "code", None)
        msg = " ".join(str(getattr(exc, "message", exc)).split())[:100]
        out, err = None, f"{type(exc).__name__}{f' [{code}]' if code else ''}: {msg}"
    return out, err, C.now() - t


# --- meaning ------------------------------------------------------------------------------

def evaluate_at(obj: Any, values: dict) -> Any:
    """The parsed object at the given inputs: matrices explicit, symbols by name."""
    if not isinstance(obj, (sp.Basic, sp.MatrixBase)):
        raise TypeError(f"not a SymPy object: {type(obj).__name__}")
    mapping: dict[Any, Any] = {}
    for a in obj.atoms(sp.MatrixSymbol):
        if a.name in values:
            mapping[a] = sp.ImmutableMatrix(values[a.name])
    for a in obj.free_symbols:
        if isinstance(a, sp.Symbol) and a.name in values:
            v = values[a.name]
            mapping[a] = v if isinstance(v, sp.MatrixBase) else sp.sympify(v)
    out = obj.xreplace(mapping)
    out = out.doit() if isinstance(out, sp.Basic) else out
    if isinstance(out, sp.MatrixExpr):
        out = out.as_explicit()
    if isinstance(out, sp.MatrixBase) and out.shape == (1, 1):
        out = out[0, 0]
    return out


def means(obj: Any, case: Case) -> tuple[bool, str]:
    """Does the parsed object mean what a grader reads? (our judgement, per case)"""
    if obj is None:
        return False, "no result"
    for values, expect in case.points:
        vals = {k: (sp.ImmutableMatrix(v) if isinstance(v, sp.MatrixBase) else v)
                for k, v in values.items()}
        want = expect({k: (sp.sympify(v) if not isinstance(v, sp.MatrixBase) else v)
                       for k, v in vals.items()})
        try:
            got = evaluate_at(obj, vals)
        except Exception as exc:
            return False, f"cannot evaluate: {type(exc).__name__}: {str(exc)[:60]}"
        free = getattr(got, "free_symbols", set())
        if free:
            return False, f"unbound symbols {sorted(map(str, free))[:4]}"
        if isinstance(want, sp.MatrixBase) != isinstance(got, sp.MatrixBase) or (
                isinstance(want, sp.MatrixBase) and want.shape != got.shape):
            return False, f"wrong shape: got {getattr(got, 'shape', 'a scalar')}"
        if case.exact and isinstance(got, sp.Basic) and got.atoms(sp.Float):
            return False, f"inexact: {got}"
        diff = (got - want)
        zero = all(sp.simplify(d) == 0 for d in diff) if isinstance(diff, sp.MatrixBase) \
            else sp.simplify(diff) == 0
        if not zero:
            return False, f"value {sp.sstr(got)[:40]}, expected {sp.sstr(want)[:40]}"
    return True, "yes"


def short(obj: Any, width: int = 60) -> str:
    if obj is None:
        return "-"
    s = sp.sstr(obj)
    return s if len(s) <= width else s[:width - 3] + "..."


# --- main ------------------------------------------------------------------------------------

def main() -> None:
    a = C.args(__doc__.splitlines()[0])
    reps = 5 if a.quick else 30
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 1000))  # the default, stated
    import derive
    bank = derive.load_bank()
    ctxs = contexts(bank)
    l2s = make_l2s()
    # warm both (imports, ANTLR's parser tables, derive's lexer tables): untimed
    derive_parse("x + 1", ctxs["scalars"])
    l2s("x + 1")

    rows = []
    for case in cases():
        if case.ctx not in ctxs:
            rows.append({"gap": case.gap, "latex": case.latex, "skipped": "question not in bank"})
            continue
        ctx = ctxs[case.ctx]
        d_obj, d_err, _ = try_parse(lambda: derive_parse(case.latex, ctx))
        l_obj, l_err, _ = try_parse(lambda: l2s(case.latex))
        d_t, l_t = [], []
        for _ in range(reps):                      # interleaved: derive, then latex2sympy2
            d_t.append(try_parse(lambda: derive_parse(case.latex, ctx))[2])
            l_t.append(try_parse(lambda: l2s(case.latex))[2])
        d_ok, d_why = means(d_obj, case) if d_err is None else (False, d_err)
        l_ok, l_why = means(l_obj, case) if l_err is None else (False, l_err)
        rows.append({
            "gap": case.gap, "latex": case.latex, "context": case.ctx, "grader_reads": case.reads,
            "derive": {"object": sp.srepr(d_obj)[:300] if d_obj is not None else None,
                       "printed": short(d_obj, 200), "error": d_err, "means": d_ok,
                       "why": d_why, "median_ms": 1000 * C.median(d_t)},
            "latex2sympy2": {"object": sp.srepr(l_obj)[:300] if l_obj is not None else None,
                             "printed": short(l_obj, 200), "error": l_err, "means": l_ok,
                             "why": l_why, "median_ms": 1000 * C.median(l_t)},
        })

    ok = [r for r in rows if "skipped" not in r]
    C.table(["gap", "derive object", "ok", "latex2sympy2 object", "ok", "derive ms",
             "l2s ms", "l2s/derive"],
            [[r["gap"], r["derive"]["printed"][:38] if not r["derive"]["error"]
              else r["derive"]["error"][:38], "yes" if r["derive"]["means"] else "NO",
              r["latex2sympy2"]["printed"][:38] if not r["latex2sympy2"]["error"]
              else r["latex2sympy2"]["error"][:38], "yes" if r["latex2sympy2"]["means"] else "NO",
              r["derive"]["median_ms"], r["latex2sympy2"]["median_ms"],
              r["latex2sympy2"]["median_ms"] / r["derive"]["median_ms"]] for r in ok],
            title="notation gaps: what comes out, and does it mean what a grader reads?")
    for r in ok:
        for tool in ("derive", "latex2sympy2"):
            if not r[tool]["means"]:
                print(f"  {tool:12s} {r['gap']:30s} {r[tool]['why']}")
    n_d = sum(r["derive"]["means"] for r in ok)
    n_l = sum(r["latex2sympy2"]["means"] for r in ok)
    print(f"\nmeans what a grader reads: derive {n_d}/{len(ok)}, latex2sympy2 {n_l}/{len(ok)}")

    # --- stress: length and nesting
    ctx = ctxs["scalars"]
    term = r" + \frac{y}{\lambda} - y^{2}"
    body = "y"
    while len(body) + len(term) <= 2000:
        body += term
    long_2000 = body + " " * (2000 - len(body))  # exactly 2,000 characters
    stress = [("2,000 characters", long_2000), ("2,001 characters", long_2000 + "y")]
    depths = (5, 41) if a.quick else (5, 10, 20, 30, 40, 41, 50, 60, 100, 200)
    for d in depths:
        stress.append((f"nesting {d}", "(" * d + "y" + ")" * d))
    srows = []
    sreps = 3 if a.quick else 10
    l2s_budget = 5.0 if a.quick else 60.0
    l2s_dead = ""
    for name, latex in stress:
        d_obj, d_err, d_first = try_parse(lambda: derive_parse(latex, ctx))
        d_t = [try_parse(lambda: derive_parse(latex, ctx))[2] for _ in range(sreps)]
        row = {"input": name, "chars": len(latex),
               "derive": {"result": "ok" if d_err is None else d_err,
                          "median_ms": 1000 * C.median(d_t)}}
        if l2s_dead:
            row["latex2sympy2"] = {"result": f"not run: {l2s_dead}", "median_ms": None}
        else:
            try:
                with C.budget(l2s_budget):
                    l_obj, l_err, l_first = try_parse(lambda: l2s(latex))
            except C.BudgetExceeded:
                l_err, l_first = f"stopped: over the {l2s_budget:g} s budget", None
                if name.startswith("nesting"):
                    l2s_dead = f"{name} was over the {l2s_budget:g} s budget"
            l_t = [l_first] if l_first is not None else []
            if l_first is not None and l_first < 0.5:  # repeat only the cheap ones
                l_t += [try_parse(lambda: l2s(latex))[2] for _ in range(sreps)]
            row["latex2sympy2"] = {"result": "ok" if l_err is None else l_err,
                                   "median_ms": 1000 * C.median(l_t) if l_t else None,
                                   "runs": len(l_t)}
        srows.append(row)
        print(f"  {name}: derive {row['derive']['result'][:40]}, latex2sympy2 "
              f"{row['latex2sympy2']['result'][:40]}", flush=True)
    C.table(["input", "chars", "derive", "derive ms", "latex2sympy2", "l2s ms"],
            [[r["input"], r["chars"], r["derive"]["result"][:60], r["derive"]["median_ms"],
              r["latex2sympy2"]["result"][:60], r["latex2sympy2"]["median_ms"]] for r in srows],
            title=f"length and nesting (derive: median of {sreps}; latex2sympy2: one run when it "
                  f"takes over 0.5 s, budget {l2s_budget:g} s; recursion limit "
                  f"{sys.getrecursionlimit()})")

    C.write_json("parsers" + (".quick" if a.quick else ""), {"quick": a.quick, "machine": C.machine(), "reps": reps,
                             "recursion_limit": sys.getrecursionlimit(),
                             "summary": {"cases": len(ok), "derive_means": n_d,
                                         "latex2sympy2_means": n_l},
                             "cases": rows, "stress": srows})


if __name__ == "__main__":
    main()
