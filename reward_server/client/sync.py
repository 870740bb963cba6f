"""Blocking client: unary scoring, a streaming helper with fail-over, server info."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import suppress

import grpc

from reward_server.api import reward_pb2, reward_pb2_grpc
from reward_server.client.channel import (
    SPREAD_WAIT_S,
    RetryPolicy,
    addresses,
    channel_options,
    resolve_target,
)
from reward_server.client.stream_state import StreamLedger


class _Retired(Exception):
    """A request generator of a replaced stream stops."""


class RewardClient:
    """A blocking client. `targets`: "host:port", a list of ip:port (balanced round-robin),
    or None for $REWARD_SERVER_TARGETS. `timeout` is the deadline of each unary call."""

    def __init__(
        self,
        targets: str | Sequence[str] | None = None,
        timeout: float = 120.0,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.target = resolve_target(targets)
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self._channel = grpc.insecure_channel(self.target, options=channel_options())
        self._stub = reward_pb2_grpc.RewardServiceStub(self._channel)

    def close(self) -> None:
        self._channel.close()

    def __enter__(self) -> RewardClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Blocks until the server answers, or raises ConnectionError saying how to fix it."""
        try:
            grpc.channel_ready_future(self._channel).result(timeout=timeout)
        except grpc.FutureTimeoutError:
            raise ConnectionError(
                f"no reward server answered at {self.target} within {timeout:g}s; start one "
                "with 'reward-server serve --port PORT' or set REWARD_SERVER_TARGETS"
            ) from None
        deadline = time.monotonic() + min(timeout, SPREAD_WAIT_S)
        for address in addresses(self.target):  # the others too, briefly (see SPREAD_WAIT_S)
            # One that is down is skipped by round-robin and covered by fail-over.
            with grpc.insecure_channel(address) as probe, suppress(grpc.FutureTimeoutError):
                grpc.channel_ready_future(probe).result(
                    timeout=max(0.0, deadline - time.monotonic())
                )

    def _call(self, fn, request, timeout: float | None = None):
        attempt = 0
        while True:
            attempt += 1
            try:
                return fn(request, timeout=timeout or self.timeout, wait_for_ready=attempt > 1)
            except grpc.RpcError as err:
                if attempt >= self.retry.attempts or not self.retry.retryable(err.code()):
                    raise
                time.sleep(self.retry.backoff(attempt))

    def info(self) -> reward_pb2.ServerInfo:
        return self._call(self._stub.GetServerInfo, reward_pb2.GetServerInfoRequest())

    def score(
        self, groups: Sequence[reward_pb2.Group], timeout: float | None = None
    ) -> list[reward_pb2.GroupResult]:
        """Scores a batch of groups; results come back in the order of `groups`. A group
        the server cannot judge comes back with `error` set (see `score_stream`)."""
        response = self._call(
            self._stub.Score, reward_pb2.ScoreRequest(groups=list(groups)), timeout
        )
        by_id = {r.group_id: r for r in response.results}
        return [by_id[g.group_id] for g in groups]

    def score_stream(
        self, groups: Iterable[reward_pb2.Group], timeout: float | None = None
    ) -> Iterator[reward_pb2.GroupResult]:
        """Yields each group's result as soon as the server has it (any order).

        `groups` is consumed lazily, so a trainer can keep generating while earlier groups
        are scored. If the stream breaks with a retryable status (server gone, draining,
        overloaded), the groups without a result are sent again on a new stream, so every
        group is answered exactly once. A group the server cannot judge is answered too:
        its result has `error` set (`result.HasField("error")`) and no scores; it is
        yielded, never raised or re-sent. `timeout` bounds the whole stream (None: no
        bound).
        """
        ledger = StreamLedger(self.retry)
        source = iter(groups)
        source_lock = threading.Lock()  # one reader of `groups` at a time

        def take(mine: int) -> reward_pb2.Group | None:
            """The next group for the stream of generation `mine`, or None at the end.

            A broken stream's request generator can still be blocked reading `groups`
            (the trainer has not produced the next group yet). What it reads after its
            stream was replaced is handed to the current stream instead of being lost."""
            with source_lock:
                orphan = ledger.take_orphan(mine)
                if orphan is not None:
                    return orphan
                try:
                    group = next(source, None)
                except BaseException as err:  # grpc ends the call; the caller gets `err`
                    ledger.source_failed(err)
                    raise
                if group is None:
                    ledger.end_of_groups()
                    return None
                if ledger.register(group, mine):  # recorded before it is sent
                    return group
                raise _Retired

        def requests(
            mine: int, resend: list[reward_pb2.Group]
        ) -> Iterator[reward_pb2.ScoreRequest]:
            for group in resend:
                yield reward_pb2.ScoreRequest(groups=[group])
            while True:
                try:
                    group = take(mine)
                except _Retired:
                    return
                if group is None:
                    return
                yield reward_pb2.ScoreRequest(groups=[group])

        resend: list[reward_pb2.Group] | None = []
        while resend is not None:
            call = self._stub.ScoreStream(
                requests(ledger.generation, resend),
                timeout=timeout,
                wait_for_ready=ledger.reconnecting,
            )
            try:
                for result in call:
                    if ledger.answer(result):  # else a duplicate from a replaced stream
                        yield result
            except grpc.RpcError as err:
                if ledger.source_error is not None:
                    raise ledger.source_error from None
                wait = ledger.backoff(err.code())
                if wait is None:
                    raise
                call.cancel()
                time.sleep(wait)
            # None: all answered and `groups` ended. Otherwise a new stream, also when
            # nothing is owed: the trainer may still be producing groups.
            resend = ledger.replace_stream()
