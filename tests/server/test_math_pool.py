"""The worker pool's hard limits, with fake math workers that hang or crash on command; the
math verifier's words for a gold the workers cannot use."""

from __future__ import annotations

import asyncio
import dataclasses
import time

import fake_math_workers
import pytest

from reward_server.api import reward_pb2
from reward_server.outcome import Outcome, Verdict
from reward_server.procpool.pool import JobRefused, WorkerPool
from reward_server.verifiers.math.verifier import SPEC, BadGold, MathVerifier

FAKE = dataclasses.replace(SPEC, worker=fake_math_workers.worker_main, preload=())


async def make_pool(
    workers: int = 2, timeout: float = 0.5
) -> tuple[WorkerPool[Outcome], list[str]]:
    restarts: list[str] = []
    pool = WorkerPool(FAKE, workers, timeout, on_restart=restarts.append)
    await pool.start()
    return pool, restarts


async def test_hung_verification_is_killed_and_replaced():
    pool, restarts = await make_pool()
    try:
        started = time.perf_counter()
        outcomes = await pool.run("1", ["1", "hang", "2", "1"])
        elapsed = time.perf_counter() - started
        assert [o.verdict for o in outcomes] == [
            Verdict.CORRECT,
            Verdict.WRONG,
            Verdict.WRONG,
            Verdict.CORRECT,
        ]
        assert outcomes[1].detail == "timeout"
        assert elapsed < 0.5 + 1.0  # the limit, plus a replacement fork
        assert restarts == ["timeout"]
        # The pool is whole again: both workers answer.
        again = await pool.run("1", ["1"] * 8)
        assert all(o.verdict == Verdict.CORRECT for o in again)
        assert len(pool._all) == 2
    finally:
        await pool.close()


async def test_hung_work_does_not_stall_other_groups():
    pool, _ = await make_pool(workers=2, timeout=2.0)
    try:
        hung = asyncio.create_task(pool.run("1", ["hang"]))
        await asyncio.sleep(0.1)
        started = time.perf_counter()
        outcomes = await pool.run("1", ["1", "1", "1"])
        assert time.perf_counter() - started < 0.5
        assert all(o.verdict == Verdict.CORRECT for o in outcomes)
        assert (await hung)[0].detail == "timeout"
    finally:
        await pool.close()


async def test_worker_crash_retries_once_then_is_not_judged():
    pool, restarts = await make_pool()
    try:
        outcomes = await pool.run("1", ["1", "crash", "1"])
        verdicts = [o.verdict for o in outcomes]
        assert verdicts == [Verdict.CORRECT, Verdict.INFRA_ERROR, Verdict.CORRECT]
        assert outcomes[1].detail == "verifier crashed on answer"
        assert restarts == ["crash", "crash"]
    finally:
        await pool.close()


async def test_unusable_shared_part_is_refused_and_the_pool_goes_on():
    pool, restarts = await make_pool(timeout=0.3)
    try:
        assert (await pool.run("7", ["7"]))[0].verdict == Verdict.CORRECT
        with pytest.raises(JobRefused, match="bad gold") as refused:
            await pool.run("bad", ["1"])
        assert refused.value.reason == "refused"
        with pytest.raises(JobRefused) as refused:
            await pool.run("hang", ["1"])
        assert refused.value.reason == "timeout" and restarts == ["timeout"]
        assert (await pool.run("7", ["7"]))[0].verdict == Verdict.CORRECT
    finally:
        await pool.close()


async def test_math_verifier_says_what_is_wrong_with_the_gold():
    pool, _ = await make_pool(timeout=0.3)
    verifier = MathVerifier(pool)
    try:
        with pytest.raises(BadGold, match="bad gold"):
            await verifier.score(reward_pb2.MathTask(gold="bad"), ["1"])
        with pytest.raises(BadGold, match=r"gold answer could not be parsed within 0\.3s"):
            await verifier.score(reward_pb2.MathTask(gold="hang"), ["1"])
        with pytest.raises(BadGold, match="empty"):
            verifier.validate(reward_pb2.MathTask(gold="  "))
        [outcome] = await verifier.score(reward_pb2.MathTask(gold="7"), ["7"])
        assert outcome.verdict == Verdict.CORRECT
    finally:
        await verifier.close()


async def test_slow_group_does_not_hold_back_a_small_one():
    pool, _ = await make_pool(workers=2, timeout=5)
    try:
        big = asyncio.create_task(pool.run("1", ["sleep 0.05"] * 80))  # ~2 s of work
        await asyncio.sleep(0.1)
        started = time.perf_counter()
        await pool.run("1", ["1"])
        assert time.perf_counter() - started < 0.6  # a chunk or two of the big group
        assert not big.done()
        await big
    finally:
        await pool.close()


async def test_cancelled_work_frees_its_worker():
    pool, _ = await make_pool(workers=1, timeout=10)
    try:
        task = asyncio.create_task(pool.run("1", ["hang"]))
        await asyncio.sleep(0.2)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        outcomes = await asyncio.wait_for(pool.run("1", ["1"]), 5)
        assert outcomes[0].verdict == Verdict.CORRECT
    finally:
        await pool.close()


async def test_close_leaves_no_worker_processes():
    pool, _ = await make_pool(workers=3)
    processes = [w.process for w in pool._all]
    await pool.close()
    assert all(not p.is_alive() for p in processes)
