"""Stage 3, judge: one answer to one question, to a verdict.

Owns the check itself and the answer kinds (:mod:`.check`), the verdicts and reason
codes (:mod:`.verdict`), the numeric engine (:mod:`.numeric`: sampling, comparison with
the ground truth) and the torch evaluator it compiles expressions with
(:mod:`.torch_eval`), the symbolic prover (:mod:`.symbolic`), and the sandboxed worker
process (:mod:`.sandbox`) with the tasks it may run on untrusted input (:mod:`.tasks`).

May import: :mod:`derive.bank`, :mod:`derive.notation`, :mod:`derive.errors`.
"""
