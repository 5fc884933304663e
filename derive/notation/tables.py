"""The notation's tables: what a command means, independent of how it is parsed.

Adding a function or a relation is adding a row here; commands with syntax of their
own (``\\frac``, ``\\sum``, environments) are rows of the grammar's command table,
:data:`derive.notation.grammar.COMMANDS`. The Greek letters are shared with the
publisher (LaTeX to Typst).
"""
from __future__ import annotations

import sympy as sp

#: Greek letter names (the command without its backslash); the publisher maps the same
#: table to Typst (derive.publish.latex_text)
GREEK = frozenset(
    "alpha beta gamma delta epsilon varepsilon zeta eta theta vartheta iota kappa lambda mu "
    "nu xi omicron pi varpi rho varrho sigma varsigma tau upsilon phi varphi chi psi omega "
    "Gamma Delta Theta Lambda Xi Pi Sigma Upsilon Phi Psi Omega".split())
#: one-argument functions: command -> SymPy function applied to a scalar
SCALAR_FUNCS = {
    r"\log": sp.log, r"\exp": sp.exp, r"\sin": sp.sin, r"\cos": sp.cos, r"\tan": sp.tan,
    r"\tanh": sp.tanh, r"\sinh": sp.sinh, r"\cosh": sp.cosh, r"\sign": sp.sign,
    r"\sigmoid": lambda t: 1 / (1 + sp.exp(-t)),
    r"\relu": lambda t: sp.Max(t, 0),
}
MULTI_FUNCS = {r"\max": sp.Max, r"\min": sp.Min}
RELATIONS = {"=": sp.Eq, r"\ne": sp.Ne, "<": sp.Lt, ">": sp.Gt, r"\le": sp.Le, r"\ge": sp.Ge,
             r"\approx": sp.Eq}
MAX_EXPONENT_DIGITS = 1000   # refuse 10^{10^{10}} before SymPy computes it
MAX_SUM_TERMS = 100_000


