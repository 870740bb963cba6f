"""Groups the server cannot judge come back as results with `error` set: both clients
return them from `score`, yield them from `score_stream`, and count them as answered
when a stream breaks (never re-sent). Against a real gRPC server on loopback whose
servicer answers such groups (tests/stub_reward_server.py)."""

from __future__ import annotations

import subprocess
import sys

from stub_reward_server import BAD_GOLD, StubServicer, stub_server

from reward_server.api import reward_pb2
from reward_server.client import (
    AsyncRewardClient,
    RetryPolicy,
    RewardClient,
    code_group,
    math_group,
)

FAST_RETRY = RetryPolicy(attempts=5, initial_backoff_s=0.01, max_backoff_s=0.05)


def mixed_groups(n_good: int = 3) -> list[reward_pb2.Group]:
    """A bad gold first, then a code task (not run by the stub), then good math groups."""
    return [
        math_group(BAD_GOLD, ["1", "2"], group_id="bad-gold"),
        code_group("python", ["def f(): ..."], asserts=("f", "assert f()"), group_id="code"),
        *[math_group("7", ["7", "8"], group_id=f"ok{i}") for i in range(n_good)],
    ]


def check_results(results: list[reward_pb2.GroupResult]) -> None:
    by_id = {r.group_id: r for r in results}
    assert len(by_id) == len(results)  # each exactly once
    bad, code = by_id.pop("bad-gold"), by_id.pop("code")
    assert bad.HasField("error") and not bad.scores
    assert bad.error.code == "INVALID_ARGUMENT" and "'bad'" in bad.error.message
    assert code.HasField("error") and code.error.code == "UNIMPLEMENTED"
    for result in by_id.values():  # the rest of the request is scored
        assert not result.HasField("error")
        assert [s.verdict for s in result.scores] == [reward_pb2.CORRECT, reward_pb2.WRONG]


def test_sync_client_returns_and_yields_error_results():
    groups = mixed_groups()
    with stub_server() as (address, _), RewardClient(address, timeout=10) as client:
        unary = client.score(groups)
        assert [r.group_id for r in unary] == [g.group_id for g in groups]  # in order
        check_results(unary)
        check_results(list(client.score_stream(iter(groups), timeout=10)))


async def test_async_client_returns_and_yields_error_results():
    groups = mixed_groups()
    with stub_server() as (address, _):
        async with AsyncRewardClient(address, timeout=10) as client:
            unary = await client.score(groups)
            assert [r.group_id for r in unary] == [g.group_id for g in groups]
            check_results(unary)
            check_results([r async for r in client.score_stream(groups, timeout=10)])


def test_sync_error_result_is_an_answer_when_the_stream_breaks():
    # The first stream answers the bad group and one more, then breaks (UNAVAILABLE):
    # only the groups without a result go out again.
    groups = mixed_groups(6)
    with (
        stub_server(StubServicer(break_after=2)) as (address, servicer),
        RewardClient(address, timeout=10, retry=FAST_RETRY) as client,
    ):
        results = list(client.score_stream(iter(groups), timeout=10))
    check_results(results)
    assert servicer.break_after is None  # the first stream did break
    assert servicer.received.count("bad-gold") == 1
    assert servicer.received.count("code") == 1
    assert sorted(set(servicer.received)) == sorted(g.group_id for g in groups)


async def test_async_error_result_is_an_answer_when_the_stream_breaks():
    groups = mixed_groups(6)
    with stub_server(StubServicer(break_after=2)) as (address, servicer):
        async with AsyncRewardClient(address, timeout=10, retry=FAST_RETRY) as client:
            results = [r async for r in client.score_stream(groups, timeout=10)]
    check_results(results)
    assert servicer.break_after is None
    assert servicer.received.count("bad-gold") == 1
    assert servicer.received.count("code") == 1


def reward_client(address: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "reward_server.client.cli", "--target", address, *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_prints_the_error_and_exits_1():
    with stub_server() as (address, _):
        proc = reward_client(address, "score", "--math-gold", BAD_GOLD, "1")
        ok = reward_client(address, "score", "--math-gold", "7", "7")
    assert proc.returncode == 1, proc.stderr
    assert "group cli: not judged: INVALID_ARGUMENT: gold 'bad' is not an answer" in proc.stdout
    assert ok.returncode == 0 and "CORRECT" in ok.stdout
