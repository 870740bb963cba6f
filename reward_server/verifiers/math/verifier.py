"""The math verifier: a task's gold answer against each completion, in killable workers.

Verification runs in a WorkerPool of processes running `worker.worker_main` (the gold,
parsed once per worker, and the group's reasoning tags are the job's shared part); an
answer that overruns `--math-timeout-s` scores WRONG with detail "timeout". A group of up
to `CHUNK_SIZE` completions goes to one worker, so its gold is parsed once and its repeated
final answers are compared once (verdict_cache.py); workers run different groups at once.

A completion the verifier failed on (an internal error, or an answer that killed its
worker twice) is not judged: INFRA_ERROR (reward NaN) with the reason in its detail,
counted in reward_math_unjudged_total and logged.
"""

from __future__ import annotations

import dataclasses
import functools
import logging

from reward_server.api import reward_pb2
from reward_server.config import ServerConfig
from reward_server.metrics import Metrics
from reward_server.outcome import Outcome, Verdict
from reward_server.procpool.pool import JobRefused, WorkerPool, WorkerSpec
from reward_server.reasoning import ReasoningPair
from reward_server.verifiers.base import UnusableTask
from reward_server.verifiers.math.worker import outcome_from_tuple, row_counts, worker_main

log = logging.getLogger(__name__)

CRASHED = "verifier crashed on answer"
# Completions per worker job. RL groups are 8-16 completions; one worker per group parses
# the gold once and shares verdicts across the whole group, which is worth more under
# load (many groups in flight) than splitting one group over two workers.
CHUNK_SIZE = 16

SPEC: WorkerSpec[Outcome] = WorkerSpec(
    worker=worker_main,
    result=outcome_from_tuple,
    timed_out=lambda: Outcome(Verdict.WRONG, detail="timeout"),
    crashed=lambda: Outcome.infra_error(CRASHED),
    preload=("reward_server.verifiers.math.worker", "reward_server.verifiers.math.warm_up"),
    name="math-worker",
)


class BadGold(UnusableTask):
    """The gold answer of a task cannot be used; the message says why."""


class MathVerifier:
    kind = "math"

    def __init__(self, pool: WorkerPool[Outcome], metrics: Metrics | None = None) -> None:
        self.pool = pool
        self.metrics = metrics

    def validate(self, task: reward_pb2.MathTask) -> None:
        if not task.gold.strip():
            raise BadGold("the math gold answer is empty (set task.math.gold)")

    async def score(
        self, task: reward_pb2.MathTask, completions: list[str], pair: ReasoningPair | None = None
    ) -> list[Outcome]:
        """Raises BadGold when the workers cannot use the gold answer."""
        tags = (pair.open, pair.close) if pair else ("", "")
        try:
            outcomes = await self.pool.run((task.gold, *tags), completions)
        except JobRefused as err:
            raise BadGold(self._gold_problem(err)) from None
        self._report_unjudged(task, outcomes)
        return outcomes

    def _report_unjudged(self, task: reward_pb2.MathTask, outcomes: list[Outcome]) -> None:
        for index, outcome in enumerate(outcomes):
            if outcome.verdict != Verdict.INFRA_ERROR:
                continue
            reason = "crash" if outcome.detail == CRASHED else "error"
            if self.metrics is not None:
                self.metrics.math_unjudged.labels(reason).inc()
            log.error(
                "math completion %d not judged (gold %r): %s", index, task.gold[:80], outcome.detail
            )

    def _gold_problem(self, err: JobRefused) -> str:
        if err.reason == "timeout":
            return f"gold answer could not be parsed within {self.pool.timeout_s:g}s"
        if err.reason == "crash":
            return "gold answer crashed the parser"
        return str(err)  # the parser's own words

    def describe(self, info: reward_pb2.ServerInfo) -> None:
        info.verifiers.append(self.kind)
        info.limits.math_timeout_s = self.pool.timeout_s

    async def close(self) -> None:
        await self.pool.close()


def read_row(metrics: Metrics, row: tuple) -> Outcome:
    """A worker's row as an Outcome, counting the verdict lookups it reports."""
    counts = row_counts(row)
    for result, n in (("shared", counts.group), ("hit", counts.cache), ("miss", counts.judged)):
        if n:
            metrics.math_verdict_cache.labels(result).inc(n)
    return outcome_from_tuple(row)


def math_spec(config: ServerConfig, metrics: Metrics) -> WorkerSpec[Outcome]:
    """SPEC with the configured verdict cache and the metrics that count its lookups."""
    return dataclasses.replace(
        SPEC,
        worker=functools.partial(worker_main, verdict_cache_size=config.math_verdict_cache),
        result=functools.partial(read_row, metrics),
    )


async def start_math(config: ServerConfig, metrics: Metrics) -> MathVerifier:
    """Forks the workers; runs before the gRPC server starts its threads."""
    pool = WorkerPool(
        math_spec(config, metrics),
        config.resolved_math_workers,
        config.math_timeout_s,
        config.math_worker_memory_mb,
        on_restart=lambda reason: metrics.worker_restarts.labels(reason).inc(),
        chunk_size=CHUNK_SIZE,
    )
    await pool.start()
    return MathVerifier(pool, metrics)
