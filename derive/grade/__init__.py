"""Stage 5, grade: a whole class (or a model's outputs) at once, with the outputs
instructors use (docs/grading.md).

Owns the grading run (:mod:`.engine`: JSON lines in, verdicts out in input order, a bad line
reported and skipped, ``--resume`` after an interruption), which answers are the same answer
(:mod:`.keys`: derive's own token stream, so a class's many copies of a few common forms
are checked once), the grading function every process runs with its own sandbox and caches
(:mod:`.work`, :mod:`.cache`), the backends that run it (this process, worker processes,
Ray: :mod:`.ray_backend`), points and rubrics (:mod:`.scores`: the CSV of scores), the HTML
report (:mod:`.report`), Gradescope's autograder (:mod:`.gradescope`), and the command-line
glue (:mod:`.command`).

May import: :mod:`derive.judge`, :mod:`derive.bank`, :mod:`derive.notation`,
:mod:`derive.errors`, and :func:`derive.extract_answer` (the reading stage's extractor).
"""
