"""The math verifier: a task's gold answer against each completion, in killable workers.

Verification runs in a WorkerPool of processes running `worker.worker_main` (the gold,
parsed once per worker, and the group's reasoning tags are the job's shared part); an
answer that overruns `--math-timeout-s` scores WRONG with detail "timeout".
"""

from __future__ import annotations

from reward_server.api import reward_pb2
from reward_server.config import ServerConfig
from reward_server.metrics import Metrics
from reward_server.outcome import Outcome, Verdict
from reward_server.procpool.pool import JobRefused, WorkerPool, WorkerSpec
from reward_server.reasoning import ReasoningPair
from reward_server.verifiers.base import UnusableTask
from reward_server.verifiers.math.worker import outcome_from_tuple, worker_main

SPEC: WorkerSpec[Outcome] = WorkerSpec(
    worker=worker_main,
    result=outcome_from_tuple,
    timed_out=lambda: Outcome(Verdict.WRONG, detail="timeout"),
    crashed=lambda: Outcome(Verdict.WRONG, detail="verifier crashed on answer"),
    preload=("reward_server.verifiers.math.worker",),
    name="math-worker",
)


class BadGold(UnusableTask):
    """The gold answer of a task cannot be used; the message says why."""


class MathVerifier:
    kind = "math"

    def __init__(self, pool: WorkerPool[Outcome]) -> None:
        self.pool = pool

    def validate(self, task: reward_pb2.MathTask) -> None:
        if not task.gold.strip():
            raise BadGold("the math gold answer is empty (set task.math.gold)")

    async def score(
        self, task: reward_pb2.MathTask, completions: list[str], pair: ReasoningPair | None = None
    ) -> list[Outcome]:
        """Raises BadGold when the workers cannot use the gold answer."""
        tags = (pair.open, pair.close) if pair else ("", "")
        try:
            return await self.pool.run((task.gold, *tags), completions)
        except JobRefused as err:
            raise BadGold(self._gold_problem(err)) from None

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


async def start_math(config: ServerConfig, metrics: Metrics) -> MathVerifier:
    """Forks the workers; runs before the gRPC server starts its threads."""
    pool = WorkerPool(
        SPEC,
        config.resolved_math_workers,
        config.math_timeout_s,
        config.math_worker_memory_mb,
        on_restart=lambda reason: metrics.worker_restarts.labels(reason).inc(),
    )
    await pool.start()
    return MathVerifier(pool)
