"""Scores one group: route its task to a verifier, shape each outcome, sum up the group."""

from __future__ import annotations

import collections
import math
import time
from dataclasses import dataclass
from typing import Any, Protocol

from reward_server.api import reward_pb2
from reward_server.metrics import Metrics
from reward_server.outcome import Outcome, Verdict, shown_answer
from reward_server.procpool.pool import MathPool
from reward_server.shaping import Shaping, group_stats, shape


class CodeScorer(Protocol):
    """What the server needs of a code verifier (reward_server.verifiers.code.CodeVerifier)."""

    config: Any  # exposes default/max time and memory limits for GetServerInfo

    async def score(self, task: reward_pb2.CodeTask, completions: list[str]) -> list[Outcome]: ...

    def validate(self, task: reward_pb2.CodeTask) -> None: ...

    def languages(self) -> list[tuple[str, str, str]]: ...

    async def close(self) -> None: ...


@dataclass
class Verifiers:
    math: MathPool
    code: CodeScorer | None = None


def shaping_of(spec: reward_pb2.RewardSpec) -> Shaping:
    return Shaping(
        correctness_weight=spec.correctness_weight or 1.0,
        format_weight=spec.format_weight,
        max_length=spec.max_length,
        overlong_buffer=spec.overlong_buffer,
        overlong_penalty=spec.overlong_penalty or 1.0,
    )


async def judge(
    group: reward_pb2.Group, completions: list[str], verifiers: Verifiers
) -> list[Outcome]:
    """One Outcome per completion. Raises BadGold for an unusable math gold answer."""
    if group.task.WhichOneof("kind") == "math":
        return await verifiers.math.verify(group.task.math.gold, completions)
    if verifiers.code is None:  # validation refuses these first; kept as a guard
        return [Outcome.infra_error("code verifier is not running")] * len(completions)
    return await verifiers.code.score(group.task.code, completions)


async def score_group(
    group: reward_pb2.Group, verifiers: Verifiers, metrics: Metrics
) -> reward_pb2.GroupResult:
    verifier = group.task.WhichOneof("kind") or "none"
    started = time.perf_counter()
    completions = list(group.completions)  # each access to the field builds new strings
    outcomes = await judge(group, completions, verifiers)
    shaping = shaping_of(group.reward)
    lengths = list(group.completion_lengths) or [len(c) for c in completions]
    scores = []
    verdicts: collections.Counter[str] = collections.Counter()
    for outcome, completion, length in zip(outcomes, completions, lengths, strict=True):
        reward, components = shape(outcome, completion, length, shaping)
        scores.append(
            reward_pb2.CompletionScore(
                reward=reward,
                verdict=int(outcome.verdict),
                components=components,
                extracted_answer=shown_answer(outcome.extracted_answer),
                tests_passed=outcome.tests_passed,
                tests_total=outcome.tests_total,
                detail=outcome.detail,
            )
        )
        verdicts[Verdict(outcome.verdict).name] += 1
    for name, count in verdicts.items():
        metrics.completions.labels(verifier, name).inc(count)
    rewards = [s.reward for s in scores]
    mean, std = group_stats(rewards)
    metrics.groups.labels(verifier).inc()
    metrics.group_latency.labels(verifier).observe(time.perf_counter() - started)
    return reward_pb2.GroupResult(
        group_id=group.group_id,
        scores=scores,
        reward_mean=mean,
        reward_std=std,
        infra_errors=sum(1 for r in rewards if math.isnan(r)),
    )
