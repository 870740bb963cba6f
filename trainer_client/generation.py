"""Sampling a step's completions and streaming them to the scorer.

:func:`generate_and_score` is the step's rollout: G completions per prompt, chunk by
chunk, each group submitted as soon as its chunk is done, the training model's
``old_logp`` computed while the last groups are scored. Its pieces
(:func:`generate_groups`, :func:`collate_with_logprobs`, :func:`merge_samples`) are shared
with :mod:`trainer_client.dynamic_sampling`.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import torch

from trainer_client import distributed
from trainer_client.config import TrainConfig
from trainer_client.policy import Policy
from trainer_client.rollout import RolloutBatch, Sampler, Samples, collate, completion_logprobs
from trainer_client.scoring import GroupScores, Scorer
from trainer_client.tasks import Task


def generate_and_score(
    policy: Policy,
    sampler: Sampler,
    scorer: Scorer,
    tasks: Sequence[Task],
    cfg: TrainConfig,
    step: int,
    reward_spec: Any = None,
) -> tuple[RolloutBatch, list[GroupScores], dict[str, float]]:
    """Generate G completions per task chunk by chunk, streaming each group to the scorer
    as soon as its chunk is done; compute ``old_logp`` while the last groups are scored.
    """
    if hasattr(scorer, "new_step"):
        scorer.new_step()
    samples, group_ids, gen_s = generate_groups(
        policy, sampler, scorer, tasks, cfg, step, reward_spec
    )
    t0 = time.perf_counter()
    batch = collate_with_logprobs(policy, samples, cfg)
    logp_s = time.perf_counter() - t0
    results = scorer.collect(group_ids, cfg.server_timeout_s)
    timing = scorer.timing.summary() if hasattr(scorer, "timing") else {}
    scores = [results[g] for g in group_ids]
    return batch, scores, {"gen_s": gen_s, "old_logp_s": logp_s, **timing}


def generate_groups(
    policy: Policy,
    sampler: Sampler,
    scorer: Scorer,
    tasks: Sequence[Task],
    cfg: TrainConfig,
    step: int,
    reward_spec: Any = None,
    first: int = 0,
) -> tuple[Samples, list[str], float]:
    """Sample G completions per task, chunk by chunk, submitting each group as its chunk
    finishes; returns the samples (prompt-major), the group ids (numbered from
    ``first``) and the seconds spent generating."""
    G = cfg.group_size
    parts: list[Samples] = []
    group_ids: list[str] = []
    gen_s = 0.0
    for start in range(0, len(tasks), cfg.prompts_per_generate):
        chunk = tasks[start : start + cfg.prompts_per_generate]
        t0 = time.perf_counter()
        samples = sampler.generate([policy.encode_prompt(t.prompt) for t in chunk], G)
        gen_s += time.perf_counter() - t0
        for j, task in enumerate(chunk):
            gid = f"r{distributed.rank()}-step{step}-p{first + start + j}"
            rows = slice(j * G, (j + 1) * G)
            lengths = [len(c) for c in samples.completion_ids[rows]]
            group = task.to_group(
                samples.texts[rows], gid, reward=reward_spec, completion_lengths=lengths
            )
            scorer.submit(group)
            group_ids.append(gid)
        parts.append(samples)
    return merge_samples(parts), group_ids, gen_s


def collate_with_logprobs(policy: Policy, samples: Samples, cfg: TrainConfig) -> RolloutBatch:
    """The padded batch of ``samples`` with the training model's ``old_logp``."""
    batch = collate(samples, policy.pad_id)
    with torch.no_grad():
        batch.old_logp, _ = completion_logprobs(
            policy.model,
            batch.input_ids,
            batch.attention_mask,
            batch.prompt_len,
            temperature=cfg.sampling.temperature,
        )
    return batch


def merge_samples(parts: Sequence[Samples]) -> Samples:
    """The rows of ``parts`` in turn; log-probs only when every part has them."""
    logprobs = None
    if parts and all(p.logprobs is not None for p in parts):
        logprobs = [r for p in parts for r in p.logprobs or []]
    return Samples(
        [r for p in parts for r in p.prompt_ids],
        [r for p in parts for r in p.completion_ids],
        [r for p in parts for r in p.texts],
        [r for p in parts for r in p.truncated],
        logprobs,
    )
