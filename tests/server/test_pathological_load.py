"""Pathological answers mixed into a normal load: normal groups keep being answered fast."""

from __future__ import annotations

import random
import threading
import time

from reward_server.api import reward_pb2
from reward_server.client import RewardClient, math_group
from reward_server.samples import load_problems, pathological_samples, sample_group


def test_normal_groups_stay_fast_next_to_pathological_ones(fresh_server):
    srv = fresh_server("--math-timeout-s", "1.5")
    rng = random.Random(0)
    problems = load_problems(limit=24)
    bad = pathological_samples()
    groups, expected = [], {}
    for i, problem in enumerate(problems):
        samples = sample_group(problem, 16, rng)
        groups.append(
            math_group(problem.solution, [s.completion for s in samples], group_id=f"normal-{i}")
        )
        expected[f"normal-{i}"] = [s.expected for s in samples]
        if i % 4 == 0:  # a group made only of hostile answers every fourth group
            groups.append(math_group("42", [s.completion for s in bad], group_id=f"bad-{i}"))
            expected[f"bad-{i}"] = [s.expected for s in bad]

    sent_at: dict[str, float] = {}
    lock = threading.Lock()

    def paced():
        for group in groups:
            with lock:
                sent_at[group.group_id] = time.perf_counter()
            yield group
            time.sleep(0.05)  # a trainer sends groups as it generates them

    latencies = {}
    with RewardClient(srv.address) as client:
        for result in client.score_stream(paced()):
            latencies[result.group_id] = time.perf_counter() - sent_at[result.group_id]
            verdicts = [s.verdict for s in result.scores]
            assert verdicts == expected[result.group_id], result.group_id
            if result.group_id.startswith("bad"):
                assert reward_pb2.CORRECT not in verdicts
    assert set(latencies) == set(expected)
    normal = sorted(v for k, v in latencies.items() if k.startswith("normal"))
    assert normal[-1] < 2.0, f"slowest normal group took {normal[-1]:.2f}s"
