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
from trainer_client.dynamic_sampling import TaskDraw, dynamic_generate_and_score
from trainer_client.generation import generate_and_score
from trainer_client.policy import Policy
from trainer_client.rollout import RolloutBatch, Sampler, completion_logprobs
from trainer_client.sampler_correction import correction_metrics, sampler_is_ratio
from trainer_client.scoring import GroupErrorLog, GroupScores, Scorer
from trainer_client.tasks import Task
from trainer_client.update import grpo_update, join_empty_update, select_rows


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
    draw_tasks: TaskDraw | None = None,
) -> dict[str, float]:
    """One GRPO step on ``tasks`` (``P`` prompts); returns its metrics.

    ``step`` (0-based) names the groups; ``reference`` is the frozen model of the KL term
    (needed when ``cfg.loss.beta > 0``); ``reward_spec`` asks the server for shaping;
    ``group_errors`` counts and logs groups the server could not judge (pass the run's
    one, so each reason is logged once per run); ``on_scored`` gets the step's tasks,
    completions (each group's in turn) and scores once they are in (the sample log);
    ``draw_tasks(n)`` gives more prompts for ``cfg.dynamic_sampling``.
    """
    t_step = time.perf_counter()
    # One kind per generate chunk where possible: short math answers do not wait for
    # long code answers to finish.
    tasks = sorted(tasks, key=lambda t: t.kind)
    if cfg.dynamic_sampling:
        if draw_tasks is None:
            raise ValueError("dynamic_sampling needs draw_tasks to sample more prompts")
        tasks, batch, scores, timing = dynamic_generate_and_score(
            policy, sampler, scorer, tasks, cfg, step, draw_tasks, reward_spec
        )
    else:
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
    gen_tokens = timing.pop("gen_tokens", float(batch.completion_mask.sum()))  # every round's
    metrics.update(timing)
    metrics["update_s"] = update_s
    metrics["step_s"] = step_s
    metrics["tokens_per_s"] = gen_tokens / max(timing.get("gen_s", 0.0), 1e-9)
    return metrics


def step_advantages(
    scores: Sequence[GroupScores], batch: RolloutBatch, cfg: TrainConfig
) -> Advantages:
    """Group advantages of the step's ``(P, G)`` rewards, truncated completions penalised
    first when ``cfg.truncation_penalty`` is set. A group the server could not judge is a
    row of NaN: no advantage, no row in the update. With ``scale_rewards="batch"`` under
    torchrun the std is over every rank's rewards (every rank must call this)."""
    nan_row = [math.nan] * cfg.group_size
    rewards = torch.tensor(
        [nan_row if s.error is not None else s.rewards for s in scores], dtype=torch.float32
    )  # (P, G)
    if cfg.truncation_penalty > 0:
        rewards = penalise_truncated(
            rewards, batch.truncated.view_as(rewards), cfg.truncation_penalty
        )
    pool = None
    if cfg.scale_rewards == "batch" and distributed.world_size() > 1:
        pool = distributed.all_gather_rows(rewards.reshape(-1))  # every rank's, as TRL
    return group_advantages(rewards, scale=cfg.scale_rewards, batch_rewards=pool)


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

    Under torchrun a rank with no such rows still joins every collective of the others'
    update (zero rows, zero gradients), so the ranks stay in step.
    """
    keep = adv.keep_index  # (K,) rows that carry signal
    if keep.numel() == 0:
        if distributed.world_size() > 1:  # join the other ranks' update collectives
            join_empty_update(optimizer, cfg.update.num_iterations, cfg.update.max_grad_norm)
            sampler.sync_weights(model)
        return {}
    temperature = cfg.sampling.temperature
    data = batch.tensors()
    data["advantages"] = adv.advantages.reshape(-1)
    extra = _sampler_correction(batch, data, cfg)
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
    return {**extra, **{k: v for k, v in upd.items() if k != "frac_truncated"}}


def _sampler_correction(
    batch: RolloutBatch, data: dict[str, Tensor], cfg: TrainConfig
) -> dict[str, float]:
    """Add the sampler-mismatch weights ``is_ratio`` to ``data`` when the correction is
    on; return its metrics."""
    corr = cfg.correction
    if not corr.vllm_importance_sampling_correction:
        return {}
    if batch.sampling_logp is None or batch.old_logp is None:
        raise ValueError(
            "vllm_importance_sampling_correction needs the sampler's log-probs; "
            "the sampler did not report them"
        )
    data["is_ratio"] = sampler_is_ratio(
        batch.old_logp,
        batch.sampling_logp,
        batch.completion_mask,
        corr.vllm_importance_sampling_mode,
        corr.vllm_importance_sampling_cap,
    )
    return correction_metrics(
        data["is_ratio"], batch.old_logp, batch.sampling_logp, batch.completion_mask
    )


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
