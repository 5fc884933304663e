"""Exceptions. Two channels (see docs/architecture.md):

* a bad *student answer* is data: the parser raises :class:`AnswerError` deep
  inside, and :func:`derive.check` converts it once into an ``invalid`` verdict;
* a bad *bank entry* or a wrong argument is the author's error and raises
  :class:`BankError` / :class:`DeriveError` at once, with the file, the question
  id and the key.
"""
from __future__ import annotations


class DeriveError(Exception):
    """Base class of every error derive raises on purpose."""


class UnknownQuestion(DeriveError, KeyError):
    """No question with this id in the bank."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0])


class DeviceError(DeriveError, ValueError):
    """An unknown device, or CUDA asked for where torch sees none."""


class BankError(DeriveError):
    """A bank file is malformed. Names the file, the question and the key."""

    def __init__(self, message: str, *, file: str = "?", question: str | None = None,
                 key: str | None = None):
        where = file
        if question:
            where += f" [{question}]"
        if key:
            where += f" key {key!r}"
        super().__init__(f"{where}: {message}")
        self.file, self.question, self.key = file, question, key
        self.message = message

    def __reduce__(self):  # travels back from the worker process intact
        return (_bank_error, (self.message, self.file, self.question, self.key))


def _bank_error(message: str, file: str, question: str | None, key: str | None) -> "BankError":
    return BankError(message, file=file, question=question, key=key)


class AnswerError(DeriveError):
    """A student answer could not be read.

    ``code`` is a stable reason code (``parse.unbalanced_braces``, ...),
    ``position`` the 0-based character offset of the fault in the text the user
    typed (or ``None``).
    """

    def __init__(self, code: str, message: str, position: int | None = None):
        super().__init__(message)
        self.code, self.message, self.position = code, message, position

    def __reduce__(self):  # keep the fields across the worker-process pipe
        return (AnswerError, (self.code, self.message, self.position))
