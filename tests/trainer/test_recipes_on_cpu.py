"""The DeepSeek-R1 recipes: r1-zero (no SFT), r1 (cold start, then GRPO) and distill
(teacher samples filtered by the reward server's verdicts, then student SFT)."""

from __future__ import annotations

import json
import math
import random
import zlib

import pytest
import torch
from fake_scorers import FakeScorer, not_judged, scores
from tiny import TINY

from reward_server.api import reward_pb2
from reward_server.client import RewardClient
from trainer_client.cli import DEMO_DEFAULTS, build_parser
from trainer_client.config import RECIPE_NAMES, TrainConfig
from trainer_client.distill import as_reference, task_record
from trainer_client.flags import config_from_namespace
from trainer_client.policy import build_policy, load_policy, save_checkpoint
from trainer_client.recipes import RECIPES, get_recipe
from trainer_client.tasks import TaskSet, code_task, user_task
from trainer_client.train import train

TINY = {**TINY, "prompts_per_generate": 8, "max_new_tokens": 28}
ARITH = 4


def quiet(_: str) -> None:
    pass


class VerdictByText(FakeScorer):
    """A fake scorer whose verdict is a function of the completion text alone, and which
    remembers every completion it was sent."""

    def __init__(self, verdict=lambda text: "WRONG") -> None:
        super().__init__()
        self.verdict = verdict
        self.seen: list[tuple[str, str]] = []  # (prompt-independent) text, verdict

    def judge(self, group):
        verdicts = [self.verdict(c) for c in group.completions]
        self.seen += [(c, v) for c, v in zip(group.completions, verdicts, strict=True)]
        rewards = [math.nan if v == "INFRA_ERROR" else float(v == "CORRECT") for v in verdicts]
        return scores(group.group_id, rewards, verdicts)


def _weights(model) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _parse(*argv: str, command: str = "train") -> TrainConfig:
    args = build_parser().parse_args([command, *argv])
    defaults = {**DEMO_DEFAULTS, "out_dir": "x"} if command == "demo" else {}
    return config_from_namespace(args, **defaults)


# --- settings -----------------------------------------------------------------------------


def test_recipe_is_resolved_from_sft_steps_when_not_given():
    assert TrainConfig().recipe == "r1-zero"
    assert TrainConfig(sft_steps=5).recipe == "r1"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(recipe="r1-zero", sft_steps=3), "set sft_steps 0 or use recipe 'r1'"),
        (dict(recipe="r1", sft_steps=0), "set sft_steps >= 1 or use recipe 'r1-zero'"),
        (dict(recipe="distill", sft_steps=5), "needs teacher to be an existing local model"),
        (dict(recipe="distill", sft_steps=5, teacher="/nonexistent"), "'/nonexistent'"),
        (dict(recipe="r1", sft_steps=5, teacher="."), "only used by recipe 'distill'"),
        (dict(recipe="r2"), "use one of r1-zero, r1, distill"),
        (dict(distill_samples=0), "distill_samples=0: set it >= 1"),
    ],
)
def test_bad_recipe_settings_say_what_to_change(kwargs, message):
    with pytest.raises(ValueError, match="invalid TrainConfig") as err:
        TrainConfig.from_flat(**kwargs)
    assert message in str(err.value)


def test_recipe_table_has_the_configs_names_and_fails_loudly():
    assert tuple(RECIPES) == RECIPE_NAMES
    with pytest.raises(ValueError, match="'r2'; valid recipes: r1-zero, r1, distill"):
        get_recipe("r2")


def test_a_recipe_sets_its_defaults_under_yaml_and_flags(tmp_path):
    # The demo's cold start gives way to r1-zero unless sft_steps is asked for.
    assert _parse("--recipe", "r1-zero", command="demo").sft_steps == 0
    assert _parse(command="demo").recipe == "r1"
    with pytest.raises(ValueError, match="set sft_steps 0"):
        _parse("--recipe", "r1-zero", "--sft_steps", "7", command="demo")
    assert _parse("--recipe", "r1").sft_steps == 100
    assert _parse("--recipe", "r1", "--sft_steps", "9").sft_steps == 9
    cfg = _parse("--recipe", "distill", "--teacher", str(tmp_path))
    assert (cfg.steps, cfg.sft_steps) == (0, 200)
    yaml_file = tmp_path / "run.yaml"
    yaml_file.write_text("recipe: distill\nsteps: 30\n")
    cfg = _parse("--config", str(yaml_file), "--teacher", str(tmp_path))
    assert (cfg.recipe, cfg.steps) == ("distill", 30)


# --- r1-zero and r1 -----------------------------------------------------------------------


def test_r1_zero_trains_without_sft_and_r1_with_it(tmp_path):
    scorer = VerdictByText(lambda t: "CORRECT" if "1" in t else "WRONG")
    zero = TrainConfig.from_flat(
        **{**TINY, "out_dir": str(tmp_path / "zero"), "steps": 1, "recipe": "r1-zero"}
    )
    summary = train(zero, scorer, TaskSet.bundled(ARITH, False, 0.0), log=quiet)
    assert "sft_loss" not in summary and summary["steps"] == 1
    r1 = TrainConfig.from_flat(
        **{
            **TINY,
            "out_dir": str(tmp_path / "r1"),
            "steps": 1,
            "recipe": "r1",
            "sft_steps": 2,
            "sft_batch_size": 4,
        }
    )
    summary = train(r1, scorer, TaskSet.bundled(ARITH, False, 0.0), log=quiet)
    assert math.isfinite(summary["sft_loss"]) and summary["steps"] == 1


# --- distill --------------------------------------------------------------------------------


def _random_teacher(tmp_path) -> str:
    cfg = TrainConfig.from_flat(**{**TINY, "seed": 11})
    return str(save_checkpoint(tmp_path / "teacher" / "checkpoint-0", build_policy(cfg), None, 0))


def _crc(text: str) -> int:
    return zlib.crc32(text.encode())


def test_distill_keeps_exactly_the_distinct_correct_completions(tmp_path):
    def verdict(text: str) -> str:  # a fixed but arbitrary split of the teacher's samples
        return (
            "INFRA_ERROR" if _crc(text) % 7 == 0 else "CORRECT" if _crc(text) % 3 == 0 else "WRONG"
        )

    scorer = VerdictByText(verdict)
    out = tmp_path / "student"
    cfg = TrainConfig.from_flat(
        **{
            **TINY,
            "out_dir": str(out),
            "recipe": "distill",
            "teacher": _random_teacher(tmp_path),
            "steps": 0,
            "sft_steps": 3,
            "sft_batch_size": 4,
            "distill_prompts": 24,
            "distill_samples": 4,
            "temperature": 1.5,
        }
    )
    before = _weights(build_policy(cfg).model)
    summary = train(cfg, scorer, TaskSet.bundled(ARITH, False, 0.0), log=quiet)

    assert len(scorer.seen) == summary["distill_sampled"] == 24 * 4
    verdicts = [v for _, v in scorer.seen]
    assert summary["distill_judged"] == len(verdicts) - verdicts.count("INFRA_ERROR")
    assert summary["distill_correct"] == verdicts.count("CORRECT") > 0
    records = [json.loads(x) for x in (out / "distill.jsonl").read_text().splitlines()]
    assert len(records) == summary["distill_kept"]
    assert all(verdict(r["reference"]) == "CORRECT" for r in records)
    # one copy per (prompt, completion); every CORRECT completion is there
    pairs = [(r["prompt"], r["reference"]) for r in records]
    assert len(set(pairs)) == len(pairs)
    assert {t for t, v in scorer.seen if v == "CORRECT"} == {r for _, r in pairs}
    assert all(user_task(r).kind == "math" for r in records)  # reusable as a task file
    # the student was trained and kept; no GRPO step ran
    assert summary["steps"] == 0 and math.isfinite(summary["sft_loss"])
    student = load_policy(out / "checkpoint-0" / "model")
    changed = _weights(student.model)
    assert any(not torch.equal(before[k], changed[k]) for k in before)


class FirstTwoNotJudged(VerdictByText):
    """The server cannot judge the tasks of the first two prompts (GroupResult.error)."""

    def judge(self, group):
        if group.group_id in ("distill-p0", "distill-p1"):
            return not_judged(group.group_id)
        return super().judge(group)


def test_distill_skips_the_tasks_the_server_cannot_judge(tmp_path):
    scorer = FirstTwoNotJudged(lambda text: "CORRECT" if _crc(text) % 2 else "WRONG")
    cfg = TrainConfig.from_flat(
        **{
            **TINY,
            "out_dir": str(tmp_path / "s"),
            "recipe": "distill",
            "teacher": _random_teacher(tmp_path),
            "steps": 0,
            "sft_steps": 1,
            "distill_prompts": 6,
            "distill_samples": 2,
            "temperature": 1.5,
        }
    )
    lines: list[str] = []
    summary = train(cfg, scorer, TaskSet.bundled(ARITH, False, 0.0), log=lines.append)
    assert summary["distill_group_errors"] == 2
    assert summary["distill_sampled"] == 12 and summary["distill_judged"] == 8 == len(scorer.seen)
    assert sum(line.startswith("reward server: groups not judged") for line in lines) == 1
    assert any("2 prompts not judged" in line for line in lines)


def test_distill_with_no_correct_sample_stops_with_a_reason(tmp_path):
    cfg = TrainConfig.from_flat(
        **{
            **TINY,
            "out_dir": str(tmp_path / "s"),
            "recipe": "distill",
            "teacher": _random_teacher(tmp_path),
            "steps": 0,
            "sft_steps": 3,
            "distill_prompts": 4,
            "distill_samples": 2,
        }
    )
    with pytest.raises(ValueError, match="none of the teacher's 8 completions was scored"):
        train(cfg, VerdictByText(), TaskSet.bundled(ARITH, False, 0.0), log=quiet)


def test_distill_against_the_live_server(tmp_path, server, scorer):
    """A teacher trained by SFT, a smaller scratch student that learns from the teacher's
    samples the server accepts; every kept sample is CORRECT when scored again."""
    teacher_cfg = TrainConfig.from_flat(
        **{
            **TINY,
            "n_layer": 2,
            "n_embd": 64,
            "recipe": "r1",
            "sft_steps": 150,
            "sft_learning_rate": 3e-3,
            "steps": 0,
            "arith_max": ARITH,
            "out_dir": str(tmp_path / "teacher"),
        }
    )
    train(teacher_cfg, scorer, TaskSet.bundled(ARITH, False, 0.0), log=quiet)
    student_cfg = TrainConfig.from_flat(
        **{
            **TINY,
            "recipe": "distill",
            "seed": 3,
            "teacher": str(tmp_path / "teacher" / "checkpoint-0"),
            "sft_steps": 60,
            "sft_batch_size": 16,
            "steps": 0,
            "sft_learning_rate": 1e-2,
            "eval_size": 40,
            "distill_prompts": 48,
            "distill_samples": 4,
            "arith_max": ARITH,
            "out_dir": str(tmp_path / "student"),
        }
    )
    summary = train(student_cfg, scorer, TaskSet.bundled(ARITH, False, 0.0), log=quiet)

    assert summary["teacher_sample_accuracy"] > 0 and summary["distill_kept"] > 0
    assert summary["teacher_heldout_accuracy"]["math"] > 0
    before = summary["heldout_accuracy_before_distill"]["math"]
    assert summary["heldout_accuracy_after"]["math"] > before
    records = [
        json.loads(x) for x in (tmp_path / "student" / "distill.jsonl").read_text().splitlines()
    ]
    assert len(records) == summary["distill_kept"]
    with RewardClient(server.address) as client:
        results = client.score(
            [user_task(r).to_group([r["reference"]], f"again-{i}") for i, r in enumerate(records)]
        )
    assert all(r.scores[0].verdict == reward_pb2.CORRECT for r in results)


def test_code_tasks_round_trip_through_the_task_schema():
    rng = random.Random(0)
    for _ in range(10):
        task = code_task(rng)
        assert user_task(task_record(task)) == task


def test_chat_teacher_completions_become_references_inside_the_reasoning():
    assert as_reference("<think>2+2=4</think>\\boxed{4}", True) == "2+2=4</think>\\boxed{4}"
    assert as_reference("2+2=4</think>\\boxed{4}", False) == "2+2=4</think>\\boxed{4}"
