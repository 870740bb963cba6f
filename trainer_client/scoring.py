"""Streaming groups to the reward server while the next groups are being generated.

:class:`StreamScorer` owns one long-lived ``ScoreStream`` call, fed by a queue from a
background thread: ``submit`` returns at once, the thread sends the group and files its
result when the server answers. The training loop submits each group as soon as it is
generated and calls ``collect`` only after the whole step's generation, so scoring of
early groups hides behind generation of later ones.

:class:`ScoreTiming` measures that per step: the scoring latency of each group (submit to
result), the time the loop spent blocked in ``collect``, and the fraction of latency
hidden behind generation, ``1 - blocked / span`` where ``span`` runs from the first
submit to the last result.

A reward of NaN (``INFRA_ERROR``) stays NaN here: the advantages drop it. A group the
server cannot judge (``GroupResult.error``: a bad gold, bad tests, an unknown language)
becomes ``GroupScores`` with ``error`` set and no rewards; the step skips it, and
:class:`GroupErrorLog` counts it and says why, once per distinct message.
"""

from __future__ import annotations

import itertools
import queue
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from reward_server.client import RewardClient
from reward_server.quoting import quote


@dataclass(frozen=True)
class GroupScores:
    """One group's result: per completion reward, verdict name and components; or, when
    the server cannot judge the group, ``error`` ("CODE: message") and empty lists."""

    group_id: str
    rewards: list[float]
    verdicts: list[str]
    components: list[dict[str, float]]
    error: str | None = None


@dataclass
class GroupErrorLog:
    """Counts groups the server could not judge and logs each distinct reason once per
    run: a bad task in the data comes back every time it is drawn, under a new group id
    (which the server's message quotes, as ``quote()`` does, so it is left out of the
    comparison)."""

    log: Callable[[str], None] = print
    seen: set[str] = field(default_factory=set)

    def count(self, scores: Iterable[GroupScores]) -> int:
        """The number of errored groups in ``scores``; logs the reasons not seen before."""
        n = 0
        for s in scores:
            if s.error is None:
                continue
            n += 1
            reason = s.error.replace(quote(s.group_id), "'*'")
            if reason not in self.seen:
                self.seen.add(reason)
                self.log(f"reward server: groups not judged are skipped: {reason}")
        return n


class Scorer(Protocol):
    """Anything that scores groups asynchronously (the gRPC stream, or a test fake)."""

    def submit(self, group) -> None: ...

    def collect(self, group_ids: Sequence[str], timeout: float) -> dict[str, GroupScores]: ...

    def close(self) -> None: ...


def from_result(result) -> GroupScores:
    """Convert a ``GroupResult`` message."""
    from reward_server.client import Verdict

    if result.HasField("error"):
        error = f"{result.error.code}: {result.error.message}"
        return GroupScores(result.group_id, [], [], [], error=error)
    return GroupScores(
        group_id=result.group_id,
        rewards=[s.reward for s in result.scores],
        verdicts=[Verdict.Name(s.verdict) for s in result.scores],
        components=[dict(s.components) for s in result.scores],
    )


@dataclass
class ScoreTiming:
    """Per-step scoring timings (seconds); see the module docstring."""

    submitted: dict[str, float] = field(default_factory=dict)
    answered: dict[str, float] = field(default_factory=dict)
    blocked_s: float = 0.0

    def summary(self) -> dict[str, float]:
        if not self.submitted:
            return {"score_latency_s": 0.0, "score_wait_s": 0.0, "score_hidden_frac": 0.0}
        first = min(self.submitted.values())
        last = max(self.answered.values(), default=first)
        span = max(last - first, 1e-9)
        latencies = [self.answered[g] - t for g, t in self.submitted.items() if g in self.answered]
        return {
            "score_latency_s": sum(latencies) / max(len(latencies), 1),
            "score_wait_s": self.blocked_s,
            "score_hidden_frac": max(0.0, 1.0 - self.blocked_s / span),
        }


class StreamScorer:
    """Scores groups on ``streams`` concurrent ``ScoreStream`` calls, each fed from its own
    queue by a background thread. A stream is one RPC and lands on one server, so with
    several replicas behind the client's round-robin channel the groups spread over them."""

    _END = object()

    def __init__(
        self, client: RewardClient, stream_timeout: float | None = None, streams: int = 1
    ) -> None:
        if streams < 1:
            raise ValueError(f"streams={streams}: need at least one score stream")
        self.client = client
        self._queues: list[queue.Queue] = [queue.Queue() for _ in range(streams)]
        self._turn = itertools.count()
        self._results: dict[str, GroupScores] = {}
        self._answered_at: dict[str, float] = {}
        self._cond = threading.Condition()
        self._error: BaseException | None = None
        self._closed = False
        self.timing = ScoreTiming()
        self._threads = [
            threading.Thread(
                target=self._run, args=(q, stream_timeout), name=f"score-stream-{i}", daemon=True
            )
            for i, q in enumerate(self._queues)
        ]
        for thread in self._threads:
            thread.start()

    def _groups(self, source: queue.Queue) -> Iterator:
        while True:
            item = source.get()
            if item is self._END:
                return
            yield item

    def _run(self, source: queue.Queue, stream_timeout: float | None) -> None:
        try:
            for result in self.client.score_stream(self._groups(source), timeout=stream_timeout):
                scores = from_result(result)
                with self._cond:
                    self._results[scores.group_id] = scores
                    self._answered_at[scores.group_id] = time.perf_counter()
                    self._cond.notify_all()
        except BaseException as err:  # surfaced to the caller in collect()
            with self._cond:
                self._error = err
                self._cond.notify_all()

    def new_step(self) -> None:
        """Start timing a new step."""
        self.timing = ScoreTiming()

    def submit(self, group) -> None:
        """Queue a group for scoring; returns at once."""
        if self._closed:
            raise RuntimeError("the scorer is closed")
        self.timing.submitted[group.group_id] = time.perf_counter()
        self._queues[next(self._turn) % len(self._queues)].put(group)

    def collect(self, group_ids: Sequence[str], timeout: float) -> dict[str, GroupScores]:
        """Block until every group in ``group_ids`` has its result; return them."""
        start = time.perf_counter()
        deadline = start + timeout
        wanted = set(group_ids)
        with self._cond:
            while not wanted <= self._results.keys():
                if self._error is not None:
                    raise RuntimeError(
                        f"the score stream to {self.client.target} failed: {self._error}"
                    ) from self._error
                remaining = deadline - time.perf_counter()
                if remaining <= 0:
                    missing = len(wanted - self._results.keys())
                    raise TimeoutError(
                        f"{missing} groups got no score within {timeout:g}s; raise "
                        "server_timeout_s or check the reward server"
                    )
                self._cond.wait(remaining)
            out = {g: self._results.pop(g) for g in group_ids}
            for g in group_ids:
                self.timing.answered[g] = self._answered_at.pop(g)
        self.timing.blocked_s += time.perf_counter() - start
        return out

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            for source in self._queues:
                source.put(self._END)
            for thread in self._threads:
                thread.join(timeout=10)


def server_verifiers(client: RewardClient) -> set[str]:
    """The verifier names the server reports (e.g. ``{"math"}`` or ``{"math", "code"}``)."""
    return set(client.info().verifiers)


def score_all(scorer: Scorer, groups: Iterable, timeout: float) -> dict[str, GroupScores]:
    """Submit every group and wait for all results (evaluation, no overlap needed)."""
    ids = []
    for g in groups:
        scorer.submit(g)
        ids.append(g.group_id)
    return scorer.collect(ids, timeout)
