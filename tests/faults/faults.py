"""What the fault tests share: slow groups, a private Docker engine, leak checks."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import docker
import docker.errors
from conftest import start_server

from reward_server.api import reward_pb2
from reward_server.client import code_group
from reward_server.verifiers.code import owners
from reward_server.verifiers.code.config import SandboxConfig
from reward_server.verifiers.code.images import image_tag
from reward_server.verifiers.code.runtimes import load_runtimes

V = reward_pb2.Verdict

# Sleeps, then answers: slow enough that a container is busy with it when it is killed.
SLOW_ADD = (
    "```python\nimport time\ntime.sleep({sleep})\n"
    "a, b = map(int, input().split())\nprint(a + b)\n```"
)
WRONG_ADD = "```python\na, b = map(int, input().split())\nprint(a - b)\n```"


def slow_code_group(group_id: str, size: int, sleep: float, wrong: int = 0) -> reward_pb2.Group:
    """`size` completions, the first `wrong` of them wrong, all taking `sleep` seconds."""
    completions = [WRONG_ADD] * wrong + [SLOW_ADD.format(sleep=sleep)] * (size - wrong)
    return code_group(
        "python", completions, io_cases=[("2 3", "5")], time_limit_s=10, group_id=group_id
    )


def python_code_server(*flags: str, timeout: float = 600):
    """A server with --code for Python only (2 warm sandboxes, 1 math worker), with
    Prometheus metrics on a free port; `flags` add to or override these."""
    return start_server(
        "--code", "--sandbox-languages", "python", "--sandbox-pool-size", "2",
        "--math-workers", "1", "--metrics-port", "0", *flags, timeout=timeout,
    )  # fmt: skip


def python_image() -> str:
    config = SandboxConfig()
    return image_tag(load_runtimes(config.sandboxes_dir, ("python",))["python"])


def containers_of(client: docker.DockerClient, pid: int) -> list:
    """Every sandbox container a server process created, in any state."""
    return owners.list_managed(client, pid=pid)


def wait_until(check, timeout: float, what: str, step: float = 0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def engine_problem() -> str | None:
    """Why a private engine cannot be started here, or None."""
    if os.geteuid() != 0:
        return "a private dockerd needs root"
    if shutil.which("dockerd") is None:
        return "dockerd is not installed (scripts/install_docker.sh)"
    try:
        docker.from_env().ping()
    except docker.errors.DockerException as exc:
        return f"no Docker engine to copy the sandbox image from: {exc}"
    return None


class PrivateEngine:
    """A dockerd of the test's own (own data root, sockets and containerd), reached over
    TCP on loopback like a remote engine, so it can be restarted without disturbing the
    machine's engine or anything else using it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.port = free_port()
        self.url = f"tcp://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> None:
        log = open(self.root / "dockerd.log", "ab")  # noqa: SIM115 - closed with the process
        self.process = subprocess.Popen(
            [
                "dockerd",
                f"--data-root={self.root / 'data'}",
                f"--exec-root={self.root / 'exec'}",
                f"--pidfile={self.root / 'dockerd.pid'}",
                f"--host=unix://{self.root / 'docker.sock'}",
                f"--host={self.url}",
                "--bridge=none",  # sandboxes run with no network: no bridge, no iptables
                "--iptables=false",
                "--ip-masq=false",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        wait_until(self._answers, timeout, f"the private dockerd at {self.url}")

    def _answers(self) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"dockerd exited: {self.log_tail()}")
        try:
            with contextlib.closing(self.client()) as client:
                return bool(client.ping())
        except docker.errors.DockerException:
            return False

    def stop(self, timeout: float = 60) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)  # stops its containers, as a restart does
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def restart(self) -> None:
        self.stop()
        self.start()

    def client(self) -> docker.DockerClient:
        return docker.DockerClient(base_url=self.url, timeout=30)

    def load(self, image: str) -> None:
        """Copies an image from the machine's engine (no registry needed)."""
        save = subprocess.Popen(["docker", "save", image], stdout=subprocess.PIPE)
        loaded = subprocess.run(
            ["docker", "-H", self.url, "load", "-q"], stdin=save.stdout, capture_output=True
        )
        save.wait()
        assert save.returncode == 0 and loaded.returncode == 0, loaded.stderr.decode()

    def log_tail(self, lines: int = 20) -> str:
        path = self.root / "dockerd.log"
        text = path.read_text(errors="replace") if path.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


@contextlib.contextmanager
def private_engine() -> Iterator[PrivateEngine]:
    root = Path(tempfile.mkdtemp(prefix="rs-engine-"))
    engine = PrivateEngine(root)
    try:
        engine.start()
        yield engine
    finally:
        engine.stop()
        # The data root holds overlay mounts until dockerd unmounts them on exit.
        shutil.rmtree(root, ignore_errors=True)


def metric(metrics_port: int, prefix: str) -> float:
    """The sum of a server's samples whose line starts with `prefix` (the server must run
    with --metrics-port), e.g. 'reward_groups_total{'."""
    import urllib.request

    url = f"http://127.0.0.1:{metrics_port}/metrics"
    with urllib.request.urlopen(url, timeout=5) as response:
        text = response.read().decode()
    return sum(
        float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(prefix)
    )


def groups_scored(metrics_port: int) -> float:
    """The server's reward_groups_total, all verifiers."""
    return metric(metrics_port, "reward_groups_total{")


def sandbox_events(metrics_port: int, event: str) -> float:
    return metric(metrics_port, f'reward_sandbox_events_total{{event="{event}"}}')
