"""derive: a symbolic derivation checker for deep-learning exam answers.

>>> import derive
>>> v = derive.check("ucb-cs182-sp22/1", r"\\frac{n}{(\\sum_i x_i)^2}(I_n \\sum_i x_i - x 1_n^T)")
>>> v.status.value
'equivalent'

The public names load on first use (PEP 562), so ``import derive`` is cheap: it imports
neither SymPy nor torch until a name is touched (the pytest plugin, which every pytest
run in an environment with derive loads, costs nothing), and torch only when a numeric
check starts.

The package's folders are the stages of the pipeline (docs/architecture.md):
``notation`` reads LaTeX, ``bank`` holds the questions, ``judge`` decides, ``validate``
re-checks the bank, ``publish`` writes booklets; ``testing`` is the public property-testing
API and ``cli`` the command line. Each imports only the stages below it (the contracts in
pyproject.toml, checked by ``lint-imports``).
"""
from __future__ import annotations

import importlib
import os
import sys

#: SymPy's cache of constructed expressions and assumption queries (SymPy reads
#: SYMPY_CACHE_SIZE when it is imported; its default is 1,000 entries). Reading answers
#: builds the same symbols, entries and conditions again and again: at 50,000 entries the
#: worker's mean parse time on the corpora is about 20% lower (bench/grading.py), for a
#: few MiB. Set only when SymPy is not imported yet and the variable is not set; the
#: worker processes (derive.judge.sandbox) inherit it with the environment.
SYMPY_CACHE_SIZE = "50000"
if "sympy" not in sys.modules:
    os.environ.setdefault("SYMPY_CACHE_SIZE", SYMPY_CACHE_SIZE)
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "check": "judge.check",
    "extract_answer": "notation.extract",
    "Verdict": "judge.verdict", "Status": "judge.verdict", "Counterexample": "judge.verdict",
    "REASONS": "judge.verdict",
    "load_bank": "bank.loader", "Bank": "bank.loader", "Exam": "bank.loader",
    "Question": "bank.loader", "Claim": "bank.loader", "Form": "bank.loader",
    "definition": "bank.registry", "settles": "bank.registry", "Settlement": "bank.registry",
    "Definition": "bank.registry", "tex_number": "bank.registry",
    "require_close": "bank.registry",
    "derivation_reward": "rewards",
    "DeriveError": "errors", "BankError": "errors", "AnswerError": "errors",
    "UnknownQuestion": "errors", "DeviceError": "errors",
}
__all__ = list(_EXPORTS)
__version__ = "0.1.0"

if TYPE_CHECKING:  # for type checkers and IDEs
    from .bank.loader import Bank, Claim, Exam, Form, Question, load_bank  # noqa: F401
    from .bank.registry import Definition, Settlement, definition, require_close, settles, tex_number  # noqa: F401,E501
    from .errors import AnswerError, BankError, DeriveError, DeviceError, UnknownQuestion  # noqa: F401,E501
    from .judge.check import check  # noqa: F401
    from .rewards import derivation_reward  # noqa: F401
    from .notation.extract import extract_answer  # noqa: F401
    from .judge.verdict import REASONS, Counterexample, Status, Verdict  # noqa: F401


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'derive' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
