"""Groups the server cannot judge (GroupResult.error): the trainer skips them (no
advantage, no update row), counts them in its metrics and logs each reason once."""

from __future__ import annotations

import json
import math

import pytest
from fake_scorers import FirstRight, not_judged
from stub_reward_server import BAD_GOLD, stub_server
from tiny import TINY

from reward_server.client import RewardClient, math_group
from trainer_client.config import TrainConfig
from trainer_client.report import format_metrics
from trainer_client.scoring import GroupErrorLog, GroupScores, StreamScorer
from trainer_client.tasks import Task, TaskSet
from trainer_client.train import Trainer


def test_the_stream_scorer_files_an_error_result_with_its_reason():
    with stub_server() as (address, _), RewardClient(address, timeout=10) as client:
        scorer = StreamScorer(client)
        try:
            scorer.submit(math_group(BAD_GOLD, ["1", "2"], group_id="bad"))
            scorer.submit(math_group("7", ["7", "8"], group_id="ok"))
            out = scorer.collect(["bad", "ok"], timeout=10)
        finally:
            scorer.close()
    assert out["bad"] == GroupScores(
        "bad", [], [], [], "INVALID_ARGUMENT: gold 'bad' is not an answer"
    )
    assert out["ok"].error is None and out["ok"].verdicts == ["CORRECT", "WRONG"]


class OneGroupNotJudged(FirstRight):
    """The second group of every step has an error; in the others the first completion
    is right."""

    def judge(self, group):
        if group.group_id.endswith("p1"):  # the server names the group in its message
            return not_judged(group.group_id)
        return super().judge(group)


def test_an_errored_group_is_skipped_counted_and_logged_once(tmp_path):
    cfg = TrainConfig.from_flat(**{**TINY, "out_dir": str(tmp_path), "steps": 2})
    lines: list[str] = []
    trainer = Trainer(cfg, OneGroupNotJudged(), TaskSet.bundled(5, False, 0.0), log=lines.append)
    history = trainer.run(log_metrics=True)
    G = cfg.group_size
    for m in history:
        assert m["group_errors"] == 1.0
        assert m["rows_kept"] == cfg.rows_per_step - G  # none of the errored group's rows
        assert m["num_dropped"] == 0.0  # not counted as INFRA_ERROR samples
        assert m["frac_zero_std"] == 0.0  # nor as a zero-variance group
        assert m["reward_mean"] == pytest.approx(1 / G)  # from the judged groups only
        assert m["accuracy"] == pytest.approx(1 / G)
    reasons = [line for line in lines if "not judged" in line]
    assert reasons == [
        "reward server: groups not judged are skipped: "
        "INVALID_ARGUMENT: group '*': the math gold answer is empty"
    ]  # once, though each step's group has its own id
    step_lines = [line for line in lines if line.startswith("step ")]
    assert len(step_lines) == 2 and all("not_judged 1" in line for line in step_lines)
    saved = [json.loads(x) for x in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert [m["group_errors"] for m in saved] == [1.0, 1.0]


def test_the_metrics_line_shows_group_errors_only_when_there_are_some():
    assert "not_judged" not in format_metrics({"step": 1, "group_errors": 0.0})
    assert "not_judged 3" in format_metrics({"step": 1, "group_errors": 3.0})


def test_distinct_reasons_are_each_logged_once():
    lines: list[str] = []
    errors = GroupErrorLog(lines.append)
    scores = [
        GroupScores("a", [], [], [], error="INVALID_ARGUMENT: group 'a': bad gold 'x'"),
        GroupScores("b", [], [], [], error="INVALID_ARGUMENT: group 'b': bad gold 'y'"),
        GroupScores("c", [1.0], ["CORRECT"], [{}]),
    ]
    assert errors.count(scores) == 2
    assert errors.count(scores) == 2  # counted again, not logged again
    assert len(lines) == 2 and "bad gold 'x'" in lines[0] and "bad gold 'y'" in lines[1]


def test_a_task_the_live_server_cannot_judge_is_skipped_by_training(tmp_path, scorer):
    # An empty gold: the real server answers that group alone with an error.
    bad = [Task(prompt=f"Say nothing {i}.", gold="") for i in range(2)]
    good = [Task(prompt="What is 1+1?", gold="2")]
    cfg = TrainConfig.from_flat(**{**TINY, "out_dir": str(tmp_path), "steps": 2, "seed": 1})
    lines: list[str] = []
    trainer = Trainer(cfg, scorer, TaskSet.from_tasks(bad + good, test=[]), log=lines.append)
    history = trainer.run(log_metrics=False)
    assert sum(m["group_errors"] for m in history) >= 2
    for m in history:
        assert m["rows_kept"] <= cfg.rows_per_step - cfg.group_size * m["group_errors"]
        assert math.isfinite(m["frac_zero_std"]) and m["num_dropped"] == 0.0
    reasons = [line for line in lines if "not judged" in line]
    assert len(reasons) == 1 and "the math gold answer is empty" in reasons[0]
