"""derive.rewards: the reward TRL's trainers call, ``(completions, **columns) -> list[float]``,
on a few labelled model responses of the independent corpus and on chat completions."""
from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

import derive
from derive.rewards import completion_text, derivation_reward, make_reward

CORPUS = Path(__file__).resolve().parent.parent / "bench" / "independent" / "corpus"
QUESTIONS = ("neu-cs7150-f22/4.x", "neu-cs7150-f22/6.b", "tum-in2346-ss22/4.3")


def labelled_responses() -> list[dict]:
    """A few model responses (worked answers with a final answer), labelled by hand."""
    cases = tomllib.loads((CORPUS / "model_responses.toml").read_text(encoding="utf-8"))["case"]
    picked = [c for c in cases if c["question"] in QUESTIONS and c["label"] != "unreadable"]
    assert {c["label"] for c in picked} == {"correct", "wrong"} or len(picked) >= 3
    return picked


def test_rewards_follow_the_labels_of_model_responses():
    cases = labelled_responses()
    rewards = derivation_reward([c["response"] for c in cases],
                                question=[c["question"] for c in cases])
    assert rewards == [1.0 if c["label"] == "correct" else 0.0 for c in cases]


def test_a_wrong_and_an_unanswered_completion_earn_nothing():
    q = "uw-cse493g1-sp23/3.2"
    comps = [r"So $D_E = \boxed{\sqrt{2-2D_C}}$.", r"The answer is $1 - D_C$.",
             "I cannot solve this.", r"Thus $\boxed{\sqrt{2-2D_C}$"]
    assert derivation_reward(comps, question=[q] * 4) == [1.0, 0.0, 0.0, 0.0]


def test_chat_completions_and_a_question_id_column():
    q = "uw-cse493g1-sp23/3.2"
    chat = [[{"role": "assistant", "content": r"Expand the norm: $\boxed{\sqrt{2-2D_C}}$"}],
            [{"role": "user", "content": "hi"},
             {"role": "assistant", "content": [{"type": "text", "text": r"$\boxed{1-D_C}$"}]}]]
    assert derivation_reward(chat, question_id=[q, q], prompts=["p", "p"]) == [1.0, 0.0]


def test_make_reward_scores_each_verdict():
    q = "uw-cse493g1-sp23/3.2"
    reward = make_reward(correct=2.0, wrong=-1.0, invalid=-0.5, no_answer=-2.0)
    comps = [r"$\boxed{\sqrt{2-2D_C}}$", r"$\boxed{1-D_C}$",
             r"The final answer is $\sqrt{2-2D_C$.", "none"]
    assert reward(comps, question=[q] * 4) == [2.0, -1.0, -0.5, -2.0]
    assert reward.__name__ == "derivation_reward"   # TRL logs a reward by its name


def test_identical_answers_in_a_batch_are_checked_once(monkeypatch):
    import derive.grade.work as work
    seen = []
    real = work.grade_items

    def counting(settings, items):
        seen.append(len(items))
        return real(settings, items)
    monkeypatch.setattr(work, "grade_items", counting)
    q = "uw-cse493g1-sp23/3.2"
    comps = [r"$\boxed{\sqrt{2-2D_C}}$", r"$\boxed{\sqrt{2 - 2 D_C}}$",
             r"$\boxed{\sqrt{2-2\mathrm{D}_C}}$", r"$\boxed{1-D_C}$"] * 4
    assert derivation_reward(comps, question=[q] * 16) == [1.0, 1.0, 1.0, 0.0] * 4
    assert seen == [2]


def test_the_question_column_is_required():
    with pytest.raises(TypeError, match="question column"):
        derivation_reward(["$1$"])
    with pytest.raises(derive.UnknownQuestion):
        derivation_reward(["$1$"], question=["nope/1"])


def test_completion_text_reads_strings_and_chats():
    assert completion_text("x") == "x"
    assert completion_text([{"role": "assistant", "content": "y"}]) == "y"
    assert completion_text([]) == ""


def test_exported_from_derive():
    assert derive.derivation_reward is derivation_reward
