"""Points checked per second: SymPy vs numpy vs derive's torch engine (CPU, CUDA).

    python bench/numeric.py [--quick]

For every expression question in the bank that has vector, matrix or family
symbols (ucb-cs182-sp22/1, neu-cs7150-f22/4.W and 4.x, tum-in2346-ss22/2.3, ...),
and n in 10, 100, 1000 (every dim symbol set to n), one batch of points is drawn
with derive's own sampler (``derive.judge.numeric.draw``) and the question's
reference expression is evaluated at those points by

  (a) SymPy: the reference instantiated at n (every vector and matrix an explicit
      matrix of scalar symbols), then ``subs(point).evalf()`` in a loop over points;
      the number of points is capped by a time budget and the rate extrapolated
      per point;
  (b) numpy: ``sympy.lambdify`` of the matrix expression (dims fixed to n) with the
      numpy printer, called in a loop over points;
  (c) derive's torch engine on CPU: ``compile_expr`` once, then the whole batch
      in one call;
  (d) the same on CUDA when torch sees a GPU (else "skipped: no CUDA").

All four run side by side in this process, on the same points; the figures are
points per second and ratios to (a) and to (c). Each engine's value at the first
point is compared with torch's, so a fast wrong engine shows up.

A second table measures "many answers against the same points": one
``compare(q, ref, [e1..ek])`` call against k calls ``compare(q, ref, [ei])``, as
a ratio (k separate / one batched).

Writes bench/results/numeric.json.
"""
from __future__ import annotations

import math
import re
from typing import Any

import _common as C

SIZES = (10, 100, 1000)
PREFERRED = ("ucb-cs182-sp22/1", "neu-cs7150-f22/4.W", "neu-cs7150-f22/4.x",
             "tum-in2346-ss22/2.3")


class Cfg:
    def __init__(self, quick: bool):
        self.quick = quick
        self.sizes = (10, 100) if quick else SIZES
        self.draw_budget = 2.0 if quick else 10.0          # derive's sampler, per (q, n)
        self.inst_budget = 1.5 if quick else 15.0          # SymPy instantiation
        self.sympy_budget = 1.0 if quick else 8.0          # SymPy subs/evalf point loop
        self.sympy_max_points = 20 if quick else 200
        self.numpy_budget = 0.5 if quick else 2.0
        self.numpy_max_points = 2000 if quick else 20000
        self.torch_min_time = 0.2 if quick else 1.0        # repeat batches at least this long
        self.torch_budget = 3.0 if quick else 15.0
        self.compare_reps = 2 if quick else 5
        self.max_elems = 2 ** 22 if quick else 2 ** 24     # batch * largest tensor, float64


def derivative_questions(bank, quick: bool) -> list:
    qs = [q for q in bank.questions.values() if q.kind == "expression" and any(
        s.kind in ("vector", "matrix", "family") for s in q.symbols)]
    qs.sort(key=lambda q: (q.id not in PREFERRED, PREFERRED.index(q.id)
                           if q.id in PREFERRED else 0, q.id))
    if quick:
        qs = [q for q in qs if q.id in PREFERRED][:3] or qs[:3]
    return qs


# --- shapes and batch size ----------------------------------------------------------

def _numel(shape: tuple, dims: dict[str, int]) -> int:
    total = 1
    for d in (tuple(shape) + (1,))[:2]:
        total *= d if isinstance(d, int) else dims.get(d, 1)
    return total


def batch_size(q, dims: dict[str, int], out_shape: tuple[int, int], cfg: Cfg) -> int:
    biggest = max([out_shape[0] * out_shape[1]] +
                  [_numel(s.shape, dims) for s in q.symbols
                   if s.kind in ("vector", "matrix", "family")])
    return max(1, min(4096, cfg.max_elems // max(1, biggest)))


def out_shape(ref: Any, ctx, dims: dict[str, int]) -> tuple[int, int]:
    import sympy as sp
    if isinstance(ref, (sp.MatrixExpr, sp.MatrixBase)):
        sub = {ctx.objects[k]: sp.Integer(v) for k, v in dims.items()}
        r, c = (sp.sympify(x).xreplace(sub) for x in ref.shape)
        return int(r), int(c)
    return 1, 1


# --- (a) SymPy --------------------------------------------------------------------------

def sym_name(name: str, i: int, j: int) -> str:
    return f"{name}[{i},{j}]"


_SYM_RE = re.compile(r"^(.+)\[(\d+),(\d+)\]$")


def instantiate(ref: Any, ctx, dims: dict[str, int]) -> Any:
    """The reference at fixed dims, every vector/matrix/family an explicit matrix of
    scalar symbols named ``W[i,j]`` (derive.judge.symbolic.explicit names them ``W_ij``,
    which collide from 10 on: see the report)."""
    import sympy as sp
    mapping: dict[Any, Any] = {}
    dsub = {ctx.objects[k]: sp.Integer(v) for k, v in dims.items()}
    for s in ctx.specs:
        obj = ctx.objects[s.name]
        if s.kind in ("vector", "matrix", "family") and ref.has(obj):
            rows, cols = (int(sp.sympify(x).xreplace(dsub)) for x in obj.shape)
            mapping[obj] = sp.ImmutableMatrix(rows, cols, lambda i, j, n=s.name: sp.Symbol(
                sym_name(n, i, j), real=True))
    out = ref.xreplace(mapping).xreplace(dsub).doit()
    if isinstance(out, sp.MatrixExpr):
        out = out.as_explicit()
    return out


def sympy_point(syms: list, values: dict[str, Any], k: int) -> dict:
    """{symbol: float} for point k of the sample (``values``: numpy arrays)."""
    pt = {}
    for sym in syms:
        m = _SYM_RE.match(sym.name)
        if m:
            v = values[m.group(1)][k, int(m.group(2)), int(m.group(3))]
        else:
            v = values[sym.name]
            v = v[k].reshape(-1)[0] if hasattr(v, "reshape") else v
        pt[sym] = float(v)
    return pt


def run_sympy(ref, q, dims, sample, cfg: Cfg) -> dict:
    import sympy as sp
    t = C.now()
    try:
        with C.budget(cfg.inst_budget):
            expr = instantiate(ref, q.context, dims)
    except C.BudgetExceeded:
        return {"status": "over budget", "detail": f"instantiation over {cfg.inst_budget:g} s"}
    except Exception as exc:
        return {"status": "error", "detail": f"instantiate: {type(exc).__name__}: {exc}"}
    t_inst = C.now() - t
    syms = sorted(expr.free_symbols, key=lambda x: x.name)
    npv = {k: (v.cpu().numpy() if hasattr(v, "cpu") else v) for k, v in sample.values.items()}
    npts = min(sample.env.batch, cfg.sympy_max_points)
    res: dict[str, Any] = {"instantiate_s": t_inst}
    # subs/evalf is the baseline asked for; xreplace/evalf (one tree walk per point
    # instead of one per symbol) is reported beside it as the fairer SymPy figure
    for how, step in (("subs", lambda pt: expr.subs(pt).evalf()),
                      ("xreplace", lambda pt: expr.xreplace(pt).evalf())):
        done, first, el = 0, None, 0.0
        try:
            with C.budget(cfg.sympy_budget):
                for k in range(npts):
                    pt = sympy_point(syms, npv, k)   # building the point: not timed
                    t = C.now()
                    v = step(pt)
                    el += C.now() - t
                    if first is None:
                        first = v
                    done += 1
        except C.BudgetExceeded:
            pass
        except Exception as exc:
            res[how] = {"status": "error", "detail": f"{how}: {type(exc).__name__}: {exc}"}
            continue
        if done == 0:
            res[how] = {"status": "over budget",
                        "detail": f"one point took over {cfg.sympy_budget:g} s",
                        "pts_per_s_upper_bound": 1 / cfg.sympy_budget}
            continue
        try:
            val = ([[float(x) for x in row] for row in first.tolist()]
                   if isinstance(first, sp.MatrixBase) else float(first))
        except TypeError:
            res[how] = {"status": "error", "detail": f"{how}: the value at a point is not a "
                        f"number: {sp.sstr(first)[:80]}"}
            continue
        res[how] = {"status": "ok", "points": done, "seconds": el, "pts_per_s": done / el,
                    "first": val}
    res.update(res.pop("subs"))
    xr = res.get("xreplace", {})
    res["xreplace_pts_per_s"] = xr.get("pts_per_s")
    res["xreplace_status"] = xr.get("status")
    res.pop("xreplace", None)
    return res


# --- (b) numpy ----------------------------------------------------------------------------

def run_numpy(ref, q, dims, sample, cfg: Cfg) -> dict:
    import numpy as np
    import sympy as sp
    ctx = q.context
    dsub = {ctx.objects[k]: sp.Integer(v) for k, v in dims.items()}
    expr = ref.xreplace(dsub)
    mats = sorted(expr.atoms(sp.MatrixSymbol), key=lambda a: a.name)
    scal = sorted(expr.free_symbols - set(mats), key=lambda a: a.name)
    # a MatrixSymbol's shape holds the dim symbols: rebuild them with numbers
    fixed = {m: sp.MatrixSymbol(m.name, *(sp.sympify(x).xreplace(dsub) for x in m.shape))
             for m in mats}
    expr = expr.xreplace(fixed)
    args = [fixed[m] for m in mats] + scal
    t = C.now()
    try:
        with C.budget(max(cfg.numpy_budget, 5.0)):
            fn = sp.lambdify(args, expr, modules="numpy")
    except C.BudgetExceeded:
        return {"status": "over budget", "detail": "lambdify over 5 s"}
    except Exception as exc:
        return {"status": "error", "detail": f"lambdify: {type(exc).__name__}: {exc}"}
    t_lam = C.now() - t
    integer = {s.name for s in ctx.specs if s.kind == "index"}
    vals = sample.values
    npv = {m.name: vals[m.name].cpu().numpy() for m in mats}
    scv = {}
    for s in scal:
        v = vals[s.name]
        v = v.reshape(v.shape[0], -1)[:, 0].cpu().numpy() if hasattr(v, "reshape") else \
            np.full(sample.env.batch, float(v))
        scv[s.name] = v.round().astype(int) if s.name in integer else v
    npts = min(sample.env.batch, cfg.numpy_max_points)
    calls = [[npv[m.name][k] for m in mats] + [scv[s.name][k] for s in scal]
             for k in range(npts)]
    done, first = 0, None
    t = C.now()
    try:
        with C.budget(cfg.numpy_budget):
            while done < cfg.numpy_max_points:
                v = fn(*calls[done % npts])
                if first is None:
                    first = v
                done += 1
                if done >= npts and C.now() - t > cfg.numpy_budget / 4:
                    break
    except C.BudgetExceeded:
        pass
    except Exception as exc:
        return {"status": "error", "detail": f"call: {type(exc).__name__}: {exc}"}
    el = C.now() - t
    if done == 0:
        return {"status": "over budget", "lambdify_s": t_lam}
    first = np.asarray(first, dtype=float)
    return {"status": "ok", "lambdify_s": t_lam, "points": done, "seconds": el,
            "pts_per_s": done / el, "first": first.tolist() if first.ndim else float(first)}


# --- (c)/(d) derive's torch engine --------------------------------------------------------

def run_torch(fn, sample, cfg: Cfg, device: str) -> dict:
    import torch
    from derive.judge.torch_eval import evaluate
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    env = sample.env
    reps, first = 0, None
    try:
        with C.budget(cfg.torch_budget):
            v = evaluate(fn, env)   # one untimed call: allocator, first-call paths
            sync()
            first = v[0]
            t = C.now()
            while True:
                evaluate(fn, env)
                sync()
                reps += 1
                if C.now() - t >= cfg.torch_min_time:
                    break
    except C.BudgetExceeded:
        if reps == 0:
            return {"status": "over budget", "detail": f"one batch over {cfg.torch_budget:g} s"}
    except Exception as exc:
        return {"status": "error", "detail": f"{type(exc).__name__}: {exc}"}
    el = C.now() - t
    f = first.detach().cpu().double()
    return {"status": "ok", "batch": env.batch, "reps": reps, "seconds": el,
            "pts_per_s": env.batch * reps / el,
            "first": f.reshape(-1).tolist()[0] if f.numel() == 1 else f.squeeze(-1).tolist()
            if f.shape[-1] == 1 else f.tolist()}


def _max_diff(a: Any, b: Any) -> float:
    import numpy as np
    try:
        x, y = np.asarray(a, dtype=float).reshape(-1), np.asarray(b, dtype=float).reshape(-1)
        if x.shape != y.shape:
            return math.inf
        return float(np.max(np.abs(x - y) / (1 + np.abs(y)))) if x.size else 0.0
    except (TypeError, ValueError):
        return math.inf


def to_device(sample, device):
    """The same points, on another device (for CUDA)."""
    import torch
    from derive.judge.numeric import Sample
    from derive.judge.torch_eval import Env
    dev = torch.device(device)
    env = Env({k: (v.to(dev) if isinstance(v, torch.Tensor) else v)
               for k, v in sample.env.items()}, batch=sample.env.batch, device=dev,
              functions=sample.env.functions)
    return Sample(env, sample.values, sample.dims)


# --- many answers in one batch ----------------------------------------------------------------

def compare_batching(bank, qs, cfg: Cfg) -> list[dict]:
    from derive.judge.check import reference
    from derive.notation.answer import values
    from derive.judge.numeric import compare
    from derive.notation.parser import parse_answer
    out = []
    for q in qs:
        exprs = []
        for f in q.accept + q.reject:
            try:
                parsed = parse_answer(f.latex, q.context)
                if len(parsed.parts) == 1:
                    exprs.append(values(parsed.parts[0])[1][-1])
            except Exception:
                continue
        if len(exprs) < 2:
            continue
        try:
            ref = reference(q)
            compare(q, ref, exprs[:1], seed=0, device="cpu", definition=q.ground_truth())   # warm: definitions, caches
        except Exception as exc:
            out.append({"question": q.id, "status": "error", "detail": f"{type(exc).__name__}: {exc}"})
            continue
        for k in sorted({len(exprs), 16} if not cfg.quick else {len(exprs)}):
            es = [exprs[j % len(exprs)] for j in range(k)]
            tb, ts = [], []
            try:
                with C.budget(60.0 if not cfg.quick else 10.0):
                    for _ in range(cfg.compare_reps):   # interleaved: batched, then separate
                        t = C.now()
                        compare(q, ref, es, seed=0, device="cpu", definition=q.ground_truth())
                        tb.append(C.now() - t)
                        t = C.now()
                        for e in es:
                            compare(q, ref, [e], seed=0, device="cpu", definition=q.ground_truth())
                        ts.append(C.now() - t)
            except C.BudgetExceeded:
                if not tb or not ts:
                    out.append({"question": q.id, "k": k, "status": "over budget"})
                    continue
            mb, ms = C.median(tb), C.median(ts)
            out.append({"question": q.id, "k": k, "status": "ok", "batched_s": mb,
                        "separate_s": ms, "ratio_separate_over_batched": ms / mb,
                        "reps": len(tb)})
    return out


# --- main ------------------------------------------------------------------------------------

def main() -> None:
    a = C.args(__doc__.splitlines()[0])
    cfg = Cfg(a.quick)
    import torch
    import derive
    from derive.judge.check import reference
    from derive.judge.numeric import draw
    from derive.judge.torch_eval import compile_expr

    torch.set_num_threads(torch.get_num_threads())
    has_cuda = torch.cuda.is_available()
    bank = derive.load_bank()
    qs = derivative_questions(bank, a.quick)
    print(f"questions: {', '.join(q.id for q in qs)}; n in {cfg.sizes}; torch threads "
          f"{torch.get_num_threads()}; CUDA: {'yes' if has_cuda else 'skipped: no CUDA'}")
    rows: list[dict] = []
    for q in qs:
        try:
            ref = reference(q)
            fn = compile_expr(ref)
        except Exception as exc:
            rows.append({"question": q.id, "status": "error",
                         "detail": f"reference: {type(exc).__name__}: {exc}"})
            print(f"{q.id}: skipped, the reference does not load: {exc}")
            continue
        sympy_dead = ""   # once instantiation is over budget at some n, skip larger n
        for n in cfg.sizes:
            ctx = q.context
            dims = {d.name: n for d in ctx.dims}
            shape = out_shape(ref, ctx, dims)
            B = batch_size(q, dims, shape, cfg)
            gen = torch.Generator()
            gen.manual_seed(0)
            row: dict[str, Any] = {"question": q.id, "n": n, "batch": B, "out_shape": shape}
            t = C.now()
            try:
                with C.budget(cfg.draw_budget):
                    sample = draw(ctx, batch=B, gen=gen, device=torch.device("cpu"), dims=dims)
            except C.BudgetExceeded:
                row.update(status="draw over budget",
                           detail=f"derive's draw() took over {cfg.draw_budget:g} s")
                rows.append(row)
                print(f"{q.id} n={n}: derive's draw() over {cfg.draw_budget:g} s; skipped")
                continue
            except Exception as exc:
                row.update(status="error", detail=f"draw: {type(exc).__name__}: {exc}")
                rows.append(row)
                continue
            row["draw_s"] = C.now() - t
            row["status"] = "ok"
            row["torch_cpu"] = run_torch(fn, sample, cfg, "cpu")
            try:
                row["numpy"] = run_numpy(ref, q, dims, sample, cfg)
            except Exception as exc:
                row["numpy"] = {"status": "error", "detail": f"{type(exc).__name__}: {exc}"}
            if sympy_dead:
                row["sympy"] = {"status": "skipped", "detail": sympy_dead}
            else:
                try:
                    row["sympy"] = run_sympy(ref, q, dims, sample, cfg)
                except Exception as exc:
                    row["sympy"] = {"status": "error", "detail": f"{type(exc).__name__}: {exc}"}
                if row["sympy"]["status"] == "over budget" and "instantiation" in \
                        row["sympy"].get("detail", ""):
                    sympy_dead = f"instantiation over budget at n = {n}"
            if has_cuda:
                row["torch_cuda"] = run_torch(fn, to_device(sample, "cuda"), cfg, "cuda")
            else:
                row["torch_cuda"] = {"status": "skipped: no CUDA"}
            tf = row["torch_cpu"].get("first")
            for eng in ("sympy", "numpy", "torch_cuda"):
                if row[eng].get("first") is not None and tf is not None:
                    row[eng]["max_rel_diff_vs_torch"] = _max_diff(row[eng]["first"], tf)
            for eng in ("sympy", "numpy", "torch_cpu", "torch_cuda"):
                row[eng].pop("first", None)
            rows.append(row)
            print(f"  {q.id} n={n} done", flush=True)

    def pps(r, eng):
        e = r.get(eng, {})
        return e.get("pts_per_s") if e.get("status") == "ok" else None

    def ratio(x, y):
        return x / y if x and y else None

    table_rows = []
    for r in rows:
        if r.get("status") != "ok":
            table_rows.append([r["question"], r.get("n", "-"), "-", r.get("status"), "", "", "", "",
                               "", "", "", ""])
            continue
        a_, b_, c_, d_ = (pps(r, e) for e in ("sympy", "numpy", "torch_cpu", "torch_cuda"))
        sy = r["sympy"]
        sy_txt = a_ if a_ else (f"<{sy['pts_per_s_upper_bound']:.2g}" if
                                "pts_per_s_upper_bound" in sy else sy["status"])
        table_rows.append([r["question"], r["n"], r["batch"], sy_txt,
                           sy.get("xreplace_pts_per_s") or sy.get("xreplace_status") or "-", b_, c_,
                           d_ if d_ else r["torch_cuda"]["status"],
                           ratio(b_, a_), ratio(c_, a_), ratio(b_, c_), ratio(d_, c_)])
        for eng in ("sympy", "numpy", "torch_cuda"):
            dv = r[eng].get("max_rel_diff_vs_torch")
            if dv is not None and dv > 1e-6:
                print(f"WARNING {r['question']} n={r['n']}: {eng} differs from torch at the first "
                      f"point by {dv:.3g} (relative)")
    C.table(["question", "n", "batch", "(a) sympy subs pts/s", "sympy xreplace", "(b) numpy pts/s",
             "(c) torch cpu pts/s", "(d) cuda pts/s", "b/a", "c/a", "b/c", "d/c"], table_rows,
            title="points per second (reference expression; all dims = n)")
    C.table(["question", "n", "draw s", "sympy inst. s", "lambdify s"],
            [[r["question"], r.get("n"), r.get("draw_s"),
              r.get("sympy", {}).get("instantiate_s"), r.get("numpy", {}).get("lambdify_s")]
             for r in rows if r.get("status") == "ok"],
            title="one-off costs (not in the rates): derive's draw() of the batch, SymPy "
                  "instantiation, lambdify")

    cmp_rows = compare_batching(bank, qs, cfg)
    C.table(["question", "k answers", "one compare() s", "k compare() s", "ratio k-separate/batched"],
            [[r["question"], r.get("k", "-"), r.get("batched_s"), r.get("separate_s"),
              r.get("ratio_separate_over_batched") or r.get("status")] for r in cmp_rows],
            title="many answers against the same points: compare(q, ref, [e1..ek]) vs k calls "
                  "(default batch 64, 3 rounds, CPU)")

    C.write_json("numeric" + (".quick" if a.quick else ""), {"quick": a.quick, "machine": C.machine(),
                             "config": {k: v for k, v in vars(cfg).items()},
                             "rows": rows, "compare_batching": cmp_rows})


if __name__ == "__main__":
    main()
