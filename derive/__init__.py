"""derive: a symbolic derivation checker for deep-learning exam answers.

>>> import derive
>>> v = derive.check("ucb-cs182-sp22/1", r"\\frac{n}{(\\sum_i x_i)^2}(I_n \\sum_i x_i - x 1_n^T)")
>>> v.status.value
'equivalent'

Importing derive does not import torch; torch loads when a numeric check starts.
"""
from ._bank import Bank, Claim, Exam, Form, Question, load_bank
from ._check import check
from ._errors import AnswerError, BankError, DeriveError, UnknownQuestion
from ._verdict import REASONS, Counterexample, Status, Verdict

__all__ = [
    "check", "Verdict", "Status", "Counterexample", "REASONS",
    "load_bank", "Bank", "Exam", "Question", "Claim", "Form",
    "DeriveError", "BankError", "AnswerError", "UnknownQuestion",
]
__version__ = "0.1.0"
