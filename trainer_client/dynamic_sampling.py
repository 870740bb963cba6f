"""DAPO's dynamic sampling: keep sampling until the step's batch is full of groups with
signal.

A group whose judged rewards all agree (or that the server could not judge) has no
relative advantage, so the update drops it; the step then trains on fewer rows, and
with ``beta > 0`` those rows also lose their KL pull. With ``dynamic_sampling`` the step
samples ``prompts_per_step`` further prompts at a time and keeps only the groups with
reward variance, until it holds ``prompts_per_step`` of them or has run
``dynamic_sampling_max_rounds`` generate rounds (DAPO, arXiv 2503.14476, section 3.2).
A step still short after the last round fills its batch with groups without signal,
which the usual filter then drops, and says so in its metrics:

* ``ds_rounds``: generate rounds run; ``ds_groups_sampled``: groups sampled in all;
* ``ds_groups_with_signal``: of those, groups with reward variance;
* ``ds_batch_full``: 1 when the batch holds ``prompts_per_step`` groups with signal.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import torch

from trainer_client.advantages import group_advantages, penalise_truncated
from trainer_client.config import TrainConfig
from trainer_client.generation import collate_with_logprobs, generate_groups, merge_samples
from trainer_client.policy import Policy
from trainer_client.rollout import RolloutBatch, Sampler, Samples
from trainer_client.scoring import GroupScores, Scorer
from trainer_client.tasks import Task

TaskDraw = Callable[[int], Sequence[Task]]
"""``draw(n)`` -> ``n`` more training prompts."""


def groups_with_signal(
    scores: Sequence[GroupScores], truncated: Sequence[bool], cfg: TrainConfig
) -> list[bool]:
    """Per group: judged, and its rewards (after the truncation penalty) vary."""
    G = cfg.group_size
    nan_row = [math.nan] * G
    rewards = torch.tensor(
        [nan_row if s.error is not None else s.rewards for s in scores], dtype=torch.float32
    )  # (P, G)
    if cfg.truncation_penalty > 0:
        flags = torch.tensor(list(truncated), dtype=torch.bool).view_as(rewards)
        rewards = penalise_truncated(rewards, flags, cfg.truncation_penalty)
    return (~group_advantages(rewards).zero_std).tolist()


def select_groups(samples: Samples, groups: Sequence[int], G: int) -> Samples:
    """The rows of the given groups (``G`` rows each, prompt-major), in that order."""
    rows = [g * G + i for g in groups for i in range(G)]
    return Samples(
        [samples.prompt_ids[r] for r in rows],
        [samples.completion_ids[r] for r in rows],
        [samples.texts[r] for r in rows],
        [samples.truncated[r] for r in rows],
        None if samples.logprobs is None else [samples.logprobs[r] for r in rows],
    )


def sample_with_signal(
    policy: Policy,
    sampler: Sampler,
    scorer: Scorer,
    tasks: Sequence[Task],
    cfg: TrainConfig,
    step: int,
    draw: TaskDraw,
    reward_spec: Any = None,
) -> tuple[list[Task], Samples, list[GroupScores], dict[str, float]]:
    """Generate and score rounds of ``len(tasks)`` prompts until that many groups have
    reward variance (or the rounds run out); return the step's tasks, samples and scores
    (groups with signal first) and the ``ds_*`` metrics with ``gen_s`` and
    ``gen_tokens`` (every round's)."""
    if hasattr(scorer, "new_step"):
        scorer.new_step()
    want = len(tasks)
    kept: list[tuple[Task, Samples, GroupScores]] = []
    spare: list[tuple[Task, Samples, GroupScores]] = []
    gen_s, tokens, sampled, rounds = 0.0, 0, 0, 0
    while rounds < cfg.dynamic_sampling_max_rounds and len(kept) < want:
        batch_tasks = list(tasks) if rounds == 0 else sorted(draw(want), key=lambda t: t.kind)
        samples, ids, seconds = generate_groups(
            policy, sampler, scorer, batch_tasks, cfg, step, reward_spec, first=sampled
        )
        results = scorer.collect(ids, cfg.server_timeout_s)
        scores = [results[g] for g in ids]
        gen_s += seconds
        tokens += sum(len(c) for c in samples.completion_ids)
        sampled += len(ids)
        rounds += 1
        signal = groups_with_signal(scores, samples.truncated, cfg)
        for j, (task, score) in enumerate(zip(batch_tasks, scores, strict=True)):
            group = (task, select_groups(samples, [j], cfg.group_size), score)
            (kept if signal[j] else spare).append(group)
    with_signal = len(kept)
    chosen = (kept + spare)[:want]
    metrics = {
        "ds_rounds": float(rounds),
        "ds_groups_sampled": float(sampled),
        "ds_groups_with_signal": float(with_signal),
        "ds_batch_full": float(with_signal >= want),
        "gen_s": gen_s,
        "gen_tokens": float(tokens),
    }
    return (
        [t for t, _, _ in chosen],
        merge_samples([s for _, s, _ in chosen]),
        [g for _, _, g in chosen],
        metrics,
    )


def dynamic_generate_and_score(
    policy: Policy,
    sampler: Sampler,
    scorer: Scorer,
    tasks: Sequence[Task],
    cfg: TrainConfig,
    step: int,
    draw: TaskDraw,
    reward_spec: Any = None,
) -> tuple[list[Task], RolloutBatch, list[GroupScores], dict[str, float]]:
    """:func:`sample_with_signal`, then the padded batch with ``old_logp``."""
    tasks, samples, scores, metrics = sample_with_signal(
        policy, sampler, scorer, tasks, cfg, step, draw, reward_spec
    )
    t0 = time.perf_counter()
    batch = collate_with_logprobs(policy, samples, cfg)
    metrics["old_logp_s"] = time.perf_counter() - t0
    if hasattr(scorer, "timing"):
        metrics.update(scorer.timing.summary())
    return tasks, batch, scores, metrics
