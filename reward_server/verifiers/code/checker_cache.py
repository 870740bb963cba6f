"""Compiled checkers kept by the hash of their language and source.

A group with a checker leases it for the time it is judged: the first lease creates its
container and compiles it (once, however many completions and groups use it), later
leases of the same source reuse it. Up to `keep` checkers no group is using stay warm;
older ones are removed. A source that does not compile is remembered with its message,
so a dataset that sends it again is answered without compiling it again.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from reward_server.verifiers.code.checkers import Checker, CheckerUnusable
from reward_server.verifiers.code.config import SandboxConfig
from reward_server.verifiers.code.container import Sandbox
from reward_server.verifiers.code.runtimes import Runtime

KEEP_IDLE = 4
KNOWN_BAD = 256  # sources remembered as not compiling


@dataclass
class _Entry:
    checker: Checker
    ready: asyncio.Future = field(
        default_factory=lambda: asyncio.get_running_loop().create_future()
    )
    users: int = 0


def checker_key(language: str, source: str) -> str:
    return hashlib.sha256(f"{language}\0{source}".encode("utf-8", "surrogatepass")).hexdigest()


class CheckerCache:
    def __init__(
        self,
        runtimes: dict[str, Runtime],
        config: SandboxConfig,
        make_box: Callable[[str], Sandbox],
        destroy_box: Callable[[Sandbox], object],
        lifecycle: ThreadPoolExecutor,
        keep: int = KEEP_IDLE,
    ) -> None:
        self._runtimes, self._config = runtimes, config
        self._make_box, self._destroy_box = make_box, destroy_box
        self._lifecycle, self._keep = lifecycle, keep
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._bad: OrderedDict[str, str] = OrderedDict()
        self._tasks: set[asyncio.Task] = set()
        self._closed = False

    async def lease(self, language: str, source: str) -> Checker:
        """The compiled checker; CheckerUnusable (with the compiler's message) when it
        does not compile; any other exception when no container could be had."""
        if self._closed:
            raise RuntimeError("the checker cache is closed")
        key = checker_key(language, source)
        if key in self._bad:
            raise CheckerUnusable(self._bad[key])
        entry = self._entries.get(key)
        if entry is None:
            checker = Checker(
                self._runtimes[language],
                self._config,
                lambda: self._make_box(language),
                self._destroy_box,
                source,
            )
            entry = self._entries[key] = _Entry(checker)
            # Its own task: a caller that goes away (a cancelled RPC) leaves the checker
            # prepared and cached, never half made.
            task = asyncio.get_running_loop().create_task(self._prepare(key, entry))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        entry.users += 1
        try:
            await asyncio.shield(entry.ready)
        except BaseException:
            entry.users -= 1
            raise
        self._entries.move_to_end(key)
        return entry.checker

    async def _prepare(self, key: str, entry: _Entry) -> None:
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(self._lifecycle, entry.checker.prepare)
        except Exception as exc:
            self._entries.pop(key, None)
            if isinstance(exc, CheckerUnusable):
                self._bad[key] = str(exc)
                while len(self._bad) > KNOWN_BAD:
                    self._bad.popitem(last=False)
            entry.ready.set_exception(exc)
            entry.ready.exception()  # retrieved: no "never retrieved" warning
            return
        entry.ready.set_result(None)

    def release(self, checker: Checker) -> None:
        key = checker_key(checker.runtime.name, checker.source)
        entry = self._entries.get(key)
        if entry is not None and entry.checker is checker:
            entry.users -= 1
        idle = [k for k, e in self._entries.items() if e.users <= 0]
        for k in idle[: max(0, len(idle) - self._keep)]:  # the least recently leased
            self._close_soon(self._entries.pop(k).checker)

    def _close_soon(self, checker: Checker) -> None:
        asyncio.get_running_loop().run_in_executor(self._lifecycle, checker.close)

    async def close(self) -> None:
        self._closed = True
        await asyncio.gather(*self._tasks, return_exceptions=True)  # preparations end
        loop = asyncio.get_running_loop()
        entries, self._entries = list(self._entries.values()), OrderedDict()
        await asyncio.gather(
            *(loop.run_in_executor(self._lifecycle, e.checker.close) for e in entries),
            return_exceptions=True,
        )
