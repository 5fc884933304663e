"""derive: a symbolic derivation checker for deep-learning exam answers.

>>> import derive
>>> v = derive.check("ucb-cs182-sp22/1", r"\\frac{n}{(\\sum_i x_i)^2}(I_n \\sum_i x_i - x 1_n^T)")
>>> v.status.value
'equivalent'

The public names load on first use (PEP 562), so ``import derive`` is cheap: it imports
neither SymPy nor torch until a name is touched (the pytest plugin, which every pytest
run in an environment with derive loads, costs nothing), and torch only when a numeric
check starts.
"""
from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "check": "_check",
    "Verdict": "_verdict", "Status": "_verdict", "Counterexample": "_verdict",
    "REASONS": "_verdict",
    "load_bank": "_bank", "Bank": "_bank", "Exam": "_bank", "Question": "_bank",
    "Claim": "_bank", "Form": "_bank",
    "DeriveError": "_errors", "BankError": "_errors", "AnswerError": "_errors",
    "UnknownQuestion": "_errors", "DeviceError": "_errors",
}
__all__ = list(_EXPORTS)
__version__ = "0.1.0"

if TYPE_CHECKING:  # for type checkers and IDEs
    from ._bank import Bank, Claim, Exam, Form, Question, load_bank  # noqa: F401
    from ._check import check  # noqa: F401
    from ._errors import AnswerError, BankError, DeriveError, DeviceError, UnknownQuestion  # noqa: F401,E501
    from ._verdict import REASONS, Counterexample, Status, Verdict  # noqa: F401


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'derive' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(list(globals()) + __all__)
