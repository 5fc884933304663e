"""derive.testing: a warm assert_matches_autograd call, batched search vs Hypothesis search.

Both searches run side by side in one process, on the same derivations, alternating
call by call so that load on the machine hits both alike: ``search="hypothesis"``
(every example drawn, screened and compared one at a time by Hypothesis: the path
before the batched search existed) and ``search="batched"`` (the default: all examples
at one choice of dims at once, ``torch.func.vmap``). Each call compares the default
50 examples. Reported: the median wall time of a warm call per derivation and search,
and the ratio hypothesis / batched; no absolute threshold is asserted anywhere.

    python bench/testing_speed.py            # 9 warm calls per derivation and search
    python bench/testing_speed.py --quick    # 2 (a smoke test)
"""
from __future__ import annotations

import _common as C


def cases():
    import torch

    def lsq(W, x, y):
        return ((W @ x - y) ** 2).sum()

    def layer(W, x):
        return torch.tanh(W @ x)

    return [
        ("least squares, gradient in x", r"2 W^T (W x - y)", lsq,
         dict(wrt="x", shapes={"W": "m n", "x": "n", "y": "m"})),
        ("least squares, gradient in W", r"2 (W x - y) x^T", lsq,
         dict(wrt="W", shapes={"W": "m n", "x": "n", "y": "m"})),
        ("tanh layer, Jacobian", r"\operatorname{diag}\left(\mathbf{1}_m - \tanh(Wx) \odot "
         r"\tanh(Wx)\right) W", layer, dict(wrt="x", shapes={"W": "m n", "x": "n"})),
        ("mean normalisation n x / sum x, Jacobian",
         r"\frac{n}{(\sum_i x_i)^2}\left(I_n \sum_i x_i - x 1_n^T\right)",
         lambda x, n: n * x / x.sum(),
         dict(wrt="x", shapes={"x": "n"}, avoid_zero=[r"\sum_i x_i"])),
        ("log det X, spd X", r"(X^{-1})^T", lambda X: torch.logdet(X),
         dict(wrt="X", shapes={"X": "n n"}, domains={"X": "spd"})),
        ("x^T A x, Hessian", r"A + A^T", lambda A, x: x @ A @ x,
         dict(wrt="x", shapes={"A": "n n", "x": "n"}, kind="hessian")),
    ]


def main() -> None:
    a = C.args(__doc__.splitlines()[0])
    import torch

    from derive.testing import assert_matches_autograd
    reps = 2 if a.quick else 9
    print(f"{reps} warm calls per derivation and search, 50 examples each; torch threads "
          f"{torch.get_num_threads()}")
    rows, out = [], []
    for name, closed, fn, kw in cases():
        times: dict[str, list[float]] = {"hypothesis": [], "batched": []}
        results = {}
        for search in times:   # warm: parse, compile, first torch calls
            results[search] = assert_matches_autograd(closed, fn, search=search, **kw)
        for _ in range(reps):
            for search in times:
                t = C.now()
                assert_matches_autograd(closed, fn, search=search, **kw)
                times[search].append(C.now() - t)
        h, b = C.median(times["hypothesis"]), C.median(times["batched"])
        rows.append([name, h, b, h / b])
        out.append({"derivation": name, "closed_form": closed,
                    "median_s": {"hypothesis": h, "batched": b}, "ratio": h / b,
                    "times_s": times,
                    "examples": {k: v.examples for k, v in results.items()}})
    C.table(["derivation", "hypothesis s", "batched s", "ratio"], rows,
            "median wall time of a warm call (50 examples)")
    ratios = [r[3] for r in rows]
    print(f"\nmedian ratio hypothesis / batched: {C.median(ratios):.1f} "
          f"(range {min(ratios):.1f} to {max(ratios):.1f}); median batched call "
          f"{C.median([r[2] for r in rows]):.3f} s, median hypothesis call "
          f"{C.median([r[1] for r in rows]):.3f} s")
    C.write_json("testing_speed.quick" if a.quick else "testing_speed", {
        "quick": a.quick, "machine": C.machine(), "reps": reps,
        "torch_threads": torch.get_num_threads(), "cases": out,
        "median_ratio": C.median(ratios),
        "median_batched_s": C.median([r[2] for r in rows]),
        "median_hypothesis_s": C.median([r[1] for r in rows])})


if __name__ == "__main__":
    main()
