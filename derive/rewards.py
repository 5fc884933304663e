"""Rewards for reinforcement learning on derivation questions (``derive.rewards``).

:func:`derivation_reward` has the signature TRL's trainers call a reward function with,
``(completions, **columns) -> list[float]``, without depending on TRL::

    from trl import GRPOTrainer
    import derive.rewards
    trainer = GRPOTrainer(model=..., reward_funcs=derive.rewards.derivation_reward,
                          train_dataset=ds)  # ds has a "question" column of bank ids

A completion is a string or a chat (a list of ``{"role", "content"}`` messages; the last
assistant message is read). Its final answer is extracted (:func:`derive.extract_answer`:
the last ``\\boxed{}``, a "final answer is" sentence, else the last mathematics) and checked
against the question named by the ``question`` column (or ``question_id``). The reward is
1.0 for an ``equivalent`` verdict and 0.0 for anything else; :func:`make_reward` builds one
with other values (a small reward for an answer that can at least be read, say). Identical
answers in a batch (a group of samples of one prompt often agree) are checked once, and the
checks reuse the per-question caches of :mod:`derive.grade` across calls.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

__all__ = ["derivation_reward", "make_reward", "completion_text"]

QUESTION_COLUMNS = ("question", "question_id", "qid")


def completion_text(completion: Any) -> str:
    """The text of a completion: a string, or the last assistant message of a chat."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, dict):
        return str(completion.get("content", ""))
    if isinstance(completion, (list, tuple)):
        for msg in reversed(completion):
            if isinstance(msg, dict) and msg.get("role", "assistant") == "assistant":
                content = msg.get("content", "")
                if isinstance(content, list):  # [{"type": "text", "text": ...}, ...]
                    return "".join(c.get("text", "") for c in content if isinstance(c, dict))
                return str(content)
    return ""


def make_reward(*, correct: float = 1.0, wrong: float = 0.0, undecided: float = 0.0,
                invalid: float = 0.0, no_answer: float | None = None, seed: int = 0,
                proof_timeout: float | None = None, bank: str | None = None) -> Callable:
    """A reward function ``(completions, **columns) -> list[float]``: ``correct`` for an
    equivalent answer, ``wrong`` for a not-equivalent one, ``undecided`` and ``invalid``
    for the other verdicts, ``no_answer`` (default: ``invalid``) when no final answer was
    found in the completion."""
    values = {"equivalent": correct, "not_equivalent": wrong, "undecided": undecided,
              "invalid": invalid}
    missing = invalid if no_answer is None else no_answer

    def derivation_reward(completions: Sequence[Any], **columns: Any) -> list[float]:
        from .bank.loader import load_bank
        from .grade.keys import answer_key
        from .grade.work import GRADE_PROOF_TIMEOUT, Item, Settings, grade_items
        from .notation.extract import extract_answer
        ids = next((columns[c] for c in QUESTION_COLUMNS if columns.get(c) is not None), None)
        if ids is None:
            raise TypeError("derivation_reward needs a question column (question=[ids], one "
                            "per completion)")
        if isinstance(ids, str):
            ids = [ids] * len(completions)
        if len(ids) != len(completions):
            raise ValueError(f"{len(completions)} completions but {len(ids)} question ids")
        b = load_bank(bank)
        settings = Settings(b.dirs, seed=seed, proof_timeout=GRADE_PROOF_TIMEOUT
                            if proof_timeout is None else proof_timeout)
        rewards: list[float | None] = [None] * len(completions)
        members: dict[Any, list[int]] = {}    # answer key -> completions with that answer
        items: list[Item] = []
        for k, (c, qid) in enumerate(zip(completions, ids)):
            q = b.question(str(qid))  # an unknown id is the caller's error: it raises
            latex = extract_answer(completion_text(c))
            if latex is None:
                rewards[k] = missing
                continue
            key = answer_key(q, latex)
            if key not in members:
                members[key] = []
                items.append(Item(len(items), q.id, latex))
            members[key].append(k)
        results = dict(grade_items(settings, items))
        for item, ks in zip(items, members.values()):
            r = values.get(results[item.key].get("status"), invalid)  # a crash earns nothing
            for k in ks:
                rewards[k] = r
        return [float(r) for r in rewards]  # type: ignore[arg-type]

    return derivation_reward


#: the default reward: 1.0 for a right final answer, 0.0 otherwise
derivation_reward = make_reward()
