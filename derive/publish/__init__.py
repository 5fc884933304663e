"""Stage 5, publish: solution booklets, in a student and an instructor edition.

Owns the SymPy to Typst printer (:mod:`.typst`), LaTeX to Typst text for the bank's
prose and answers (:mod:`.latex_text`), what a booklet prints (:mod:`.content`: the answers
as the bank writes them, the questions in printed order with shared stems once), the
verification record in words (:mod:`.record`), the two documents (:mod:`.typst_doc`,
:mod:`.latex_doc`) and the entry points and compilers (:mod:`.booklet`).

May import: :mod:`derive.validate` (a report, or a run of it), the stages below it, and
:mod:`derive.errors`. Never :mod:`derive.testing` or :mod:`derive.cli`.
"""
