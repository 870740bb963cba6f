"""Blocking client: unary scoring, a streaming helper with fail-over, server info."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import suppress
from typing import TypeVar

import grpc

from reward_server.api import reward_pb2, reward_pb2_grpc
from reward_server.client.channel import (
    SPREAD_WAIT_S,
    RetryPolicy,
    addresses,
    channel_options,
    resolve_target,
)

T = TypeVar("T")


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
        """Scores a batch of groups; results come back in the order of `groups`."""
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
        group is answered exactly once. `timeout` bounds the whole stream (None: no bound).
        """
        pending: dict[str, reward_pb2.Group] = {}
        lock = threading.Lock()  # guards pending, generation and orphans
        source = iter(groups)
        source_lock = threading.Lock()  # one reader of `groups` at a time
        generation = [0]  # bumped when a stream breaks; older request generators retire
        orphans: list[reward_pb2.Group] = []  # taken by a retired generator, never sent
        exhausted = threading.Event()  # `groups` has ended

        def take(mine: int) -> reward_pb2.Group | None:
            """The next group for the stream of generation `mine`, or None at the end.

            A broken stream's request generator can still be blocked reading `groups`
            (the trainer has not produced the next group yet). What it reads after its
            stream was replaced is handed to the current stream instead of being lost."""
            with source_lock:
                with lock:
                    if orphans and generation[0] == mine:
                        return orphans.pop(0)
                group = next(source, None)
                if group is None:
                    exhausted.set()
                    return None
                with lock:  # recorded before it is sent, so a failure cannot lose it
                    pending[group.group_id] = group
                    if generation[0] == mine:
                        return group
                    orphans.append(group)
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

        attempt = 0
        resend: list[reward_pb2.Group] = []
        while True:
            call = self._stub.ScoreStream(
                requests(generation[0], resend), timeout=timeout, wait_for_ready=attempt > 0
            )
            try:
                for result in call:
                    with lock:
                        if pending.pop(result.group_id, None) is None:
                            continue  # a duplicate from a stream that was being replaced
                    attempt = 0
                    yield result
            except grpc.RpcError as err:
                attempt += 1
                if attempt >= self.retry.attempts or not self.retry.retryable(err.code()):
                    raise
                call.cancel()
                time.sleep(self.retry.backoff(attempt))
            with lock:
                generation[0] += 1
                # Orphans are already in pending: they are sent again from there.
                orphans.clear()
                resend = list(pending.values())
            if not resend and exhausted.is_set():
                return
            # Otherwise a new stream: the trainer may still be producing groups.
