"""A stream breaks while the trainer is between groups: the next group it produces is
read by the broken stream's request generator, and must still reach a live replica."""

from __future__ import annotations

import asyncio
import time

from conftest import start_server, symbolic_group

from reward_server.client import AsyncRewardClient, RetryPolicy, RewardClient
from trainer_client.scoring import StreamScorer

from .faults import groups_scored, wait_until

RETRY = RetryPolicy(attempts=30, max_backoff_s=0.3)


def math_replicas(n: int = 2) -> list:
    return [start_server("--math-workers", "1", "--metrics-port", "0") for _ in range(n)]


def kill_busy(replicas: list):
    busy = wait_until(
        lambda: next((r for r in replicas if groups_scored(r.metrics_port) >= 1), None),
        60,
        "a replica to score the first group",
    )
    busy.process.kill()
    busy.process.wait()
    return busy


def test_sync_stream_hands_a_group_read_after_the_break_to_the_next_stream():
    replicas = math_replicas()
    client = RewardClient(",".join(r.address for r in replicas), timeout=60, retry=RETRY)
    scorer = StreamScorer(client)
    try:
        scorer.submit(symbolic_group(4, "first"))
        assert list(scorer.collect(["first"], timeout=60)) == ["first"]
        kill_busy(replicas)  # the stream breaks while the trainer produces nothing
        time.sleep(1.5)  # the client has opened a stream on the other replica meanwhile
        scorer.submit(symbolic_group(4, "after-the-break"))
        out = scorer.collect(["after-the-break"], timeout=30)
        assert out["after-the-break"].verdicts == ["CORRECT"] * 4
    finally:
        scorer.close()
        client.close()
        for r in replicas:
            r.stop()


async def test_async_stream_hands_a_group_read_after_the_break_to_the_next_stream():
    replicas = math_replicas()
    next_group, finished = asyncio.Event(), asyncio.Event()

    async def groups():
        yield symbolic_group(4, "first")
        await next_group.wait()  # the trainer is still generating
        yield symbolic_group(4, "after-the-break")
        await finished.wait()  # and keeps the stream open: no end-of-stream re-send

    try:
        async with AsyncRewardClient(
            ",".join(r.address for r in replicas), timeout=60, retry=RETRY
        ) as client:
            results: asyncio.Queue = asyncio.Queue()

            async def consume() -> None:  # the stream is read throughout, as a trainer does
                async for result in client.score_stream(groups()):
                    await results.put(result)

            consumer = asyncio.create_task(consume())
            first = await asyncio.wait_for(results.get(), 60)
            assert first.group_id == "first"
            await asyncio.to_thread(kill_busy, replicas)
            await asyncio.sleep(1.5)  # the break is handled and a new stream is open
            next_group.set()
            second = await asyncio.wait_for(results.get(), 30)
            assert second.group_id == "after-the-break"
            assert [s.verdict for s in second.scores] == [1] * 4
            finished.set()
            await asyncio.wait_for(consumer, 30)
            assert results.empty()
    finally:
        finished.set()
        for r in replicas:
            r.stop()
