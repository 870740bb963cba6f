"""End to end on a tiny model against a live server: metrics, resume, reproducibility."""

from __future__ import annotations

import json
import math

import pytest
import torch
from fake_scorers import FirstRight, scores
from tiny import TINY

from reward_server.client import RewardClient
from trainer_client.cli import main as cli_main
from trainer_client.config import TrainConfig
from trainer_client.tasks import TaskSet
from trainer_client.train import Trainer, train


def _weights(model) -> dict[str, torch.Tensor]:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _run(tmp_path, name, scorer, **overrides):
    cfg = TrainConfig.from_flat(**{**TINY, "out_dir": str(tmp_path / name), **overrides})
    trainer = Trainer(cfg, scorer, TaskSet.bundled(5, False, 0.0), log=lambda _: None)
    resumed = cfg.resume and trainer.resume()
    history = trainer.run(log_metrics=False)
    return trainer, history, resumed


class AlwaysRightOnce(FirstRight):
    """The first completion of each group is right, one reward is NaN."""

    def judge(self, group):
        result = super().judge(group)
        if not group.group_id.endswith("p0"):
            return result
        rewards = [*result.rewards[:-1], math.nan]  # INFRA_ERROR: dropped, not scored 0
        return scores(group.group_id, rewards, result.verdicts)


def test_fake_scorer_nan_is_dropped(tmp_path):
    cfg = TrainConfig.from_flat(**{**TINY, "out_dir": str(tmp_path), "steps": 1})
    trainer = Trainer(cfg, AlwaysRightOnce(), TaskSet.bundled(5, False, 0.0), log=lambda _: None)
    m = trainer.train_step()
    assert m["num_dropped"] == 1.0
    assert m["rows_kept"] == cfg.rows_per_step - 1
    assert m["frac_zero_std"] == 0.0
    assert m["reward_mean"] == pytest.approx(4 / 15)  # NaN left out of the mean


def test_two_steps_against_a_live_server_write_metrics(tmp_path, scorer):
    cfg = TrainConfig.from_flat(
        **{
            **TINY,
            "out_dir": str(tmp_path),
            "steps": 2,
            "eval_size": 4,
            "sft_steps": 2,
            "sft_batch_size": 4,
            "save_every": 1,
        }
    )
    summary = train(cfg, scorer, TaskSet.bundled(5, False, 0.0), log=lambda _: None)
    lines = (tmp_path / "metrics.jsonl").read_text().splitlines()
    assert len(lines) == 2
    first = json.loads(lines[0])
    for key in (
        "reward_mean",
        "reward_std",
        "reward_correctness_mean",
        "accuracy",
        "frac_zero_std",
        "completion_len_mean",
        "completion_len_max",
        "tokens_per_s",
        "gen_s",
        "score_wait_s",
        "score_hidden_frac",
        "update_s",
    ):
        assert key in first, key
    assert summary["steps"] == 2
    for when in ("before", "after"):
        acc = summary[f"heldout_accuracy_{when}"]
        assert 0.0 <= acc["math"] <= 1.0 and acc["code"] is None
    assert (tmp_path / "checkpoint-1" / "model").is_dir()
    assert (tmp_path / "checkpoint-2" / "optimizer.pt").exists()
    assert json.loads((tmp_path / "summary.json").read_text())["steps"] == 2


def test_resume_continues_exactly(tmp_path, scorer):
    # Force updates on every step (high temperature, many groups with signal not needed:
    # equality must hold whatever the rewards are).
    whole, hist_whole, _ = _run(tmp_path, "whole", scorer, steps=4, save_every=2)
    _run(tmp_path, "split", scorer, steps=2, save_every=2)
    rest, hist_rest, resumed = _run(tmp_path, "split", scorer, steps=4, save_every=2, resume=True)
    assert resumed and rest.step == 4
    assert [m["reward_mean"] for m in hist_rest] == [m["reward_mean"] for m in hist_whole[2:]]
    a, b = _weights(whole.policy.model), _weights(rest.policy.model)
    assert a.keys() == b.keys()
    for k in a:
        torch.testing.assert_close(a[k], b[k], atol=0, rtol=0, msg=k)
    lines = (tmp_path / "split" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(x)["step"] for x in lines] == [1.0, 2.0, 3.0, 4.0]


def test_same_seed_same_run_other_seed_other_run(tmp_path, scorer):
    one, h1, _ = _run(tmp_path, "a", scorer, steps=2, seed=7)
    two, h2, _ = _run(tmp_path, "b", scorer, steps=2, seed=7)
    three, _, _ = _run(tmp_path, "c", scorer, steps=2, seed=8)
    keys = ("reward_mean", "completion_len_mean", "loss")
    assert [[m.get(k) for k in keys] for m in h1] == [[m.get(k) for k in keys] for m in h2]
    w1, w2, w3 = (_weights(t.policy.model) for t in (one, two, three))
    assert all(torch.equal(w1[k], w2[k]) for k in w1)
    assert not all(torch.equal(w1[k], w3[k]) for k in w1)


def test_cli_train_and_demo(tmp_path, server):
    cfg_path = tmp_path / "run.yaml"
    cfg_path.write_text("".join(f"{k}: {json.dumps(v)}\n" for k, v in TINY.items()) + "steps: 1\n")
    out = tmp_path / "train"
    assert (
        cli_main(
            ["train", "--config", str(cfg_path), "--server", server.address, "--out_dir", str(out)]
        )
        == 0
    )
    assert len((out / "metrics.jsonl").read_text().splitlines()) == 1
    demo = tmp_path / "demo"
    tiny_flags = [x for k, v in TINY.items() for x in (f"--{k}", str(v))]
    assert (
        cli_main(
            [
                "demo",
                "--out",
                str(demo),
                "--server",
                server.address,
                *tiny_flags,
                "--steps",
                "2",
                "--sft_steps",
                "3",
                "--eval_size",
                "4",
                "--eval_every",
                "1",
            ]
        )
        == 0
    )
    summary = json.loads((demo / "summary.json").read_text())
    assert summary["heldout_accuracy_before"]["code"] is None
    assert 0.0 <= summary["heldout_accuracy_after"]["math"] <= 1.0
    assert (demo / "reward_curve.png").stat().st_size > 1000


def test_reference_model_only_with_beta_and_mu_passes(tmp_path):
    cfg = TrainConfig.from_flat(
        **{**TINY, "out_dir": str(tmp_path), "beta": 0.04, "num_iterations": 2}
    )
    trainer = Trainer(cfg, AlwaysRightOnce(), TaskSet.bundled(5, False, 0.0), log=lambda _: None)
    m = trainer.train_step()
    assert trainer.reference is not None and "kl" in m
    assert m["num_optimizer_steps"] == 2.0 and "clip_frac_region" in m
    plain = Trainer(
        TrainConfig.from_flat(**{**TINY, "out_dir": str(tmp_path / "b")}),
        AlwaysRightOnce(),
        TaskSet.bundled(5, False, 0.0),
        log=lambda _: None,
    )
    m = plain.train_step()
    assert plain.reference is None and "kl" not in m


def test_demo_falls_back_to_math_only_without_docker(monkeypatch):
    from trainer_client import cli

    monkeypatch.setenv("DOCKER_HOST", "tcp://127.0.0.1:9")  # nothing listens there
    assert cli.docker_engine_problem() is not None
    said: list[str] = []
    with cli.demo_server(log=said.append) as address, RewardClient(address) as client:
        client.wait_ready(30)
        assert list(client.info().verifiers) == ["math"]
    assert "no Docker engine reachable" in said[0] and "math tasks only" in said[0]
