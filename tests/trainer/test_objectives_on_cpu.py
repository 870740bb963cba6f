"""The objectives and safeguards beyond the DAPO loss, through real GRPO steps on CPU:
the sampler's own log-probs and the mismatch correction, dynamic sampling, GSPO, cispo,
sapo, two-sided clipping, entropy masking; their flags, YAML keys and bad values."""

from __future__ import annotations

import math

import pytest
import torch
from fake_scorers import FakeScorer, FirstRight, scores
from tiny import TINY

from trainer_client.cli import main as cli_main
from trainer_client.config import TrainConfig
from trainer_client.flags import parse_config
from trainer_client.policy import build_policy
from trainer_client.rollout import HFSampler, SamplingConfig, collate, completion_logprobs
from trainer_client.tasks import TaskSet
from trainer_client.train import Trainer

NEW_FLAGS = (
    "importance_sampling_level",
    "delta",
    "cispo_max_ratio",
    "sapo_temperature_pos",
    "sapo_temperature_neg",
    "top_entropy_quantile",
    "vllm_importance_sampling_correction",
    "vllm_importance_sampling_cap",
    "vllm_importance_sampling_mode",
    "dynamic_sampling",
    "dynamic_sampling_max_rounds",
)


def _trainer(tmp_path, scorer, **overrides) -> Trainer:
    cfg = TrainConfig.from_flat(**{**TINY, "out_dir": str(tmp_path), "steps": 1, **overrides})
    return Trainer(cfg, scorer, TaskSet.bundled(5, False, 0.0), log=lambda _: None)


def _weights(model) -> list[torch.Tensor]:
    return [p.detach().clone() for p in model.parameters()]


def _moved(before: list[torch.Tensor], model) -> bool:
    return any(not torch.equal(a, b) for a, b in zip(before, _weights(model), strict=True))


class EveryOtherGroupSilent(FakeScorer):
    """Groups with an odd index are all wrong (no signal); the others have one right."""

    def judge(self, group):
        n = len(group.completions)
        if int(group.group_id.rsplit("p", 1)[1]) % 2:
            return scores(group.group_id, [0.0] * n, ["WRONG"] * n)
        return scores(group.group_id, [1.0] + [0.0] * (n - 1), ["CORRECT"] + ["WRONG"] * (n - 1))


class AllWrong(FakeScorer):
    def judge(self, group):
        n = len(group.completions)
        return scores(group.group_id, [0.0] * n, ["WRONG"] * n)


def test_hf_sampler_reports_the_log_probs_it_sampled_from():
    cfg = TrainConfig.from_flat(**TINY)
    policy = build_policy(cfg)
    sampling = SamplingConfig(max_new_tokens=8, temperature=1.3)
    prompts = [policy.encode_prompt("1 + 2"), policy.encode_prompt("3 + 4")]
    torch.manual_seed(3)
    plain = HFSampler(policy.model, policy.tokenizer, policy.eos_id, policy.pad_id, sampling)
    without = plain.generate(prompts, 3)
    torch.manual_seed(3)
    sampler = HFSampler(
        policy.model, policy.tokenizer, policy.eos_id, policy.pad_id, sampling, True
    )
    samples = sampler.generate(prompts, 3)
    assert samples.completion_ids == without.completion_ids  # asking for them samples alike
    assert without.logprobs is None
    assert [len(lp) for lp in samples.logprobs] == [len(c) for c in samples.completion_ids]
    batch = collate(samples, policy.pad_id)
    with torch.no_grad():
        trainer_logp, _ = completion_logprobs(
            policy.model, batch.input_ids, batch.attention_mask, batch.prompt_len,
            temperature=1.3,
        )
    on = batch.completion_mask.bool()
    gap = (trainer_logp - batch.sampling_logp)[on].abs()
    assert gap.max() < 1e-4 and (batch.sampling_logp[on] < 0).all()
    assert torch.isnan(batch.sampling_logp[~on]).all()
    assert sampler.generate(prompts, 1, greedy=True).logprobs is None


@pytest.mark.parametrize("mode", ["truncate", "sequence_mask"])
def test_the_correction_runs_in_a_step(tmp_path, mode):
    trainer = _trainer(
        tmp_path, FirstRight(), vllm_importance_sampling_correction=True,
        vllm_importance_sampling_mode=mode, temperature=1.5,
    )
    before = _weights(trainer.policy.model)
    m = trainer.train_step()
    assert m["sampler_logp_gap_max"] < 1e-4  # the hf sampler is the training model
    assert m["is_ratio_mean"] == pytest.approx(1.0, abs=1e-3) and m["is_frac_zero"] == 0.0
    assert _moved(before, trainer.policy.model)


def test_dynamic_sampling_fills_the_batch_with_groups_that_have_signal(tmp_path):
    plain = _trainer(tmp_path / "plain", EveryOtherGroupSilent()).train_step()
    assert plain["rows_kept"] == 8 and "ds_rounds" not in plain
    m = _trainer(tmp_path / "ds", EveryOtherGroupSilent(), dynamic_sampling=True).train_step()
    assert (m["ds_rounds"], m["ds_groups_sampled"], m["ds_groups_with_signal"]) == (2, 8, 4)
    assert m["ds_batch_full"] == 1.0 and m["rows_kept"] == 16 and m["frac_zero_std"] == 0.0
    assert "gen_tokens" not in m and m["tokens_per_s"] > 0  # over both rounds' tokens


def test_dynamic_sampling_is_bounded(tmp_path):
    trainer = _trainer(
        tmp_path, AllWrong(), dynamic_sampling=True, dynamic_sampling_max_rounds=3
    )
    m = trainer.train_step()
    assert (m["ds_rounds"], m["ds_groups_sampled"], m["ds_groups_with_signal"]) == (3, 12, 0)
    assert m["ds_batch_full"] == 0.0 and m["rows_kept"] == 0 and m["frac_zero_std"] == 1.0


@pytest.mark.parametrize(
    "options",
    [
        {"loss_type": "cispo"},
        {"loss_type": "sapo", "importance_sampling_level": "sequence"},
        {"loss_type": "grpo", "importance_sampling_level": "sequence", "delta": 2.0},
        {"top_entropy_quantile": 0.2, "num_iterations": 2},
    ],
    ids=["cispo", "gspo-sapo", "gspo-delta", "entropy-mu2"],
)
def test_each_objective_trains(tmp_path, options):
    trainer = _trainer(tmp_path, FirstRight(), **options)
    before = _weights(trainer.policy.model)
    m = trainer.train_step()
    assert math.isfinite(m["loss"]) and m["rows_kept"] == 16
    assert _moved(before, trainer.policy.model)
    if "top_entropy_quantile" in options:
        assert 0.0 < m["frac_entropy_kept"] <= 0.5


def test_help_documents_every_new_option(capsys):
    with pytest.raises(SystemExit):
        cli_main(["train", "--help"])
    text = capsys.readouterr().out
    for flag in NEW_FLAGS:
        assert f"--{flag}" in text, flag


def test_new_options_from_flags_and_yaml(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text(
        "loss_type: cispo\ncispo_max_ratio: 4\ntop_entropy_quantile: 0.2\n"
        "vllm_importance_sampling_correction: true\nvllm_importance_sampling_mode: truncate\n"
        "dynamic_sampling: true\n"
    )
    cfg = parse_config(["--config", str(path), "--dynamic_sampling_max_rounds", "5"])
    assert (cfg.loss.loss_type, cfg.loss.cispo_max_ratio, cfg.loss.top_entropy_quantile) == (
        "cispo", 4.0, 0.2,
    )
    assert cfg.correction.vllm_importance_sampling_correction
    assert cfg.correction.vllm_importance_sampling_mode == "truncate"
    assert cfg.dynamic_sampling and cfg.dynamic_sampling_max_rounds == 5
    assert TrainConfig.from_flat(**cfg.to_dict()) == cfg
    default = TrainConfig()
    assert not default.dynamic_sampling and default.loss.delta is None
    assert not default.correction.vllm_importance_sampling_correction


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"importance_sampling_level": "seq"}, "importance_sampling_level='seq'"),
        ({"delta": 1.1}, "above the clip ceiling"),
        ({"loss_type": "sapo", "delta": 3.0}, "set delta none"),
        ({"top_entropy_quantile": 1.5}, "top_entropy_quantile=1.5"),
        ({"cispo_max_ratio": 0.0}, "cispo_max_ratio=0.0"),
        ({"sapo_temperature_neg": -1.0}, "sapo_temperature_neg"),
        ({"vllm_importance_sampling_mode": "token"}, "truncate, sequence_mask"),
        ({"vllm_importance_sampling_cap": 0.0}, "vllm_importance_sampling_cap=0.0"),
        ({"dynamic_sampling_max_rounds": 0}, "dynamic_sampling_max_rounds=0"),
    ],
)
def test_bad_values_say_what_to_change(values, message):
    with pytest.raises(ValueError, match=message):
        TrainConfig.from_flat(**values)
