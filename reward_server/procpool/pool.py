"""A pool of killable worker processes with a hard wall-clock limit per item.

Any verifier whose work may hang or crash in C code can use it: it passes a `WorkerSpec`
(the loop a worker process runs, how a reply row becomes a result, and the result of an
item that overran or killed its worker). A job is a shared part (a math gold answer, say)
and a list of items (the completions); the worker prepares the shared part once, then
answers each item.

An item that overruns its limit has its worker killed (SIGKILL) and replaced, and gets
`spec.timed_out()`. Workers are forked from a forkserver that is started before the gRPC
server, with the spec's modules preloaded, so a replacement costs a fork, not a Python
start-up, and never forks a process that runs gRPC threads.

Work goes to workers in chunks of a few items with one reply per chunk; each worker
records in shared memory which item it is on and since when, so the limit is still per
item. The worker protocol (see reward_server.verifiers.math.worker):
  receives (shared, items) until EOF;
  writes progress[0], progress[1] = -1, now before preparing `shared`, and i, now before
  item i (on the monotonic clock);
  replies ("results", [row per item]) or ("refused", message) when `shared` is unusable.
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
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)

R = TypeVar("R")

_CTX = multiprocessing.get_context("forkserver")
# The forkserver is one per process, and so is its preload list: pools add to it. Modules
# added after it started are imported by each worker instead (slower, still correct).
_PRELOADED: set[str] = set()


@dataclass(frozen=True)
class WorkerSpec(Generic[R]):
    """What a pool runs and how it reads the answers."""

    worker: Callable[[Connection, Any, int], None]  # (conn, progress, memory_mb); module-level
    result: Callable[[Any], R]  # one reply row -> the item's result
    timed_out: Callable[[], R]  # the result of an item whose worker overran the limit
    crashed: Callable[[], R]  # the result of an item that killed its worker twice
    preload: tuple[str, ...] = ()  # modules the forkserver imports once for every worker
    name: str = "worker"  # process name, as ps shows it


class JobRefused(ValueError):
    """The shared part of a job cannot be used. `reason`: "refused" (the worker said why,
    in the message), "timeout" (preparing it overran the limit) or "crash" (it killed the
    worker)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


@dataclass(eq=False)  # identity-hashed: workers live in a set
class _Worker:
    process: BaseProcess
    conn: Connection
    progress: Any  # shared [index of the item in hand (-1: the shared part), start time]


class _Overran(Exception):
    def __init__(self, index: int) -> None:
        self.index = index


class _WorkerGone(Exception):
    def __init__(self, index: int) -> None:
        self.index = index


class WorkerPool(Generic[R]):
    """Runs `spec.worker` in `workers` processes, each item under `timeout_s`.

    `on_restart(reason)` is called whenever a worker is replaced ("timeout", "crash",
    "cancelled").
    """

    def __init__(
        self,
        spec: WorkerSpec[R],
        workers: int,
        timeout_s: float,
        memory_mb: int = 0,
        on_restart: Callable[[str], None] | None = None,
        chunk_size: int = 8,
    ) -> None:
        self.spec = spec
        self.size = workers
        self.timeout_s = timeout_s
        self.memory_mb = memory_mb
        self.chunk_size = chunk_size
        self._on_restart = on_restart or (lambda reason: None)
        # Idle workers go to waiters strictly first come, first served; an asyncio.Queue
        # lets a releasing task take its worker straight back and starve the others.
        self._idle: collections.deque[_Worker] = collections.deque()
        self._waiters: collections.deque[asyncio.Future[_Worker]] = collections.deque()
        self._all: set[_Worker] = set()
        self._closed = False

    async def start(self) -> None:
        """Starts every worker; call before the gRPC server starts."""
        if not set(self.spec.preload) <= _PRELOADED:
            _PRELOADED.update(self.spec.preload)
            _CTX.set_forkserver_preload(sorted(_PRELOADED))
        workers = await asyncio.gather(*(asyncio.to_thread(self._spawn) for _ in range(self.size)))
        for worker in workers:
            self._release(worker)

    def _spawn(self) -> _Worker:
        parent, child = _CTX.Pipe(duplex=True)
        progress = _CTX.RawArray("d", 2)
        process = _CTX.Process(
            target=self.spec.worker,
            args=(child, progress, self.memory_mb),
            name=self.spec.name,
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

    async def _send(self, worker: _Worker, shared: Any, items: list[Any]) -> tuple:
        """Sends one job and waits for its reply, enforcing the limit per item."""
        loop = asyncio.get_running_loop()
        worker.progress[0], worker.progress[1] = -1.0, time.monotonic()
        worker.conn.send((shared, items))
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

    async def run(self, shared: Any, items: list[Any]) -> list[R]:
        """One result per item, in order; raises JobRefused for an unusable `shared`.

        One job never has more chunks in flight than there are workers, and idle workers
        are handed out first come, first served: a large or slow job delays a small one
        by a chunk or two, never by its whole size.
        """
        chunks = collections.deque(
            (start, items[start : start + self.chunk_size])
            for start in range(0, len(items), self.chunk_size)
        )
        results: list[Any] = [None] * len(items)

        async def lane() -> None:
            while chunks:
                start, chunk = chunks.popleft()
                results[start : start + len(chunk)] = await self._run_chunk(shared, chunk)

        lanes = [asyncio.ensure_future(lane()) for _ in range(min(self.size, len(chunks)))]
        try:
            await asyncio.gather(*lanes)
        except BaseException:
            for task in lanes:
                task.cancel()
            raise
        return results

    async def _run_chunk(self, shared: Any, items: list[Any]) -> list[R]:
        results: list[Any] = [None] * len(items)
        crashes = [0] * len(items)
        pending = list(range(len(items)))  # positions without a result yet
        while pending:
            worker = await self._acquire()
            try:
                kind, payload = await self._send(worker, shared, [items[i] for i in pending])
            except _Overran as overran:
                await self._replace(worker, "timeout")
                if overran.index < 0:
                    raise JobRefused(
                        "timeout", f"preparing the job took longer than {self.timeout_s:g}s"
                    ) from None
                results[pending.pop(overran.index)] = self.spec.timed_out()
                continue  # the others go again: their results died with the worker
            except _WorkerGone as gone:
                await self._replace(worker, "crash")
                if gone.index < 0:
                    raise JobRefused("crash", "the worker died preparing the job") from None
                position = pending[gone.index]
                crashes[position] += 1
                # A worker can die for reasons of its own; a second death on the same
                # item means the item kills the worker, which no good item does.
                if crashes[position] >= 2:
                    results[position] = self.spec.crashed()
                    pending.pop(gone.index)
                continue
            except BaseException:
                await self._replace(worker, "cancelled")
                raise
            self._release(worker)
            if kind == "refused":
                raise JobRefused("refused", payload)
            for position, row in zip(pending, payload, strict=True):
                results[position] = self.spec.result(row)
            pending = []
        return results

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
