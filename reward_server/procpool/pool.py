"""A pool of math worker processes with a hard wall-clock limit per verification.

A verification that overruns its limit has its worker killed (SIGKILL) and replaced; the
completion scores WRONG with detail "timeout". Workers are forked from a forkserver that
is started before the gRPC server, with the verifier modules preloaded, so a replacement
costs a fork, not a Python start-up, and never forks a process that runs gRPC threads.

Work goes to workers in chunks of a few completions with one reply per chunk; each worker
records in shared memory which completion it is on and since when, so the limit is still
per completion.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import multiprocessing
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from reward_server.outcome import Outcome, Verdict
from reward_server.verifiers.math.worker import outcome_from_tuple, worker_main

log = logging.getLogger(__name__)

_CTX = multiprocessing.get_context("forkserver")
_CTX.set_forkserver_preload(["reward_server.verifiers.math.worker"])


class BadGold(ValueError):
    """The gold answer of a task cannot be used; the message says why."""


@dataclass(eq=False)  # identity-hashed: workers live in a set
class _Worker:
    process: BaseProcess
    conn: Connection
    progress: Any  # shared [index of the completion in hand (-1: the gold), start time]


class _Overran(Exception):
    def __init__(self, index: int) -> None:
        self.index = index


class _WorkerGone(Exception):
    def __init__(self, index: int) -> None:
        self.index = index


class MathPool:
    """Runs `parse_gold` + `verify` in worker processes.

    `on_restart(reason)` is called whenever a worker is replaced ("timeout", "crash",
    "cancelled"). `worker_target` is the function a worker runs (tests pass fakes).
    """

    def __init__(
        self,
        workers: int,
        timeout_s: float,
        memory_mb: int = 0,
        on_restart: Callable[[str], None] | None = None,
        chunk_size: int = 8,
        worker_target: Callable[[Connection, Any, int], None] = worker_main,
    ) -> None:
        self.size = workers
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self.chunk_size = chunk_size
        self._worker_target = worker_target
        self._on_restart = on_restart or (lambda reason: None)
        # Idle workers go to waiters strictly first come, first served; an asyncio.Queue
        # lets a releasing task take its worker straight back and starve the others.
        self._idle: collections.deque[_Worker] = collections.deque()
        self._waiters: collections.deque[asyncio.Future[_Worker]] = collections.deque()
        self._all: set[_Worker] = set()
        self._closed = False

    async def start(self) -> None:
        """Starts every worker; call before the gRPC server starts."""
        workers = await asyncio.gather(*(asyncio.to_thread(self._spawn) for _ in range(self.size)))
        for worker in workers:
            self._release(worker)

    def _spawn(self) -> _Worker:
        parent, child = _CTX.Pipe(duplex=True)
        progress = _CTX.RawArray("d", 2)
        process = _CTX.Process(
            target=self._worker_target,
            args=(child, progress, self.memory_mb),
            name="math-worker",
            daemon=True,
        )
        process.start()
        child.close()
        worker = _Worker(process, parent, progress)
        self._all.add(worker)
        return worker

    async def _acquire(self) -> _Worker:
        if self._idle and not self._waiters:
            return self._idle.popleft()
        waiter: asyncio.Future[_Worker] = asyncio.get_running_loop().create_future()
        self._waiters.append(waiter)
        try:
            return await waiter
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._release(waiter.result())  # handed a worker just as we were cancelled
            else:
                self._waiters.remove(waiter)
            raise

    def _release(self, worker: _Worker) -> None:
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(worker)
                return
        self._idle.append(worker)

    async def _replace(self, worker: _Worker, reason: str) -> None:
        self._all.discard(worker)
        self._on_restart(reason)
        await asyncio.to_thread(_kill, worker)
        if not self._closed:
            self._release(await asyncio.to_thread(self._spawn))

    async def _run(self, worker: _Worker, gold: str, completions: list[str]) -> tuple:
        """Sends one job and waits for its reply, enforcing the limit per completion."""
        loop = asyncio.get_running_loop()
        worker.progress[0], worker.progress[1] = -1.0, time.monotonic()
        worker.conn.send((gold, completions))
        wake = asyncio.Event()
        fd = worker.conn.fileno()
        loop.add_reader(fd, wake.set)
        try:
            while not worker.conn.poll():
                index, started = worker.progress[0], worker.progress[1]
                remaining = started + self.timeout_s - time.monotonic()
                if remaining <= 0:
                    raise _Overran(int(index))
                wake.clear()
                timer = loop.call_later(remaining, wake.set)
                try:
                    await wake.wait()
                finally:
                    timer.cancel()
        finally:
            loop.remove_reader(fd)
        try:
            return worker.conn.recv()
        except (EOFError, OSError):
            raise _WorkerGone(int(worker.progress[0])) from None

    async def verify(self, gold: str, completions: list[str]) -> list[Outcome]:
        """One Outcome per completion, in order; raises BadGold for an unusable gold.

        One group never has more chunks in flight than there are workers, and idle
        workers are handed out first come, first served: a large or slow group delays a
        small one by a chunk or two, never by its whole size.
        """
        chunks = collections.deque(
            (start, completions[start : start + self.chunk_size])
            for start in range(0, len(completions), self.chunk_size)
        )
        results: list[Outcome] = [Outcome(Verdict.VERDICT_UNSPECIFIED)] * len(completions)

        async def lane() -> None:
            while chunks:
                start, chunk = chunks.popleft()
                results[start : start + len(chunk)] = await self._verify_chunk(gold, chunk)

        lanes = [asyncio.ensure_future(lane()) for _ in range(min(self.size, len(chunks)))]
        try:
            await asyncio.gather(*lanes)
        except BaseException:
            for task in lanes:
                task.cancel()
            raise
        return results

    async def _verify_chunk(self, gold: str, completions: list[str]) -> list[Outcome]:
        results: list[Outcome | None] = [None] * len(completions)
        crashes = [0] * len(completions)
        pending = list(range(len(completions)))  # positions without a verdict yet
        while pending:
            worker = await self._acquire()
            try:
                kind, payload = await self._run(worker, gold, [completions[i] for i in pending])
            except _Overran as overran:
                await self._replace(worker, "timeout")
                if overran.index < 0:
                    raise BadGold(
                        f"gold answer could not be parsed within {self.timeout_s:g}s"
                    ) from None
                results[pending.pop(overran.index)] = Outcome(Verdict.WRONG, detail="timeout")
                continue  # the others go again: their results died with the worker
            except _WorkerGone as gone:
                await self._replace(worker, "crash")
                if gone.index < 0:
                    raise BadGold("gold answer crashed the parser") from None
                position = pending[gone.index]
                crashes[position] += 1
                # A worker can die for reasons of its own; a second death on the same
                # answer means the answer kills the verifier, which no correct answer does.
                if crashes[position] >= 2:
                    results[position] = Outcome(Verdict.WRONG, detail="verifier crashed on answer")
                    pending.pop(gone.index)
                continue
            except BaseException:
                await self._replace(worker, "cancelled")
                raise
            self._release(worker)
            if kind == "bad_gold":
                raise BadGold(payload)
            for position, row in zip(pending, payload, strict=True):
                results[position] = outcome_from_tuple(row)
            pending = []
        return [r for r in results if r is not None]

    async def close(self) -> None:
        self._closed = True
        workers = list(self._all)
        self._all.clear()
        await asyncio.gather(*(asyncio.to_thread(_kill, w) for w in workers))


def _kill(worker: _Worker) -> None:
    with contextlib.suppress(Exception):
        worker.conn.close()
    if worker.process.is_alive():
        worker.process.kill()
    worker.process.join(timeout=5)
