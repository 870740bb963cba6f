"""The traces a run writes are moderated by default: samples.jsonl (a few completions per
GRPO step) and distill.jsonl (the teacher's kept completions); --moderate_traces false
writes them as they are."""

from __future__ import annotations

import json
from dataclasses import replace

from fake_scorers import FirstRight
from tiny import TINY

from trainer_client.config import TrainConfig
from trainer_client.distill import TeacherData, write_jsonl
from trainer_client.flags import parse_config
from trainer_client.tasks import TaskSet, user_task
from trainer_client.train import Trainer

LEAKY = "Mail bob@example.com the key AKIAIOSFODNN7EXAMPLE. What is 2+2?"


def _samples(tmp_path, **overrides) -> list[dict]:
    cfg = TrainConfig.from_flat(**{**TINY, "out_dir": str(tmp_path), "steps": 2, **overrides})
    tasks = TaskSet.from_tasks([user_task({"prompt": LEAKY, "gold": "4"})], test=[])
    Trainer(cfg, FirstRight(), tasks, log=lambda _: None).run(log_metrics=False)
    path = tmp_path / "samples.jsonl"
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


def test_samples_are_logged_moderated_by_default(tmp_path):
    records = _samples(tmp_path, log_samples=2)
    assert [r["step"] for r in records] == [1, 1, 2, 2]
    for r in records:
        assert r["prompt"] == "Mail [EMAIL] the key [SECRET]. What is 2+2?"
        assert r["verdict"] == "CORRECT" and r["reward"] == 1.0 and r["kind"] == "math"
        assert isinstance(r["completion"], str)


def test_moderation_and_the_sample_log_can_be_turned_off(tmp_path):
    records = _samples(tmp_path / "raw", moderate_traces=False)
    assert len(records) == 2 and all(r["prompt"] == LEAKY for r in records)
    assert _samples(tmp_path / "none", log_samples=0) == []


def test_distill_jsonl_holds_moderated_teacher_traces(tmp_path):
    task = user_task({"prompt": "What is 2+2?", "gold": "4"})
    leaked = "my card is 4111 1111 1111 1111, so 2+2=4</think>\\boxed{4}"
    clean = "2+2=4</think>\\boxed{4}"
    data = TeacherData(
        [replace(task, reference=r) for r in (leaked, clean)],
        sampled=2,
        judged=2,
        correct=2,
        prompts=1,
        prompts_kept=1,
    )
    assert write_jsonl(data, tmp_path / "on.jsonl") == 1
    on = [json.loads(x)["reference"] for x in (tmp_path / "on.jsonl").read_text().splitlines()]
    assert on == ["my card is [CARD], so 2+2=4</think>\\boxed{4}", clean]
    assert write_jsonl(data, tmp_path / "off.jsonl", moderate=False) == 0
    off = [json.loads(x)["reference"] for x in (tmp_path / "off.jsonl").read_text().splitlines()]
    assert off == [leaked, clean]


def test_the_flags_follow_the_config_style():
    cfg = parse_config(["--moderate_traces", "false", "--log_samples", "3"])
    assert cfg.moderate_traces is False and cfg.log_samples == 3
    assert TrainConfig().moderate_traces is True and TrainConfig().log_samples == 1
