"""GRPO steps on the bundled function-writing tasks against a live ``--code`` server."""

from __future__ import annotations

import math
import random

import pytest
from conftest import requires_docker, stream_scorer
from tiny import TINY

from trainer_client.config import TrainConfig
from trainer_client.generation import generate_and_score
from trainer_client.tasks import TaskSet, code_task
from trainer_client.train import Trainer

pytestmark = requires_docker

TINY = {**TINY, "n_positions": 192, "max_new_tokens": 24, "steps": 2}


@pytest.fixture(scope="module")
def code_scorer(code_server):
    with stream_scorer(code_server.address, 60) as scorer:
        yield scorer


def test_two_grpo_steps_get_code_rewards(tmp_path, code_scorer):
    cfg = TrainConfig.from_flat(**{**TINY, "out_dir": str(tmp_path), "code_fraction": 1.0})
    trainer = Trainer(
        cfg, code_scorer, TaskSet.bundled(5, code=True, code_fraction=1.0), log=lambda _: None
    )
    tasks = [trainer.taskset.sample(trainer.rng) for _ in range(cfg.prompts_per_step)]
    assert {t.kind for t in tasks} == {"code"}
    _, scores, timing = generate_and_score(
        trainer.policy, trainer.sampler, code_scorer, tasks, cfg, step=99
    )
    assert len(scores) == cfg.prompts_per_step
    for s in scores:  # judged in the sandbox: a verdict per completion, never NaN
        assert len(s.rewards) == cfg.group_size
        assert all(not math.isnan(r) for r in s.rewards), s
        assert all(v != "INFRA_ERROR" for v in s.verdicts), s
    assert "score_hidden_frac" in timing
    history = trainer.run(log_metrics=False)
    assert len(history) == 2
    for m in history:
        assert not math.isnan(m["reward_mean"]) and m["num_dropped"] == 0.0


def test_code_references_score_correct_in_the_sandbox(code_scorer):
    rng = random.Random(3)
    tasks = [code_task(rng) for _ in range(5)]
    for i, t in enumerate(tasks):
        code_scorer.submit(t.to_group([t.reference, "</think>nothing"], f"ref{i}"))
    results = code_scorer.collect([f"ref{i}" for i in range(5)], 60)
    for r in results.values():
        assert r.verdicts[0] == "CORRECT" and r.rewards[0] == 1.0, r
        assert r.verdicts[1] != "CORRECT" and not math.isnan(r.rewards[1]), r
