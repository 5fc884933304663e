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
from .lexer import GREEK  # noqa: E402,F401  (defined with the spellings; re-exported here)


def _lattice(f):
    """``\\max``/``\\min`` as written: computed when every argument is a number
    (``\\max(3, 5)`` is 5), else only gathered into SymPy's canonical argument set,
    without the pairwise symbolic comparisons of its evaluation (``Max._find_localzeros``:
    milliseconds an answer, for what the numeric check and the prover settle anyway)."""
    def build(*args):
        args = [sp.sympify(a) for a in args]
        if all(a.is_number for a in args):
            return f(*args)
        return f(*args, evaluate=False)
    build.__name__ = f.__name__
    return build


MAX, MIN = _lattice(sp.Max), _lattice(sp.Min)
#: one-argument functions: command -> SymPy function applied to a scalar
SCALAR_FUNCS = {
    r"\log": sp.log, r"\exp": sp.exp, r"\sin": sp.sin, r"\cos": sp.cos, r"\tan": sp.tan,
    r"\tanh": sp.tanh, r"\sinh": sp.sinh, r"\cosh": sp.cosh, r"\sign": sp.sign,
    r"\sigmoid": lambda t: 1 / (1 + sp.exp(-t)),
    r"\relu": lambda t: MAX(t, 0),
    r"\softplus": lambda t: sp.log(1 + sp.exp(t)),
    # GELU, exactly t·Φ(t) (Hendrycks & Gimpel; the tanh form is an approximation of it)
    r"\gelu": lambda t: t * (1 + sp.erf(t / sp.sqrt(2))) / 2,
    r"\silu": lambda t: t / (1 + sp.exp(-t)),   # SiLU, t·σ(t) (swish with β = 1)
    r"\lg": lambda t: sp.log(t, 10),   # ISO 80000-2: lg is the base-10 logarithm
    # the Heaviside step, 1 for t > 0 (its value at 0 is a kink, never sampled)
    r"\heaviside": lambda t: sp.Piecewise((1, t > 0), (0, True)),
    r"\floor": sp.floor, r"\ceil": sp.ceiling,   # \lfloor t \rfloor, \lceil t \rceil
}
#: functions that a square matrix argument makes ambiguous: entrywise, or the matrix
#: function (\exp X, \sin X, \sqrt X)? derive says so instead of choosing
MATRIX_FUNCTIONS = frozenset({r"\log", r"\exp", r"\sin", r"\cos", r"\tan", r"\tanh",
                              r"\sinh", r"\cosh", r"\sqrt", r"\lg"})
#: function names written in italic letters (``ln 9``, ``sign(w)``): letters -> command
ITALIC_FUNCTIONS = {
    "ln": r"\log", "log": r"\log", "exp": r"\exp", "sin": r"\sin", "cos": r"\cos",
    "tan": r"\tan", "tanh": r"\tanh", "sign": r"\sign", "sgn": r"\sign", "max": r"\max",
    "min": r"\min", "softmax": r"\softmax", "sigmoid": r"\sigmoid", "relu": r"\relu",
    "ReLU": r"\relu", "diag": r"\diag", "det": r"\det", "softplus": r"\softplus",
    "logsumexp": r"\logsumexp",
}
#: what a name is said to be in prose (``\sigma \text{ the softmax}``, ``H \text{ the
#: Heaviside step}``), or set equal to (``\sigma = \operatorname{softmax}``): the words, lower
#: case, without a leading "the" -> the function's command
PROSE_FUNCTIONS = {
    "softmax": r"\softmax", "softmax function": r"\softmax", "sigmoid": r"\sigmoid",
    "logistic sigmoid": r"\sigmoid", "sigmoid function": r"\sigmoid",
    "logistic function": r"\sigmoid", "heaviside step": r"\heaviside",
    "heaviside function": r"\heaviside", "heaviside step function": r"\heaviside",
    "unit step": r"\heaviside", "step function": r"\heaviside", "relu": r"\relu",
}
#: ``\mathbf y \text{ is the one-hot label}``: prose that says a declared index stands for
#: its one-hot vector (the standard basis vector e_y): "one-hot" and these words only
ONE_HOT_WORDS = frozenset({"one-hot", "one", "hot", "label", "labels", "vector", "encoding",
                           "encoded", "target", "of", "the", "true", "class", "y"})
#: prose subscripts that name another value of a quantity (a step of an update, a time),
#: never a description of how it was found: ``w_{\text{new}}`` is not ``w``
STEP_WORDS = frozenset({
    "new", "old", "next", "prev", "previous", "updated", "update", "current", "curr", "init",
    "initial", "start", "final", "last", "first", "before", "after", "t", "k", "now", "then",
})
#: prose labels of a tuple's parts (``\text{grad} = 1.5,\ \text{new } w_{11} = -0.65``): the
#: words that say which part a label names, by what the part is (a derivative, or the
#: value after an update step); a label of these words and FILLER_WORDS only names a part
DERIVATIVE_WORDS = frozenset({"grad", "gradient", "derivative", "partial", "slope"})
UPDATE_WORDS = frozenset({"new", "updated", "update", "next"})
#: words of a part's prose label that say nothing of which part: the answer's words, the
#: quantity's kind, connectives ("the gradient of the loss w.r.t. the weight")
FILLER_WORDS = frozenset({"the", "of", "wrt", "w.r.t.", "with", "respect", "to", "weight",
                          "loss", "value", "after", "step", "sgd", "a", "one"})
#: a part's prose label that only numbers the part: the parts are then taken in order
ORDER_WORDS = frozenset({"answer", "result", "part", "(a)", "(b)", "(c)", "(i)", "(ii)",
                         "(iii)", "a)", "b)", "c)", "1", "2", "3", "1)", "2)", "3)"})
#: the prefix of the SymPy name of a symbol the question does not declare
FOREIGN = "foreign:"
#: minimisers and maximisers: named, never computed (a step of working)
OPTIMISERS = frozenset({"argmin", "argmax"})
MULTI_FUNCS = {r"\max": MAX, r"\min": MIN}
RELATIONS = {"=": sp.Eq, r"\ne": sp.Ne, "<": sp.Lt, ">": sp.Gt, r"\le": sp.Le, r"\ge": sp.Ge,
             r"\approx": sp.Eq}
MAX_EXPONENT_DIGITS = 1000   # refuse 10^{10^{10}} before SymPy computes it
MAX_SUM_TERMS = 100_000


