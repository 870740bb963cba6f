"""Scores one group: route its task to its kind's verifier, shape each outcome, sum up the group."""

from __future__ import annotations

import asyncio
import collections
import logging
import math
import time

from reward_server.api import reward_pb2
from reward_server.language_share import group_language_shares
from reward_server.metrics import Metrics
from reward_server.outcome import Verdict, shown_answer
from reward_server.quoting import quote
from reward_server.reasoning import reasoning_pair
from reward_server.shaping import Shaping, group_stats, shape
from reward_server.validation import GroupRefused
from reward_server.verifiers.base import UnusableTask
from reward_server.verifiers.registry import Verifiers

log = logging.getLogger(__name__)


def shaping_of(spec: reward_pb2.RewardSpec) -> Shaping:
    return Shaping(
        correctness_weight=spec.correctness_weight or 1.0,
        format_weight=spec.format_weight,
        max_length=spec.max_length,
        overlong_buffer=spec.overlong_buffer,
        overlong_penalty=spec.overlong_penalty or 1.0,
        reasoning=reasoning_pair(spec.reasoning_open, spec.reasoning_close),
        language_weight=spec.language_weight,
    )


def refused_result(
    group: reward_pb2.Group, refused: GroupRefused, metrics: Metrics
) -> reward_pb2.GroupResult:
    """The answer to a group that cannot be judged: its error and no scores."""
    metrics.group_errors.labels(refused.code).inc()
    log.debug("group error: %s %s", refused.code, refused.message)  # counted in metrics
    error = reward_pb2.GroupError(code=refused.code, message=refused.message)
    return reward_pb2.GroupResult(group_id=group.group_id, error=error)


async def score_group(
    group: reward_pb2.Group, verifiers: Verifiers, metrics: Metrics
) -> reward_pb2.GroupResult:
    """Scores a group that passed validate_group, by the verifier of its task kind. A
    task the verifier finds unusable only now (a gold the workers cannot parse) gets its
    error like any refused group."""
    kind = group.task.WhichOneof("kind")
    started = time.perf_counter()
    completions = list(group.completions)  # each access to the field builds new strings
    shaping = shaping_of(group.reward)
    verifier = verifiers.running[kind]
    try:
        outcomes = await verifier.score(getattr(group.task, kind), completions, shaping.reasoning)
    except UnusableTask as err:
        where = f"group {quote(group.group_id)}"
        return refused_result(group, GroupRefused("INVALID_ARGUMENT", f"{where}: {err}"), metrics)
    lengths = list(group.completion_lengths) or [len(c) for c in completions]
    languages: list[float | None] = [None] * len(completions)
    if group.reward.language:  # classifying text is CPU work: off the event loop
        languages = await asyncio.to_thread(
            group_language_shares, completions, group.reward.language, shaping.reasoning
        )
    scores = []
    verdicts: collections.Counter[str] = collections.Counter()
    for outcome, completion, length, language in zip(
        outcomes, completions, lengths, languages, strict=True
    ):
        reward, components = shape(outcome, completion, length, shaping, language)
        scores.append(
            reward_pb2.CompletionScore(
                reward=reward,
                verdict=int(outcome.verdict),
                components=components,
                extracted_answer=shown_answer(outcome.extracted_answer),
                tests_passed=outcome.tests_passed,
                tests_total=outcome.tests_total,
                detail=outcome.detail,
                tests=[
                    reward_pb2.TestResult(verdict=int(t.verdict), time_s=t.time_s, detail=t.detail)
                    for t in outcome.tests
                ],
            )
        )
        verdicts[Verdict(outcome.verdict).name] += 1
    for name, count in verdicts.items():
        metrics.completions.labels(kind, name).inc(count)
    rewards = [s.reward for s in scores]
    mean, std = group_stats(rewards)
    metrics.groups.labels(kind).inc()
    metrics.group_latency.labels(kind).observe(time.perf_counter() - started)
    return reward_pb2.GroupResult(
        group_id=group.group_id,
        scores=scores,
        reward_mean=mean,
        reward_std=std,
        infra_errors=sum(1 for r in rewards if math.isnan(r)),
    )
