"""The hostile corpus through the gRPC contract, as an attacker reaches the product: a
server with --code and one warm container per language, so consecutive completions
share a container. Each program (and its follow-up, which exploits what the first tried
to leave behind) must score neither CORRECT nor INFRA_ERROR, and a correct program sent
right after it must score CORRECT: no completion can raise, lower or escape the score of
the next one."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from conftest import requires_docker, start_server
from verifiers.code.conftest import fenced
from verifiers.code.hostile_corpus import (
    ALL_FILES,
    CORRECT,
    FILES,
    TASKS,
    follow_up,
    language,
    task_name,
)

from reward_server.api import reward_pb2, reward_pb2_grpc
from reward_server.launch import ServerHandle

pytestmark = [requires_docker, pytest.mark.slow]


@pytest.fixture(scope="module")
def one_box_server() -> Iterator[ServerHandle]:
    languages = ",".join(sorted({language(p) for p in ALL_FILES}))  # every language in it
    server = start_server(
        "--code", "--sandbox-languages", languages, "--sandbox-pool-size", "1", timeout=900
    )
    yield server
    assert server.stop() == 0


def verdict(server: ServerHandle, task_name_: str, completion: str) -> reward_pb2.CompletionScore:
    stub = reward_pb2_grpc.RewardServiceStub(grpc.insecure_channel(server.address))
    group = reward_pb2.Group(
        group_id="g",
        task=reward_pb2.Task(code=TASKS[task_name_]),
        completions=[completion],
    )
    reply = stub.Score(reward_pb2.ScoreRequest(groups=[group]), timeout=120)
    [result] = reply.results
    assert not result.HasField("error"), result.error
    return result.scores[0]


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_hostile_program_cannot_touch_the_next_completion(one_box_server, path: Path):
    task = task_name(path)
    score = verdict(one_box_server, task, fenced(path.read_text(), language(path)))
    assert score.verdict not in (reward_pb2.CORRECT, reward_pb2.INFRA_ERROR), score
    then = follow_up(path)
    if then is not None:
        nxt = verdict(one_box_server, task_name(then), fenced(then.read_text(), language(then)))
        assert nxt.verdict not in (reward_pb2.CORRECT, reward_pb2.INFRA_ERROR), nxt
    after = verdict(one_box_server, task, CORRECT[task])
    assert after.verdict == reward_pb2.CORRECT, (score, after)
