"""``derive new EXAM``: a starting exam, a TOML and its ``.py``, that validates as written.

The exam has one worked question (the gradient of a squared error, with its definition
in torch and its SymPy derivation, an accepted form and two known wrong answers) and one
claim with its settler, so that every part of the format (docs/bank-format.md) has an
example to edit. The files are text with the exam id filled in; nothing here imports
torch (the bank stage never does).
"""
from __future__ import annotations

import re
from pathlib import Path

from ..errors import BankError

#: what an exam id may look like: it names files and prefixes every question id
EXAM_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")

_TOML = r"""# The exam __EXAM__: questions as data. Format: docs/bank-format.md.
# Edit the question below (or copy it), then check the exam against itself:
#   derive --bank __DIR__ validate __EXAM__
# LaTeX goes in '...' literal strings, so backslashes need no doubling.
exam = "__EXAM__"
title = "__EXAM__: a worked example (edit me)"
key = "none printed"

[[question]]
id = "__EXAM__/1"
number = "1"
points = 2
kind = "expression"
text = '''
For $L = \|Wx - y\|^2$ with $W \in \mathbb{R}^{m \times n}$, $x \in \mathbb{R}^n$ and
$y \in \mathbb{R}^m$, what is $\frac{\partial L}{\partial x}$?
'''
asked = ['\frac{\partial L}{\partial x}', '\nabla_x L']
reference = '2W^\top(Wx - y)'
definition = "__EXAM__/1"        # computed in __EXAM__.py (torch, and derived in SymPy)
solution = '''
$L = (Wx - y)^\top (Wx - y)$, so $dL = 2(Wx - y)^\top W\,dx$ and the gradient, a column
like $x$, is $2W^\top(Wx - y)$.
'''

[question.symbols]
m = { kind = "dim", range = [2, 4] }
n = { kind = "dim", range = [2, 4] }
W = { kind = "matrix", shape = ["m", "n"], latex = ['W', '\mathbf{W}'] }
x = { kind = "vector", shape = ["n"], latex = ['x', '\mathbf{x}'] }
y = { kind = "vector", shape = ["m"], latex = ['y', '\mathbf{y}'] }

[[question.accept]]                # must be judged equivalent
latex = '2W^\top W x - 2W^\top y'
note = "expanded"

[[question.reject]]                # must be judged not equivalent
latex = 'W^\top(Wx - y)'
label = "factor 2 dropped"
misconception = 'the derivative of a square without its factor $2$'
feedback = '$\frac{d}{du}\,u^2 = 2u$.'

[[question.reject]]
latex = '2(Wx - y)^\top W'
label = "row vector"
misconception = "the derivative written as a row (its layout) instead of the gradient"
feedback = 'A gradient has the shape of its variable: an $n$-vector.'
reason = "shape.mismatch"          # the reason code it must get

[[claim]]
id = "__EXAM__/2"
statement = 'For every $y \in \mathbb{R}^n$ and real $c$, $\operatorname{softmax}(y + c) = \operatorname{softmax}(y)$.'
settle = "__EXAM__/2"              # settled in __EXAM__.py
expect = true                      # what you expect derive to find (or exam_key = the printed key)
"""

_PY = r'''"""The code of exam __EXAM__: what its questions compute, and how its claims are settled.

derive imports this file the first time __EXAM__ needs it (never while a bank loads).
Each @definition computes a question's answer the way a framework would (torch) and
derives it again in SymPy (sympy=); `derive validate` checks the TOML's reference against
both. Each @settles function settles a claim and returns a Settlement whose evidence is
built from what it computed. Format: docs/bank-format.md.
"""
import sympy as sp
import torch
from torch.func import grad, vmap

from derive import Settlement, definition, settles


def _squared_error_grad_sympy(v):
    """SymPy: L = (Wx - y)^T (Wx - y) for explicit W, x, y, differentiated entry by entry
    in x."""
    W, x, y = v["W"], v["x"], v["y"]        # explicit SymPy matrices at small dims
    r = W * x - y
    L = (r.T * r)[0, 0]
    return sp.Matrix([sp.diff(L, xi) for xi in x])


@definition("__EXAM__/1", "torch.func.grad of L = ||W x - y||^2 in x, vmapped over samples",
            sympy=_squared_error_grad_sympy)
def squared_error_grad(v):
    # the sampled values, batched: W (B, m, n), x (B, n, 1), y (B, m, 1)
    def loss(W, x, y):
        return ((W @ x - y) ** 2).sum()
    return vmap(grad(loss, argnums=1))(v["W"], v["x"][..., 0], v["y"][..., 0])


@settles("__EXAM__/2")
def softmax_shift() -> Settlement:
    gen = torch.Generator().manual_seed(0)
    worst = 0.0
    for _ in range(100):
        y = torch.randn(5, dtype=torch.float64, generator=gen)
        c = float(10 * torch.randn(1, dtype=torch.float64, generator=gen))
        diff = torch.softmax(y + c, dim=0) - torch.softmax(y, dim=0)
        worst = max(worst, float(diff.abs().max()))
    holds = worst < 1e-12
    evidence = (
        "torch.softmax at 100 random $y \\in \\mathbb{R}^5$ and shifts $c$: the largest "
        "entry of $|\\operatorname{softmax}(y + c) - \\operatorname{softmax}(y)|$ is "
        f"${worst:.1e}$, " + ("rounding error only." if holds else "more than rounding."))
    return Settlement(holds, "computation", evidence, {"largest_difference": worst})
'''


def new_exam(exam: str, directory: str | Path = ".") -> tuple[Path, Path]:
    """Write ``<exam>.toml`` and ``<exam>.py`` into ``directory`` (made if missing).

    Refuses a malformed id and never overwrites a file: a BankError says why.
    """
    if not EXAM_ID.fullmatch(exam):
        raise BankError(f"{exam!r} is not an exam id: letters, digits, '.', '_' and '-', "
                        f"starting with a letter or digit (e.g. my-course-f25)", key="exam")
    folder = Path(directory)
    toml, py = folder / f"{exam}.toml", folder / f"{exam}.py"
    for path in (toml, py):
        if path.exists():
            raise BankError("already exists; derive new never overwrites a file",
                            file=str(path))
    folder.mkdir(parents=True, exist_ok=True)
    shown = str(directory) if str(directory) else "."
    toml.write_text(_TOML.replace("__EXAM__", exam).replace("__DIR__", shown),
                    encoding="utf-8")
    py.write_text(_PY.replace("__EXAM__", exam), encoding="utf-8")
    return toml, py
