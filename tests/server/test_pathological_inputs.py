"""Degenerate 2 MB completions through a real server: each costs the server well under a
second of CPU (its own process and its workers), and a small math group sent alongside is
answered within a second, so one bad sample never stalls the others."""

from __future__ import annotations

import os
import time
from pathlib import Path

import grpc
import pytest
from conftest import requires_docker
from pathological import SHAPES, text_of

from reward_server.api import reward_pb2, reward_pb2_grpc
from reward_server.client import code_group, math_group

_TICKS = os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    """`pid` and every process under it (math workers hang off a forkserver child)."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # gone meanwhile
        parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        found.append(todo.pop())
        todo.extend(parents.get(found[-1], []))
    return found


def server_cpu_seconds(pid: int) -> float:
    """User + system CPU time of the server and its worker processes (not the sandboxes)."""
    total = 0
    for member in _tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / _TICKS


def score_alongside(server, group: reward_pb2.Group) -> tuple[reward_pb2.GroupResult, float]:
    """Scores `group` and returns its result and the server CPU it cost; a small math group
    sent while it is being scored must be answered within a second."""
    stub = reward_pb2_grpc.RewardServiceStub(grpc.insecure_channel(server.address))
    stub.Score(reward_pb2.ScoreRequest(groups=[math_group("1", ["\\boxed{1}"])]), timeout=30)
    before = server_cpu_seconds(server.process.pid)
    future = stub.Score.future(reward_pb2.ScoreRequest(groups=[group]), timeout=120)
    time.sleep(0.05)  # the big request is on its way
    started = time.perf_counter()
    small = stub.Score(
        reward_pb2.ScoreRequest(groups=[math_group("7", ["\\boxed{7}"], group_id="small")]),
        timeout=30,
    )
    latency = time.perf_counter() - started
    [result] = future.result().results
    cost = server_cpu_seconds(server.process.pid) - before
    assert small.results[0].scores[0].verdict == reward_pb2.CORRECT
    assert latency < 1.0, f"a small math group waited {latency:.2f}s"
    return result, cost


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_math_completion(server, shape):
    group = math_group("42", [text_of(shape)], group_id=shape)
    result, cost = score_alongside(server, group)
    assert result.scores[0].detail != "timeout"
    assert result.scores[0].verdict != reward_pb2.CORRECT
    assert cost < 1.0, f"{shape}: {cost:.2f}s of server CPU"


@requires_docker
@pytest.mark.parametrize("language", ["python", "cpp"])
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_code_completion(code_server, shape, language):
    group = code_group(language, [text_of(shape)], io_cases=[("", "1\n")], group_id=shape)
    result, cost = score_alongside(code_server, group)
    assert result.scores[0].verdict != reward_pb2.CORRECT
    assert cost < 1.0, f"{shape} ({language}): {cost:.2f}s of server CPU"


@requires_docker
@pytest.mark.parametrize("lines", [35_000, 300_000])
def test_long_fenced_program_is_parsed_in_the_sandbox_not_in_the_server(code_server, lines):
    program = "x = 1\n" * lines + "print(1)\n"  # 200 kB and 1.8 MB
    group = code_group("python", [f"```python\n{program}```\n"], io_cases=[("", "1\n")])
    result, cost = score_alongside(code_server, group)
    verdict = result.scores[0].verdict
    if lines < 100_000:
        assert verdict == reward_pb2.CORRECT, result.scores[0].detail
    else:  # judged in the sandbox (parsing 1.8 MB of Python takes more than 256 MiB)
        assert verdict != reward_pb2.INFRA_ERROR, result.scores[0].detail
    assert cost < 1.0, f"{cost:.2f}s of server CPU"
