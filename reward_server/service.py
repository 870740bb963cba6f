"""The RewardService RPC handlers: validation, admission, and streaming of group results."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

import grpc

from reward_server import __version__
from reward_server.admission import Admission, Overloaded
from reward_server.api import reward_pb2, reward_pb2_grpc
from reward_server.config import ServerConfig
from reward_server.language_share import REASONING_LANGUAGES
from reward_server.metrics import Metrics
from reward_server.quoting import clip_message, quote
from reward_server.scoring import refused_result, score_group
from reward_server.validation import (
    GroupRefused,
    InvalidRequest,
    RequestLimits,
    validate_group,
    validate_group_id,
    validate_request,
)
from reward_server.verifiers.registry import Verifiers

log = logging.getLogger(__name__)


class _Refusal(Exception):
    """Ends an RPC with a status code and a message that says what is wrong (a problem of
    the call as a whole; a group whose content is unusable gets GroupResult.error)."""

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        message = clip_message(message)  # whatever input it quotes, it fits in a trailer
        super().__init__(message)
        self.code = code
        self.message = message


def _refusal(err: Exception) -> _Refusal:
    if isinstance(err, _Refusal):
        return err
    if isinstance(err, InvalidRequest):
        return _Refusal(grpc.StatusCode.INVALID_ARGUMENT, str(err))
    if isinstance(err, Overloaded):
        return _Refusal(grpc.StatusCode.RESOURCE_EXHAUSTED, str(err))
    log.exception("internal error while scoring", exc_info=err)
    return _Refusal(grpc.StatusCode.INTERNAL, f"internal error: {type(err).__name__}: {err}")


_SHUTTING_DOWN = _Refusal(
    grpc.StatusCode.UNAVAILABLE, "server is shutting down; send the remaining groups elsewhere"
)
_DRAIN = object()  # put on a stream's event queue when the server starts draining


class _Undelivered:
    """Completions admitted on one stream whose results are not yet written to it (being
    scored, or scored and waiting for the client to read). At `bound` the stream reads no
    more groups: a client that does not read its results cannot pile them up."""

    def __init__(self, bound: int) -> None:
        self.bound = bound
        self.held = 0
        self._room = asyncio.Event()

    async def wait_for_room(self, n: int) -> None:
        while self.held + n > self.bound:
            self._room.clear()
            await self._room.wait()

    def add(self, n: int) -> None:
        self.held += n

    def remove(self, n: int) -> None:
        self.held -= n
        self._room.set()


class RewardService(reward_pb2_grpc.RewardServiceServicer):
    def __init__(self, config: ServerConfig, verifiers: Verifiers, metrics: Metrics) -> None:
        self.config = config
        self.verifiers = verifiers
        self.metrics = metrics
        self.admission = Admission(config.max_queued_completions, metrics.queued.set)
        self.limits = RequestLimits(
            max_completions_per_group=config.max_completions_per_group,
            max_completion_bytes=config.max_completion_bytes,
            max_groups_per_request=config.max_groups_per_request,
        )
        self.draining = False
        self._streams: set[asyncio.Queue] = set()  # each open ScoreStream's event queue

    def begin_drain(self) -> None:
        """Refuses new work with UNAVAILABLE. Open streams stop reading at once, deliver
        the groups they hold, then end with UNAVAILABLE so the client sends the rest
        elsewhere (a stream would otherwise wait for its client's next group)."""
        self.draining = True
        for events in self._streams:
            events.put_nowait(_DRAIN)

    def _refused(self, group: reward_pb2.Group) -> GroupRefused | None:
        """Why the group's content cannot be judged, or None when it can."""
        try:
            validate_group(group, self.limits, self.verifiers)
        except GroupRefused as refused:
            return refused
        return None

    async def _end(self, context: grpc.aio.ServicerContext, method: str, err: Exception) -> None:
        refusal = _refusal(err)
        self.metrics.requests.labels(method, refusal.code.name).inc()
        if refusal.code != grpc.StatusCode.INTERNAL:
            self.metrics.rejected.labels(refusal.code.name).inc()
        log.info("refused %s: %s %s", method, refusal.code.name, refusal.message)
        await context.abort(refusal.code, refusal.message)

    async def Score(
        self, request: reward_pb2.ScoreRequest, context: grpc.aio.ServicerContext
    ) -> reward_pb2.ScoreResponse:
        refusals: list[GroupRefused | None] = []
        admitted = 0  # refused groups take no room in the queue
        try:
            if self.draining:
                raise _SHUTTING_DOWN
            validate_request(request, self.limits)
            refusals = [self._refused(g) for g in request.groups]
            admitted = sum(
                len(g.completions)
                for g, r in zip(request.groups, refusals, strict=True)
                if r is None
            )
            self.admission.try_acquire(admitted)
        except Exception as err:
            await self._end(context, "Score", err)
        try:  # held until the response is handed over: results of done groups wait for it
            return await self._score_all(request, refusals, context)
        finally:
            self.admission.release(admitted)

    async def _score_all(
        self,
        request: reward_pb2.ScoreRequest,
        refusals: list[GroupRefused | None],
        context: grpc.aio.ServicerContext,
    ) -> reward_pb2.ScoreResponse:
        groups = request.groups
        tasks = {
            i: asyncio.create_task(score_group(g, self.verifiers, self.metrics))
            for i, (g, refused) in enumerate(zip(groups, refusals, strict=True))
            if refused is None
        }
        try:
            await asyncio.gather(*tasks.values())
        except Exception as err:
            for task in tasks.values():
                task.cancel()
            await self._end(context, "Score", err)
        finally:
            for task in tasks.values():  # on cancellation by the client, stop the work too
                task.cancel()
        results = [
            tasks[i].result() if refused is None else refused_result(g, refused, self.metrics)
            for i, (g, refused) in enumerate(zip(groups, refusals, strict=True))
        ]
        self.metrics.requests.labels("Score", "OK").inc()
        return reward_pb2.ScoreResponse(results=results)

    async def ScoreStream(
        self,
        request_iterator: AsyncIterator[reward_pb2.ScoreRequest],
        context: grpc.aio.ServicerContext,
    ) -> AsyncIterator[reward_pb2.GroupResult]:
        done: asyncio.Queue = asyncio.Queue()
        reader_finished = object()
        # Groups not yet delivered: (completions admitted, places held on this stream).
        held: dict[asyncio.Future, tuple[int, int]] = {}
        undelivered = _Undelivered(self.config.stream_max_undelivered)
        active_ids: set[str] = set()
        failure: list[Exception] = []

        async def admit(group: reward_pb2.Group) -> asyncio.Future:
            refused = self._refused(group)
            if refused is not None:
                # Answered at once and takes no room in the queue; its result still
                # waits for the client like any other, so it holds one place here.
                await undelivered.wait_for_room(1)
                work = asyncio.get_running_loop().create_future()
                work.set_result(refused_result(group, refused, self.metrics))
                held[work] = (0, 1)
                undelivered.add(1)
                return work
            n = len(group.completions)
            # Room on this stream first, so that a client that does not read holds no
            # room in the server-wide queue while it waits.
            await undelivered.wait_for_room(n)
            await self.admission.acquire(n, self.config.stream_admission_wait_s)
            undelivered.add(n)
            task = asyncio.create_task(score_group(group, self.verifiers, self.metrics))
            held[task] = (n, n)
            return task

        async def read() -> None:
            try:
                async for request in request_iterator:
                    for group in request.groups:
                        if self.draining:
                            raise _SHUTTING_DOWN
                        validate_group_id(group)
                        if group.group_id in active_ids:
                            raise InvalidRequest(
                                f"group_id {quote(group.group_id)} is already being scored "
                                "on this stream"
                            )
                        work = await admit(group)
                        active_ids.add(group.group_id)
                        work.add_done_callback(done.put_nowait)
            except Exception as err:
                failure.append(err)
            finally:
                done.put_nowait(reader_finished)

        def settle(work: asyncio.Future) -> None:
            """The group's result was written, or will never be: give its room back."""
            admitted, places = held.pop(work)
            undelivered.remove(places)
            if admitted:
                self.admission.release(admitted)

        reader = asyncio.create_task(read())
        reading = True
        self._streams.add(done)
        if self.draining:
            done.put_nowait(_DRAIN)
        try:
            while reading or held:
                item = await done.get()
                if item is reader_finished:
                    reading = False
                    continue
                if item is _DRAIN:
                    if reading:
                        reader.cancel()
                        failure.append(_SHUTTING_DOWN)
                    continue
                if item.cancelled() or item.exception() is not None:
                    settle(item)
                    if not item.cancelled():
                        # Stop taking groups, but still deliver what is in flight.
                        failure.append(item.exception())
                        reader.cancel()
                    continue
                result = item.result()
                active_ids.discard(result.group_id)
                try:
                    yield result  # resumes once the result is written to the stream
                finally:
                    settle(item)
        finally:
            self._streams.discard(done)
            reader.cancel()
            for work in list(held):  # in flight, or scored and never written
                work.cancel()
                settle(work)
        if failure:
            await self._end(context, "ScoreStream", failure[0])
        self.metrics.requests.labels("ScoreStream", "OK").inc()

    async def GetServerInfo(
        self, request: reward_pb2.GetServerInfoRequest, context: grpc.aio.ServicerContext
    ) -> reward_pb2.ServerInfo:
        self.metrics.requests.labels("GetServerInfo", "OK").inc()
        return server_info(self.config, self.verifiers)


def server_info(config: ServerConfig, verifiers: Verifiers) -> reward_pb2.ServerInfo:
    limits = reward_pb2.ServerLimits(
        max_completions_per_group=config.max_completions_per_group,
        max_completion_bytes=config.max_completion_bytes,
        max_groups_per_request=config.max_groups_per_request,
        max_message_bytes=config.max_message_bytes,
        max_queued_completions=config.max_queued_completions,
    )
    info = reward_pb2.ServerInfo(
        version=__version__, limits=limits, reasoning_languages=REASONING_LANGUAGES
    )
    for verifier in verifiers.running.values():  # each adds its kind, languages, limits
        verifier.describe(info)
    return info
