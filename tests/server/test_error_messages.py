"""Error messages quote client input cut short: a multi-megabyte value in a bad request
still gets INVALID_ARGUMENT with a short message (a long one would not fit in the status
trailer, and the client would see a retryable RESOURCE_EXHAUSTED instead), and a bad
group's own error stays as short."""

from __future__ import annotations

import grpc
import pytest
from conftest import requires_docker, symbolic_group

from reward_server.api import reward_pb2, reward_pb2_grpc
from reward_server.client import code_group, math_group
from reward_server.quoting import MAX_MESSAGE_BYTES, clip_message, quote

HUGE = "x" * (3 << 20)


def stub(address: str) -> reward_pb2_grpc.RewardServiceStub:
    return reward_pb2_grpc.RewardServiceStub(grpc.insecure_channel(address))


def refusal(call) -> grpc.RpcError:
    with pytest.raises(grpc.RpcError) as err:
        call()
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT, err.value.details()[:300]
    assert len(err.value.details()) < 600
    return err.value


def group_error(address: str, group: reward_pb2.Group) -> reward_pb2.GroupError:
    request = reward_pb2.ScoreRequest(groups=[group])
    [result] = stub(address).Score(request, timeout=60).results
    assert result.error.code == "INVALID_ARGUMENT", result.error.message[:300]
    assert len(result.error.message) < 600 and not result.scores
    return result.error


def test_quote_and_clip():
    assert quote("abc") == "'abc'"
    assert quote("x" * 100, limit=5) == "'xxxxx'... (100 characters)"
    assert quote({"k": "v" * 100}, limit=8) == "{'k': 'v... (109 characters)"
    assert clip_message("short") == "short"
    clipped = clip_message("é" * 5000)
    assert len(clipped.encode()) < MAX_MESSAGE_BYTES + 60 and "message cut" in clipped


def test_huge_duplicate_group_id_in_one_request(server):
    group = math_group("1", ["1"], group_id=HUGE)
    request = reward_pb2.ScoreRequest(groups=[group, group])
    err = refusal(lambda: stub(server.address).Score(request, timeout=30))
    assert "appears twice" in err.details() and f"({len(HUGE)} characters)" in err.details()


def test_huge_group_id_already_scored_on_the_stream(server):
    slow = symbolic_group(64, HUGE)
    again = math_group("1", ["1"], group_id=HUGE)
    requests = iter(
        [reward_pb2.ScoreRequest(groups=[slow]), reward_pb2.ScoreRequest(groups=[again])]
    )
    err = refusal(lambda: list(stub(server.address).ScoreStream(requests, timeout=60)))
    assert "already being scored" in err.details()


def test_huge_group_id_of_a_bad_group(server):
    error = group_error(server.address, math_group("1", [], group_id=HUGE))
    assert "has no completions" in error.message
    assert f"({len(HUGE)} characters)" in error.message


@pytest.mark.parametrize("gold", [HUGE + "\n#### ", "\\boxed{" + HUGE, "\\boxed{}" + HUGE])
def test_huge_bad_gold(server, gold):
    error = group_error(server.address, math_group(gold, ["1"], group_id="g"))
    assert "gold" in error.message


@requires_docker
@pytest.mark.parametrize(
    ("group", "message"),
    [
        (code_group(HUGE, ["x"], io_cases=[("", "")]), "unknown language"),
        (code_group("python", ["x"], function=(HUGE + " y", [([1], 1)])), "is not a name"),
        (code_group("python", ["x"], asserts=(HUGE + " y", "assert 1")), "is not a name"),
    ],
)
def test_huge_bad_code_task(code_server, group, message):
    error = group_error(code_server.address, group)
    assert message in error.message
