"""A sandbox container killed while it runs a completion: that completion is judged
again elsewhere or reported INFRA_ERROR, never WRONG, and the pool keeps serving."""

from __future__ import annotations

import threading

import docker
import pytest
from conftest import requires_docker

from reward_server.api import reward_pb2
from reward_server.client import RewardClient

from .faults import (
    V,
    containers_of,
    python_code_server,
    sandbox_events,
    slow_code_group,
    wait_until,
)

pytestmark = [pytest.mark.docker, requires_docker]


def busy_containers(engine: docker.DockerClient, pid: int, n: int) -> list:
    """Waits until `n` of the server's containers are running a candidate program."""

    def running_a_candidate() -> list:
        busy = []
        for c in containers_of(engine, pid):
            if c.status != "running":
                continue
            # An idle container runs its supervisor alone; a run adds the candidate.
            if len(c.top(ps_args="-eo pid,args")["Processes"] or []) > 1:
                busy.append(c)
        return busy if len(busy) >= n else []

    return wait_until(running_a_candidate, 60, f"{n} containers running a candidate")


@pytest.mark.parametrize("retries", [0, 1])
def test_killed_sandbox_is_retried_or_infra_error_never_wrong(retries):
    engine = docker.from_env()
    server = python_code_server("--sandbox-infra-retries", str(retries))
    client = RewardClient(server.address, timeout=120)
    try:
        group = slow_code_group("victim", 4, sleep=3)  # 2 run at once, 2 wait for a container
        # The raw stub: no client-side retry is involved.
        future = client._stub.Score.future(reward_pb2.ScoreRequest(groups=[group]), timeout=120)
        victims = busy_containers(engine, server.process.pid, 2)
        killers = [threading.Thread(target=c.kill) for c in victims]
        for k in killers:
            k.start()
        for k in killers:
            k.join()
        [result] = future.result().results
        verdicts = [s.verdict for s in result.scores]
        assert V.WRONG not in verdicts, [(s.verdict, s.detail) for s in result.scores]
        if retries:
            assert verdicts == [V.CORRECT] * 4, [(s.verdict, s.detail) for s in result.scores]
            assert sandbox_events(server.metrics_port, "rejudged") == 2
        else:
            assert sorted(verdicts) == sorted([V.CORRECT] * 2 + [V.INFRA_ERROR] * 2)
            infra = [s for s in result.scores if s.verdict == V.INFRA_ERROR]
            assert all("sandbox" in s.detail for s in infra), [s.detail for s in infra]

        # The pool replaced the killed containers and keeps serving.
        [after] = client.score([slow_code_group("after", 4, sleep=0, wrong=1)])
        assert [s.verdict for s in after.scores] == [V.WRONG] + [V.CORRECT] * 3
    finally:
        client.close()
        code = server.stop()
    assert code == 0
    assert not containers_of(engine, server.process.pid)
