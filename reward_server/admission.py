"""A bounded count of completions admitted and not yet scored."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable


class Overloaded(Exception):
    """No room in the queue; the message says how full it is."""


class Admission:
    def __init__(self, capacity: int, on_change: Callable[[int], None] | None = None) -> None:
        self.capacity = capacity
        self.queued = 0
        self._room = asyncio.Condition()
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
        async with self._room:
            with contextlib.suppress(TimeoutError):  # then try_acquire says why
                await asyncio.wait_for(
                    self._room.wait_for(lambda: self.queued + n <= self.capacity), wait_s
                )
            self.try_acquire(n)

    async def release(self, n: int) -> None:
        async with self._room:
            self.queued -= n
            self._on_change(self.queued)
            self._room.notify_all()
