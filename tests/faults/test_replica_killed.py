"""A replica killed mid-stream: the trainer's groups move to the other replica, each
scored exactly once, none lost, and the dead replica's containers are swept."""

from __future__ import annotations

import threading

import docker
import pytest
from conftest import requires_docker, symbolic_group

from reward_server.client import RetryPolicy, RewardClient
from trainer_client.scoring import StreamScorer

from .faults import (
    V,
    containers_of,
    groups_scored,
    python_code_server,
    sandbox_events,
    slow_code_group,
    wait_until,
)

pytestmark = [pytest.mark.docker, requires_docker]


def replica():
    return python_code_server("--sandbox-reap-interval-s", "1")


def test_replica_killed_mid_stream_loses_nothing_and_scores_once():
    engine = docker.from_env()
    replicas = [replica(), replica()]
    client = RewardClient(
        ",".join(r.address for r in replicas),
        timeout=120,
        retry=RetryPolicy(attempts=30, max_backoff_s=0.5),
    )
    try:
        groups = []
        for k in range(16):  # math and code mixed, slow enough to be in flight at the kill
            groups.append(symbolic_group(24, f"math-{k}"))
            groups.append(slow_code_group(f"code-{k}", 4, sleep=0.3, wrong=1))
        seen: list[str] = []
        killed: list = []

        def kill_when_flowing() -> None:
            wait_until(lambda: len(seen) >= 3, 120, "the first results")
            # The stream is one RPC on one replica: kill the one that is scoring it.
            busy = max(replicas, key=lambda r: groups_scored(r.metrics_port))
            busy.process.kill()  # SIGKILL: no drain, no clean-up
            busy.process.wait()
            killed.append((busy, len(seen)))

        killer = threading.Thread(target=kill_when_flowing)
        killer.start()
        verdicts = {}
        for result in client.score_stream(iter(groups), timeout=300):
            seen.append(result.group_id)
            verdicts[result.group_id] = [s.verdict for s in result.scores]
        killer.join()
        [(first, answered_before_kill)] = killed
        [second] = [r for r in replicas if r is not first]
        assert answered_before_kill < len(groups), "the stream ended before the kill"
        assert groups_scored(second.metrics_port) > 0, "the survivor took over no group"
        assert sorted(seen) == sorted(g.group_id for g in groups)  # exactly once, none lost
        for gid, got in verdicts.items():
            want = [V.CORRECT] * 24 if gid.startswith("math") else [V.WRONG] + [V.CORRECT] * 3
            assert got == want, (gid, got)

        # The trainer's own path: StreamScorer keeps working on the surviving replica.
        scorer = StreamScorer(client)
        try:
            for g in groups[:4]:
                scorer.submit(g)
            out = scorer.collect([g.group_id for g in groups[:4]], timeout=120)
            assert sorted(out) == sorted(g.group_id for g in groups[:4])
        finally:
            scorer.close()

        # The killed replica could not remove its containers: the live one sweeps them.
        wait_until(
            lambda: not containers_of(engine, first.process.pid),
            60,
            "the surviving replica to remove the killed replica's containers",
        )
        assert sandbox_events(second.metrics_port, "reaped") >= 1
    finally:
        client.close()
        for r in replicas:
            r.stop()
    assert second.process.returncode == 0
    for r in replicas:
        assert not containers_of(engine, r.process.pid)
