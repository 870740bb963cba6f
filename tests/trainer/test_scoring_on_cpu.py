"""Streaming to a real reward server on loopback: results arrive while we generate."""

from __future__ import annotations

import time

import pytest

from reward_server.client import RewardClient, math_group
from trainer_client.scoring import StreamScorer, server_verifiers


def _group(gid: str, gold: int):
    completions = [f"{gold - 1}+1={gold}</think>\\boxed{{{gold}}}", "x</think>\\boxed{-1}"]
    return math_group(str(gold), completions, group_id=gid)


def test_results_are_matched_to_their_groups(scorer):
    ids = [f"g{i}" for i in range(6)]
    for i, gid in enumerate(ids):
        scorer.submit(_group(gid, 10 + i))
    results = scorer.collect(ids, timeout=30)
    assert set(results) == set(ids)
    for gid in ids:
        assert results[gid].rewards == [1.0, 0.0]
        assert results[gid].verdicts == ["CORRECT", "WRONG"]
        assert results[gid].components[0]["correctness"] == 1.0


def test_groups_are_scored_while_the_next_ones_are_generated(scorer):
    """Each group goes out when submitted, so by the time generation of the later
    groups is done the early ones are already scored and collect barely waits."""
    scorer.new_step()
    ids = []
    for i in range(4):
        gid = f"overlap{i}"
        scorer.submit(_group(gid, 20 + i))
        ids.append(gid)
        time.sleep(0.4)  # "generating" the next group
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and len(scorer._results) < 3:
        time.sleep(0.05)
    assert {"overlap0", "overlap1", "overlap2"} <= scorer._results.keys(), (
        "early groups were not scored during generation"
    )
    scorer.collect(ids, timeout=30)
    timing = scorer.timing.summary()
    assert timing["score_hidden_frac"] > 0.5
    assert timing["score_wait_s"] < 1.0
    assert timing["score_latency_s"] > 0


def test_a_dead_server_is_reported_not_scored_as_zero():
    client = RewardClient("127.0.0.1:1", timeout=2)
    from reward_server.client import RetryPolicy

    client.retry = RetryPolicy(attempts=1)
    s = StreamScorer(client)
    s.submit(_group("lost", 3))
    with pytest.raises((RuntimeError, TimeoutError)):
        s.collect(["lost"], timeout=10)
    s.close()
    client.close()


def test_server_reports_its_verifiers(server):
    with RewardClient(server.address) as client:
        verifiers = server_verifiers(client)
    assert "math" in verifiers
