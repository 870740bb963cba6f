"""The ready file `serve` writes, and the launcher that waits for it."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time

import pytest
from conftest import REPO

from reward_server.api import reward_pb2
from reward_server.client import RewardClient, math_group
from reward_server.launch import ServerStartError, connect_address, launch_server

V = reward_pb2.Verdict


def test_serve_writes_the_ready_file_once_serving_and_removes_it_on_stop(tmp_path):
    ready = tmp_path / "ready.json"
    command = [sys.executable, "-m", "reward_server", "serve", "--port", "0"]
    command += ["--math-workers", "1", "--metrics-port", "0", "--ready-file", str(ready)]
    process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert process.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        info = json.loads(ready.read_text())
        assert set(info) == {"address", "port", "metrics_port", "pid"}
        assert info["pid"] == process.pid
        assert info["address"] == f"127.0.0.1:{info['port']}" and info["metrics_port"] > 0
        assert [p.name for p in tmp_path.iterdir()] == ["ready.json"]  # no temporary left
        with RewardClient(info["address"]) as client:
            [result] = client.score([math_group("2", ["\\boxed{2}"])], timeout=30)
        assert result.scores[0].verdict == V.CORRECT
        process.send_signal(signal.SIGTERM)
        assert process.wait(30) == 0
        assert not ready.exists()
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_launch_server_returns_a_handle_that_stops_the_server():
    with launch_server("--math-workers", "1", "--metrics-port", "0", cwd=REPO) as server:
        assert server.process.poll() is None and server.pid == server.process.pid
        assert server.address == f"127.0.0.1:{server.port}" and server.metrics_port
        with RewardClient(server.address) as client:
            [result] = client.score([math_group("3", ["\\boxed{3}"])], timeout=30)
        assert result.scores[0].verdict == V.CORRECT
    assert server.process.returncode == 0  # SIGTERM: drained, exited cleanly
    assert "reward-server listening on" in server.output_tail()


def test_launch_server_raises_with_the_output_of_a_server_that_exited():
    with pytest.raises(ServerStartError, match="exited with code 2") as err:
        launch_server("--math-timeout-s", "0", cwd=REPO)
    assert "math_timeout_s must be in [0.05, 600]" in str(err.value)


def test_launch_server_gives_up_after_its_timeout():
    with pytest.raises(ServerStartError, match=r"not ready within 0\.01s"):
        launch_server("--math-workers", "1", cwd=REPO, timeout=0.01)


def test_connect_address_is_loopback_for_a_wildcard_host():
    assert connect_address("0.0.0.0:5000", 5000) == "127.0.0.1:5000"
    assert connect_address("[::]:5000", 5000) == "127.0.0.1:5000"
    assert connect_address("10.1.2.3:5000", 5000) == "10.1.2.3:5000"
