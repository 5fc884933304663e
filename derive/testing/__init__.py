"""Property tests for derivations: Hypothesis strategies and autograd assertions.

``derive.testing`` checks a closed-form derivative the way a careful grader would:
against torch autograd (``torch.func``) of the function it claims to differentiate,
at points and dimensions that Hypothesis draws, in float64. When the two disagree,
Hypothesis shrinks the case, and the ``AssertionError`` names the smallest failing
dimensions and point, both values and the largest error.

>>> from derive.testing import assert_matches_autograd
>>> assert_matches_autograd(                                # doctest: +SKIP
...     r"\\frac{n}{(\\sum_i x_i)^2}\\left(I_n \\sum_i x_i - x 1_n^T\\right)",
...     lambda x, n: n * x / x.sum(),
...     wrt="x", kind="jacobian", shapes={"x": ("n",)}, avoid_zero=[r"\\sum_i x_i"])

Symbols are declared as in the answer bank (docs/bank-format.md), as a dict
``{"x": {"kind": "vector", "shape": ["n"]}, "n": {"kind": "dim", "range": [2, 6]}}``,
or with the shorthand ``shapes={"x": ("n",)}, domains={"x": "positive"}``, or by passing
a bank :class:`~derive.Question` (its symbols and ``avoid_zero``). LaTeX goes through
derive's own parser, never ``eval`` or ``sympify``; SymPy expressions and LaTeX are
evaluated with derive's torch compiler.

Values handed to definitions and closed-form callables are in torch's natural layout:
a scalar is a 0-d tensor, a vector ``(n,)``, a matrix ``(r, c)``, a dim an ``int``.
LaTeX and SymPy closed forms are read in derive's layout, where a gradient has the
shape of its variable (a column for a vector) and a Jacobian is
``(df/dx)_{ij} = df_i/dx_j``.

Importing this module imports torch and Hypothesis; ``import derive`` does neither.

This package is the public face; the work is in :mod:`derive.testing.properties`,
loaded on first use of a name (so the pytest plugin beside it, which every pytest run
loads, costs nothing).
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
