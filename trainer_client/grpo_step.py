"""One GRPO step: generate, score while generating, advantages, the clipped update.

::

    tasks    = P prompts, sorted by kind
    for each chunk of prompts_per_generate prompts:
        generate G completions per prompt      (rows prompt-major)
        submit each group to the scorer        (scored while the next chunk generates)
    old_logp = forward pass over the step's rows (before waiting for scores)
    rewards  = collect the P groups' results   ((P, G), NaN = could not be judged; a
                                                group the server cannot judge is all NaN)
    advantages, dropping NaN and zero-variance groups
    grpo_update with mu passes over the kept rows; the sampler gets the new weights

The reward source is passed in (``scorer``), so tests can use the live server or a fake.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

import torch
from torch import Tensor

from trainer_client import distributed
from trainer_client.advantages import Advantages, group_advantages, penalise_truncated
from trainer_client.config import TrainConfig
from trainer_client.policy import Policy
from trainer_client.rollout import RolloutBatch, Sampler, Samples, collate, completion_logprobs
from trainer_client.scoring import GroupErrorLog, GroupScores, Scorer
from trainer_client.tasks import Task
from trainer_client.update import grpo_update, select_rows


def grpo_step(
    policy: Policy,
    sampler: Sampler,
    scorer: Scorer,
    optimizer: torch.optim.Optimizer,
    tasks: Sequence[Task],
    cfg: TrainConfig,
    *,
    step: int,
    reference: torch.nn.Module | None = None,
    reward_spec: Any = None,
    group_errors: GroupErrorLog | None = None,
    on_scored: Callable[[Sequence[Task], list[str], list[GroupScores]], None] | None = None,
) -> dict[str, float]:
    """One GRPO step on ``tasks`` (``P`` prompts); returns its metrics.

    ``step`` (0-based) names the groups; ``reference`` is the frozen model of the KL term
    (needed when ``cfg.loss.beta > 0``); ``reward_spec`` asks the server for shaping;
    ``group_errors`` counts and logs groups the server could not judge (pass the run's
    one, so each reason is logged once per run); ``on_scored`` gets the step's tasks,
    completions (each group's in turn) and scores once they are in (the sample log).
    """
    t_step = time.perf_counter()
    # One kind per generate chunk where possible: short math answers do not wait for
    # long code answers to finish.
    tasks = sorted(tasks, key=lambda t: t.kind)
    batch, scores, timing = generate_and_score(
        policy, sampler, scorer, tasks, cfg, step, reward_spec
    )
    if on_scored is not None:
        on_scored(tasks, batch.texts, scores)
    adv = step_advantages(scores, batch, cfg)
    metrics: dict[str, float] = {"step": float(step + 1)}
    metrics.update(reward_metrics(scores, batch))
    metrics.update(filter_metrics(scores, adv, cfg.group_size))
    metrics["group_errors"] = float((group_errors or GroupErrorLog()).count(scores))
    metrics["rows_kept"] = float(adv.keep_index.numel())

    t_update = time.perf_counter()
    metrics.update(update_policy(policy.model, optimizer, sampler, batch, adv, cfg, reference))
    if distributed.world_size() > 1:
        shared = {k: metrics[k] for k in ("reward_mean", "accuracy")}
        metrics.update({f"{k}_all_ranks": v for k, v in distributed.all_mean(shared).items()})
    update_s = time.perf_counter() - t_update
    step_s = time.perf_counter() - t_step
    gen_tokens = float(batch.completion_mask.sum())
    metrics.update(timing)
    metrics["update_s"] = update_s
    metrics["step_s"] = step_s
    metrics["tokens_per_s"] = gen_tokens / max(timing.get("gen_s", 0.0), 1e-9)
    return metrics


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
            gid = f"r{distributed.rank()}-step{step}-p{start + j}"
            rows = slice(j * G, (j + 1) * G)
            lengths = [len(c) for c in samples.completion_ids[rows]]
            group = task.to_group(
                samples.texts[rows], gid, reward=reward_spec, completion_lengths=lengths
            )
            scorer.submit(group)
            group_ids.append(gid)
        parts.append(samples)
    t0 = time.perf_counter()
    batch = collate(_merge(parts), policy.pad_id)
    with torch.no_grad():
        batch.old_logp, _ = completion_logprobs(
            policy.model,
            batch.input_ids,
            batch.attention_mask,
            batch.prompt_len,
            temperature=cfg.sampling.temperature,
        )
    logp_s = time.perf_counter() - t0
    results = scorer.collect(group_ids, cfg.server_timeout_s)
    timing = scorer.timing.summary() if hasattr(scorer, "timing") else {}
    scores = [results[g] for g in group_ids]
    return batch, scores, {"gen_s": gen_s, "old_logp_s": logp_s, **timing}


def _merge(parts: Sequence[Samples]) -> Samples:
    return Samples(
        [r for p in parts for r in p.prompt_ids],
        [r for p in parts for r in p.completion_ids],
        [r for p in parts for r in p.texts],
        [r for p in parts for r in p.truncated],
    )


def step_advantages(
    scores: Sequence[GroupScores], batch: RolloutBatch, cfg: TrainConfig
) -> Advantages:
    """Group advantages of the step's ``(P, G)`` rewards, truncated completions penalised
    first when ``cfg.truncation_penalty`` is set. A group the server could not judge is a
    row of NaN: no advantage, no row in the update."""
    nan_row = [math.nan] * cfg.group_size
    rewards = torch.tensor(
        [nan_row if s.error is not None else s.rewards for s in scores], dtype=torch.float32
    )  # (P, G)
    if cfg.truncation_penalty > 0:
        rewards = penalise_truncated(
            rewards, batch.truncated.view_as(rewards), cfg.truncation_penalty
        )
    return group_advantages(rewards, scale=cfg.scale_rewards)


def update_policy(
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer,
    sampler: Sampler,
    batch: RolloutBatch,
    adv: Advantages,
    cfg: TrainConfig,
    reference: torch.nn.Module | None,
) -> dict[str, float]:
    """The clipped GRPO update on the rows with signal (``adv.keep_index``), then the
    sampler gets the new weights; returns the update's metrics.

    Under torchrun a rank with no such rows still joins every optimizer step of the
    others (zero gradients), so the ranks stay in step.
    """
    keep = adv.keep_index  # (K,) rows that carry signal
    if keep.numel() == 0:
        if distributed.world_size() > 1:  # join the other ranks' gradient averaging
            for _ in range(cfg.update.num_iterations):
                optimizer.zero_grad(set_to_none=True)
                optimizer.step()
            sampler.sync_weights(model)
        return {}
    temperature = cfg.sampling.temperature
    data = batch.tensors()
    data["advantages"] = adv.advantages.reshape(-1)
    if reference is not None:
        with torch.no_grad():
            data["ref_logp"], _ = completion_logprobs(
                reference,
                batch.input_ids,
                batch.attention_mask,
                batch.prompt_len,
                temperature=temperature,
            )
    prompt_len = batch.prompt_len

    def compute_logp(b: dict[str, Tensor]) -> tuple[Tensor, Tensor]:
        return completion_logprobs(
            model, b["input_ids"], b["attention_mask"], prompt_len, temperature=temperature
        )

    model.train()
    upd = grpo_update(
        select_rows(data, keep),
        compute_logp,
        optimizer,
        loss_config=cfg.loss,
        update_config=cfg.update,
    )
    sampler.sync_weights(model)
    return {k: v for k, v in upd.items() if k != "frac_truncated"}


def filter_metrics(scores: Sequence[GroupScores], adv: Advantages, G: int) -> dict[str, float]:
    """Zero-variance groups among the judged groups (``frac_zero_std``) and samples dropped
    as INFRA_ERROR (``num_dropped``); errored groups are counted apart (``group_errors``)."""
    judged = torch.tensor([s.error is None for s in scores], dtype=torch.bool)  # (P,)
    n_judged = int(judged.sum())
    zero = int(adv.zero_std[judged].sum()) if n_judged else 0
    return {
        "frac_zero_std": zero / n_judged if n_judged else 0.0,
        "num_dropped": float(adv.num_dropped - G * (len(scores) - n_judged)),
    }


def reward_metrics(scores: Sequence[GroupScores], batch: RolloutBatch) -> dict[str, float]:
    """Reward mean/std per component, accuracy, completion lengths, truncation."""
    rewards = [r for s in scores for r in s.rewards if not math.isnan(r)]
    out: dict[str, float] = {
        "reward_mean": statistics.fmean(rewards) if rewards else float("nan"),
        "reward_std": statistics.pstdev(rewards) if len(rewards) > 1 else 0.0,
    }
    comps: dict[str, list[float]] = {}
    for s in scores:
        for reward, c in zip(s.rewards, s.components, strict=True):
            if math.isnan(reward):
                continue
            for k, v in c.items():
                comps.setdefault(k, []).append(v)
    for k, values in sorted(comps.items()):
        out[f"reward_{k}_mean"] = statistics.fmean(values)
        out[f"reward_{k}_std"] = statistics.pstdev(values) if len(values) > 1 else 0.0
    verdicts = [
        v for s in scores for v, r in zip(s.verdicts, s.rewards, strict=True) if not math.isnan(r)
    ]
    judged = len(verdicts)
    out["accuracy"] = sum(v == "CORRECT" for v in verdicts) / judged if judged else math.nan
    lengths = batch.lengths.float()
    out["completion_len_mean"] = float(lengths.mean())
    out["completion_len_max"] = float(lengths.max())
    out["frac_truncated"] = float(batch.truncated.float().mean())
    return out
