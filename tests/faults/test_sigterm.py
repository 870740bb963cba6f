"""SIGTERM under load: in-flight groups finish, the rest are refused with UNAVAILABLE,
and the client sends them to another replica."""

from __future__ import annotations

import queue
import signal
import time

import docker
import grpc
import pytest
from conftest import requires_docker, start_server, symbolic_group

from reward_server.api import reward_pb2, reward_pb2_grpc
from reward_server.client import RetryPolicy, RewardClient
from trainer_client.scoring import StreamScorer

from .faults import (
    V,
    containers_of,
    groups_scored,
    python_code_server,
    slow_code_group,
    wait_until,
)


def test_draining_server_ends_an_idle_stream_after_its_in_flight_groups():
    """The client sent one group and waits: the server must not hold the stream open
    for the whole grace period, but deliver the group and end with UNAVAILABLE."""
    server = start_server("--math-workers", "1", "--shutdown-grace-s", "60")
    channel = grpc.insecure_channel(server.address)
    try:
        outbox: queue.Queue = queue.Queue()

        def requests():
            while (group := outbox.get()) is not None:
                yield reward_pb2.ScoreRequest(groups=[group])

        stream = reward_pb2_grpc.RewardServiceStub(channel).ScoreStream(requests(), timeout=120)
        outbox.put(symbolic_group(60, "in-flight"))
        time.sleep(0.3)  # admitted and being scored
        started = time.monotonic()
        server.process.send_signal(signal.SIGTERM)
        result = next(stream)
        assert result.group_id == "in-flight"
        assert [s.verdict for s in result.scores] == [V.CORRECT] * 60
        with pytest.raises(grpc.RpcError) as err:
            next(stream)
        assert err.value.code() == grpc.StatusCode.UNAVAILABLE, err.value
        assert "shutting down" in err.value.details()
        assert time.monotonic() - started < 30, "the stream waited for the grace period"
        assert server.process.wait(30) == 0
    finally:
        outbox.put(None)
        channel.close()
        server.stop()


@pytest.mark.docker
@requires_docker
def test_sigterm_under_load_fails_over_to_the_other_replica():
    engine = docker.from_env()
    replicas = [python_code_server() for _ in range(2)]
    client = RewardClient(
        ",".join(r.address for r in replicas),
        timeout=120,
        retry=RetryPolicy(attempts=30, max_backoff_s=0.5),
    )
    scorer = StreamScorer(client)
    try:
        groups = []
        for k in range(12):
            groups.append(symbolic_group(24, f"math-{k}"))
            groups.append(slow_code_group(f"code-{k}", 4, sleep=0.3, wrong=1))
        for g in groups[:12]:
            scorer.submit(g)
        busy = wait_until(
            lambda: next((r for r in replicas if groups_scored(r.metrics_port) >= 2), None),
            120,
            "the first groups to be scored",
        )
        busy.process.send_signal(signal.SIGTERM)
        for g in groups[12:]:  # sent while it drains: refused there, scored elsewhere
            scorer.submit(g)
        out = scorer.collect([g.group_id for g in groups], timeout=300)
        assert busy.process.wait(60) == 0  # drained and exited cleanly
        [other] = [r for r in replicas if r is not busy]
        assert groups_scored(other.metrics_port) > 0, "no group went to the other replica"
        assert sorted(out) == sorted(g.group_id for g in groups)  # each once, none lost
        for gid, scores in out.items():
            want = ["CORRECT"] * 24 if gid.startswith("math") else ["WRONG"] + ["CORRECT"] * 3
            assert scores.verdicts == want, gid
    finally:
        scorer.close()
        client.close()
        for r in replicas:
            r.stop()
    for r in replicas:
        assert r.process.returncode == 0
        assert not containers_of(engine, r.process.pid)
