"""Stage 5, publish: solution booklets.

Owns the SymPy to Typst printer (:mod:`.typst`), LaTeX to Typst text for the bank's
prose and answers (:mod:`.latex_text`), and the booklets (:mod:`.booklet`: the document,
the Typst and LaTeX engines).

May import: :mod:`derive.validate` (a report, or a run of it), the stages below it, and
:mod:`derive.errors`. Never :mod:`derive.testing` or :mod:`derive.cli`.
"""
