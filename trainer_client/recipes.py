"""The DeepSeek-R1 recipes by name: what a fresh run does before its GRPO steps.

    r1-zero   nothing: GRPO from the initial policy
    r1        a cold-start SFT on the tasks' worked answers (``sft_steps``)
    distill   the teacher samples training prompts, the reward server keeps the CORRECT
              completions, the policy (the student) SFTs on them

A recipe is ``fn(trainer, sft_tasks, log) -> summary entries``;
:func:`trainer_client.train.train` runs the configured one once, unless the run resumes,
before the "before" evaluation. ``TrainConfig`` checks each recipe's settings and
:func:`trainer_client.flags.recipe_defaults` fills those a recipe needs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from trainer_client import distributed
from trainer_client.distill import collect_teacher_data, load_teacher, teacher_sampler, write_jsonl
from trainer_client.evaluate import heldout_accuracy
from trainer_client.report import Log
from trainer_client.sft import sft
from trainer_client.tasks import TaskSet

if TYPE_CHECKING:  # the Trainer runs the recipes: imported for the type only
    from trainer_client.train import Trainer

Recipe = Callable[["Trainer", TaskSet, Log], dict[str, Any]]
"""``fn(trainer, sft_tasks, log)``: changes ``trainer.policy``; returns summary entries."""


def r1_zero(trainer: Trainer, sft_tasks: TaskSet, log: Log) -> dict[str, Any]:
    """RL from the initial policy: nothing before GRPO."""
    return {}


def r1(trainer: Trainer, sft_tasks: TaskSet, log: Log) -> dict[str, Any]:
    """``sft_steps`` of cold-start SFT on ``sft_tasks``' worked answers."""
    return sft(trainer.policy, sft_tasks, trainer.cfg, trainer.rng, log=log)


def distill(trainer: Trainer, sft_tasks: TaskSet, log: Log) -> dict[str, Any]:
    """The teacher's server-CORRECT completions on the GRPO task mix teach the trainer's
    policy (see :mod:`trainer_client.distill`). Returns the distillation's statistics, with
    the teacher's and the student's held-out accuracy before it."""
    cfg = trainer.cfg
    assert cfg.teacher is not None  # TrainConfig refuses distill without one
    teacher = load_teacher(cfg.teacher)
    sampler = teacher_sampler(teacher, cfg)
    out: dict[str, Any] = {"teacher": cfg.teacher}
    main = distributed.is_main()
    taskset, scorer = trainer.taskset, trainer.scorer
    if cfg.eval_size and main:
        errors = trainer.group_errors
        out["teacher_heldout_accuracy"] = heldout_accuracy(
            teacher, sampler, taskset, scorer, cfg, tag="teacher", group_errors=errors
        )
        out["heldout_accuracy_before_distill"] = heldout_accuracy(
            trainer.policy,
            trainer.sampler,
            taskset,
            scorer,
            cfg,
            tag="student0",
            group_errors=errors,
        )
        log(
            f"held-out accuracy: teacher {out['teacher_heldout_accuracy']}, student "
            f"before distillation {out['heldout_accuracy_before_distill']}"
        )
    data = collect_teacher_data(
        teacher, sampler, taskset, scorer, cfg, trainer.rng, log, trainer.group_errors
    )
    del teacher, sampler  # the student's SFT does not need the teacher in memory
    out.update(data.stats())
    if main:
        redacted = write_jsonl(data, trainer.out / "distill.jsonl", cfg.moderate_traces)
        out["distill_redacted"] = redacted
        if redacted:
            log(f"distill: redacted PII or secrets in {redacted} teacher traces (distill.jsonl)")
    if not data.tasks:
        raise ValueError(
            f"distill: none of the teacher's {data.sampled} completions was scored "
            "CORRECT, so there is nothing to learn from; use a stronger teacher, more "
            "distill_prompts or distill_samples, or another temperature"
        )
    learned = TaskSet.from_tasks(data.tasks, test=[])
    out.update(sft(trainer.policy, learned, cfg, trainer.rng, log=log))
    return out


RECIPES: dict[str, Recipe] = {"r1-zero": r1_zero, "r1": r1, "distill": distill}
"""Recipe name -> what it runs; the same names, in the same order, as
``config.RECIPE_NAMES`` (which the config checks against)."""


def get_recipe(name: str) -> Recipe:
    """The recipe called ``name``; ValueError listing the valid names."""
    try:
        return RECIPES[name]
    except KeyError:
        raise ValueError(f"unknown recipe {name!r}; valid recipes: {', '.join(RECIPES)}") from None
