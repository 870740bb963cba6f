"""Chunked token log-probs and entropies against a per-token loop."""

from __future__ import annotations

import math

import pytest
import torch

from trainer_client.logprobs import token_entropy, token_logprobs, token_logprobs_and_entropy

F64 = torch.float64


def make(rows=5, cols=3, vocab=7, seed=0):
    gen = torch.Generator().manual_seed(seed)
    logits = torch.randn(rows, cols, vocab, generator=gen, dtype=F64) * 3
    ids = torch.randint(0, vocab, (rows, cols), generator=gen)
    return logits.requires_grad_(True), ids


def loop_logprobs_entropy(logits, ids, temperature=1.0):
    """log p(y) = z_y - log sum exp z, H = -sum p log p, one position at a time."""
    rows, cols, vocab = logits.shape
    logp = [[None] * cols for _ in range(rows)]
    ent = [[None] * cols for _ in range(rows)]
    for b in range(rows):
        for t in range(cols):
            z = [logits[b, t, v] / temperature for v in range(vocab)]
            log_norm = torch.log(sum(torch.exp(zv) for zv in z))
            logp[b][t] = z[int(ids[b, t])] - log_norm
            ent[b][t] = -sum(torch.exp(zv - log_norm) * (zv - log_norm) for zv in z)
    return (
        torch.stack([torch.stack(row) for row in logp]),
        torch.stack([torch.stack(row) for row in ent]),
    )


@pytest.mark.parametrize("chunk_rows", [1, 2, 5, 64])
@pytest.mark.parametrize("temperature", [1.0, 0.7])
def test_logprobs_and_entropy_match_loop(chunk_rows, temperature):
    logits, ids = make()
    logp, ent = token_logprobs_and_entropy(
        logits, ids, temperature=temperature, chunk_rows=chunk_rows
    )
    ref_logp, ref_ent = loop_logprobs_entropy(logits, ids, temperature)
    torch.testing.assert_close(logp, ref_logp, rtol=0, atol=1e-6)
    torch.testing.assert_close(ent, ref_ent, rtol=0, atol=1e-6)
    weights = torch.randn(logp.shape, dtype=F64, generator=torch.Generator().manual_seed(1))
    (grad,) = torch.autograd.grad((logp * weights).sum() + ent.sum(), logits)
    (ref_grad,) = torch.autograd.grad((ref_logp * weights).sum() + ref_ent.sum(), logits)
    torch.testing.assert_close(grad, ref_grad, rtol=0, atol=1e-6)


def test_single_functions_agree_with_combined():
    logits, ids = make()
    logp, ent = token_logprobs_and_entropy(logits, ids)
    torch.testing.assert_close(token_logprobs(logits, ids, chunk_rows=2), logp)
    torch.testing.assert_close(token_entropy(logits, chunk_rows=3), ent)


def test_uniform_logits_have_log_vocab_entropy():
    logits = torch.zeros(2, 3, 8, dtype=F64)
    ids = torch.zeros(2, 3, dtype=torch.long)
    logp, ent = token_logprobs_and_entropy(logits, ids)
    assert torch.allclose(logp, torch.full((2, 3), -math.log(8), dtype=F64))
    assert torch.allclose(ent, torch.full((2, 3), math.log(8), dtype=F64))


def test_masked_vocabulary_entries_do_not_make_nan():
    logits = torch.tensor([[[0.0, 0.0, -math.inf]]], dtype=F64, requires_grad=True)
    logp, ent = token_logprobs_and_entropy(logits, torch.tensor([[1]]))
    assert logp.item() == pytest.approx(-math.log(2))
    assert ent.item() == pytest.approx(math.log(2))
    (grad,) = torch.autograd.grad(logp.sum() + ent.sum(), logits)
    assert torch.isfinite(grad).all()


def test_half_precision_logits_are_upcast():
    logits, ids = make()
    out = token_logprobs(logits.detach().to(torch.bfloat16), ids)
    assert out.dtype == torch.float32
    torch.testing.assert_close(out.double(), token_logprobs(logits.detach(), ids), rtol=0, atol=0.1)


def test_errors():
    logits, ids = make()
    with pytest.raises(ValueError, match=r"logits must be \(B, T, V\)"):
        token_logprobs(logits[0], ids)
    with pytest.raises(ValueError, match="token_ids must be"):
        token_logprobs(logits, ids[:, :2])
    with pytest.raises(ValueError, match="temperature"):
        token_logprobs(logits, ids, temperature=0.0)
    with pytest.raises(ValueError, match="chunk_rows"):
        token_logprobs(logits, ids, chunk_rows=0)
