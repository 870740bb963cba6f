"""Supervised fine-tuning on worked answers: the r1 cold start and the distill student.

A row is prompt + reference + EOS, and the loss covers only the reference and EOS tokens,
so the policy learns to answer, not to repeat the question.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence

import torch
from torch import Tensor

from trainer_client.config import TrainConfig
from trainer_client.distributed import make_optimizer
from trainer_client.policy import Policy
from trainer_client.report import Log, progress_bar
from trainer_client.tasks import Task, TaskSet


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
    policy: Policy, taskset: TaskSet, cfg: TrainConfig, rng: random.Random, log: Log = print
) -> dict[str, float]:
    """``cfg.sft_steps`` supervised steps on reference answers (cold start).

    Tasks without a reference are skipped. Returns the last loss and the time taken.
    """
    model = policy.model
    model.train()
    optimizer = make_optimizer(model, cfg.sft_learning_rate, cfg.weight_decay)
    start, loss_value = time.perf_counter(), float("nan")
    bar = progress_bar(cfg.sft_steps, "sft", cfg.progress)
    for step in range(cfg.sft_steps):
        batch = sft_batch(policy, _referenced_tasks(taskset, rng, cfg.sft_batch_size))
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


def _referenced_tasks(taskset: TaskSet, rng: random.Random, n: int) -> list[Task]:
    """``n`` tasks drawn from ``taskset``, skipping those without a reference answer."""
    tasks: list[Task] = []
    while len(tasks) < n:
        task = taskset.sample(rng)
        if task.reference is not None:
            tasks.append(task)
    return tasks
