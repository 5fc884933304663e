"""Property tests for derivations: one call against torch autograd.

``derive.testing`` checks a closed-form derivative the way a careful grader would:
against torch autograd (``torch.func``) of the function it claims to differentiate,
at dimensions and points drawn inside each symbol's domain, in float64. All the
examples at one choice of dims are evaluated at once (``torch.func.vmap``); when the
two disagree, the case is shrunk, and the ``AssertionError`` names the smallest
failing dimensions and point, both values and the largest error.

>>> from derive.testing import assert_matches_autograd
>>> assert_matches_autograd(                                # doctest: +SKIP
...     r"(A + A^T) x", lambda A, x: x @ A @ x, wrt="x", shapes={"A": "n n", "x": "n"})

``shapes`` declares each symbol by its shape, einops style (``"n"``, ``"m n"``, ``()``);
dims are free names. The kind (gradient or Jacobian) is read off the definition's
output. ``domains={"A": "spd"}`` and friends draw structured values directly; points
where the definition is not finite or a matrix is singular are outside the domain,
counted and skipped. Symbols may also be declared as in the answer bank
(docs/bank-format.md) with ``symbols=``, a dict
``{"x": {"kind": "vector", "shape": ["n"]}, "n": {"kind": "dim", "range": [2, 6]}}``
or a bank :class:`~derive.Question` (its symbols and ``avoid_zero``). LaTeX goes
through derive's own parser, never ``eval`` or ``sympify``; SymPy expressions and LaTeX
are evaluated with derive's torch compiler. docs/tutorial.md shows it at work,
docs/gallery.md on derivations from deep-learning practice.

Values handed to definitions and closed-form callables are in torch's natural layout:
a scalar is a 0-d tensor, a vector ``(n,)``, a matrix ``(r, c)``, a dim an ``int``.
LaTeX and SymPy closed forms are read in derive's layout, where a gradient has the
shape of its variable (a column for a vector) and a Jacobian is
``(df/dx)_{ij} = df_i/dx_j``.

Importing this module imports torch and Hypothesis; ``import derive`` does neither.

This package is the public face; the work is in :mod:`derive.testing.properties`
(with :mod:`~derive.testing.batched`, :mod:`~derive.testing.shrink` and
:mod:`~derive.testing.core`), loaded on first use of a name (so the pytest plugin
beside it, which every pytest run loads, costs nothing).
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__all__ = [
    "dims", "tensors", "points", "declare", "sympy_symbols", "bank_definition",
    "assert_matches_autograd", "assert_equivalent",
    "Agreement", "Mismatch", "InvalidArgument", "Undecided",
]

if TYPE_CHECKING:
    from .properties import (Agreement, InvalidArgument, Mismatch, Undecided,  # noqa: F401
                             assert_equivalent, assert_matches_autograd, bank_definition,
                             declare, dims, points, sympy_symbols, tensors)


def __getattr__(name: str) -> Any:
    if name not in __all__:
        raise AttributeError(f"module 'derive.testing' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.properties"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
