"""Per-token terms of the GRPO objectives: importance weights, the policy-gradient losses
(clipped, CISPO, SAPO), the k3 KL and the high-entropy token mask.

Pure tensor functions on ``(B, T)`` tensors; :func:`trainer_client.loss.grpo_loss` chains
them. Each follows TRL 1.16's ``GRPOTrainer._compute_loss`` term for term, so the parity
test can compare them in float64.
"""

from __future__ import annotations

import torch
from torch import Tensor

IMPORTANCE_LEVELS = ("token", "sequence")
"""Valid ``importance_sampling_level`` values: one ratio per token, or one per sequence
(GSPO)."""


def policy_ratio(logp: Tensor, old_logp: Tensor) -> Tensor:
    """Per-token importance ratio ``exp(logp - old_logp)``. ``(B, T) -> (B, T)``."""
    return torch.exp(logp - old_logp)


def importance_weights(logp: Tensor, old_logp: Tensor, mask: Tensor, level: str) -> Tensor:
    """The importance ratio the loss clips: ``(B, T)`` per token, or ``(B, 1)`` per sequence.

    ``level="sequence"`` (GSPO, arXiv 2507.18071) is ``exp`` of the mean log-ratio over the
    sequence's active tokens (``mask``), so every token of a row shares one ratio.
    """
    if level == "token":
        return policy_ratio(logp, old_logp.detach())  # r = pi_theta / pi_old, (B, T)
    if level == "sequence":
        log_ratio = logp - old_logp.detach()  # (B, T)
        seq = (log_ratio * mask).sum(-1) / mask.sum(-1).clamp(min=1.0)  # (B,) mean
        return torch.exp(seq.unsqueeze(-1))  # (B, 1)
    raise ValueError(
        f"unknown importance_sampling_level {level!r}; use one of {', '.join(IMPORTANCE_LEVELS)}"
    )


def _column(advantages: Tensor) -> Tensor:
    return advantages.unsqueeze(1) if advantages.dim() == 1 else advantages  # (B,1)|(B,T)


def clipped_pg_from_ratio(
    ratio: Tensor,
    advantages: Tensor,
    eps_low: float,
    eps_high: float,
    delta: float | None = None,
) -> Tensor:
    """``-min(r * A, clip(r, 1 - eps_low, 1 + eps_high) * A)``; with ``delta`` the
    unclipped ratio is also capped at ``delta`` (two-sided clipping, INTELLECT-2), so a
    negative advantage cannot push a huge ratio without bound. Broadcasts ``(B, T|1)``."""
    adv = _column(advantages)
    clipped = torch.clamp(ratio, 1.0 - eps_low, 1.0 + eps_high) * adv  # clip(r) * A
    if delta is not None:
        ratio = torch.clamp(ratio, max=delta)  # cap before the pessimistic min
    return -torch.minimum(ratio * adv, clipped)  # pessimistic bound, negated


def clipped_pg_loss(
    logp: Tensor,
    old_logp: Tensor,
    advantages: Tensor,
    eps_low: float,
    eps_high: float,
    *,
    delta: float | None = None,
) -> tuple[Tensor, Tensor]:
    """Per-token clipped policy-gradient loss with token-level ratios.

    Args:
        logp: ``(B, T)`` log-probs of the sampled tokens under the current policy.
        old_logp: ``(B, T)`` the same under the sampling policy (no gradient).
        advantages: ``(B,)`` per sequence or ``(B, T)`` per token.
        eps_low, eps_high: the ratio is clipped to ``[1 - eps_low, 1 + eps_high]``.
        delta: optional cap of the unclipped ratio (two-sided clipping).

    Returns:
        ``(per_token_loss, ratio)``, both ``(B, T)``.
    """
    ratio = policy_ratio(logp, old_logp.detach())  # (B, T)
    return clipped_pg_from_ratio(ratio, advantages, eps_low, eps_high, delta), ratio


def cispo_loss(logp: Tensor, ratio: Tensor, advantages: Tensor, max_ratio: float) -> Tensor:
    """CISPO (MiniMax-M1, arXiv 2506.13585): ``-sg(min(r, max_ratio)) * A * logp``.

    The clipped ratio is a constant weight, so every token keeps a gradient (through
    ``logp``) however far its ratio has moved. ``(B, T), (B, T|1) -> (B, T)``.
    """
    weight = torch.clamp(ratio, max=max_ratio).detach()
    return -weight * _column(advantages) * logp


def sapo_loss(ratio: Tensor, advantages: Tensor, temp_pos: float, temp_neg: float) -> Tensor:
    """SAPO (arXiv 2511.20347): ``-sigmoid(tau * (r - 1)) * 4 / tau * A``, with ``tau``
    = ``temp_pos`` where ``A > 0`` else ``temp_neg``: a smooth gate in place of the hard
    clip. Its gradient at ``r = 1`` equals the plain policy gradient."""
    adv = _column(advantages)
    tau = torch.where(adv > 0, temp_pos, temp_neg)
    return -torch.sigmoid(tau * (ratio - 1)) * 4 / tau * adv


def kl_k3(logp: Tensor, ref_logp: Tensor) -> Tensor:
    """k3 estimate of KL(pi_theta || pi_ref) per token. ``(B, T) -> (B, T)``, >= 0."""
    delta = ref_logp.detach() - logp  # log(pi_ref / pi_theta)
    return torch.exp(delta) - delta - 1.0  # unbiased, non-negative (Schulman's k3)


@torch.no_grad()
def high_entropy_mask(entropies: Tensor, active: Tensor, quantile: float) -> Tensor:
    """The active tokens whose entropy is in the top ``quantile`` share (arXiv 2506.01939).

    The threshold is the ``1 - quantile`` quantile of the active tokens' entropies; a
    token at or above it stays. As TRL, the quantile is taken in float32, so the same
    tokens are kept. ``(B, T), (B, T) bool -> (B, T) bool``.
    """
    values = entropies[active].float()
    if values.numel() == 0:
        return torch.zeros_like(active)
    threshold = torch.quantile(values, 1.0 - quantile)
    return ((entropies * active.to(entropies.dtype)) >= threshold) & active
