"""R1's language-consistency component: the share of the reasoning's words in a language,
measured on clean and mixed traces, its cost on huge completions, and through a server."""

from __future__ import annotations

import math
import time

import grpc
import pytest
from language_traces import CLEAN, mixed, think
from pathological import SHAPES, cpu_seconds, text_of

from reward_server.api import reward_pb2, reward_pb2_grpc
from reward_server.language_share import (
    REASONING_LANGUAGES,
    _identifier,
    language_share,
    reasoning_language_share,
)
from reward_server.outcome import Outcome, Verdict
from reward_server.reasoning import ReasoningPair
from reward_server.shaping import Shaping, shape

OTHERS = ("zh", "ru", "fr")


def test_the_accepted_codes_are_the_models_iso_639_1_labels():
    assert sorted(REASONING_LANGUAGES) == sorted(c for c in _identifier().labels if len(c) == 2)


@pytest.mark.parametrize("language", ["en", *OTHERS])
def test_a_clean_trace_is_near_one_in_its_language_and_near_zero_in_the_others(language):
    assert language_share(CLEAN[language], language) >= 0.9
    for other in ("en", *OTHERS):
        if other != language:
            assert language_share(CLEAN[language], other) <= 0.1, other


@pytest.mark.parametrize("other", OTHERS)
def test_a_mixed_trace_is_clearly_lower_in_both_languages(other):
    text = mixed(other)
    english, foreign = language_share(text, "en"), language_share(text, other)
    print(f"en/{other}: en {english:.2f}, {other} {foreign:.2f}")
    assert 0.25 <= english <= 0.75 and 0.25 <= foreign <= 0.75
    assert english + foreign >= 0.9  # the words are split between the two, not lost


def test_math_and_latex_are_not_words():
    assert language_share("$\\frac{1}{2} + x^2 = 3.14159$, 42 * 7", "en") == 0.0
    text = CLEAN["fr"] + " \\frac{a}{b} \\cdot \\sqrt{x} = y"
    assert language_share(text, "fr") >= 0.9


def test_the_reasoning_is_measured_and_the_answer_when_there_is_none():
    assert reasoning_language_share(think(CLEAN["zh"], CLEAN["en"]), "zh") >= 0.9
    assert reasoning_language_share(CLEAN["ru"], "ru") >= 0.9  # no block: the answer
    assert reasoning_language_share("<think></think>55", "en") == 0.0
    # The group's own tags decide what the reasoning is.
    custom = f"[[plan]]{CLEAN['zh']}[[/plan]]{CLEAN['en']}"
    assert reasoning_language_share(custom, "zh", ReasoningPair("[[plan]]", "[[/plan]]")) >= 0.9


def test_a_2_mb_completion_costs_a_bounded_sample():
    huge = think((CLEAN["en"] + " ") * 3500 + CLEAN["zh"] * 1200)
    assert len(huge.encode()) > 2_000_000
    _identifier()  # loaded once per process; not part of a completion's cost
    started = time.process_time()
    share = reasoning_language_share(huge, "en")
    assert time.process_time() - started < 0.2
    assert 0.5 < share < 1.0  # the sample reaches the Chinese at the end


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_degenerate_2_mb_completions_are_cheap(shape):
    _identifier()
    text = text_of(shape)
    cost = cpu_seconds(lambda: reasoning_language_share(text, "en"))
    assert cost < 0.3, f"{shape}: {cost:.2f}s"


def test_the_share_is_weighted_into_the_reward():
    outcome = Outcome(verdict=Verdict.CORRECT, correctness=1.0)
    shaping = Shaping(language_weight=0.5)
    reward, components = shape(outcome, "x", 1, shaping, language=0.6)
    assert components["language"] == 0.6 and reward == pytest.approx(1.3)
    reward, components = shape(outcome, "x", 1, shaping)
    assert "language" not in components and reward == 1.0


def test_a_server_scores_the_language_and_lists_its_codes(server):
    stub = reward_pb2_grpc.RewardServiceStub(grpc.insecure_channel(server.address))
    info = stub.GetServerInfo(reward_pb2.GetServerInfoRequest(), timeout=30)
    assert {"en", "zh", "ru", "fr"} <= set(info.reasoning_languages)
    completions = [think(CLEAN["zh"]), think(mixed("zh")), think(CLEAN["en"]), "\\boxed{55}"]
    spec = reward_pb2.RewardSpec(language="zh", language_weight=0.5)
    group = reward_pb2.Group(
        group_id="zh",
        task=reward_pb2.Task(math={"gold": "55"}),
        completions=completions,
        reward=spec,
    )
    response = stub.Score(reward_pb2.ScoreRequest(groups=[group]), timeout=60)
    scores = response.results[0].scores
    shares = [s.components["language"] for s in scores]
    print("zh shares through the server:", [round(s, 2) for s in shares])
    assert shares[0] >= 0.9 and 0.25 <= shares[1] <= 0.75 and shares[2] <= 0.1
    assert shares[3] == 0.0  # no words at all
    for score, share in zip(scores, shares, strict=True):
        assert score.verdict == reward_pb2.CORRECT
        assert math.isclose(score.reward, 1.0 + 0.5 * share, abs_tol=1e-9)
    plain = reward_pb2.Group(
        group_id="off", task=reward_pb2.Task(math={"gold": "55"}), completions=completions[:1]
    )
    response = stub.Score(reward_pb2.ScoreRequest(groups=[plain]), timeout=60)
    assert "language" not in response.results[0].scores[0].components
