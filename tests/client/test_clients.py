"""The client library against real servers: asyncio client, fail-over of streams."""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import pytest
from conftest import symbolic_group

from reward_server.api import reward_pb2
from reward_server.client import (
    AsyncRewardClient,
    RetryPolicy,
    RewardClient,
    math_group,
    resolve_target,
    visible_answer,
)

V = reward_pb2.Verdict


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def slow_groups(n: int, size: int = 48) -> list[reward_pb2.Group]:
    # Slow enough that a stream is still busy when its server dies.
    return [symbolic_group(size, f"g{k}") for k in range(n)]


async def test_async_client_score_stream_and_info(server):
    async with AsyncRewardClient(server.address) as client:
        await client.wait_ready()
        info = await client.info()
        assert "math" in info.verifiers
        [result] = await client.score([math_group("3", ["\\boxed{3}", "\\boxed{4}"])])
        assert [s.verdict for s in result.scores] == [V.CORRECT, V.WRONG]

        async def groups():
            for i in range(10):
                yield math_group(str(i), [f"The answer is {i}."], group_id=str(i))
                await asyncio.sleep(0)

        seen = {r.group_id: r async for r in client.score_stream(groups())}
        assert set(seen) == {str(i) for i in range(10)}
        assert all(r.scores[0].verdict == V.CORRECT for r in seen.values())


def test_wait_ready_says_how_to_fix_it():
    client = RewardClient(f"127.0.0.1:{free_port()}")
    with pytest.raises(ConnectionError, match="reward-server serve"):
        client.wait_ready(timeout=0.5)


def test_targets_resolve_to_one_balanced_channel(monkeypatch):
    assert resolve_target("10.0.0.1:5,10.0.0.2:5") == "ipv4:10.0.0.1:5,10.0.0.2:5"
    assert resolve_target(["localhost:1", "127.0.0.1:2"]) == "ipv4:127.0.0.1:1,127.0.0.1:2"
    assert resolve_target("dns:///rewards:50051") == "dns:///rewards:50051"
    monkeypatch.setenv("REWARD_SERVER_TARGETS", "127.0.0.1:7")
    assert resolve_target(None) == "127.0.0.1:7"
    with pytest.raises(ValueError, match="dns:///"):
        resolve_target(["a.example:1", "b.example:1"])


def test_stream_survives_a_server_killed_mid_stream(fresh_server):
    port = free_port()
    first = fresh_server("--port", str(port), "--math-workers", "1")
    groups = slow_groups(12)
    results: list[str] = []

    def kill_and_restart() -> None:
        while not results:  # wait until the stream is flowing
            time.sleep(0.01)
        first.process.kill()
        first.process.wait()
        fresh_server("--port", str(port))

    thread = threading.Thread(target=kill_and_restart)
    thread.start()
    client = RewardClient(f"127.0.0.1:{port}", retry=RetryPolicy(attempts=20, max_backoff_s=0.5))
    for result in client.score_stream(iter(groups)):
        results.append(result.group_id)
        assert all(s.verdict == V.CORRECT for s in result.scores)
    thread.join()
    assert sorted(results) == sorted(g.group_id for g in groups)  # each exactly once


async def test_async_stream_survives_a_server_killed_mid_stream(fresh_server):
    port = free_port()
    first = fresh_server("--port", str(port), "--math-workers", "1")
    groups = slow_groups(12)
    results: list[str] = []
    restarted = threading.Event()

    def restart() -> None:
        first.process.kill()
        first.process.wait()
        fresh_server("--port", str(port))
        restarted.set()

    async with AsyncRewardClient(
        f"127.0.0.1:{port}", retry=RetryPolicy(attempts=20, max_backoff_s=0.5)
    ) as client:
        async for result in client.score_stream(groups):
            results.append(result.group_id)
            if len(results) == 1:
                threading.Thread(target=restart).start()
    assert restarted.wait(30)
    assert sorted(results) == sorted(g.group_id for g in groups)


def test_visible_answer_is_what_follows_the_reasoning():
    assert visible_answer("<think>scratch</think>\n\nThe answer is 4.") == "The answer is 4."
    assert visible_answer("<think>never closed") == ""
    assert visible_answer("no block") == "no block"
