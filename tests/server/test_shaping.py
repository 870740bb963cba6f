import math
import random
import re

import pytest

from reward_server import reasoning
from reward_server.outcome import Outcome, Verdict
from reward_server.reasoning import split_reasoning, visible_answer
from reward_server.shaping import Shaping, format_score, group_stats, overlong_penalty, shape


@pytest.mark.parametrize(
    ("completion", "expected"),
    [
        ("<think>work</think>\nThe answer is 4.", 1.0),
        ("work it out</think> 4", 1.0),  # the template opened the block in the prompt
        ("<think>work</think>", 0.0),  # no answer after the block
        ("<think></think> 4", 0.0),  # empty reasoning
        ("<think>work", 0.0),  # never closed
        ("The answer is 4.", 0.0),  # no reasoning block
        ("<think>a</think> 4 </think> 5", 0.0),  # two closings
        ("<think>a</think><think>b</think> 4", 0.0),
        ("<think>a</think> 4 <think>", 0.0),
        ("<thinking>work</thinking> 4", 1.0),
        ("<think>work</thinking> 4", 1.0),  # one block, whichever known tags
        ("<think>a</think> 4 </reasoning> 5", 0.0),
    ],
)
def test_format_score(completion, expected):
    assert format_score(completion) == expected


def test_overlong_penalty_is_dapo_soft_punishment():
    s = Shaping(max_length=100, overlong_buffer=20, overlong_penalty=1.0)
    assert overlong_penalty(80, s) == 0.0
    assert overlong_penalty(90, s) == pytest.approx(-0.5)
    assert overlong_penalty(100, s) == pytest.approx(-1.0)
    assert overlong_penalty(101, s) == -1.0
    assert overlong_penalty(10_000, Shaping()) == 0.0


def test_shape_weights_components():
    outcome = Outcome(Verdict.CORRECT, correctness=1.0)
    reward, parts = shape(
        outcome,
        "<think>x</think> 4",
        95,
        Shaping(format_weight=0.5, max_length=100, overlong_buffer=10),
    )
    assert parts == {"correctness": 1.0, "format": 1.0, "length": pytest.approx(-0.5)}
    assert reward == pytest.approx(1.0 + 0.5 - 0.5)


def test_infra_error_is_nan_never_zero():
    reward, _ = shape(Outcome.infra_error("docker down"), "x", 1, Shaping())
    assert math.isnan(reward)
    assert group_stats([1.0, math.nan, 0.0]) == (0.5, 0.5)
    assert group_stats([math.nan]) == (0.0, 0.0)


def test_reasoning_split():
    s = split_reasoning("<think>a</think> b")
    assert (s.reasoning, s.answer, s.closed) == ("a", " b", True)
    s = split_reasoning("<think>a")
    assert (s.reasoning, s.answer, s.closed) == ("a", "", False)
    assert split_reasoning("plain").reasoning is None
    assert visible_answer("<THINK>x</THINK>  shown  ") == "shown"
    assert visible_answer("<think>a</think>b</think>c") == "c"


_TAG = re.compile(r"</?think>", re.IGNORECASE)


def _format_by_tag_list(completion: str) -> float:
    """The format rule stated on the tag list: exactly <think></think> or </think>."""
    tags = list(_TAG.finditer(completion))
    names = [t.group().lower() for t in tags]
    if names == ["<think>", "</think>"]:
        reasoning = completion[tags[0].end() : tags[1].start()]
    elif names == ["</think>"]:
        reasoning = completion[: tags[0].start()]
    else:
        return 0.0
    answer = completion[tags[-1].end() :]
    return 1.0 if reasoning.strip() and answer.strip() else 0.0


def _split_by_tag_list(text: str) -> tuple:
    closes = [m for m in _TAG.finditer(text) if m.group().lower() == "</think>"]
    if closes:
        opened = re.compile("<think>", re.IGNORECASE).search(text, 0, closes[-1].start())
        start = opened.end() if opened else 0
        if re.compile("<think>", re.IGNORECASE).search(text, closes[-1].end()):
            return text[start:], "", False  # thinking again after the last close
        return text[start : closes[-1].start()], text[closes[-1].end() :], True
    opened = re.compile("<think>", re.IGNORECASE).search(text)
    return (text[opened.end() :], "", False) if opened else (None, text, True)


PIECES = ["<think>", "</think>", "<THINK>", "</Think>", "a", " ", "\n", "4", "</thin", "k>"]


@pytest.mark.parametrize("window", [8, 9, 13, 1 << 16])
def test_splitter_and_format_agree_with_the_tag_rules(monkeypatch, window):
    monkeypatch.setattr(reasoning, "_WINDOW", window)  # tags across window edges too
    monkeypatch.setattr(reasoning, "_OVERLAP", min(window - 1, 128))
    rng = random.Random(window)
    for _ in range(3000):
        text = "".join(rng.choice(PIECES) for _ in range(rng.randrange(12)))
        split = split_reasoning(text)
        assert (split.reasoning, split.answer, split.closed) == _split_by_tag_list(text), text
        assert format_score(text) == _format_by_tag_list(text), text
