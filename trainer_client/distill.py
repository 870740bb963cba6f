"""The ``distill`` recipe: a teacher answers, the reward server filters, the student copies.

DeepSeek-R1 distilled its reasoning into small models by supervised fine-tuning on the
teacher's samples, keeping only those that were right. Here "right" is the reward
server's verdict, so the student never learns from an answer the server would not
reward::

    prompts  = distill_prompts training tasks (the GRPO task mix)
    samples  = distill_samples teacher completions per prompt (temperature, top_p)
    kept     = completions scored CORRECT, duplicates per prompt dropped
    student  = SFT for sft_steps on (prompt, kept completion) pairs

The kept pairs are also written to ``distill.jsonl`` in the user task schema (with the
completion as ``reference``, PII and secrets redacted unless ``moderate_traces`` is
off), so they can be reused as an SFT set by any later run.
Completions the server could not judge (INFRA_ERROR, or every completion of a task the
server cannot judge) are neither kept nor counted wrong.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from trainer_client.config import TrainConfig
from trainer_client.policy import Policy, load_policy
from trainer_client.rollout import Sampler, make_sampler
from trainer_client.sample_log import moderated
from trainer_client.scoring import GroupErrorLog, Scorer
from trainer_client.tasks import Task, TaskSet, reference_completion

Log = Callable[[str], None]


@dataclass(frozen=True)
class TeacherData:
    """The teacher's CORRECT completions, as tasks whose ``reference`` is the completion."""

    tasks: list[Task]
    sampled: int
    judged: int
    correct: int
    prompts: int
    prompts_kept: int
    group_errors: int = 0
    """Prompts whose task the server could not judge (skipped)."""

    def stats(self) -> dict[str, Any]:
        return {
            "distill_sampled": self.sampled,
            "distill_judged": self.judged,
            "distill_correct": self.correct,
            "distill_kept": len(self.tasks),
            "distill_prompts": self.prompts,
            "distill_prompts_kept": self.prompts_kept,
            "distill_group_errors": self.group_errors,
            "teacher_sample_accuracy": self.correct / self.judged if self.judged else None,
        }


def load_teacher(path: str | Path) -> Policy:
    """A teacher from a Hugging Face model directory or a ``checkpoint-N`` folder."""
    path = Path(path)
    if (path / "state.json").exists() and (path / "model").is_dir():
        policy = load_policy(path / "model")
        policy.chat = bool(json.loads((path / "state.json").read_text()).get("chat", False))
        return policy
    return load_policy(path)


def teacher_sampler(teacher: Policy, cfg: TrainConfig) -> Sampler:
    """The run's kind of sampler on the teacher (vLLM loads the teacher's model folder)."""
    assert cfg.teacher is not None
    model_dir = Path(cfg.teacher)
    if (model_dir / "model").is_dir():  # a checkpoint-N folder
        model_dir = model_dir / "model"
    return make_sampler(teacher, cfg.sampler, cfg.sampling, model_dir=str(model_dir), seed=cfg.seed)


def as_reference(text: str, teacher_chat: bool) -> str:
    """A teacher completion as a task reference: references start inside the reasoning
    (scratch prompts end with ``<think>``); chat completions open it themselves, in
    whichever template the teacher's chat template uses (tasks.reference_completion)."""
    return reference_completion(text) if teacher_chat else text


def collect_teacher_data(
    teacher: Policy,
    sampler: Sampler,
    taskset: TaskSet,
    scorer: Scorer,
    cfg: TrainConfig,
    rng: random.Random,
    log: Log = print,
    group_errors: GroupErrorLog | None = None,
) -> TeacherData:
    """Sample the teacher on ``cfg.distill_prompts`` training tasks and keep what the
    server scores CORRECT (one copy of each distinct completion per prompt). A task the
    server cannot judge is skipped, counted and logged by ``group_errors`` (default: one
    logging to ``log``)."""
    group_errors = group_errors or GroupErrorLog(log)
    tasks = [taskset.sample(rng) for _ in range(cfg.distill_prompts)]
    tasks.sort(key=lambda t: t.kind)  # long code answers do not hold up short math ones
    n = cfg.distill_samples
    submitted: list[tuple[str, Task, list[str]]] = []
    sampled = 0
    for start in range(0, len(tasks), cfg.prompts_per_generate):
        chunk = tasks[start : start + cfg.prompts_per_generate]
        samples = sampler.generate([teacher.encode_prompt(t.prompt) for t in chunk], n)
        for j, task in enumerate(chunk):
            gid = f"distill-p{start + j}"
            texts = samples.texts[j * n : (j + 1) * n]
            scorer.submit(task.to_group(texts, gid))  # scored while the next chunk samples
            submitted.append((gid, task, texts))
            sampled += len(texts)
    results = scorer.collect([gid for gid, _, _ in submitted], cfg.server_timeout_s)
    errored = group_errors.count(results.values())
    kept: list[Task] = []
    judged = correct = prompts_kept = 0
    for gid, task, texts in submitted:
        seen: set[str] = set()
        if results[gid].error is not None:
            continue
        for text, verdict in zip(texts, results[gid].verdicts, strict=True):
            if verdict == "INFRA_ERROR":
                continue
            judged += 1
            if verdict != "CORRECT":
                continue
            correct += 1
            if text not in seen:
                seen.add(text)
                kept.append(replace(task, reference=as_reference(text, teacher.chat)))
        prompts_kept += bool(seen)
    data = TeacherData(kept, sampled, judged, correct, len(tasks), prompts_kept, errored)
    log(
        f"distill: teacher sampled {sampled} completions on {len(tasks)} prompts; "
        f"{correct}/{judged} judged CORRECT; kept {len(kept)} distinct on "
        f"{prompts_kept} prompts" + (f"; {errored} prompts not judged" if errored else "")
    )
    return data


def write_jsonl(data: TeacherData, path: str | Path, moderate: bool = True) -> int:
    """The kept pairs in the user task schema (``trainer_client.tasks``), reference = the
    teacher's completion, with PII and secrets redacted (unless ``moderate`` is False:
    a file meant to be shared or reused should not carry what a teacher leaked).
    Returns how many references had something redacted."""
    redacted = 0
    with open(path, "w", encoding="utf-8") as fh:
        for task in data.tasks:
            reference = task.reference
            if moderate and reference:
                reference = moderated(reference, True)
                redacted += reference != task.reference
            fh.write(json.dumps(task_record(replace(task, reference=reference))) + "\n")
    return redacted


def task_record(task: Task) -> dict[str, Any]:
    """One task as a user-schema JSONL record (the task fields from the record codec)."""
    return {"prompt": task.prompt, "reference": task.reference, **task.record()}


__all__ = [
    "TeacherData",
    "as_reference",
    "collect_teacher_data",
    "load_teacher",
    "task_record",
    "teacher_sampler",
    "write_jsonl",
]
