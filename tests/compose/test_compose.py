"""The docker compose stack end to end (docker-compose.yml, docs/deployment.md).

scripts/compose_prepare.sh, `docker-compose build`, `up` with two reward-server replicas
and a tiny demo, then: the trainer exits 0 and wrote summary.json; each replica runs its
warm sandbox pool from inside its container (attached-stdio channel) and scores some of
the demo's groups and of a probe's unary batches (a Python sandbox verdict among them);
and `down -v` leaves no container, network or volume of the project and no sandbox
container of either replica. A unique project name and image tag per run.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tarfile
import time
import uuid
from pathlib import Path

import pytest

from trainer_client.cli import docker_engine_problem

REPO = Path(__file__).resolve().parents[2]
PROBE = Path(__file__).with_name("balance_probe.py")
REPLICAS = 2
# A few SFT and GRPO steps: the trainer part takes ~15 s on 2 cores.
DEMO_ARGS = "--sft_steps 20 --steps 3 --eval_size 16 --prompts_per_step 4 --save_every 0"
MANAGED = "reward-server.managed=true"
HOST_LABEL = "reward-server.host"


def _compose_command() -> list[str] | None:
    """$REWARD_COMPOSE_COMMAND (e.g. "docker compose"), else Debian's docker-compose
    (1.29), else the compose v2 plugin."""
    if os.environ.get("REWARD_COMPOSE_COMMAND"):
        return os.environ["REWARD_COMPOSE_COMMAND"].split()
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True)
        if probe.returncode == 0:
            return ["docker", "compose"]
    return None


def _skip_reason() -> str | None:
    if shutil.which("docker") is None:
        return "the docker CLI is missing; run scripts/install_docker.sh"
    problem = docker_engine_problem()
    if problem is not None:
        return f"no Docker engine reachable ({problem}); run scripts/install_docker.sh"
    if _compose_command() is None:
        return "docker-compose is missing; scripts/install_docker.sh installs it"
    host = os.environ.get("DOCKER_HOST", "")
    if host and not host.startswith("unix://"):
        return f"DOCKER_HOST={host}: the stack mounts the local engine's socket"
    return None


SKIP_REASON = _skip_reason()
pytestmark = [
    pytest.mark.docker,
    pytest.mark.slow,
    pytest.mark.skipif(SKIP_REASON is not None, reason=str(SKIP_REASON)),
]


def _docker(*args: str, timeout: float = 120, check: bool = True, text: bool = True):
    proc = subprocess.run(["docker", *args], capture_output=True, text=text, timeout=timeout)
    if check and proc.returncode != 0:
        err = proc.stderr if text else proc.stderr.decode(errors="replace")
        raise AssertionError(f"docker {' '.join(args)} failed ({proc.returncode}):\n{err}")
    return proc


class Stack:
    """One compose project: runs compose commands and gathers what a failure report needs."""

    def __init__(self, project: str, env: dict[str, str]) -> None:
        self.project, self.env = project, env
        self.compose_cmd = [*(_compose_command() or []), "-p", project]
        self.timings: dict[str, float] = {}

    def run(self, name: str, argv: list[str], timeout: float, check: bool = True,
            stdin: str | None = None) -> subprocess.CompletedProcess:
        start = time.monotonic()
        try:
            proc = subprocess.run(argv, cwd=REPO, env=self.env, capture_output=True, text=True,
                                  timeout=timeout, input=stdin)
        except subprocess.TimeoutExpired as exc:
            raise AssertionError(self.report(
                f"{name} ({' '.join(argv)}) did not finish within {timeout:.0f}s\n"
                f"{_text(exc.stdout)[-3000:]}\n{_text(exc.stderr)[-3000:]}")) from None
        self.timings[name] = round(time.monotonic() - start, 1)
        if check and proc.returncode != 0:
            raise AssertionError(self.report(
                f"{name} ({' '.join(argv)}) exited {proc.returncode}\n"
                f"stdout:\n{proc.stdout[-4000:]}\nstderr:\n{proc.stderr[-4000:]}"))
        return proc

    def compose(self, name: str, *args: str, timeout: float = 300, check: bool = True,
                stdin: str | None = None) -> subprocess.CompletedProcess:
        return self.run(name, [*self.compose_cmd, *args], timeout, check, stdin)

    def container_ids(self, service: str) -> list[str]:
        proc = _docker("ps", "-aq", "--no-trunc",
                       "--filter", f"label=com.docker.compose.project={self.project}",
                       "--filter", f"label=com.docker.compose.service={service}")
        return proc.stdout.split()

    def logs(self) -> str:
        try:
            proc = subprocess.run([*self.compose_cmd, "logs", "--no-color", "--tail=150"],
                                  cwd=REPO, env=self.env, capture_output=True, text=True,
                                  timeout=60)
            return proc.stdout[-20000:] + proc.stderr[-2000:]
        except subprocess.TimeoutExpired:
            return "(compose logs timed out)"

    def report(self, message: str) -> str:
        return f"{message}\n--- timings so far: {self.timings}\n--- compose logs:\n{self.logs()}"


def _text(data: str | bytes | None) -> str:
    if data is None:
        return ""
    return data.decode(errors="replace") if isinstance(data, bytes) else data


def _wait_exit(stack: Stack, container: str, timeout: float) -> int:
    start = time.monotonic()
    try:
        proc = _docker("wait", container, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise AssertionError(stack.report(
            f"the trainer did not exit within {timeout:.0f}s")) from None
    stack.timings["trainer run"] = round(time.monotonic() - start, 1)
    return int(proc.stdout.strip())


def _read_file(container: str, path: str) -> bytes:
    """A file out of a (stopped) container, through `docker cp`'s tar stream."""
    proc = _docker("cp", f"{container}:{path}", "-", text=False)
    with tarfile.open(fileobj=io.BytesIO(proc.stdout)) as tar:
        member = tar.next()
        assert member is not None and member.isfile(), f"{path}: not a file in {container}"
        return tar.extractfile(member).read()


def _managed_of(hostnames: set[str]) -> list[str]:
    """Sandbox containers whose owner label names one of these replica hostnames."""
    proc = _docker("ps", "-a", "--filter", f"label={MANAGED}",
                   "--format", f'{{{{.ID}}}} {{{{.Label "{HOST_LABEL}"}}}}')
    return [line.split()[0] for line in proc.stdout.splitlines()
            if len(line.split()) == 2 and line.split()[1] in hostnames]


def _project_leftovers(project: str) -> dict[str, list[str]]:
    label = f"label=com.docker.compose.project={project}"
    found = {
        "containers": _docker("ps", "-aq", "--filter", label).stdout.split(),
        "networks": _docker("network", "ls", "-q", "--filter", label).stdout.split(),
        "volumes": _docker("volume", "ls", "-q", "--filter", label).stdout.split(),
    }
    return {kind: ids for kind, ids in found.items() if ids}


@pytest.mark.timeout(2400)
def test_compose_stack_two_replicas_runs_the_demo_and_cleans_up():
    project = f"rstest{uuid.uuid4().hex[:8]}"
    image = f"reward-server:{project}"
    env = {**os.environ, "DEMO_ARGS": DEMO_ARGS, "REWARD_IMAGE": image,
           "SANDBOX_POOL_SIZE": "1", "MATH_WORKERS": "1"}
    stack = Stack(project, env)
    replica_hosts: set[str] = set()
    try:
        stack.run("prepare", ["bash", "scripts/compose_prepare.sh"], timeout=1800)
        stack.compose("build", "build", "--force-rm", timeout=1800)
        stack.compose("up", "up", "-d", "--scale", f"reward-server={REPLICAS}", timeout=900)

        replicas = stack.container_ids("reward-server")
        replica_hosts.update(c[:12] for c in replicas)  # a container's hostname: its short id
        assert len(replicas) == REPLICAS, stack.report(f"replicas: {replicas}")
        trainers = stack.container_ids("trainer")
        assert len(trainers) == 1, stack.report(f"trainer containers: {trainers}")

        code = _wait_exit(stack, trainers[0], timeout=900)
        assert code == 0, stack.report(f"the trainer exited with {code}")
        summary = json.loads(_read_file(trainers[0], "/runs/demo/summary.json"))
        for key in ("heldout_accuracy_before", "heldout_accuracy_after"):
            assert key in summary, f"summary.json lacks {key}: {summary}"
            accuracy = summary[key]
            assert isinstance(accuracy.get("math"), float), f"{key}: {accuracy}"
            # a number, not null: the replicas served code tasks from their sandboxes
            assert isinstance(accuracy.get("code"), float), f"{key}: {accuracy}"

        # Each replica drives its own warm sandbox pool on the host's engine.
        owners = set()
        for line in _docker("ps", "--filter", f"label={MANAGED}", "--format",
                            f'{{{{.Label "{HOST_LABEL}"}}}}').stdout.split():
            owners.add(line)
        assert replica_hosts <= owners, stack.report(
            f"replicas {sorted(replica_hosts)} but running sandboxes belong to {sorted(owners)}")

        # The probe reads each replica's reward_groups_total (the demo's groups), then
        # sends unary batches through dns:///reward-server:50051, round-robin over both.
        probe = stack.compose("probe", "run", "--rm", "--no-deps", "-T", "trainer",
                              "python", "-", stdin=PROBE.read_text(), timeout=300)
        result = json.loads(probe.stdout.strip().splitlines()[-1])
        before, after, verdicts = result["before"], result["after"], result["verdicts"]
        assert len(after) == REPLICAS, stack.report(f"DNS gave {sorted(after)}: {probe.stdout}")
        assert verdicts and set(verdicts) == {"CORRECT"}, stack.report(f"verdicts {verdicts}")
        # The trainer's groups go out on several concurrent ScoreStreams (score_streams),
        # each an RPC that round-robin puts on one replica: both replicas scored some.
        for ip in after:
            assert before[ip] > 0, stack.report(
                f"replica {ip} scored none of the demo's groups: {before}")
            assert after[ip] > before[ip], stack.report(
                f"replica {ip} scored no probe group: before {before}, after {after}")
        print(f"groups scored per replica: demo {before}, after the probe {after}")
    finally:
        replica_hosts.update(c[:12] for c in stack.container_ids("reward-server"))
        down = stack.compose("down", "down", "-v", "--remove-orphans", timeout=600,
                             check=False)
        left = _project_leftovers(project)
        sandboxes = _managed_of(replica_hosts)
        # A failed run must not litter a shared engine: remove what is ours, then judge.
        for cid in left.get("containers", []) + sandboxes:
            _docker("rm", "-f", cid, check=False)
        for net in left.get("networks", []):
            _docker("network", "rm", net, check=False)
        for vol in left.get("volumes", []):
            _docker("volume", "rm", vol, check=False)
        _docker("rmi", image, check=False)  # the tag; layers shared with others stay
        print(f"compose timings (s): {stack.timings}")
    assert down.returncode == 0, f"down -v failed:\n{down.stdout}\n{down.stderr}"
    assert not left, f"down -v left these of project {project}: {left}"
    assert not sandboxes, f"the replicas left sandbox containers behind: {sandboxes}"
