"""The GRPO loop: sample prompts, roll out G completions each, stream them to the reward
server, turn rewards into advantages, update; plus the SFT cold start and evaluation.

One step::

    tasks   = P prompts from the task set
    for each chunk of prompts_per_generate prompts:
        generate G completions per prompt      (rows prompt-major)
        submit each group to the scorer        (scored while the next chunk generates)
    old_logp = forward pass over the step's rows (before waiting for scores)
    rewards  = collect the P groups' results   ((P, G), NaN = could not be judged)
    advantages, dropping NaN and zero-variance groups
    grpo_update with mu passes over the kept rows
    metrics line, metrics.jsonl, checkpoint every save_every steps

The reward source is passed in (``scorer``), so tests can use the live server or a fake.
"""

from __future__ import annotations

import copy
import json
import math
import os
import random
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch import Tensor

from trainer_client import distributed
from trainer_client.advantages import group_advantages, penalise_truncated
from trainer_client.config import TrainConfig
from trainer_client.distributed import DistributedAdamW
from trainer_client.policy import (
    Policy,
    build_policy,
    latest_checkpoint,
    load_checkpoint,
    save_checkpoint,
)
from trainer_client.rollout import (
    RolloutBatch,
    Sampler,
    Samples,
    collate,
    completion_logprobs,
    left_pad,
)
from trainer_client.rollout import make_sampler as rollout_sampler
from trainer_client.scoring import GroupScores, Scorer
from trainer_client.tasks import Task, TaskSet
from trainer_client.update import grpo_update, select_rows

Log = Callable[[str], None]


def make_optimizer(model: torch.nn.Module, lr: float, weight_decay: float = 0.0):
    """AdamW; under torchrun, one that averages gradients over the ranks first."""
    cls = DistributedAdamW if distributed.world_size() > 1 else torch.optim.AdamW
    return cls(model.parameters(), lr=lr, weight_decay=weight_decay, betas=(0.9, 0.99))


def make_sampler(policy: Policy, cfg: TrainConfig) -> Sampler:
    return rollout_sampler(policy, cfg.sampler, cfg.sampling, model_dir=cfg.model, seed=cfg.seed)


def _progress(total: int, desc: str, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, disable=not enabled, dynamic_ncols=True, leave=False)


# --- SFT cold start ---------------------------------------------------------------------


def sft_batch(policy: Policy, tasks: Sequence[Task]) -> dict[str, Tensor]:
    """Prompt + reference + EOS rows; loss only on the reference and EOS tokens.

    Returns ``input_ids``/``attention_mask`` ``(B, L)`` (right-padded) and ``labels``
    ``(B, L)`` with -100 on prompt and padding positions.
    """
    rows, labels = [], []
    for task in tasks:
        if task.reference is None:
            raise ValueError(f"task has no reference answer for SFT: {task.prompt[:60]!r}")
        prompt = policy.encode_prompt(task.prompt)
        answer = policy.tokenizer(
            policy.reference_completion(task.reference), add_special_tokens=False
        )["input_ids"] + [policy.eos_id]
        rows.append(prompt + answer)
        labels.append([-100] * len(prompt) + answer)
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), policy.pad_id, dtype=torch.long)
    lab = torch.full((len(rows), width), -100, dtype=torch.long)
    att = torch.zeros((len(rows), width), dtype=torch.long)
    for i, (r, la) in enumerate(zip(rows, labels, strict=True)):
        ids[i, : len(r)] = torch.tensor(r)
        lab[i, : len(la)] = torch.tensor(la)
        att[i, : len(r)] = 1
    return {"input_ids": ids, "attention_mask": att, "labels": lab}


def sft(
    policy: Policy, taskset: TaskSet, cfg: TrainConfig, rng: random.Random,
    log: Log = print,
) -> dict[str, float]:
    """``cfg.sft_steps`` supervised steps on reference answers (cold start).

    Tasks without a reference are skipped. Returns the last loss and the time taken.
    """
    model = policy.model
    model.train()
    optimizer = make_optimizer(model, cfg.sft_learning_rate, cfg.weight_decay)
    start, loss_value = time.perf_counter(), float("nan")
    bar = _progress(cfg.sft_steps, "sft", cfg.progress)
    for step in range(cfg.sft_steps):
        tasks: list[Task] = []
        while len(tasks) < cfg.sft_batch_size:
            task = taskset.sample(rng)
            if task.reference is not None:
                tasks.append(task)
        batch = sft_batch(policy, tasks)
        lr = cfg.sft_learning_rate * min(1.0, (step + 1) / 20)  # short warm-up
        for group in optimizer.param_groups:
            group["lr"] = lr
        loss = model(**batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        loss_value = float(loss.detach())
        bar.update(1)
        bar.set_postfix(loss=f"{loss_value:.3f}")
    bar.close()
    elapsed = time.perf_counter() - start
    log(f"sft: {cfg.sft_steps} steps, final loss {loss_value:.4f}, {elapsed:.1f}s")
    return {"sft_loss": loss_value, "sft_s": elapsed}


# --- evaluation ---------------------------------------------------------------------------


def evaluate(
    policy: Policy, sampler: Sampler, tasks: Sequence[Task], scorer: Scorer,
    *, timeout: float, batch_size: int = 64, tag: str = "eval",
) -> float | None:
    """Greedy accuracy on ``tasks``: the share judged correct (unjudged ones left out)."""
    if not tasks:
        return None
    correct, judged = 0, 0
    for start in range(0, len(tasks), batch_size):
        chunk = tasks[start : start + batch_size]
        samples = sampler.generate([policy.encode_prompt(t.prompt) for t in chunk], 1,
                                   greedy=True)
        ids = []
        for i, (task, text) in enumerate(zip(chunk, samples.texts, strict=True)):
            gid = f"{tag}-{start + i}"
            scorer.submit(task.to_group([text], gid))
            ids.append(gid)
        for result in scorer.collect(ids, timeout).values():
            for verdict, reward in zip(result.verdicts, result.rewards, strict=True):
                if math.isnan(reward):
                    continue
                judged += 1
                correct += verdict == "CORRECT"
    return correct / judged if judged else None


def heldout_accuracy(
    policy: Policy, sampler: Sampler, taskset: TaskSet, scorer: Scorer, cfg: TrainConfig,
    tag: str,
) -> dict[str, float | None]:
    """Greedy held-out accuracy per task kind: ``{"math": float, "code": float | None}``."""
    return {
        kind: evaluate(policy, sampler, taskset.heldout(kind, cfg.eval_size), scorer,
                       timeout=cfg.server_timeout_s, tag=f"{tag}-{kind}")
        for kind in ("math", "code")
    }


# --- one GRPO step ------------------------------------------------------------------------


@dataclass
class StepResult:
    batch: RolloutBatch
    scores: list[GroupScores]
    metrics: dict[str, float]


def _merge(parts: Sequence[Samples]) -> Samples:
    return Samples(
        [r for p in parts for r in p.prompt_ids],
        [r for p in parts for r in p.completion_ids],
        [r for p in parts for r in p.texts],
        [r for p in parts for r in p.truncated],
    )


def generate_and_score(
    policy: Policy, sampler: Sampler, scorer: Scorer, tasks: Sequence[Task],
    cfg: TrainConfig, step: int, reward_spec=None,
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
            scorer.submit(task.to_group(
                samples.texts[rows], gid, reward=reward_spec,
                completion_lengths=[len(c) for c in samples.completion_ids[rows]],
            ))
            group_ids.append(gid)
        parts.append(samples)
    t0 = time.perf_counter()
    batch = collate(_merge(parts), policy.pad_id)
    with torch.no_grad():
        batch.old_logp, _ = completion_logprobs(
            policy.model, batch.input_ids, batch.attention_mask, batch.prompt_len,
            temperature=cfg.sampling.temperature,
        )
    logp_s = time.perf_counter() - t0
    results = scorer.collect(group_ids, cfg.server_timeout_s)
    timing = scorer.timing.summary() if hasattr(scorer, "timing") else {}
    return batch, [results[g] for g in group_ids], {
        "gen_s": gen_s, "old_logp_s": logp_s, **timing,
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
    verdicts = [v for s in scores for v, r in zip(s.verdicts, s.rewards, strict=True)
                if not math.isnan(r)]
    out["accuracy"] = (sum(v == "CORRECT" for v in verdicts) / len(verdicts)
                       if verdicts else float("nan"))
    lengths = batch.lengths.float()
    out["completion_len_mean"] = float(lengths.mean())
    out["completion_len_max"] = float(lengths.max())
    out["frac_truncated"] = float(batch.truncated.float().mean())
    return out


class Trainer:
    """Holds the policy, optimizer, sampler and task stream of one run."""

    def __init__(self, cfg: TrainConfig, scorer: Scorer, taskset: TaskSet,
                 policy: Policy | None = None, log: Log = print) -> None:
        self.cfg = cfg
        self.scorer = scorer
        self.taskset = taskset
        self.log = log
        self.out = Path(cfg.out_dir)
        self.out.mkdir(parents=True, exist_ok=True)
        self.rng = random.Random(cfg.seed + 1_000_003 * distributed.rank())
        self.step = 0
        self.policy = policy if policy is not None else build_policy(cfg)
        self.optimizer = make_optimizer(self.policy.model, cfg.learning_rate, cfg.weight_decay)
        if distributed.world_size() > 1:
            if cfg.update.minibatch_size is not None:
                raise ValueError("under torchrun set minibatch_size none: every rank must "
                                 "take the same number of optimizer steps")
            torch.manual_seed(cfg.seed + distributed.rank())  # own samples per rank
        self.sampler = make_sampler(self.policy, cfg)
        self.reference: torch.nn.Module | None = None
        from reward_server.client import reward_spec

        self.reward_spec = (reward_spec(format_weight=cfg.format_weight)
                            if cfg.format_weight > 0 else None)

    # --- checkpoints ---
    def resume(self) -> bool:
        """Load the latest checkpoint in ``out_dir``; False when there is none."""
        path = latest_checkpoint(self.out)
        if path is None:
            return False
        cfg = self.cfg
        self.policy, optimizer, state = load_checkpoint(
            path, lambda m: make_optimizer(m, cfg.learning_rate, cfg.weight_decay)
        )
        assert optimizer is not None
        self.optimizer = optimizer
        self.sampler = make_sampler(self.policy, cfg)
        self.step = int(state["step"])
        if state.get("task_rng") is not None:
            self.rng.setstate(state["task_rng"])
        self.log(f"resumed from {path} at step {self.step}")
        return True

    def save(self) -> Path:
        return save_checkpoint(
            self.out / f"checkpoint-{self.step}", self.policy, self.optimizer, self.step,
            extra={"config": self.cfg.to_dict()}, task_rng=self.rng,
        )

    # --- the step ---
    def _ensure_reference(self) -> None:
        if self.cfg.loss.beta > 0 and self.reference is None:
            self.reference = copy.deepcopy(self.policy.model).eval()
            for p in self.reference.parameters():
                p.requires_grad_(False)

    def train_step(self) -> dict[str, float]:
        """One GRPO step; returns its metrics."""
        cfg, model = self.cfg, self.policy.model
        self._ensure_reference()
        t_step = time.perf_counter()
        tasks = [self.taskset.sample(self.rng) for _ in range(cfg.prompts_per_step)]
        tasks.sort(key=lambda t: t.kind)  # one kind per generate chunk where possible:
        # short math answers do not wait for long code answers to finish
        batch, scores, timing = generate_and_score(
            self.policy, self.sampler, self.scorer, tasks, cfg, self.step, self.reward_spec
        )
        rewards = torch.tensor([s.rewards for s in scores], dtype=torch.float32)  # (P, G)
        if cfg.truncation_penalty > 0:
            rewards = penalise_truncated(
                rewards, batch.truncated.view_as(rewards), cfg.truncation_penalty
            )
        adv = group_advantages(rewards, scale=cfg.scale_rewards)
        metrics: dict[str, float] = {"step": float(self.step + 1)}
        metrics.update(reward_metrics(scores, batch))
        metrics["frac_zero_std"] = adv.frac_zero_std
        metrics["num_dropped"] = float(adv.num_dropped)
        keep = adv.keep_index  # (K,) rows that carry signal
        metrics["rows_kept"] = float(keep.numel())

        t_update = time.perf_counter()
        if keep.numel() > 0:
            data = batch.tensors()
            data["advantages"] = adv.advantages.reshape(-1)
            if self.reference is not None:
                with torch.no_grad():
                    data["ref_logp"], _ = completion_logprobs(
                        self.reference, batch.input_ids, batch.attention_mask,
                        batch.prompt_len, temperature=cfg.sampling.temperature,
                    )
            data = select_rows(data, keep)
            prompt_len = batch.prompt_len

            def compute_logp(b) -> tuple[Tensor, Tensor]:
                return completion_logprobs(
                    model, b["input_ids"], b["attention_mask"], prompt_len,
                    temperature=cfg.sampling.temperature,
                )

            model.train()
            upd = grpo_update(data, compute_logp, self.optimizer,
                              loss_config=cfg.loss, update_config=cfg.update)
            metrics.update({k: v for k, v in upd.items() if k != "frac_truncated"})
            self.sampler.sync_weights(model)
        elif distributed.world_size() > 1:  # join the other ranks' gradient averaging
            for _ in range(cfg.update.num_iterations):
                self.optimizer.zero_grad(set_to_none=True)
                self.optimizer.step()
            self.sampler.sync_weights(model)
        if distributed.world_size() > 1:
            shared = {k: metrics[k] for k in ("reward_mean", "accuracy")}
            metrics.update({f"{k}_all_ranks": v
                            for k, v in distributed.all_mean(shared).items()})
        update_s = time.perf_counter() - t_update
        step_s = time.perf_counter() - t_step
        gen_tokens = float(batch.completion_mask.sum())
        metrics.update(timing)
        metrics["update_s"] = update_s
        metrics["step_s"] = step_s
        metrics["tokens_per_s"] = gen_tokens / max(timing.get("gen_s", 0.0), 1e-9)
        self.step += 1
        return metrics

    def run(self, log_metrics: bool = True) -> list[dict[str, float]]:
        """Train until ``cfg.steps``; append each step's metrics to ``metrics.jsonl``."""
        cfg = self.cfg
        history: list[dict[str, float]] = []
        bar = _progress(cfg.steps, "grpo", cfg.progress)
        bar.update(self.step)
        main = distributed.is_main()
        metrics_path = self.out / "metrics.jsonl" if main else os.devnull
        with open(metrics_path, "a", encoding="utf-8") as fh:
            while self.step < cfg.steps:
                metrics = self.train_step()
                if main and cfg.eval_every and self.step % cfg.eval_every == 0:
                    acc = heldout_accuracy(self.policy, self.sampler, self.taskset,
                                           self.scorer, cfg, tag=f"eval{self.step}")
                    metrics.update({f"heldout_{k}": v for k, v in acc.items()
                                    if v is not None})
                fh.write(json.dumps(metrics) + "\n")
                fh.flush()
                history.append(metrics)
                if log_metrics and main:
                    bar.clear()
                    self.log(format_metrics(metrics))
                bar.update(1)
                bar.set_postfix(acc=f"{metrics['accuracy']:.2f}")
                if main and ((cfg.save_every and self.step % cfg.save_every == 0) or (
                    self.step == cfg.steps
                )):
                    self.save()
        bar.close()
        distributed.check_in_sync(self.policy.model)
        return history


def format_metrics(m: dict[str, Any]) -> str:
    """One line per step: the numbers worth watching."""
    keys = [("reward_mean", "reward", ".3f"), ("accuracy", "acc", ".2f"),
            ("frac_zero_std", "zero_std", ".2f"), ("completion_len_mean", "len", ".1f"),
            ("clip_frac_region", "clip", ".3f"), ("kl", "kl", ".4f"),
            ("entropy", "ent", ".3f"), ("loss", "loss", ".4f"),
            ("tokens_per_s", "tok/s", ".0f"), ("gen_s", "gen", ".2f"),
            ("score_wait_s", "wait", ".2f"), ("update_s", "upd", ".2f"),
            ("score_hidden_frac", "hidden", ".2f")]
    parts = [f"step {int(m['step'])}"]
    for key, label, fmt in keys:
        if key in m and m[key] is not None:
            parts.append(f"{label} {m[key]:{fmt}}")
    return " | ".join(parts)


def distill(trainer: Trainer, taskset: TaskSet, *, log: Log = print) -> dict[str, Any]:
    """The distill recipe's SFT: the teacher's server-CORRECT completions teach the
    trainer's policy (see :mod:`trainer_client.distill`). Returns the run's statistics,
    with the teacher's and the student's held-out accuracy before distillation."""
    from trainer_client.distill import (
        collect_teacher_data,
        load_teacher,
        teacher_sampler,
        write_jsonl,
    )

    cfg = trainer.cfg
    assert cfg.teacher is not None  # TrainConfig refuses distill without one
    teacher = load_teacher(cfg.teacher)
    sampler = teacher_sampler(teacher, cfg)
    out: dict[str, Any] = {"teacher": cfg.teacher}
    main = distributed.is_main()
    if cfg.eval_size and main:
        out["teacher_heldout_accuracy"] = heldout_accuracy(
            teacher, sampler, taskset, trainer.scorer, cfg, tag="teacher")
        out["heldout_accuracy_before_distill"] = heldout_accuracy(
            trainer.policy, trainer.sampler, taskset, trainer.scorer, cfg, tag="student0")
        log(f"held-out accuracy: teacher {out['teacher_heldout_accuracy']}, student "
            f"before distillation {out['heldout_accuracy_before_distill']}")
    data = collect_teacher_data(teacher, sampler, taskset, trainer.scorer, cfg,
                                trainer.rng, log=log)
    del teacher, sampler  # the student's SFT does not need the teacher in memory
    out.update(data.stats())
    if main:
        write_jsonl(data, trainer.out / "distill.jsonl")
    if not data.tasks:
        raise ValueError(
            f"distill: none of the teacher's {data.sampled} completions was scored "
            "CORRECT, so there is nothing to learn from; use a stronger teacher, more "
            "distill_prompts or distill_samples, or another temperature")
    out.update(sft(trainer.policy, TaskSet.from_tasks(data.tasks, test=[]), cfg,
                   trainer.rng, log=log))
    return out


def set_threads(cfg: TrainConfig) -> None:
    if cfg.threads:
        torch.set_num_threads(cfg.threads)


def train(
    cfg: TrainConfig, scorer: Scorer, taskset: TaskSet, *, log: Log = print,
    policy: Policy | None = None, sft_taskset: TaskSet | None = None,
) -> dict[str, Any]:
    """A whole run: optional SFT, held-out eval, GRPO steps, held-out eval, summary.

    SFT draws from ``sft_taskset`` when given (same problems, another mix), else from
    ``taskset``.

    With ``cfg.resume`` and a checkpoint in ``out_dir`` the run continues from it (no SFT
    and no "before" evaluation then). Returns the summary also written to
    ``summary.json``.
    """
    set_threads(cfg)
    torch.manual_seed(cfg.seed)
    trainer = Trainer(cfg, scorer, taskset, policy=policy, log=log)
    summary: dict[str, Any] = {"config": cfg.to_dict()}
    resumed = cfg.resume and trainer.resume()
    t0 = time.perf_counter()
    if not resumed:
        if distributed.is_main():
            (trainer.out / "metrics.jsonl").unlink(missing_ok=True)
        if cfg.recipe == "distill":
            summary.update(distill(trainer, taskset, log=log))  # the GRPO mix
        elif cfg.recipe == "r1":  # r1-zero: RL from the initial policy, no SFT
            summary.update(sft(trainer.policy, sft_taskset or taskset, cfg, trainer.rng,
                               log=log))
        if cfg.eval_size and distributed.is_main():
            summary["heldout_accuracy_before"] = heldout_accuracy(
                trainer.policy, trainer.sampler, taskset, scorer, cfg, tag="before")
            log(f"held-out accuracy before GRPO: {summary['heldout_accuracy_before']}")
    t_grpo = time.perf_counter()
    history = trainer.run()
    summary["grpo_s"] = time.perf_counter() - t_grpo
    if trainer.step == 0 and distributed.is_main():  # no GRPO (distill only): keep the SFT
        trainer.save()
    if cfg.eval_size and distributed.is_main():
        if history or "heldout_accuracy_before" not in summary:
            summary["heldout_accuracy_after"] = heldout_accuracy(
                trainer.policy, trainer.sampler, taskset, scorer, cfg, tag="after")
        else:  # no GRPO step ran: the policy is the one measured "before"
            summary["heldout_accuracy_after"] = summary["heldout_accuracy_before"]
        log(f"held-out accuracy after GRPO: {summary['heldout_accuracy_after']}")
    summary["steps"] = trainer.step
    summary["total_s"] = time.perf_counter() - t0
    if history:
        last = history[-10:]
        summary["final_train_accuracy"] = statistics.fmean(m["accuracy"] for m in last)
        summary["mean_score_hidden_frac"] = statistics.fmean(
            m.get("score_hidden_frac", 0.0) for m in history)
    if distributed.is_main():
        (trainer.out / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    return summary


__all__ = ["Trainer", "distill", "evaluate", "format_metrics", "heldout_accuracy", "left_pad",
           "sft", "sft_batch", "train"]
