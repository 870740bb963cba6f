"""A small reward server for the client side's tests: a real grpc.aio server on loopback,
in its own thread, whose servicer judges by plain rules and answers what the real server
answers for a group it cannot judge: a GroupResult with `error` set and no scores, while
the other groups of the request or stream are scored.

Rules, per group:

* math gold "bad" -> error INVALID_ARGUMENT; code tasks -> error UNIMPLEMENTED
  (as a server started without --code);
* otherwise each completion: "broken" -> INFRA_ERROR (reward NaN), equal to the gold ->
  CORRECT (reward 1), anything else WRONG (reward 0).

`break_after=N` ends the first stream with UNAVAILABLE after N results (when the next
group arrives), as a replica that dies mid-stream; `received` lists every group id
judged, re-sends included.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import threading
from collections.abc import Iterator

import grpc

from reward_server.api import reward_pb2, reward_pb2_grpc

BAD_GOLD = "bad"


def judge(group: reward_pb2.Group) -> reward_pb2.GroupResult:
    """The stub's answer for one group (see the module docstring)."""
    kind = group.task.WhichOneof("kind")
    if kind == "code":
        error = reward_pb2.GroupError(
            code="UNIMPLEMENTED", message="code tasks need a server started with --code"
        )
        return reward_pb2.GroupResult(group_id=group.group_id, error=error)
    gold = group.task.math.gold
    if gold == BAD_GOLD:
        error = reward_pb2.GroupError(
            code="INVALID_ARGUMENT", message=f"gold {gold!r} is not an answer"
        )
        return reward_pb2.GroupResult(group_id=group.group_id, error=error)
    result = reward_pb2.GroupResult(group_id=group.group_id)
    for text in group.completions:
        if text == "broken":
            result.scores.add(reward=math.nan, verdict=reward_pb2.INFRA_ERROR)
            result.infra_errors += 1
        elif text == gold:
            result.scores.add(reward=1.0, verdict=reward_pb2.CORRECT)
        else:
            result.scores.add(reward=0.0, verdict=reward_pb2.WRONG)
    judged = [s.reward for s in result.scores if not math.isnan(s.reward)]
    if judged:
        mean = sum(judged) / len(judged)
        result.reward_mean = mean
        result.reward_std = math.sqrt(sum((r - mean) ** 2 for r in judged) / len(judged))
    return result


class StubServicer(reward_pb2_grpc.RewardServiceServicer):
    def __init__(self, break_after: int | None = None) -> None:
        self.break_after = break_after
        self.received: list[str] = []

    def _judge(self, group: reward_pb2.Group) -> reward_pb2.GroupResult:
        self.received.append(group.group_id)
        return judge(group)

    async def Score(self, request, context):
        return reward_pb2.ScoreResponse(results=[self._judge(g) for g in request.groups])

    async def ScoreStream(self, request_iterator, context):
        sent = 0
        async for request in request_iterator:
            for group in request.groups:
                # Broken when the next group arrives, not right after a result is yielded:
                # an abort racing the last write can surface as INTERNAL instead.
                if self.break_after is not None and sent >= self.break_after:
                    self.break_after = None  # only the first stream breaks
                    await context.abort(grpc.StatusCode.UNAVAILABLE, "stub: replica gone")
                yield self._judge(group)
                sent += 1

    async def GetServerInfo(self, request, context):
        return reward_pb2.ServerInfo(version="stub", verifiers=["math"])


@contextlib.contextmanager
def stub_server(servicer: StubServicer | None = None) -> Iterator[tuple[str, StubServicer]]:
    """Serves `servicer` on 127.0.0.1 from a thread of its own; yields (address, servicer)."""
    servicer = servicer or StubServicer()
    loop = asyncio.new_event_loop()
    started: list[tuple[grpc.aio.Server, int]] = []
    ready = threading.Event()

    async def start() -> None:
        server = grpc.aio.server()
        reward_pb2_grpc.add_RewardServiceServicer_to_server(servicer, server)
        port = server.add_insecure_port("127.0.0.1:0")
        await server.start()
        started.append((server, port))
        ready.set()

    def run() -> None:
        asyncio.set_event_loop(loop)
        loop.run_until_complete(start())
        loop.run_forever()

    thread = threading.Thread(target=run, name="stub-reward-server", daemon=True)
    thread.start()
    if not ready.wait(10):
        raise RuntimeError("the stub reward server did not start")
    server, port = started[0]
    try:
        yield f"127.0.0.1:{port}", servicer
    finally:
        asyncio.run_coroutine_threadsafe(server.stop(None), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        loop.close()
