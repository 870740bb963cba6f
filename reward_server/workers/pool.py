"""A pool of math worker processes with a hard wall-clock limit per verification.

A verification that overruns its limit has its worker killed (SIGKILL) and replaced; the
completion scores WRONG with detail "timeout". Workers are forked from a forkserver that
is started before the gRPC server, with the verifier modules preloaded, so a replacement
costs a fork, not a Python start-up, and never forks a process that runs gRPC threads.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import multiprocessing
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from reward_server.outcome import Outcome, Verdict
from reward_server.workers.math_worker import worker_main

log = logging.getLogger(__name__)

_CTX = multiprocessing.get_context("forkserver")
_CTX.set_forkserver_preload(["reward_server.workers.math_worker"])


class BadGold(ValueError):
    """The gold answer of a task cannot be used; the message says why."""


@dataclass
class _Worker:
    process: BaseProcess
    conn: Connection


class _WorkerGone(Exception):
    """The worker died or was killed before it answered."""


class MathPool:
    """Runs `parse_gold` and `verify` in worker processes.

    `on_restart(reason)` is called whenever a worker is replaced ("timeout" or "crash").
    """

    def __init__(
        self,
        workers: int,
        timeout_s: float,
        memory_mb: int = 0,
        on_restart: Callable[[str], None] | None = None,
        chunk_size: int = 4,
        worker_target: Callable[[Connection, int], None] = worker_main,
    ) -> None:
        """`worker_target` is the function a worker process runs (tests pass fakes)."""
        self.size = workers
        self.chunk_size = chunk_size
        self._worker_target = worker_target
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self._on_restart = on_restart or (lambda reason: None)
        self._idle: asyncio.Queue[_Worker] = asyncio.Queue()
        self._all: set[_Worker] = set()
        self._closed = False

    async def start(self) -> None:
        """Starts every worker; call before the gRPC server starts."""
        workers = await asyncio.gather(*(asyncio.to_thread(self._spawn) for _ in range(self.size)))
        for worker in workers:
            self._idle.put_nowait(worker)

    def _spawn(self) -> _Worker:
        parent, child = _CTX.Pipe(duplex=True)
        process = _CTX.Process(
            target=self._worker_target, args=(child, self.memory_mb), name="math-worker", daemon=True
        )
        process.start()
        child.close()
        worker = _Worker(process, parent)
        self._all.add(worker)
        return worker

    async def _replace(self, worker: _Worker, reason: str) -> None:
        self._all.discard(worker)
        self._on_restart(reason)
        await asyncio.to_thread(_kill, worker)
        if not self._closed:
            self._idle.put_nowait(await asyncio.to_thread(self._spawn))

    async def _recv(self, worker: _Worker, timeout: float) -> Any:
        """The next message from `worker`, waiting on its pipe without blocking the loop."""
        loop = asyncio.get_running_loop()
        ready = loop.create_future()
        fd = worker.conn.fileno()
        loop.add_reader(fd, lambda: ready.done() or ready.set_result(None))
        try:
            await asyncio.wait_for(ready, timeout)
        finally:
            loop.remove_reader(fd)
        try:
            return worker.conn.recv()
        except (EOFError, OSError) as err:
            raise _WorkerGone(str(err)) from None

    async def parse_gold(self, gold: str) -> Any:
        """The parsed gold answer; raises BadGold with the reason when it is unusable."""
        worker = await self._idle.get()
        try:
            worker.conn.send(("parse", gold))
            kind, payload = await self._recv(worker, self.timeout_s)
        except TimeoutError:
            await self._replace(worker, "timeout")
            raise BadGold(f"gold answer could not be parsed within {self.timeout_s:g}s") from None
        except (_WorkerGone, OSError):
            await self._replace(worker, "crash")
            raise BadGold("gold answer crashed the parser") from None
        except BaseException:
            await self._replace(worker, "cancelled")
            raise
        self._idle.put_nowait(worker)
        if kind != "gold":
            raise BadGold(payload)
        return payload

    async def verify(self, gold: Any, completions: list[str]) -> list[Outcome]:
        """One Outcome per completion, in order.

        Work goes out in small chunks, and one group never has more chunks in flight than
        there are workers: the idle-worker queue is FIFO, so a large or slow group can
        delay a small one by a chunk or two, never by its whole size.
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

        await asyncio.gather(*(lane() for _ in range(min(self.size, len(chunks)))))
        return results

    async def _verify_chunk(self, gold: Any, completions: list[str]) -> list[Outcome]:
        results: list[Outcome | None] = [None] * len(completions)
        crashes = [0] * len(completions)
        pending = 0  # index of the first completion without a result
        while pending < len(completions):
            worker = await self._idle.get()
            todo = completions[pending:]
            try:
                worker.conn.send(("verify", (gold, todo)))
                for _ in todo:
                    _, index, outcome = await self._recv(worker, self.timeout_s)
                    results[pending + index] = outcome
                pending = len(completions)
            except TimeoutError:
                index = results.index(None)
                results[index] = Outcome(Verdict.WRONG, detail="timeout")
                pending = index + 1
                await self._replace(worker, "timeout")
                continue
            except (_WorkerGone, OSError):
                index = results.index(None)
                crashes[index] += 1
                # A worker can die for reasons of its own; a second death on the same answer
                # means the answer kills the verifier, which no correct answer does.
                if crashes[index] >= 2:
                    results[index] = Outcome(Verdict.WRONG, detail="verifier crashed on answer")
                    pending = index + 1
                else:
                    pending = index
                await self._replace(worker, "crash")
                continue
            except BaseException:
                await self._replace(worker, "cancelled")
                raise
            self._idle.put_nowait(worker)
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
