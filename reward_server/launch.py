"""Starts a reward server in a subprocess and waits until it serves.

    with launch_server("--code", timeout=600) as server:
        client = RewardClient(server.address)

The server runs `python -m reward_server serve --port 0 ... --ready-file PATH` and is
ready when it has written PATH (ready.py), not when a log line looks right. When it exits
first, or is not ready in time, ServerStartError carries its last lines of output. The
server's output is read all along (so it never blocks on a full pipe); the last lines are
kept, and `echo` copies every line somewhere (e.g. sys.stderr).
"""

from __future__ import annotations

import collections
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from reward_server.ready import ReadyInfo, read_ready

_WILDCARD_HOSTS = ("0.0.0.0", "::", "[::]", "")


class ServerStartError(RuntimeError):
    """The server exited or was not ready in time; the message ends with its output."""


class _OutputTail:
    """Drains a pipe in a thread, keeping its last lines (and copying them to `echo`)."""

    def __init__(self, stream: TextIO, echo: TextIO | None, lines: int = 40) -> None:
        self._lines: collections.deque[str] = collections.deque(maxlen=lines)
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._drain, args=(stream, echo), daemon=True)
        self._thread.start()

    def _drain(self, stream: TextIO, echo: TextIO | None) -> None:
        for line in stream:
            with self._lock:
                self._lines.append(line)
            if echo is not None:
                echo.write(line)
                echo.flush()

    def wait_closed(self, timeout: float) -> None:
        self._thread.join(timeout)

    def text(self) -> str:
        with self._lock:
            return "".join(self._lines)


@dataclass
class ServerHandle:
    """A started server: `address` is what a client on this machine connects to."""

    process: subprocess.Popen
    address: str
    port: int
    metrics_port: int | None
    _output: _OutputTail = field(repr=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    def output_tail(self) -> str:
        """The server's last lines of output (stdout and stderr)."""
        return self._output.text()

    def stop(self, grace: float = 30.0) -> int:
        """SIGTERM (the server drains), SIGKILL after `grace` seconds; the exit code."""
        if self.process.poll() is None:
            _end(self.process, grace)
        self._output.wait_closed(5)
        return self.process.returncode

    def __enter__(self) -> ServerHandle:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


def connect_address(bound: str, port: int) -> str:
    """A client's address for a server bound to `bound` (host:port): loopback for a
    wildcard host."""
    host = bound.rsplit(":", 1)[0]
    return f"127.0.0.1:{port}" if host in _WILDCARD_HOSTS else bound


def launch_server(
    *flags: str,
    python: str = sys.executable,
    env: Mapping[str, str] | None = None,
    cwd: str | os.PathLike | None = None,
    timeout: float = 60.0,
    echo: TextIO | None = None,
) -> ServerHandle:
    """Runs `python -m reward_server serve --port 0 *flags` and returns once it serves.

    `flags` may override `--port`. `env` is added to this process's environment. With
    `--code` allow minutes: a server builds missing sandbox images before it serves.
    """
    folder = Path(tempfile.mkdtemp(prefix="reward-server-"))
    ready_file = folder / "ready.json"
    command = [python, "-m", "reward_server", "serve", "--port", "0", *flags]
    command += ["--ready-file", str(ready_file)]  # last: no flag can move it
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
        cwd=cwd,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )
    assert process.stdout is not None
    output = _OutputTail(process.stdout, echo)
    try:
        info = _wait_ready(process, ready_file, output, timeout)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    address = connect_address(info.address, info.port)
    return ServerHandle(process, address, info.port, info.metrics_port, output)


def _wait_ready(
    process: subprocess.Popen, ready_file: Path, output: _OutputTail, timeout: float
) -> ReadyInfo:
    deadline = time.monotonic() + timeout
    while True:
        info = read_ready(ready_file)
        if info is not None:
            return info
        code = process.poll()
        if code is not None:
            output.wait_closed(5)
            raise ServerStartError(
                f"the reward server exited with code {code} before it was ready; its last "
                f"output:\n{output.text()}"
            )
        if time.monotonic() > deadline:
            _end(process)
            output.wait_closed(5)
            raise ServerStartError(
                f"the reward server was not ready within {timeout:g}s; its last "
                f"output:\n{output.text()}"
            )
        time.sleep(0.05)


def _end(process: subprocess.Popen, grace: float = 5.0) -> None:
    """SIGTERM first, so a server that is starting stops its workers and sandboxes."""
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
