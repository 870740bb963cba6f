"""Per-token log-probabilities and entropies from logits, a few rows at a time.

``log_softmax`` over a ``(B, T, V)`` block materialises another ``(B, T, V)`` tensor (in
float32 when the logits are bf16). Working on ``chunk_rows`` rows at a time and using
``logp(y) = logit(y) - logsumexp(logits)`` keeps that extra memory to one chunk.
"""

from __future__ import annotations

import torch
from torch import Tensor


def token_logprobs(
    logits: Tensor,
    token_ids: Tensor,
    *,
    temperature: float = 1.0,
    chunk_rows: int = 4,
) -> Tensor:
    """Log-probability of each token under its logits.

    Args:
        logits: ``(B, T, V)``, position ``t`` scoring ``token_ids[:, t]`` (already
            shifted: the logits that *predict* the token).
        token_ids: ``(B, T)`` integer ids in ``[0, V)``.
        temperature: logits are divided by it first (match the sampler's temperature).
        chunk_rows: rows of ``B`` processed at once.

    Returns:
        ``(B, T)`` log-probs, float32 for half-precision logits, else the logits' dtype.
    """
    logp, _ = _chunked(logits, token_ids, temperature, chunk_rows, with_entropy=False)
    return logp


def token_entropy(
    logits: Tensor, *, temperature: float = 1.0, chunk_rows: int = 4
) -> Tensor:
    """Entropy of each position's distribution, ``(B, T, V) -> (B, T)``, in nats."""
    dummy = torch.zeros(logits.shape[:2], dtype=torch.long, device=logits.device)
    _, ent = _chunked(logits, dummy, temperature, chunk_rows, with_entropy=True)
    return ent


def token_logprobs_and_entropy(
    logits: Tensor,
    token_ids: Tensor,
    *,
    temperature: float = 1.0,
    chunk_rows: int = 4,
) -> tuple[Tensor, Tensor]:
    """Both :func:`token_logprobs` and :func:`token_entropy`, in one pass: two ``(B, T)``."""
    logp, ent = _chunked(logits, token_ids, temperature, chunk_rows, with_entropy=True)
    assert ent is not None
    return logp, ent


def _chunked(
    logits: Tensor,
    token_ids: Tensor,
    temperature: float,
    chunk_rows: int,
    *,
    with_entropy: bool,
) -> tuple[Tensor, Tensor | None]:
    if logits.dim() != 3:
        raise ValueError(f"logits must be (B, T, V), got shape {tuple(logits.shape)}")
    if token_ids.shape != logits.shape[:2]:
        raise ValueError(
            f"token_ids must be {tuple(logits.shape[:2])} to match logits, "
            f"got {tuple(token_ids.shape)}"
        )
    if not temperature > 0.0:
        raise ValueError(f"temperature must be > 0, got {temperature!r}")
    if chunk_rows < 1:
        raise ValueError(f"chunk_rows must be >= 1, got {chunk_rows}")
    logps: list[Tensor] = []
    ents: list[Tensor] = []
    for start in range(0, logits.size(0), chunk_rows):
        block = logits[start : start + chunk_rows]  # (b, T, V)
        if block.dtype in (torch.float16, torch.bfloat16):
            block = block.float()  # one chunk upcast at a time
        if temperature != 1.0:
            block = block / temperature
        ids = token_ids[start : start + chunk_rows].unsqueeze(-1)  # (b, T, 1)
        lse = torch.logsumexp(block, dim=-1)  # (b, T) log partition
        logps.append(block.gather(-1, ids).squeeze(-1) - lse)  # logit(y) - lse
        if with_entropy:
            probs = torch.softmax(block, dim=-1)  # (b, T, V)
            finite = block.masked_fill(torch.isinf(block), 0.0)  # -inf has p = 0
            ents.append(lse - (probs * finite).sum(-1))  # H = lse - E_p[logit]
    logp = torch.cat(logps, dim=0)
    return logp, (torch.cat(ents, dim=0) if with_entropy else None)
