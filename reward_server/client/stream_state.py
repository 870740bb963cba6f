"""What a ``score_stream`` call has sent and what it still owes, shared by the sync and
the asyncio client: the bookkeeping behind "every group is answered exactly once".

One call may run several gRPC streams in turn: when a stream breaks with a retryable
status, the groups without a result go out again on a new one. :class:`StreamLedger`

* records each group before it is sent (``register``), so a failure cannot lose it;
* matches results by ``group_id`` (``answer``): the first result of a pending group is
  its answer, whether it holds scores or a ``GroupResult.error`` (an error is an answer,
  never re-sent); a later duplicate, from a stream that was being replaced, is dropped;
* numbers the streams (``generation``): ``replace_stream`` retires the current stream's
  request generator and returns the groups to send first on the next;
* hands a group that a retired generator read from the caller after its stream was
  replaced (it was blocked waiting for the caller's next group) to the current
  generator (``take_orphan``);
* counts the failed attempts since the last answer (``backoff``);
* keeps the error the caller's groups raised (``source_failed``): grpc ends the call on
  it, and the client raises it instead of grpc's status.

How the caller's groups are read stays with each client (a blocking iterator or an async
one); both call this ledger under the same rules.
"""

from __future__ import annotations

import threading

from reward_server.api import reward_pb2
from reward_server.client.channel import RetryPolicy


class StreamLedger:
    """The pending groups of one ``score_stream`` call, across its streams. Thread-safe:
    the sync client reads results on the caller's thread while grpc's thread pulls
    requests."""

    def __init__(self, retry: RetryPolicy) -> None:
        self._retry = retry
        self._lock = threading.Lock()
        self._pending: dict[str, reward_pb2.Group] = {}
        self._orphans: list[reward_pb2.Group] = []  # read by a retired generator, unsent
        self._generation = 0
        self._exhausted = False  # the caller's groups have ended
        self._attempt = 0  # failed streams since the last answer
        self.source_error: BaseException | None = None  # raised while reading the caller's

    @property
    def generation(self) -> int:
        """The number of the current stream; its request generator is the one sending."""
        with self._lock:
            return self._generation

    def is_current(self, mine: int) -> bool:
        return self.generation == mine

    @property
    def reconnecting(self) -> bool:
        """A stream failed since the last answer: the next one waits for a ready server."""
        return self._attempt > 0

    def register(self, group: reward_pb2.Group, mine: int) -> bool:
        """Record ``group``, just read from the caller by stream ``mine``'s generator, as
        owed. True: send it on that stream. False: that stream was replaced meanwhile, so
        the group waits for the current generator (``take_orphan``)."""
        with self._lock:
            self._pending[group.group_id] = group
            if self._generation == mine:
                return True
            self._orphans.append(group)
            return False

    def take_orphan(self, mine: int) -> reward_pb2.Group | None:
        """A group a retired generator read and could not send, for stream ``mine`` if it
        is the current one."""
        with self._lock:
            if self._orphans and self._generation == mine:
                return self._orphans.pop(0)
            return None

    def source_failed(self, error: BaseException) -> None:
        """Reading the caller's groups raised ``error`` (the first one is kept)."""
        with self._lock:
            if self.source_error is None:
                self.source_error = error

    def end_of_groups(self) -> None:
        """The caller's groups have ended."""
        with self._lock:
            self._exhausted = True

    def answer(self, result: reward_pb2.GroupResult) -> bool:
        """True when ``result`` is the first answer of a pending group (pass it on), False
        for a duplicate (drop it)."""
        with self._lock:
            if self._pending.pop(result.group_id, None) is None:
                return False
        self._attempt = 0
        return True

    def backoff(self, code) -> float | None:
        """After a stream broke with status ``code``: seconds to wait before the next
        stream, or None to give up (not retryable, or out of attempts)."""
        self._attempt += 1
        if self._attempt >= self._retry.attempts or not self._retry.retryable(code):
            return None
        return self._retry.backoff(self._attempt)

    def replace_stream(self) -> list[reward_pb2.Group] | None:
        """Retire the current stream (ended or broken). Returns the groups to send first on
        the next stream, or None when nothing is owed and the caller's groups have ended.

        The generation is bumped and the pending groups snapshotted in one step: a group
        read meanwhile is either in the snapshot or an orphan of the new generation."""
        with self._lock:
            self._generation += 1
            self._orphans.clear()  # they are pending, so they are in the snapshot
            resend = list(self._pending.values())
            if not resend and self._exhausted:
                return None
            return resend
