"""asyncio client: the same calls as RewardClient, for trainers that await."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Sequence

import grpc

from reward_server.api import reward_pb2, reward_pb2_grpc
from reward_server.client.channel import (
    SPREAD_WAIT_S,
    RetryPolicy,
    addresses,
    channel_options,
    resolve_target,
    stream_break_code,
)
from reward_server.client.stream_state import StreamLedger


class AsyncRewardClient:
    """Create inside a running event loop; `async with AsyncRewardClient(...) as client`."""

    def __init__(
        self,
        targets: str | Sequence[str] | None = None,
        timeout: float = 120.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.target = resolve_target(targets)
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self._channel = grpc.aio.insecure_channel(self.target, options=channel_options())
        self._stub = reward_pb2_grpc.RewardServiceStub(self._channel)

    async def close(self) -> None:
        await self._channel.close()

    async def __aenter__(self) -> AsyncRewardClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def wait_ready(self, timeout: float = 30.0) -> None:
        try:
            await asyncio.wait_for(self._channel.channel_ready(), timeout)
        except TimeoutError:
            raise ConnectionError(
                f"no reward server answered at {self.target} within {timeout:g}s; start one "
                "with 'reward-server serve --port PORT' or set REWARD_SERVER_TARGETS"
            ) from None
        probes = [grpc.aio.insecure_channel(a) for a in addresses(self.target)]
        if not probes:
            return
        try:  # the others too, briefly (see SPREAD_WAIT_S); one that is down is skipped
            ready = [asyncio.ensure_future(p.channel_ready()) for p in probes]
            await asyncio.wait(ready, timeout=min(timeout, SPREAD_WAIT_S))
            for waiting in ready:
                waiting.cancel()
        finally:
            for probe in probes:
                await probe.close()

    async def _call(self, fn, request, timeout: float | None = None):
        attempt = 0
        while True:
            attempt += 1
            try:
                return await fn(
                    request, timeout=timeout or self.timeout, wait_for_ready=attempt > 1
                )
            except grpc.aio.AioRpcError as err:
                if attempt >= self.retry.attempts or not self.retry.retryable(err.code()):
                    raise
                await asyncio.sleep(self.retry.backoff(attempt))

    async def info(self) -> reward_pb2.ServerInfo:
        return await self._call(self._stub.GetServerInfo, reward_pb2.GetServerInfoRequest())

    async def score(
        self, groups: Sequence[reward_pb2.Group], timeout: float | None = None
    ) -> list[reward_pb2.GroupResult]:
        response = await self._call(
            self._stub.Score, reward_pb2.ScoreRequest(groups=list(groups)), timeout
        )
        by_id = {r.group_id: r for r in response.results}
        return [by_id[g.group_id] for g in groups]

    async def score_stream(
        self,
        groups: AsyncIterable[reward_pb2.Group] | Iterable[reward_pb2.Group],
        timeout: float | None = None,
    ) -> AsyncIterator[reward_pb2.GroupResult]:
        """Yields each group's result as it arrives; unanswered groups are re-sent on a new
        stream after a retryable failure, so each group is answered exactly once. A group
        the server cannot judge is yielded with `error` set, never raised or re-sent."""
        ledger = StreamLedger(self.retry)
        source = _aiter(groups)
        pulling: list[asyncio.Future] = []  # the one read of `groups` under way, if any

        async def take(mine: int) -> reward_pb2.Group | None:
            """The next group from `groups` for the stream of generation `mine`, or None
            at the end (or once that stream was replaced).

            The read runs in its own future, shielded: a broken stream's request
            generator may still be waiting for the caller's next group (grpc does not
            cancel it once the call has ended), and cancelling the read would end the
            caller's generator. Only the current stream's generator takes its group, so
            the shared read plays the part of the sync client's orphans."""
            while True:
                if not ledger.is_current(mine):
                    return None
                if not pulling:
                    pulling.append(asyncio.ensure_future(_anext(source)))
                read = pulling[0]
                with contextlib.suppress(Exception):  # the taker below handles its error
                    await asyncio.shield(read)
                if ledger.is_current(mine) and pulling and pulling[0] is read:
                    pulling.clear()
                    if read.exception() is not None:
                        ledger.source_failed(read.exception())
                    group = read.result()  # raises the caller's error: grpc ends the call
                    if group is None:
                        ledger.end_of_groups()
                    else:
                        ledger.register(group, mine)  # recorded before it is sent
                    return group

        async def requests(
            mine: int, resend: list[reward_pb2.Group]
        ) -> AsyncIterator[reward_pb2.ScoreRequest]:
            for group in resend:
                yield reward_pb2.ScoreRequest(groups=[group])
            while (group := await take(mine)) is not None:
                yield reward_pb2.ScoreRequest(groups=[group])

        resend: list[reward_pb2.Group] | None = []
        try:
            while resend is not None:
                call = self._stub.ScoreStream(
                    requests(ledger.generation, resend),
                    timeout=timeout,
                    wait_for_ready=ledger.reconnecting,
                )
                try:
                    async for result in call:
                        if ledger.answer(result):  # else a duplicate from a replaced stream
                            yield result
                except grpc.aio.AioRpcError as err:
                    wait = ledger.backoff(stream_break_code(err))
                    if wait is None:
                        raise
                    call.cancel()
                    await asyncio.sleep(wait)
                except asyncio.CancelledError:
                    # grpc cancels the call when reading `groups` raised: raise that error.
                    if ledger.source_error is not None:
                        raise ledger.source_error from None
                    raise
                # No await between the end of the stream and the new generation: a take()
                # either registered its group already (re-sent now) or sees the new one.
                # None: all answered and `groups` ended; else a new stream, also when
                # nothing is owed: the caller may still be producing groups.
                resend = ledger.replace_stream()
        finally:
            for read in pulling:
                read.cancel()


async def _anext(source: AsyncIterator):
    try:
        return await source.__anext__()
    except StopAsyncIteration:
        return None


async def _aiter(items: AsyncIterable | Iterable) -> AsyncIterator:
    if isinstance(items, AsyncIterable):
        async for item in items:
            yield item
    else:
        for item in items:
            yield item
