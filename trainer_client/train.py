"""A GRPO run: the :class:`Trainer` holding one run's state and looping over GRPO steps,
and :func:`train`, the whole run from recipe to summary.

    train(cfg, scorer, taskset)
        recipe (r1-zero / r1 / distill)       recipes.py, unless the run resumes
        held-out accuracy before              evaluate.py
        Trainer.run: until cfg.steps
            one GRPO step                     grpo_step.py
            metrics line and metrics.jsonl; held-out accuracy every eval_every steps;
            checkpoint every save_every steps and at the end
        held-out accuracy after; summary.json

The reward source is passed in (``scorer``), so tests can use the live server or a fake.
"""

from __future__ import annotations

import copy
import json
import os
import random
import statistics
import time
from pathlib import Path
from typing import Any

import torch

from trainer_client import distributed
from trainer_client.config import TrainConfig
from trainer_client.distributed import make_optimizer
from trainer_client.evaluate import heldout_accuracy
from trainer_client.grpo_step import grpo_step
from trainer_client.policy import (
    Policy,
    build_policy,
    latest_checkpoint,
    load_checkpoint,
    save_checkpoint,
)
from trainer_client.recipes import get_recipe
from trainer_client.report import Log, format_metrics, progress_bar
from trainer_client.rollout import Sampler, make_sampler
from trainer_client.sample_log import SampleLog, moderated
from trainer_client.scoring import GroupErrorLog, Scorer
from trainer_client.tasks import TaskSet


class Trainer:
    """Holds the policy, optimizer, sampler and task stream of one run."""

    def __init__(
        self,
        cfg: TrainConfig,
        scorer: Scorer,
        taskset: TaskSet,
        policy: Policy | None = None,
        log: Log = print,
    ) -> None:
        self.cfg = cfg
        self.scorer = scorer
        self.taskset = taskset
        self.log = log
        self.group_errors = GroupErrorLog(log)  # each reason logged once per run
        self.out = Path(cfg.out_dir)
        self.out.mkdir(parents=True, exist_ok=True)
        self.rng = random.Random(cfg.seed + 1_000_003 * distributed.rank())
        self.step = 0
        self.policy = policy if policy is not None else build_policy(cfg)
        self.optimizer = make_optimizer(self.policy.model, cfg.learning_rate, cfg.weight_decay)
        if distributed.world_size() > 1:
            if cfg.update.minibatch_size is not None:
                raise ValueError(
                    "under torchrun set minibatch_size none: every rank must "
                    "take the same number of optimizer steps"
                )
            torch.manual_seed(cfg.seed + distributed.rank())  # own samples per rank
        self.sampler = self._sampler()
        self.reference: torch.nn.Module | None = None
        moderated("", cfg.moderate_traces)  # without the [moderation] extra: stop now
        per_step = cfg.log_samples if distributed.is_main() else 0
        self.samples = SampleLog(self.out / "samples.jsonl", per_step, cfg.moderate_traces)
        from reward_server.client import reward_spec

        self.reward_spec = (
            reward_spec(format_weight=cfg.format_weight) if cfg.format_weight > 0 else None
        )

    def _sampler(self) -> Sampler:
        cfg = self.cfg
        return make_sampler(
            self.policy,
            cfg.sampler,
            cfg.sampling,
            model_dir=cfg.model,
            seed=cfg.seed,
            logprobs=cfg.correction.vllm_importance_sampling_correction,
        )

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
        self.sampler = self._sampler()
        self.step = int(state["step"])
        if state.get("task_rng") is not None:
            self.rng.setstate(state["task_rng"])
        self.log(f"resumed from {path} at step {self.step}")
        return True

    def save(self) -> Path:
        return save_checkpoint(
            self.out / f"checkpoint-{self.step}",
            self.policy,
            self.optimizer,
            self.step,
            extra={"config": self.cfg.to_dict()},
            task_rng=self.rng,
        )

    # --- the steps ---
    def _ensure_reference(self) -> None:
        """The frozen copy of the policy the KL term needs (``beta > 0``), made once."""
        if self.cfg.loss.beta > 0 and self.reference is None:
            self.reference = copy.deepcopy(self.policy.model).eval()
            for p in self.reference.parameters():
                p.requires_grad_(False)

    def train_step(self) -> dict[str, float]:
        """One GRPO step on freshly drawn prompts; returns its metrics."""
        self._ensure_reference()
        tasks = [self.taskset.sample(self.rng) for _ in range(self.cfg.prompts_per_step)]
        metrics = grpo_step(
            self.policy,
            self.sampler,
            self.scorer,
            self.optimizer,
            tasks,
            self.cfg,
            step=self.step,
            reference=self.reference,
            reward_spec=self.reward_spec,
            group_errors=self.group_errors,
            on_scored=lambda tasks, texts, scores: self.samples.write(
                self.step + 1, tasks, texts, scores
            ),
            draw_tasks=lambda n: [self.taskset.sample(self.rng) for _ in range(n)],
        )
        self.step += 1
        return metrics

    def run(self, log_metrics: bool = True) -> list[dict[str, float]]:
        """Train until ``cfg.steps``; append each step's metrics to ``metrics.jsonl``."""
        cfg = self.cfg
        history: list[dict[str, float]] = []
        bar = progress_bar(cfg.steps, "grpo", cfg.progress)
        bar.update(self.step)
        main = distributed.is_main()
        metrics_path = self.out / "metrics.jsonl" if main else os.devnull
        with open(metrics_path, "a", encoding="utf-8") as fh:
            while self.step < cfg.steps:
                metrics = self.train_step()
                if main and cfg.eval_every and self.step % cfg.eval_every == 0:
                    acc = self.heldout(tag=f"eval{self.step}")
                    metrics.update({f"heldout_{k}": v for k, v in acc.items() if v is not None})
                fh.write(json.dumps(metrics) + "\n")
                fh.flush()
                history.append(metrics)
                if log_metrics and main:
                    bar.clear()
                    self.log(format_metrics(metrics))
                bar.update(1)
                bar.set_postfix(acc=f"{metrics['accuracy']:.2f}")
                saving = cfg.save_every and self.step % cfg.save_every == 0
                if main and (saving or self.step == cfg.steps):
                    self.save()
        bar.close()
        distributed.check_in_sync(self.policy.model)
        return history

    def heldout(self, tag: str) -> dict[str, float | None]:
        """Held-out accuracy of the current policy per task kind."""
        return heldout_accuracy(
            self.policy,
            self.sampler,
            self.taskset,
            self.scorer,
            self.cfg,
            tag=tag,
            group_errors=self.group_errors,
        )


def set_threads(cfg: TrainConfig) -> None:
    if cfg.threads:
        torch.set_num_threads(cfg.threads)


def train(
    cfg: TrainConfig,
    scorer: Scorer,
    taskset: TaskSet,
    *,
    log: Log = print,
    policy: Policy | None = None,
    sft_taskset: TaskSet | None = None,
) -> dict[str, Any]:
    """A whole run: the recipe, held-out eval, GRPO steps, held-out eval, summary.

    SFT draws from ``sft_taskset`` when given (same problems, another mix), else from
    ``taskset``.

    With ``cfg.resume`` and a checkpoint in ``out_dir`` the run continues from it (no
    recipe and no "before" evaluation then). Returns the summary also written to
    ``summary.json``.
    """
    set_threads(cfg)
    torch.manual_seed(cfg.seed)
    trainer = Trainer(cfg, scorer, taskset, policy=policy, log=log)
    summary: dict[str, Any] = {"config": cfg.to_dict()}
    main = distributed.is_main()
    resumed = cfg.resume and trainer.resume()
    t0 = time.perf_counter()
    if not resumed:
        if main:
            (trainer.out / "metrics.jsonl").unlink(missing_ok=True)
        assert cfg.recipe is not None  # TrainConfig resolves it
        summary.update(get_recipe(cfg.recipe)(trainer, sft_taskset or taskset, log))
        if cfg.eval_size and main:
            summary["heldout_accuracy_before"] = trainer.heldout(tag="before")
            log(f"held-out accuracy before GRPO: {summary['heldout_accuracy_before']}")
    t_grpo = time.perf_counter()
    history = trainer.run()
    summary["grpo_s"] = time.perf_counter() - t_grpo
    if trainer.step == 0 and main:  # no GRPO (distill only): keep the SFT
        trainer.save()
    if cfg.eval_size and main:
        if history or "heldout_accuracy_before" not in summary:
            summary["heldout_accuracy_after"] = trainer.heldout(tag="after")
        else:  # no GRPO step ran: the policy is the one measured "before"
            summary["heldout_accuracy_after"] = summary["heldout_accuracy_before"]
        log(f"held-out accuracy after GRPO: {summary['heldout_accuracy_after']}")
    summary["steps"] = trainer.step
    summary["total_s"] = time.perf_counter() - t0
    summary.update(history_summary(history))
    if main:
        (trainer.out / "summary.json").write_text(json.dumps(summary, indent=2, default=str))
    return summary


def history_summary(history: list[dict[str, float]]) -> dict[str, float]:
    """Train accuracy over the last ten steps and the mean share of scoring latency hidden
    behind generation; empty without GRPO steps."""
    if not history:
        return {}
    return {
        "final_train_accuracy": statistics.fmean(m["accuracy"] for m in history[-10:]),
        "mean_score_hidden_frac": statistics.fmean(
            m.get("score_hidden_frac", 0.0) for m in history
        ),
    }
