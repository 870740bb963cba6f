"""Several reward servers on one Docker engine: none may remove another's containers."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from reward_server.outcome import Verdict
from reward_server.verifiers.code import owners
from reward_server.verifiers.code.config import SandboxConfig
from reward_server.verifiers.code.images import image_tag
from reward_server.verifiers.code.runtimes import load_runtimes

from .conftest import fenced, py_task_io, start_verifier

pytestmark = pytest.mark.docker

REPO = Path(__file__).resolve().parents[3]
ADD = "a, b = map(int, input().split())\nprint(a + b)"

REPLICA = textwrap.dedent(
    """
    import asyncio, sys
    from reward_server.outcome import Verdict
    from reward_server.verifiers.code.config import SandboxConfig
    from reward_server.verifiers.code.verifier import CodeVerifier
    from tests.verifiers.code.conftest import fenced, py_task_io

    async def main():
        v = await CodeVerifier.start(SandboxConfig(pool_size=2, languages=("python",)))
        try:
            print("started", flush=True)
            sys.stdin.readline()  # the test has started its own verifier meanwhile
            add = fenced("a, b = map(int, input().split())\\nprint(a + b)")
            out = await v.score(py_task_io([("1 2", "3")]), [add] * 4)
            ok = [o.verdict == Verdict.CORRECT for o in out]
            print("live", v._pools["python"].live, ok, flush=True)
        finally:
            await v.close()

    asyncio.run(main())
    """
)


def _python_image() -> str:
    config = SandboxConfig()
    return image_tag(load_runtimes(config.sandboxes_dir, ("python",))["python"])


def test_reap_spares_live_owners_and_fresh_foreign_containers(docker_client):
    image = _python_image()
    sleeper = subprocess.Popen(["sleep", "60"])
    made = []
    try:
        live = {**owners.owner_labels("replica"), owners.PID_LABEL: str(sleeper.pid)}
        live[owners.STARTED_LABEL] = owners._process_start(sleeper.pid)
        reused = {**live, owners.STARTED_LABEL: "1"}  # same pid, another process
        dead = {**owners.owner_labels("crashed"), owners.PID_LABEL: "999999999"}
        foreign = {**owners.owner_labels("remote"), owners.HOST_LABEL: "elsewhere"}
        for labels in (live, reused, dead, foreign):
            made.append(docker_client.containers.create(image, labels=labels))  # "created"
        owners.reap_leftovers(docker_client)
        left = {c.id for c in owners.list_managed(docker_client)}
        assert [c.id in left for c in made] == [True, False, False, True]
        # a stopped container of another host is removed once it is old enough
        assert owners.reap_leftovers(docker_client, foreign_grace_s=-1.0) >= 1
        assert made[3].id not in {c.id for c in owners.list_managed(docker_client)}
    finally:
        sleeper.kill()
        sleeper.wait()
        for c in made:
            owners.remove(c)


def test_two_verifiers_started_together_keep_full_pools(docker_client):
    """A second server creating its pool while this one starts (and reaps) keeps it."""
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    other = subprocess.Popen(
        [sys.executable, "-c", REPLICA],
        cwd=REPO,
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        started = threading.Event()
        wait_started = threading.Thread(
            target=lambda: (other.stdout.readline(), started.set()), daemon=True
        )
        wait_started.start()
        for v in start_verifier(docker_client, pool_size=2, languages=("python",)):
            assert started.wait(120), "the other verifier did not start"
            other.stdin.write("go\n")
            other.stdin.flush()
            report = other.stdout.readline().split(maxsplit=2)
            out = v.score(py_task_io([("1 2", "3")]), [fenced(ADD)] * 4)
            assert [o.verdict for o in out] == [Verdict.CORRECT] * 4
            assert v.v._pools["python"].live == 2
            assert report[:2] == ["live", "2"], report
            assert "False" not in report[2]
        assert other.wait(60) == 0
    finally:
        if other.poll() is None:
            other.kill()
            other.wait()


def test_reap_removes_sandboxes_of_a_server_container_that_stopped(docker_client):
    """A replica run in a container (compose) names its sandboxes by its container's
    hostname, the short id: once that container is down they are orphans."""
    image = _python_image()
    made = []
    try:
        server_box = docker_client.containers.create(image, command=["true"], network_mode="none")
        made.append(server_box)
        running_box = docker_client.containers.create(
            image, command=["sleep", "60"], network_mode="none"
        )
        made.append(running_box)
        running_box.start()
        server_box.start()
        server_box.wait(timeout=30)  # the "server" exits
        orphan = {**owners.owner_labels("dead"), owners.HOST_LABEL: server_box.id[:12]}
        orphan[owners.PID_LABEL] = "7"
        alive = {**orphan, owners.HOST_LABEL: running_box.id[:12]}
        made.append(docker_client.containers.create(image, labels=orphan))
        made.append(docker_client.containers.create(image, labels=alive))
        owners.reap_leftovers(docker_client)
        left = {c.id for c in owners.list_managed(docker_client)}
        assert made[2].id not in left  # its server's container has stopped
        assert made[3].id in left  # its server's container runs
    finally:
        for c in made:
            owners.remove(c)
