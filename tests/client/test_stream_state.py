"""The stream ledger both clients share: what is owed, what is re-sent, what is a
duplicate, when to give up, and the caller's own error."""

from __future__ import annotations

import grpc
import pytest
from stub_reward_server import stub_server

from reward_server.api import reward_pb2
from reward_server.client import AsyncRewardClient, RetryPolicy, RewardClient, math_group
from reward_server.client.stream_state import StreamLedger


def group(gid: str) -> reward_pb2.Group:
    return math_group("1", ["1"], group_id=gid)


def test_results_are_matched_by_group_id_once_and_errors_count_as_answers():
    ledger = StreamLedger(RetryPolicy())
    for gid in ("a", "b", "c"):
        assert ledger.register(group(gid), ledger.generation)
    error = reward_pb2.GroupError(code="INVALID_ARGUMENT", message="bad gold")
    assert ledger.answer(reward_pb2.GroupResult(group_id="b", error=error))
    assert not ledger.answer(reward_pb2.GroupResult(group_id="b"))  # a duplicate
    assert not ledger.answer(reward_pb2.GroupResult(group_id="never-sent"))
    assert [g.group_id for g in ledger.replace_stream()] == ["a", "c"]  # not "b"


def test_a_group_read_by_a_retired_generator_goes_to_the_current_one():
    ledger = StreamLedger(RetryPolicy())
    first = ledger.generation
    assert ledger.replace_stream() == []  # the caller has not ended: a new stream
    assert not ledger.is_current(first)
    assert not ledger.register(group("late"), first)  # read after its stream was replaced
    assert ledger.take_orphan(first) is None  # never by the retired generator
    assert ledger.take_orphan(ledger.generation).group_id == "late"
    assert ledger.take_orphan(ledger.generation) is None
    # Still owed: after another break it is re-sent (and no longer an orphan).
    assert not ledger.register(group("later"), first)
    assert [g.group_id for g in ledger.replace_stream()] == ["late", "later"]
    assert ledger.take_orphan(ledger.generation) is None


def test_the_call_ends_when_nothing_is_owed_and_the_groups_ended():
    ledger = StreamLedger(RetryPolicy())
    ledger.register(group("a"), ledger.generation)
    ledger.end_of_groups()
    assert [g.group_id for g in ledger.replace_stream()] == ["a"]
    ledger.answer(reward_pb2.GroupResult(group_id="a"))
    assert ledger.replace_stream() is None


def test_retries_only_what_is_transient_and_an_answer_resets_the_count():
    ledger = StreamLedger(RetryPolicy(attempts=3, initial_backoff_s=0.0, max_backoff_s=0.0))
    assert not ledger.reconnecting
    assert ledger.backoff(grpc.StatusCode.UNAVAILABLE) == 0.0
    assert ledger.reconnecting
    ledger.register(group("a"), ledger.generation)
    ledger.answer(reward_pb2.GroupResult(group_id="a"))
    assert not ledger.reconnecting
    assert ledger.backoff(grpc.StatusCode.UNAVAILABLE) is not None
    assert ledger.backoff(grpc.StatusCode.UNAVAILABLE) is not None
    assert ledger.backoff(grpc.StatusCode.UNAVAILABLE) is None  # out of attempts
    assert StreamLedger(RetryPolicy()).backoff(grpc.StatusCode.INVALID_ARGUMENT) is None


class CallerError(Exception):
    pass


def test_an_error_raised_by_the_callers_groups_reaches_the_caller():
    def groups():
        yield math_group("1", ["1"], group_id="a")
        raise CallerError("the trainer failed")

    with (
        stub_server() as (address, _),
        RewardClient(address, timeout=10) as client,
        pytest.raises(CallerError, match="the trainer failed"),
    ):
        list(client.score_stream(groups(), timeout=10))


async def test_an_error_raised_by_the_callers_async_groups_reaches_the_caller():
    async def groups():
        yield math_group("1", ["1"], group_id="a")
        raise CallerError("the trainer failed")

    with stub_server() as (address, _):
        async with AsyncRewardClient(address, timeout=10) as client:
            with pytest.raises(CallerError, match="the trainer failed"):
                [r async for r in client.score_stream(groups(), timeout=10)]


def test_a_write_to_a_stream_the_server_just_ended_is_a_broken_stream():
    # grpc's asyncio client loses the server's UNAVAILABLE when its own write races the
    # end of the call, and reports this INTERNAL instead (seen with a draining replica).
    import grpc

    from reward_server.client.channel import stream_break_code

    def error(code, details, debug=""):
        empty = grpc.aio.Metadata()
        return grpc.aio.AioRpcError(code, empty, empty, details, debug)

    lost = error(
        grpc.StatusCode.INTERNAL,
        "Internal error from Core",
        'Failed "execute_batch": (<grpc._cython.cygrpc.SendMessageOperation ...>,)',
    )
    assert stream_break_code(lost) == grpc.StatusCode.UNAVAILABLE
    server_bug = error(grpc.StatusCode.INTERNAL, "internal error: KeyError: 'x'")
    assert stream_break_code(server_bug) == grpc.StatusCode.INTERNAL
    assert stream_break_code(error(grpc.StatusCode.UNAVAILABLE, "gone")) == (
        grpc.StatusCode.UNAVAILABLE
    )
