"""The one reasoning splitter: every known template, mixed templates, a group's own pair,
window edges of the search for the last closing tag."""

from __future__ import annotations

import random

import pytest

from reward_server import reasoning
from reward_server.reasoning import ReasoningPair, pair_problem, split_reasoning, visible_answer
from reward_server.shaping import format_score

HARMONY_FINAL = "<|end|><|start|>assistant<|channel|>final<|message|>"


@pytest.mark.parametrize(
    ("text", "reasoning_text", "answer", "template"),
    [
        ("<think>r</think>a", "r", "a", "think"),
        ("<Redacted_Thinking>r</redacted_thinking>a", "r", "a", "redacted_thinking"),
        ("<thinking>r</thinking>a", "r", "a", "thinking"),
        ("<reasoning>r</reasoning>a", "r", "a", "reasoning"),
        (
            "<|begin_of_thought|>r<|end_of_thought|>x<|begin_of_solution|>a<|end_of_solution|>y",
            "r",
            "a",
            "thought",
        ),
        ("<|begin_of_thought|>r<|end_of_thought|>a", "r", "a", "thought"),
        ("r<|end_of_thought|><|begin_of_solution|>a", "r", "a", "thought"),  # cut off
        (f"<|channel|>analysis<|message|>r{HARMONY_FINAL}a<|return|>", "r", "a", "harmony"),
        (
            f"<|start|>assistant<|channel|>analysis<|message|>r{HARMONY_FINAL}a<|end|>",
            "r",
            "a",
            "harmony",
        ),
        (f"r{HARMONY_FINAL}a", "r", "a", "harmony"),  # the prompt opened the analysis
        ("<|channel|>final<|message|>a<|return|>", "", "a", "harmony"),
    ],
)
def test_each_template_splits_into_reasoning_and_answer(text, reasoning_text, answer, template):
    split = split_reasoning(text)
    assert (split.reasoning, split.answer, split.closed) == (reasoning_text, answer, True)
    assert split.template == template


def test_harmony_commentary_is_reasoning_and_analysis_alone_has_no_answer():
    text = (
        "<|channel|>analysis<|message|>plan<|end|><|start|>assistant<|channel|>commentary"
        f"<|message|>\\boxed{{1}}{HARMONY_FINAL}2<|return|>"
    )
    assert visible_answer(text) == "2"
    assert not split_reasoning("<|channel|>analysis<|message|>\\boxed{1}<|end|>").closed


@pytest.mark.parametrize(
    ("text", "answer", "closed"),
    [
        ("<think>a</think>b<reasoning>c</reasoning>d", "d", True),  # last close of any
        ("<thinking>a</think>b", "b", True),  # mismatched known tags still close
        ("<think>a</think>\\boxed{1}<thinking>more", "", False),  # opened again
        ("\\boxed{1}<redacted_thinking>more", "", False),
        ("before<think>a</think>after", "after", True),  # text before the block is no answer
    ],
)
def test_precedence_when_templates_mix(text, answer, closed):
    split = split_reasoning(text)
    assert (split.answer, split.closed) == (answer, closed)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<redacted_thinking>r</redacted_thinking>a", 1.0),
        ("r</reasoning>a", 1.0),
        ("<|begin_of_thought|>r<|end_of_thought|><|begin_of_solution|>a<|end_of_solution|>", 1.0),
        ("<|begin_of_thought|>r<|end_of_thought|>a", 0.0),  # no solution block
        (f"<|channel|>analysis<|message|>r{HARMONY_FINAL}a<|return|>", 1.0),
        (f"<|channel|>analysis<|message|>r{HARMONY_FINAL}a", 1.0),  # stop token dropped
        ("<think>r</think>a<|end|>", 0.0),  # a stray tag of another template
        ("<think>r</think><thinking>s</thinking>a", 0.0),  # two blocks
    ],
)
def test_format_of_the_new_templates(text, expected):
    assert format_score(text) == expected


def test_a_groups_own_pair():
    pair = ReasoningPair("[T]", "[/T]")
    assert visible_answer("[T]r[/T]a", pair) == "a"
    assert visible_answer("<think>r</think>a", pair) == "<think>r</think>a"
    assert visible_answer("[t]r[/t]a", pair) == "[t]r[/t]a"  # matched exactly
    assert format_score("[T]r[/T]a", pair) == 1.0
    assert not split_reasoning("[T]r[/T]a[T]", pair).closed
    close_only = ReasoningPair("", "[/T]")
    assert visible_answer("r[/T]a", close_only) == "a"
    assert not split_reasoning("no close", close_only).closed  # the prompt opened it


@pytest.mark.parametrize(
    ("open_tag", "close_tag", "ok"),
    [
        ("", "", True),
        ("", "</s>", True),
        ("<s>", "</s>", True),
        ("<s>", "", False),
        ("<s>", " ", False),
        ("\n", "</s>", False),
        ("<s>", "<s>", False),
        ("</s>", "</s>>", False),
        ("<s>", "x" * 65, False),
    ],
)
def test_pair_problems(open_tag, close_tag, ok):
    assert (pair_problem(open_tag, close_tag) is None) == ok


PIECES = [
    "<think>",
    "</think>",
    "<REASONING>",
    "</reasoning>",
    "<|begin_of_thought|>",
    "<|end_of_thought|>",
    "<|begin_of_solution|>",
    "<|end_of_solution|>",
    "<|channel|>analysis<|message|>",
    "<|end|>",
    "<|start|>assistant",
    "<|channel|>final<|message|>",
    "<|return|>",
    "a",
    " ",
    "</thin",
    "k>",
]


@pytest.mark.parametrize("window", [61, 62, 97])
def test_window_edges_do_not_change_the_split(monkeypatch, window):
    rng = random.Random(window)
    texts = ["".join(rng.choice(PIECES) for _ in range(rng.randrange(16))) for _ in range(1500)]
    expected = [(split_reasoning(t), format_score(t)) for t in texts]
    monkeypatch.setattr(reasoning, "_WINDOW", window)
    monkeypatch.setattr(reasoning, "_OVERLAP", 60)  # the longest known tag has 52 characters
    for text, (split, form) in zip(texts, expected, strict=True):
        assert (split_reasoning(text), format_score(text)) == (split, form), text


def test_the_client_shows_what_the_server_judged():
    from reward_server import client

    text = "<redacted_thinking>\\boxed{42}</redacted_thinking> I am not sure."
    assert client.visible_answer(text) == "I am not sure."
    pair = client.ReasoningPair("[T]", "[/T]")
    assert client.split_reasoning("[T]r[/T] a", pair).answer == " a"
