"""TrainConfig from YAML and flags, and its checks."""

from __future__ import annotations

import dataclasses

import pytest

from trainer_client.cli import build_parser
from trainer_client.config import TrainConfig, knobs
from trainer_client.flags import config_from_namespace, parse_config
from trainer_client.loss import LossConfig
from trainer_client.rollout import SamplingConfig
from trainer_client.update import UpdateConfig


def test_defaults_are_valid_and_every_field_has_help():
    cfg = TrainConfig()
    for f in dataclasses.fields(cfg):
        assert f.metadata.get("help"), f"{f.name} has no help"
    for knob in knobs().values():
        assert knob.help, f"{knob.name} has no help"
    assert cfg.rows_per_step == cfg.prompts_per_step * cfg.group_size


def test_nested_configs_are_the_components_own():
    cfg = TrainConfig()
    assert (cfg.loss, cfg.update) == (LossConfig(max_completion_length=32), UpdateConfig())
    assert cfg.sampling == SamplingConfig()
    assert cfg.loss.eps_high == LossConfig().eps_high == 0.28  # one default
    flat = TrainConfig.from_flat(eps_high=0.3, max_new_tokens=12, micro_batch_size=2)
    assert flat.loss.eps_high == 0.3 and flat.update.micro_batch_size == 2
    assert flat.sampling.max_new_tokens == flat.loss.max_completion_length == 12
    assert TrainConfig.from_flat(**flat.to_dict()) == flat  # flat names round-trip
    assert set(flat.to_dict()) == set(knobs())
    with pytest.raises(ValueError, match=r"valid keys: .*eps_high"):
        TrainConfig.from_flat(eps_higher=0.3)
    with pytest.raises(ValueError, match="follows max_new_tokens"):
        TrainConfig(loss=LossConfig(max_completion_length=7))


def test_every_field_is_a_flag():
    values = {
        "steps": "7",
        "learning_rate": "0.003",
        "minibatch_size": "16",
        "max_grad_norm": "none",
        "mask_truncated": "true",
        "server": "127.0.0.1:1",
        "loss_type": "grpo",
        "scale_rewards": "none",
        "beta": "0.04",
    }
    argv = [x for k, v in values.items() for x in (f"--{k}", v)]
    cfg = parse_config(argv)
    assert cfg.steps == 7 and cfg.learning_rate == 0.003 and cfg.update.minibatch_size == 16
    assert cfg.update.max_grad_norm is None and cfg.loss.mask_truncated is True
    assert cfg.server == "127.0.0.1:1" and cfg.loss.loss_type == "grpo"
    assert cfg.loss.beta == 0.04
    parser = build_parser()
    help_text = parser._subparsers._group_actions[0].choices["train"].format_help()
    for name in knobs():
        assert f"--{name}" in help_text
    for nested in ("loss", "update", "sampling", "max_completion_length", "shuffle_seed"):
        assert f"--{nested} " not in help_text  # not knobs: the flat names are


def test_yaml_then_flags(tmp_path):
    path = tmp_path / "run.yaml"
    path.write_text(
        "steps: 5\nlearning_rate: 1\ntemperature: 0.7\nserver: null\n"
        "mask_truncated: true\nloss_type: bnpo\n"
    )
    cfg = parse_config(["--config", str(path), "--steps", "9"])
    assert cfg.steps == 9  # the flag wins over the file
    assert cfg.learning_rate == 1.0 and isinstance(cfg.learning_rate, float)
    assert cfg.sampling.temperature == 0.7 and cfg.loss.mask_truncated
    assert cfg.loss.loss_type == "bnpo"


def test_demo_defaults_sit_under_yaml_and_flags(tmp_path):
    path = tmp_path / "demo.yaml"
    path.write_text("steps: 3\n")
    ns = build_parser().parse_args(["demo", "--config", str(path), "--seed", "4"])
    cfg = config_from_namespace(ns, steps=100, sft_steps=11)
    assert (cfg.steps, cfg.sft_steps, cfg.seed) == (3, 11, 4)


def test_unknown_yaml_key_names_the_valid_ones(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("stepz: 3\n")
    with pytest.raises(ValueError, match=r"unknown keys \[.stepz.\].*steps"):
        parse_config(["--config", str(path)])


def test_wrong_yaml_type_is_refused(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("steps: [1, 2]\n")
    with pytest.raises(ValueError, match="steps"):
        parse_config(["--config", str(path)])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"group_size": 1}, "group_size=1: GRPO needs >= 2"),
        ({"loss_type": "ppo"}, "unknown loss_type 'ppo'; valid loss types: bnpo, cispo, dapo"),
        ({"scale_rewards": "std"}, "scale_rewards='std'"),
        ({"n_embd": 130, "n_head": 4}, "not a multiple of n_head"),
        ({"temperature": 0.0}, "temperature=0.0"),
        ({"top_p": 1.5}, "top_p=1.5"),
        ({"model": "/nonexistent/model"}, "existing local model directory"),
        ({"eps_low": 1.0}, "eps_low=1.0"),
        ({"max_new_tokens": 0}, "max_new_tokens=0"),
        ({"num_iterations": 0}, "num_iterations=0"),
        ({"n_head": 0}, "n_head=0: set it >= 1"),
    ],
)
def test_bad_values_say_what_to_change(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", "\\(").replace("[", "\\[")):
        TrainConfig.from_flat(**kwargs)


def test_config_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        TrainConfig().steps = 3  # type: ignore[misc]


def test_bad_flag_value_exits():
    with pytest.raises(SystemExit):
        parse_config(["--steps", "many"])


def test_cli_refuses_bad_settings_with_a_message():
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "trainer_client.cli", "train", "--group_size", "1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "group_size=1" in proc.stderr and "Traceback" not in proc.stderr
