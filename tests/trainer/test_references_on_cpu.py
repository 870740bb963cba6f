"""Reference completions go through the reward server's reasoning splitter: every
reference the trainer builds or reads is "reasoning</think>answer", whatever template it
was written in, and its answer is what the server judges."""

from __future__ import annotations

import random

import pytest

from reward_server.reasoning import split_reasoning
from trainer_client.distill import as_reference
from trainer_client.tasks import arithmetic_task, code_task, gsm8k_task, user_task

FINAL = "<|end|><|start|>assistant<|channel|>final<|message|>"


def test_built_references_close_the_reasoning_and_answer():
    rng = random.Random(0)
    gsm = {"question": "q", "answer": "2 apples <<1+1=2>>\n#### 2"}
    references = [arithmetic_task(rng, 9).reference, code_task(rng).reference]
    references.append(gsm8k_task(gsm).reference)
    for reference in references:
        split = split_reasoning(reference)
        assert split.closed and split.template == "think" and split.answer.strip()
    assert split_reasoning(references[-1]).answer == "\\boxed{2}"


@pytest.mark.parametrize(
    "written",
    [
        "6*7</think>\\boxed{42}",
        "<think>6*7</think>\\boxed{42}",
        "<redacted_thinking>6*7</redacted_thinking>\\boxed{42}",
        "<|begin_of_thought|>6*7<|end_of_thought|><|begin_of_solution|>\\boxed{42}"
        "<|end_of_solution|>",
        f"<|channel|>analysis<|message|>6*7{FINAL}\\boxed{{42}}<|return|>",
    ],
)
def test_user_references_in_any_template_become_the_trainers(written):
    task = user_task({"prompt": "6 times 7?", "gold": "42", "reference": written})
    assert task.reference == "6*7</think>\\boxed{42}"
    assert as_reference(written, teacher_chat=True) == "6*7</think>\\boxed{42}"


def test_a_reference_without_a_closed_block_is_kept():
    assert user_task({"prompt": "p", "gold": "1", "reference": "1"}).reference == "1"
    assert as_reference("<think>cut off", teacher_chat=True) == "<think>cut off"
