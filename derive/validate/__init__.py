"""Stage 4, validate: ``derive validate``, the bank checked against itself.

Owns the validation run (:mod:`.run`): every reference against its definition (SymPy
derivation and torch), every accepted and rejected form through the judge, every claim
settled, and the report the booklets print.

May import: :mod:`derive.judge`, :mod:`derive.bank`, :mod:`derive.notation`,
:mod:`derive.errors`.
"""
