"""Shared fixtures: real reward servers in subprocesses on loopback."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from reward_server.api import reward_pb2
from reward_server.client import math_group
from reward_server.launch import ServerHandle, launch_server
from trainer_client.cli import docker_engine_problem

REPO = Path(__file__).resolve().parents[1]


def start_server(
    *flags: str, env: dict[str, str] | None = None, timeout: float = 60
) -> ServerHandle:
    """Runs `python -m reward_server serve --port 0 ...` and returns once it serves."""
    return launch_server("--no-log-json", *flags, env=env, cwd=REPO, timeout=timeout)


def symbolic_group(size: int, group_id: str) -> reward_pb2.Group:
    """A correct group that needs sympy for every completion: slow enough (tens of ms per
    completion) to keep a server busy while a test does something else."""
    completions = [f"\\boxed{{\\frac{{1}}{{\\sqrt{{2}}}} + {i} - {i}}}" for i in range(size)]
    return math_group("\\frac{\\sqrt{2}}{2}", completions, group_id=group_id)


@pytest.fixture(scope="session")
def server() -> Iterator[ServerHandle]:
    """One shared server with default settings."""
    proc = start_server("--math-timeout-s", "3")
    yield proc
    proc.stop()


@pytest.fixture
def fresh_server(request) -> Iterator:
    """Factory for servers with their own flags; all are stopped after the test."""
    started: list[ServerHandle] = []

    def make(*flags: str, env: dict[str, str] | None = None) -> ServerHandle:
        proc = start_server(*flags, env=env)
        started.append(proc)
        return proc

    yield make
    for proc in started:
        proc.stop()


@contextlib.contextmanager
def stream_scorer(address: str, timeout: float) -> Iterator:
    """The trainer's StreamScorer on the server at `address`."""
    from reward_server.client import RewardClient
    from trainer_client.scoring import StreamScorer

    client = RewardClient(address, timeout=timeout)
    client.wait_ready(timeout)
    scorer = StreamScorer(client)
    try:
        yield scorer
    finally:
        scorer.close()
        client.close()


@pytest.fixture
def scorer(server):
    with stream_scorer(server.address, 30) as s:
        yield s


@pytest.fixture(scope="session")
def code_server() -> Iterator[ServerHandle]:
    """One server with --code for the whole run; it must leave no container behind.

    Tests that use it skip (see `requires_docker`) when no engine answers."""
    import docker

    from reward_server.verifiers.code.owners import list_managed

    proc = start_server("--code", "--sandbox-pool-size", "2", timeout=600)
    yield proc
    assert proc.stop() == 0
    leftovers = list_managed(docker.from_env(), pid=proc.process.pid)
    assert not leftovers, "the server left sandbox containers behind"


requires_docker = pytest.mark.skipif(
    docker_engine_problem() is not None,  # the check grpo-train demo uses
    reason="no Docker engine reachable; run scripts/install_docker.sh",
)
