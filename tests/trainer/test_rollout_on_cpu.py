"""Rollout: shapes, masks, truncation flags, and that old_logp is what the sampler saw."""

from __future__ import annotations

import pytest
import torch
from transformers import GenerationConfig

from trainer_client.config import TrainConfig
from trainer_client.policy import build_policy
from trainer_client.rollout import (
    HFSampler,
    Samples,
    SamplingConfig,
    collate,
    completion_logprobs,
    left_pad,
    rollout,
)

TEMPERATURE = 1.5


@pytest.fixture(scope="module")
def policy():
    return build_policy(TrainConfig(n_layer=1, n_embd=32, n_head=2, seed=3))


def _sampler(policy, max_new_tokens):
    return HFSampler(
        policy.model,
        policy.tokenizer,
        policy.eos_id,
        policy.pad_id,
        SamplingConfig(max_new_tokens=max_new_tokens, temperature=TEMPERATURE),
    )


def _prompts(policy):
    return [policy.encode_prompt(q) for q in ("hi", "Tom has 3 apples.", "What is 12+30?")]


def test_left_pad():
    ids, mask = left_pad([[5, 6, 7], [8]], pad_id=0)
    assert ids.tolist() == [[5, 6, 7], [0, 0, 8]]
    assert mask.tolist() == [[1, 1, 1], [0, 0, 1]]


def test_shapes_masks_and_truncation_flags(policy):
    torch.manual_seed(0)
    n, max_new = 12, 60
    prompts = _prompts(policy)
    batch = rollout(
        _sampler(policy, max_new),
        policy.model,
        prompts,
        n,
        pad_id=policy.pad_id,
        temperature=TEMPERATURE,
    )
    rows = len(prompts) * n
    T = batch.completion_mask.size(1)
    assert batch.input_ids.shape == (rows, batch.prompt_len + T)
    assert batch.attention_mask.shape == batch.input_ids.shape
    assert batch.old_logp.shape == (rows, T) and batch.truncated.shape == (rows,)
    assert len(batch.texts) == rows and max_new >= T
    eos = policy.eos_id
    for i in range(rows):
        length = int(batch.lengths[i])
        tokens = batch.completion_ids[i, :length].tolist()
        assert batch.completion_mask[i, length:].sum() == 0
        assert batch.attention_mask[i, batch.prompt_len + length :].sum() == 0
        if batch.truncated[i]:
            assert length == max_new and eos not in tokens
        else:
            assert tokens[-1] == eos and eos not in tokens[:-1]
    # rows are prompt-major: row g*n + j continues prompt g
    for g, p in enumerate(prompts):
        row = batch.input_ids[g * n, : batch.prompt_len]
        assert row[batch.prompt_len - len(p) :].tolist() == p
    assert batch.truncated.any() and (~batch.truncated).any(), "seeded run has both kinds"
    assert torch.isfinite(batch.old_logp[batch.completion_mask.bool()]).all()


def test_old_logp_equals_a_fresh_forward_pass_per_row(policy):
    torch.manual_seed(1)
    prompts = _prompts(policy)
    batch = rollout(
        _sampler(policy, 10),
        policy.model,
        prompts,
        3,
        pad_id=policy.pad_id,
        temperature=TEMPERATURE,
    )
    with torch.no_grad():
        for i in range(batch.input_ids.size(0)):
            prompt = prompts[i // 3]
            length = int(batch.lengths[i])
            completion = batch.completion_ids[i, :length]
            ids = torch.tensor([prompt + completion.tolist()])  # unpadded, alone
            logits = policy.model(ids).logits[0, len(prompt) - 1 : -1] / TEMPERATURE
            expected = torch.log_softmax(logits, -1).gather(-1, completion[:, None])[:, 0]
            torch.testing.assert_close(batch.old_logp[i, :length], expected, atol=1e-5, rtol=1e-5)


def test_old_logp_matches_the_scores_generate_sampled_from(policy):
    """The sampler's own logits at each step give the same log-probs as the batch."""
    torch.manual_seed(2)
    prompts = _prompts(policy)
    ids, mask = left_pad(prompts, policy.pad_id)
    gen = GenerationConfig(
        max_new_tokens=8,
        do_sample=True,
        temperature=TEMPERATURE,
        top_k=None,
        top_p=None,
        eos_token_id=policy.eos_id,
        pad_token_id=policy.pad_id,
        output_logits=True,
        return_dict_in_generate=True,
    )
    with torch.no_grad():
        out = policy.model.generate(input_ids=ids, attention_mask=mask, generation_config=gen)
    completion = out.sequences[:, ids.size(1) :]  # (B, T)
    logits = torch.stack(out.logits, dim=1) / TEMPERATURE  # (B, T, V)
    sampled = torch.log_softmax(logits, -1).gather(-1, completion[..., None])[..., 0]
    rows = [c.tolist() for c in completion]
    ids_list, trunc = [], []
    for r in rows:
        cut = r.index(policy.eos_id) + 1 if policy.eos_id in r else len(r)
        ids_list.append(r[:cut])
        trunc.append(policy.eos_id not in r)
    batch = collate(Samples(prompts, ids_list, [""] * len(rows), trunc), policy.pad_id)
    with torch.no_grad():
        logp, entropy = completion_logprobs(
            policy.model,
            batch.input_ids,
            batch.attention_mask,
            batch.prompt_len,
            temperature=TEMPERATURE,
        )
    m = batch.completion_mask.bool()
    T = m.size(1)
    torch.testing.assert_close(logp[m], sampled[:, :T][m], atol=1e-4, rtol=1e-4)
    assert (entropy[m] > 0).all()


def test_greedy_is_deterministic_and_batch_independent(policy):
    sampler = _sampler(policy, 12)
    prompts = _prompts(policy)
    together = sampler.generate(prompts, 1, greedy=True)
    alone = [sampler.generate([p], 1, greedy=True).completion_ids[0] for p in prompts]
    assert together.completion_ids == alone


def test_prompt_longer_than_the_model_is_refused(policy):
    sampler = _sampler(policy, 8)
    too_long = [policy.encode_prompt("x" * 300)]
    with pytest.raises(ValueError, match="raise n_positions"):
        sampler.generate(too_long, 1)
