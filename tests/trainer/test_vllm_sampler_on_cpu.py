"""The vLLM sampler: a clear error without vllm; the real thing needs a GPU."""

from __future__ import annotations

import importlib.util

import pytest

HAS_VLLM = importlib.util.find_spec("vllm") is not None


def _has_gpu() -> bool:
    import torch

    return torch.cuda.is_available()


@pytest.mark.skipif(HAS_VLLM, reason="vllm is installed")
def test_missing_vllm_gives_a_clear_error():
    from trainer_client.vllm_sampler import VLLMSampler

    with pytest.raises(RuntimeError, match="needs the 'vllm' package and a GPU"):
        VLLMSampler("/nonexistent", eos_id=2, max_new_tokens=4)


@pytest.mark.skipif(HAS_VLLM, reason="vllm is installed")
def test_config_selects_the_vllm_sampler(tmp_path):
    from trainer_client.config import TrainConfig
    from trainer_client.policy import build_policy
    from trainer_client.rollout import make_sampler

    with pytest.raises(ValueError, match="local checkpoint directory"):
        TrainConfig(sampler="vllm")
    with pytest.raises(ValueError, match="'hf' or 'vllm'"):
        TrainConfig(sampler="sglang")
    cfg = TrainConfig(sampler="vllm", model=str(tmp_path), n_layer=1, n_embd=32, n_head=2)
    policy = build_policy(TrainConfig(n_layer=1, n_embd=32, n_head=2))
    with pytest.raises(RuntimeError, match="needs the 'vllm' package and a GPU"):
        make_sampler(policy, cfg.sampler, cfg.sampling, model_dir=cfg.model, seed=cfg.seed)


@pytest.mark.skipif(not (HAS_VLLM and _has_gpu()), reason="needs a GPU and vllm")
def test_vllm_sampler_generates_and_syncs(tmp_path):
    import torch

    from trainer_client.config import TrainConfig
    from trainer_client.policy import build_policy
    from trainer_client.vllm_sampler import VLLMSampler

    policy = build_policy(TrainConfig(n_layer=1, n_embd=32, n_head=2))
    policy.model.save_pretrained(tmp_path)
    policy.tokenizer.save_pretrained(tmp_path)
    sampler = VLLMSampler(str(tmp_path), eos_id=policy.eos_id, max_new_tokens=8)
    prompts = [policy.encode_prompt("hi")]
    before = sampler.generate(prompts, 1, greedy=True).completion_ids
    with torch.no_grad():
        for p in policy.model.parameters():
            p.add_(torch.randn_like(p))
    sampler.sync_weights(policy.model)
    after = sampler.generate(prompts, 1, greedy=True).completion_ids
    assert before != after
