"""Warm containers per language: created ahead of demand, reused, recycled, replaced.

Check-out is an `asyncio.Queue.get`, whose waiters are served first come, first served,
so many groups scored at once share the containers fairly. A container returned broken
(or after `max_runs_per_container` completions) is destroyed and replaced by a background
task: the completion that used it does not wait for the replacement, and one retired for
its age has its replacement made before its last run, so the pool keeps its size.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import docker

from reward_server.verifiers.code import container
from reward_server.verifiers.code.config import SandboxConfig
from reward_server.verifiers.code.container import Sandbox

log = logging.getLogger(__name__)
# A container's replacement is started this fraction of max_runs_per_container before
# its last run (1/10: at run 450 of 500; never with max_runs 1, as under gVisor).
RECYCLE_AHEAD = 10


class LanguagePool:
    def __init__(
        self,
        client: docker.DockerClient,
        language: str,
        image: str,
        config: SandboxConfig,
        owner: str,
        lifecycle: ThreadPoolExecutor,
        on_dead_idle: Callable[[], None] = lambda: None,
    ) -> None:
        self.language, self.image = language, image
        self._on_dead_idle = on_dead_idle
        self._client, self._config, self._owner = client, config, owner
        self._lifecycle = lifecycle
        self._idle: asyncio.Queue[Sandbox] = asyncio.Queue()
        self._live: set[Sandbox] = set()
        self._tasks: set[asyncio.Task] = set()
        self._closed = False
        # gVisor (Debian's runsc 2022) lets a process of the candidate uid renice and move
        # the CPU affinity of PID 1 (another uid) and read its environ, which the kernel
        # refuses (hostile/renice_supervisor.py in the tests), so under runsc a container
        # judges one completion and is then replaced.
        self._max_runs = 1 if config.runtime == "runsc" else config.max_runs_per_container

    async def start(self) -> None:
        await asyncio.gather(*(self._add() for _ in range(self._config.pool_size)))

    async def _add(self) -> None:
        loop = asyncio.get_running_loop()
        box = await loop.run_in_executor(
            self._lifecycle,
            container.create,
            self._client,
            self.image,
            self.language,
            self._config,
            self._owner,
        )
        if self._closed:
            await loop.run_in_executor(self._lifecycle, container.destroy, box)
            return
        self._live.add(box)
        self._idle.put_nowait(box)

    async def acquire(self) -> Sandbox:
        """Waits (FIFO) for a warm container; TimeoutError after acquire_timeout_s.

        A container that died while idle (killed, or the engine restarted) is retired
        here and replaced in the background, so no completion is judged by a dead one."""
        if self._closed:
            raise RuntimeError("the sandbox pool is closed")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._config.acquire_timeout_s
        while True:
            box = await asyncio.wait_for(self._idle.get(), max(0.0, deadline - loop.time()))
            if not container.stale(box):
                return box
            self._on_dead_idle()
            self.release(box)

    def release(self, box: Sandbox) -> None:
        box.runs += 1
        if box.broken is None and box.runs < self._max_runs and not self._closed:
            # A container nearing its last run has its replacement made now, so the pool
            # never runs a container short while one is created (~0.5 s, more when busy).
            ahead = self._max_runs // RECYCLE_AHEAD
            if ahead and box.runs == self._max_runs - ahead and not box.replaced:
                box.replaced = True
                self._track(self._replace(None))
            self._idle.put_nowait(box)
            return
        if box.broken:
            log.info("retiring %s container: %s", self.language, box.broken)
        self._live.discard(box)
        self._track(self._replace(box, add=not box.replaced))

    def _track(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _replace(self, box: Sandbox | None, add: bool = True) -> None:
        """Removes `box` (if any) and, with `add`, creates a container in its place."""
        loop = asyncio.get_running_loop()
        removed = box is None or await loop.run_in_executor(self._lifecycle, container.destroy, box)
        delay = 0.5
        while not self._closed:
            try:
                if not removed:  # the engine was unreachable (restarting): try again
                    removed = await loop.run_in_executor(self._lifecycle, container.destroy, box)
                if add:
                    await self._add()
                return
            except Exception as exc:  # keep trying; waiters time out meanwhile
                log.warning("could not create a %s container: %s", self.language, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)  # an engine restart takes seconds: stay close

    @property
    def live(self) -> int:
        return len(self._live)

    async def close(self) -> None:
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        loop = asyncio.get_running_loop()
        boxes, self._live = list(self._live), set()
        await asyncio.gather(
            *(loop.run_in_executor(self._lifecycle, container.destroy, b) for b in boxes),
            return_exceptions=True,
        )
