"""The Docker engine restarted under a running server: the pool notices its dead
containers, rebuilds itself and serves again, with no server restart and nothing left
behind. The engine is a private dockerd reached over TCP, as a remote DOCKER_HOST is."""

from __future__ import annotations

import contextlib

import docker
import pytest

from reward_server.client import RewardClient
from reward_server.verifiers.code import owners

from .faults import (
    V,
    engine_problem,
    private_engine,
    python_code_server,
    python_image,
    sandbox_events,
    slow_code_group,
)

pytestmark = [
    pytest.mark.docker,
    pytest.mark.skipif(engine_problem() is not None, reason=str(engine_problem())),
]


def managed(client: docker.DockerClient) -> list:
    return owners.list_managed(client)


def test_pool_recovers_after_the_engine_restarts():
    with private_engine() as engine:
        engine.load(python_image())
        server = python_code_server(
            "--docker-host", engine.url, "--no-build-sandbox-images", timeout=300
        )
        client = RewardClient(server.address, timeout=180)
        try:
            [before] = client.score([slow_code_group("before", 4, sleep=0, wrong=1)])
            assert [s.verdict for s in before.scores] == [V.WRONG] + [V.CORRECT] * 3
            with contextlib.closing(engine.client()) as api:
                assert len(managed(api)) == 2
                labels = managed(api)[0].labels
            assert labels[owners.PID_LABEL] == str(server.process.pid)

            engine.restart()  # every container of the pool dies with it

            for round_ in range(3):  # the server was never restarted
                [after] = client.score([slow_code_group(f"after-{round_}", 4, sleep=0, wrong=1)])
                got = [(s.verdict, s.detail) for s in after.scores]
                assert [v for v, _ in got] == [V.WRONG] + [V.CORRECT] * 3, got
            # The two dead containers were retired at check-out, not used for a run.
            assert sandbox_events(server.metrics_port, "dead_idle") == 2
            assert sandbox_events(server.metrics_port, "rejudged") == 0
            with contextlib.closing(engine.client()) as api:
                live = managed(api)
                assert len(live) == 2, [(c.name, c.status) for c in live]
                assert all(c.status == "running" for c in live)
        finally:
            client.close()
            code = server.stop()
        assert code == 0
        with contextlib.closing(engine.client()) as api:
            left = managed(api)
        assert not left, [(c.name, c.status) for c in left]
