"""A bounded count of completions admitted whose results are not yet delivered.

A completion stays counted from admission until its group's result is handed to the client
(written to its stream, or returned by Score), not merely until it is scored: results a
client does not read still take memory, and must still hold back new work.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable


class Overloaded(Exception):
    """No room in the queue; the message says how full it is."""


class Admission:
    def __init__(self, capacity: int, on_change: Callable[[int], None] | None = None) -> None:
        self.capacity = capacity
        self.queued = 0
        self._waiters: list[asyncio.Future[None]] = []  # woken on every release
        self._on_change = on_change or (lambda queued: None)

    def try_acquire(self, n: int) -> None:
        """Admits n completions now or raises Overloaded."""
        if self.queued + n > self.capacity:
            raise Overloaded(
                f"server is at capacity ({self.queued} of {self.capacity} completions queued, "
                f"{n} more asked); retry with backoff or add replicas"
            )
        self.queued += n
        self._on_change(self.queued)

    async def acquire(self, n: int, wait_s: float) -> None:
        """Admits n completions, waiting up to wait_s for room, else raises Overloaded."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_s
        while self.queued + n > self.capacity and (remaining := deadline - loop.time()) > 0:
            room: asyncio.Future[None] = loop.create_future()
            self._waiters.append(room)
            try:
                await asyncio.wait_for(room, remaining)
            except asyncio.TimeoutError:
                break  # then try_acquire says why
            finally:
                if room in self._waiters:
                    self._waiters.remove(room)
        self.try_acquire(n)

    def release(self, n: int) -> None:
        """Gives back n completions. Not a coroutine, so that it can run anywhere, even in
        the cleanup of a cancelled stream."""
        self.queued -= n
        self._on_change(self.queued)
        waiters, self._waiters = self._waiters, []
        for room in waiters:
            if not room.done():
                room.set_result(None)
