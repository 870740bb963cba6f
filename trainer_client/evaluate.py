"""Held-out accuracy: one greedy completion per held-out task, judged by the scorer."""

from __future__ import annotations

import math
from collections.abc import Sequence

from trainer_client.config import TrainConfig
from trainer_client.policy import Policy
from trainer_client.rollout import Sampler
from trainer_client.scoring import GroupErrorLog, Scorer
from trainer_client.tasks import Task, TaskSet


def evaluate(
    policy: Policy,
    sampler: Sampler,
    tasks: Sequence[Task],
    scorer: Scorer,
    *,
    timeout: float,
    batch_size: int = 64,
    tag: str = "eval",
    group_errors: GroupErrorLog | None = None,
) -> float | None:
    """Greedy accuracy on ``tasks``: the share judged correct (unjudged ones left out: an
    INFRA_ERROR, or a task the server cannot judge, counted and logged by
    ``group_errors``)."""
    group_errors = group_errors or GroupErrorLog()
    if not tasks:
        return None
    correct, judged = 0, 0
    for start in range(0, len(tasks), batch_size):
        chunk = tasks[start : start + batch_size]
        samples = sampler.generate([policy.encode_prompt(t.prompt) for t in chunk], 1, greedy=True)
        ids = []
        for i, (task, text) in enumerate(zip(chunk, samples.texts, strict=True)):
            gid = f"{tag}-{start + i}"
            scorer.submit(task.to_group([text], gid))
            ids.append(gid)
        results = scorer.collect(ids, timeout).values()
        group_errors.count(results)
        for result in results:
            for verdict, reward in zip(result.verdicts, result.rewards, strict=True):
                if math.isnan(reward):  # INFRA_ERROR: no verdict, not a wrong answer
                    continue
                judged += 1
                correct += verdict == "CORRECT"
    return correct / judged if judged else None


def heldout_accuracy(
    policy: Policy,
    sampler: Sampler,
    taskset: TaskSet,
    scorer: Scorer,
    cfg: TrainConfig,
    tag: str,
    group_errors: GroupErrorLog | None = None,
) -> dict[str, float | None]:
    """Greedy held-out accuracy per task kind: ``{"math": float, "code": float | None}``."""
    return {
        kind: evaluate(
            policy,
            sampler,
            taskset.heldout(kind, cfg.eval_size),
            scorer,
            timeout=cfg.server_timeout_s,
            tag=f"{tag}-{kind}",
            group_errors=group_errors,
        )
        for kind in ("math", "code")
    }
