"""Verifiers plugged in through the registry alone: this module defines a toy verifier and
its factory, hands create_server a registry with it in place of math and code, and a real
gRPC server on loopback routes Score, ScoreStream and GetServerInfo to it."""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from typing import Any

import grpc
import pytest

from reward_server.api import reward_pb2, reward_pb2_grpc
from reward_server.config import ServerConfig
from reward_server.metrics import Metrics
from reward_server.outcome import Outcome, Verdict
from reward_server.server import create_server
from reward_server.verifiers.base import UnusableTask
from reward_server.verifiers.registry import REGISTRY, Registration, start_verifiers

V = reward_pb2.Verdict


class ExactMatch:
    """Judges a task by exact string match: CORRECT iff the completion is the task's
    expected string (a math gold, a code task's entry point). The real verifiers never
    do: math says CORRECT to "\\boxed{4}" for gold "4", code runs programs."""

    def __init__(self, kind: str, expected: Callable[[Any], str]) -> None:
        self.kind, self.expected, self.closed = kind, expected, False

    def validate(self, task: Any) -> None:
        if self.expected(task) == "refuse":
            raise UnusableTask("the toy refuses this task")

    async def score(self, task: Any, completions: list[str], pair: Any = None) -> list[Outcome]:
        expected = self.expected(task)
        if expected == "late":
            raise UnusableTask("the toy found this task unusable while scoring")
        return [
            Outcome(Verdict.CORRECT, 1.0, c, f"exact {self.kind} match")
            if c == expected
            else Outcome(Verdict.WRONG, 0.0, c, "no exact match")
            for c in completions
        ]

    def describe(self, info: reward_pb2.ServerInfo) -> None:
        info.verifiers.append(self.kind)
        info.language_info.add(name=f"exact-{self.kind}", version="1")

    async def close(self) -> None:
        self.closed = True


started: list[ExactMatch] = []


def toy(kind: str, expected: Callable[[Any], str]) -> Registration:
    async def start(config: ServerConfig, metrics: Metrics) -> ExactMatch:
        started.append(ExactMatch(kind, expected))
        return started[-1]

    return Registration(start)


TOY_MATH = toy("math", lambda task: task.gold)
TOY_CODE = toy("code", lambda task: task.function.entry_point)


def math(group_id: str, gold: str, completions: list[str]) -> reward_pb2.Group:
    task = reward_pb2.Task(math=reward_pb2.MathTask(gold=gold))
    return reward_pb2.Group(group_id=group_id, task=task, completions=completions)


def code(group_id: str, entry_point: str, completions: list[str]) -> reward_pb2.Group:
    tests = reward_pb2.FunctionTests(entry_point=entry_point)
    task = reward_pb2.Task(code=reward_pb2.CodeTask(language="python", function=tests))
    return reward_pb2.Group(group_id=group_id, task=task, completions=completions)


GROUPS = [
    math("m", "4", ["4", "\\boxed{4}", "four"]),
    code("c", "add", ["def add(a, b):\n    return a + b", "add"]),
    math("m-refused", "refuse", ["x"]),
    code("c-late", "late", ["x"]),
    reward_pb2.Group(group_id="no-task", completions=["x"]),
]


def check(results: dict[str, reward_pb2.GroupResult]) -> None:
    m, c = results["m"], results["c"]
    assert [s.verdict for s in m.scores] == [V.CORRECT, V.WRONG, V.WRONG]
    assert m.scores[0].detail == "exact math match" and m.reward_mean == pytest.approx(1 / 3)
    assert [s.verdict for s in c.scores] == [V.WRONG, V.CORRECT]
    assert c.scores[1].detail == "exact code match"
    assert results["m-refused"].error.code == "INVALID_ARGUMENT"
    assert results["m-refused"].error.message == "group 'm-refused': the toy refuses this task"
    assert results["c-late"].error.code == "INVALID_ARGUMENT"
    assert "unusable while scoring" in results["c-late"].error.message
    assert "(set task.math or task.code)" in results["no-task"].error.message


async def test_toy_verifiers_score_through_the_registry_alone():
    children = set(multiprocessing.active_children())
    config = ServerConfig(port=0, log_json=False)
    running = await create_server(config, registry={"math": TOY_MATH, "code": TOY_CODE})
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{running.port}") as channel:
            stub = reward_pb2_grpc.RewardServiceStub(channel)
            info = await stub.GetServerInfo(reward_pb2.GetServerInfoRequest(), timeout=10)
            assert list(info.verifiers) == ["math", "code"]
            assert [li.name for li in info.language_info] == ["exact-math", "exact-code"]
            # Neither real verifier described itself.
            assert info.limits.math_timeout_s == 0 and info.limits.default_time_limit_s == 0
            response = await stub.Score(reward_pb2.ScoreRequest(groups=GROUPS), timeout=30)
            check({r.group_id: r for r in response.results})
            requests = [reward_pb2.ScoreRequest(groups=[g]) for g in GROUPS]
            call = stub.ScoreStream(iter(requests), timeout=30)
            check({r.group_id: r async for r in call})
            assert await call.code() == grpc.StatusCode.OK
        assert set(multiprocessing.active_children()) == children  # no math worker forked
    finally:
        await running.stop(grace=0)
    assert all(v.closed for v in started[-2:])


async def test_kinds_left_out_of_the_registry_or_switched_off_are_unimplemented():
    config = ServerConfig(port=0, log_json=False)  # no --code: the built-in code entry is off
    for registry, refused_id, scored_id, message in [
        ({"code": TOY_CODE}, "m", "c", "is a math task, and this server has no math verifier"),
        (
            {"math": TOY_MATH, "code": REGISTRY["code"]},
            "c",
            "m",
            "is a code task, and this server does not run code; start it with --code",
        ),
    ]:
        running = await create_server(config, registry=registry)
        try:
            async with grpc.aio.insecure_channel(f"127.0.0.1:{running.port}") as channel:
                stub = reward_pb2_grpc.RewardServiceStub(channel)
                request = reward_pb2.ScoreRequest(groups=GROUPS[:2])
                results = {r.group_id: r for r in (await stub.Score(request, timeout=30)).results}
        finally:
            await running.stop(grace=0)
        refused = results[refused_id]
        assert refused.error.code == "UNIMPLEMENTED" and message in refused.error.message
        assert not results[scored_id].HasField("error") and results[scored_id].scores


async def test_a_verifier_that_fails_to_start_stops_those_started():
    async def broken(config: ServerConfig, metrics: Metrics) -> ExactMatch:
        raise RuntimeError("no engine")

    registry = {"math": TOY_MATH, "other": Registration(broken)}
    with pytest.raises(RuntimeError, match="no engine"):
        await start_verifiers(registry, ServerConfig(), Metrics())
    assert started[-1].closed
