"""derive.extract_answer on whole responses: how often it finds the final answer, and that it
stays linear in the length of the response.

1. Accuracy: bench/independent/corpus/model_responses.toml (113 responses written
   independently of derive, each with the final answer a reader takes from it): exact matches.
2. Scaling: for each family of adversarial inputs (unclosed boxes, runs of dollars or braces,
   repeated "Answer:" markers, ...) and for a realistic long response, the time at 10,000 and
   at 100,000 characters, side by side with a baseline that is linear by construction (one
   pure-Python pass over the characters). A linear reader grows about 10x from one size to
   the other, as the baseline does; a quadratic one about 100x. Reported as ratios, never
   asserted as timings.

    python bench/extract.py [--quick]
"""
from __future__ import annotations

import tomllib

from _common import ROOT, args, machine, median, now, table, write_json

from derive.notation.extract import extract_answer

CORPUS = ROOT / "bench" / "independent" / "corpus" / "model_responses.toml"

WORKING = ("We expand the loss: $L = (Wx - y)^\\top (Wx - y)$, so "
           "$dL = 2 (Wx - y)^\\top W\\,dx$ and the gradient follows. ")

FAMILIES = {
    "realistic working + box": lambda n: WORKING * (n // len(WORKING))
    + "Therefore the answer is $\\boxed{2W^\\top(Wx - y)}$.",
    "unclosed \\boxed{": lambda n: "\\boxed{" * (n // 7),
    "nested \\boxed{...}": lambda n: "\\boxed{" * (n // 8) + "1" + "}" * (n // 8),
    "dollars": lambda n: "$" * n,
    "open braces": lambda n: "{" * n,
    "backslashes": lambda n: "\\" * n,
    "\\begin{": lambda n: "\\begin{" * (n // 7),
    "'Answer: ' repeated": lambda n: "Answer: " * (n // 8),
    "'the answer is' + long line": lambda n: ("the answer is " + "x" * 200 + " ") * (n // 215),
    "'final' + spaces": lambda n: ("final" + " " * 1000) * (n // 1005),
    "inline math": lambda n: "$x$ " * (n // 4),
}


def baseline(text: str) -> int:
    """Linear by construction: one pass over the characters."""
    depth = 0
    for c in text:
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
    return depth


def timed(fn, text: str, repeats: int) -> float:
    ts = []
    for _ in range(repeats):
        t0 = now()
        fn(text)
        ts.append(now() - t0)
    return median(ts)


def main() -> None:
    a = args(__doc__.splitlines()[0])
    cases = tomllib.loads(CORPUS.read_text(encoding="utf-8"))["case"]
    exact = sum(extract_answer(c["response"]) == c["latex"] for c in cases)
    table(["responses", "extracted exactly"], [[len(cases), exact]],
          "Extraction on bench/independent/corpus/model_responses.toml")
    small, large = (2_000, 20_000) if a.quick else (10_000, 100_000)
    repeats = 1 if a.quick else 5
    rows, out = [], {}
    for name, make in FAMILIES.items():
        s, l_ = make(small), make(large)
        t_s, t_l = timed(extract_answer, s, repeats), timed(extract_answer, l_, repeats)
        b_s, b_l = timed(baseline, s, repeats), timed(baseline, l_, repeats)
        growth, base_growth = t_l / t_s, b_l / b_s
        rows.append([name, len(l_), t_l * 1e3, growth, base_growth, t_l / b_l])
        out[name] = {"chars": [len(s), len(l_)], "extract_s": [t_s, t_l],
                     "baseline_s": [b_s, b_l], "growth": growth, "baseline_growth": base_growth}
    table(["input family", "chars", "ms at the larger size", f"growth x{large // small} size",
           "baseline growth", "time / baseline"], rows,
          f"Scaling of extract_answer, {small:,} -> {large:,} characters (median of {repeats})")
    write_json("extract.quick" if a.quick else "extract",
               {"quick": a.quick, "machine": machine(), "corpus": {"responses": len(cases),
                                                                  "exact": exact},
                "sizes": [small, large], "families": out})


if __name__ == "__main__":
    main()
