"""The GRPO policy loss: importance ratio, policy-gradient objective, k3 KL, aggregation.

Pure tensor functions. Shapes: ``B`` completions (rows) by ``T`` completion tokens;
``mask`` is ``(B, T)`` with 1 for a completion token and 0 for padding.

Per token (DeepSeekMath GRPO with DAPO's decoupled clip, the default)::

    r     = exp(logp - old_logp)                            # ratio to the sampling policy
    pg    = -min(r * A, clip(r, 1 - eps_low, 1 + eps_high) * A)
    pg    = pg * entropy_mask * is_ratio                    # each only when enabled
    kl    = exp(ref - logp) - (ref - logp) - 1              # k3 estimator, >= 0
    loss  = pg + beta * kl                                  # kl term only when beta > 0

Options (:class:`LossConfig`): ``importance_sampling_level="sequence"`` makes ``r`` one
ratio per completion, ``exp`` of its mean log-ratio (GSPO); ``delta`` caps the unclipped
``r`` (two-sided clipping); ``loss_type="cispo"`` replaces ``pg`` by
``-sg(min(r, cispo_max_ratio)) * A * logp`` and ``"sapo"`` by
``-sigmoid(tau * (r - 1)) * 4 / tau * A``; ``top_entropy_quantile < 1`` keeps only the
highest-entropy tokens (``entropy_mask``); ``is_ratio`` is the sampler-mismatch weight of
:mod:`trainer_client.sampler_correction`, a constant per token. The terms live in
:mod:`trainer_client.loss_terms`, the ``loss_type`` aggregations in
:mod:`trainer_client.loss_aggregation` (which documents each normaliser).

:func:`grpo_loss` chains the pieces: :func:`active_tokens` (mask, truncated rows out),
:func:`token_advantages` and :func:`mask_padding`, :func:`per_token_loss`, the
``loss_type`` aggregation from ``LOSS_AGGREGATORS``, and :func:`loss_metrics`.
"""

from __future__ import annotations

import torch
from torch import Tensor

from trainer_client.loss_aggregation import (
    CLIPPED_LOSSES,
    GLOBAL_NORMALISED,
    LOSS_AGGREGATORS,
    Aggregator,
    get_loss_aggregator,
)
from trainer_client.loss_config import LossConfig
from trainer_client.loss_terms import (
    cispo_loss,
    clipped_pg_from_ratio,
    clipped_pg_loss,
    high_entropy_mask,
    importance_weights,
    kl_k3,
    policy_ratio,
    sapo_loss,
)

__all__ = [
    "CLIPPED_LOSSES",
    "GLOBAL_NORMALISED",
    "LOSS_AGGREGATORS",
    "Aggregator",
    "LossConfig",
    "active_tokens",
    "clipped_pg_loss",
    "get_loss_aggregator",
    "grpo_loss",
    "kl_k3",
    "loss_metrics",
    "mask_padding",
    "mask_truncated_completions",
    "per_token_loss",
    "policy_ratio",
    "token_advantages",
]


def mask_truncated_completions(mask: Tensor, truncated: Tensor) -> Tensor:
    """Zero the rows of truncated completions. ``(B, T), (B,) bool -> (B, T)``."""
    if truncated.shape != mask.shape[:1]:
        raise ValueError(
            f"truncated must be ({mask.shape[0]},) to match mask {tuple(mask.shape)}, "
            f"got {tuple(truncated.shape)}"
        )
    return mask * (~truncated.bool()).unsqueeze(1).to(mask.dtype)


def active_tokens(mask: Tensor, truncated: Tensor | None, config: LossConfig) -> Tensor:
    """The tokens that count in the loss. ``(B, T), (B,) bool -> (B, T) bool``.

    ``mask`` as given, or without the rows of truncated completions when
    ``config.mask_truncated``.
    """
    if config.mask_truncated:
        if truncated is None:
            raise ValueError(
                "config.mask_truncated is set: pass truncated=(B,) bool, "
                "or set mask_truncated=False"
            )
        mask = mask_truncated_completions(mask, truncated)
    return mask.bool()


def mask_padding(values: Tensor, active: Tensor) -> Tensor:
    """``values`` with 0 wherever ``active`` is False. ``(B, T), (B, T) bool -> (B, T)``.

    Padding may hold anything (-inf, NaN): zeroing it keeps NaN out of the gradient.
    """
    return torch.where(active, values, values.new_zeros(()))


def token_advantages(advantages: Tensor, active: Tensor, dtype: torch.dtype) -> Tensor:
    """Advantages per token in ``dtype``, 0 on padding. ``(B,) | (B, T) -> (B, T)``.

    Raises when an active token's advantage is NaN or inf (an unjudged sample that was
    not dropped).
    """
    adv = advantages.unsqueeze(1) if advantages.dim() == 1 else advantages  # (B,1)|(B,T)
    adv = mask_padding(adv.to(dtype), active)  # (B, T) by broadcasting
    if not torch.isfinite(adv).all():
        raise ValueError(
            "advantages are NaN/inf on active tokens; drop unjudged samples "
            "(Advantages.keep) before the loss"
        )
    return adv


def policy_gradient_loss(
    logp: Tensor, old_logp: Tensor, adv: Tensor, active: Tensor, config: LossConfig
) -> tuple[Tensor, Tensor]:
    """The ``loss_type``'s policy-gradient term per token and the importance ratio.

    Args:
        logp, old_logp: ``(B, T)`` with padding zeroed; adv: ``(B, T)``, 0 on padding.
        active: ``(B, T)`` float mask (the sequence-level ratio averages over it).

    Returns:
        ``(pg, ratio)``: ``(B, T)`` and ``(B, T)`` or ``(B, 1)`` (sequence level).
    """
    ratio = importance_weights(logp, old_logp, active, config.importance_sampling_level)
    if config.loss_type == "cispo":
        return cispo_loss(logp, ratio, adv, config.cispo_max_ratio), ratio
    if config.loss_type == "sapo":
        pg = sapo_loss(ratio, adv, config.sapo_temperature_pos, config.sapo_temperature_neg)
        return pg, ratio
    pg = clipped_pg_from_ratio(ratio, adv, config.eps_low, config.eps_high, config.delta)
    return pg, ratio


def per_token_loss(
    logp: Tensor,
    old_logp: Tensor,
    ref_logp: Tensor | None,
    adv: Tensor,
    config: LossConfig,
    *,
    active: Tensor | None = None,
    entropy_mask: Tensor | None = None,
    is_ratio: Tensor | None = None,
) -> tuple[Tensor, Tensor, Tensor | None]:
    """The policy-gradient term, masked and weighted, plus ``beta`` times the k3 KL.

    Args:
        logp, old_logp: ``(B, T)`` with padding already zeroed.
        ref_logp: ``(B, T)`` with padding zeroed, or None (no KL term, no ``kl``).
        adv: ``(B, T)`` per-token advantages, 0 on padding.
        active: ``(B, T)`` bool; needed for the sequence-level ratio (default: all).
        entropy_mask: ``(B, T)`` bool, the tokens that keep their policy gradient.
        is_ratio: ``(B, T)`` sampler-mismatch weights (constants).

    Returns:
        ``(per_token_loss, ratio, kl)``: ``(B, T)``, ``(B, T)`` or ``(B, 1)``, and
        ``(B, T)`` or None without ``ref_logp`` (reported even when ``beta`` is 0).
    """
    m = torch.ones_like(logp) if active is None else active.to(logp.dtype)
    per_token, ratio = policy_gradient_loss(logp, old_logp, adv, m, config)
    if entropy_mask is not None:
        per_token = per_token * entropy_mask  # only high-entropy tokens keep a gradient
    if is_ratio is not None:
        per_token = per_token * is_ratio  # correct for the sampler's distribution
    kl = None
    if ref_logp is not None:
        kl = kl_k3(logp, ref_logp)  # (B, T) k3
        if config.beta > 0.0:
            per_token = per_token + config.beta * kl  # add beta * KL per token
    return per_token, ratio, kl


@torch.no_grad()
def loss_metrics(
    ratio: Tensor,
    adv: Tensor,
    active: Tensor,
    config: LossConfig,
    *,
    kl: Tensor | None = None,
    entropies: Tensor | None = None,
    truncated: Tensor | None = None,
    entropy_mask: Tensor | None = None,
) -> dict[str, float]:
    """Clip fractions, mean ratio, KL and entropy over the active tokens.

    Args:
        ratio: ``(B, T)`` or ``(B, 1)``; adv, kl, entropies: ``(B, T)``; ``active``:
            ``(B, T)`` bool.
        truncated: ``(B,)`` bool, for ``frac_truncated`` (a fraction of rows).
        entropy_mask: ``(B, T)`` bool, for ``frac_entropy_kept``.

    Returns:
        The floats :func:`grpo_loss` documents.
    """
    ratio = ratio.expand_as(adv)  # a sequence-level ratio counts for each of its tokens
    m = active.to(adv.dtype)  # (B, T) float mask in the loss's dtype
    n = m.sum().clamp(min=1.0)
    if config.loss_type == "cispo":  # the weight is capped, not clipped
        low = torch.zeros_like(active)
        high = (ratio > config.cispo_max_ratio) & (adv > 0) & active
    else:
        low = (ratio < 1.0 - config.eps_low) & (adv < 0) & active  # floor binds
        high = (ratio > 1.0 + config.eps_high) & (adv > 0) & active  # ceiling binds
    metrics = {
        "clip_frac_low": float(low.sum() / n),
        "clip_frac_high": float(high.sum() / n),
        "clip_frac_region": float((low | high).sum() / n),
        "ratio_mean": float((ratio * m).sum() / n),
    }
    if kl is not None:
        metrics["kl"] = float((kl * m).sum() / n)
    if entropies is not None:
        metrics["entropy"] = float((mask_padding(entropies, active) * m).sum() / n)
    if entropy_mask is not None:
        metrics["frac_entropy_kept"] = float(entropy_mask.sum() / n)
    if truncated is not None:
        metrics["frac_truncated"] = float(truncated.float().mean())
    return metrics


def grpo_loss(
    logp: Tensor,
    old_logp: Tensor,
    ref_logp: Tensor | None,
    advantages: Tensor,
    mask: Tensor,
    *,
    config: LossConfig,
    truncated: Tensor | None = None,
    entropies: Tensor | None = None,
    num_items_in_batch: Tensor | float | None = None,
    is_ratio: Tensor | None = None,
) -> tuple[Tensor, dict[str, float]]:
    """GRPO loss of one (micro-)batch and its metrics.

    Args:
        logp: ``(B, T)`` current-policy log-probs of the sampled tokens (with grad).
        old_logp: ``(B, T)`` sampling-policy log-probs (treated as constants). With a
            single optimizer step per rollout, ``logp.detach()`` (ratio exactly 1).
        ref_logp: ``(B, T)`` frozen-reference log-probs, or None when ``beta == 0``.
        advantages: ``(B,)`` per completion or ``(B, T)`` per token; must be finite on
            active rows (drop unjudged samples before, see ``Advantages.keep``).
        mask: ``(B, T)`` 1 for completion tokens, 0 for padding (bool, int or float).
        truncated: ``(B,)`` bool, hit the length limit; required (and its rows zeroed
            in ``mask``) when ``config.mask_truncated``.
        entropies: ``(B, T)``: the ``entropy`` metric; required for the entropy mask.
        num_items_in_batch: active tokens in the accumulated batch (``dapo``, ``cispo``).
        is_ratio: ``(B, T)`` sampler-mismatch weights
            (:func:`trainer_client.sampler_correction.sampler_is_ratio`), or None.

    Returns:
        ``(loss, metrics)``: a scalar tensor, and floats ``clip_frac_low`` (ratio below
        1 - eps_low with A < 0), ``clip_frac_high`` (above 1 + eps_high with A > 0; for
        cispo, above cispo_max_ratio), ``clip_frac_region`` (either), ``ratio_mean``,
        ``kl`` (with ``ref_logp``), ``entropy`` (with ``entropies``),
        ``frac_entropy_kept`` (with the entropy mask), means over active tokens; and
        ``frac_truncated`` (with ``truncated``), a fraction of rows.
    """
    _check_shapes(logp, old_logp, ref_logp, advantages, mask, entropies, is_ratio)
    if config.beta > 0.0 and ref_logp is None:
        raise ValueError("beta > 0 needs ref_logp; pass it or set beta=0")
    active = active_tokens(mask, truncated, config)  # (B, T) bool
    adv = token_advantages(advantages, active, logp.dtype)  # (B, T), 0 on padding
    entropy_mask = _entropy_mask(entropies, active, config)
    per_token, ratio, kl = per_token_loss(
        mask_padding(logp, active),
        mask_padding(old_logp, active),
        None if ref_logp is None else mask_padding(ref_logp, active),
        adv,
        config,
        active=active,
        entropy_mask=entropy_mask,
        is_ratio=None if is_ratio is None else mask_padding(is_ratio, active),
    )
    loss = get_loss_aggregator(config.loss_type)(
        per_token, active.to(logp.dtype), max_completion_length=config.max_completion_length,
        num_items_in_batch=num_items_in_batch,
    )  # scalar, normalised as loss_type says
    return loss, loss_metrics(
        ratio, adv, active, config, kl=kl, entropies=entropies, truncated=truncated,
        entropy_mask=entropy_mask,
    )


def _entropy_mask(entropies: Tensor | None, active: Tensor, config: LossConfig) -> Tensor | None:
    """The high-entropy tokens when ``config.top_entropy_quantile < 1``, else None."""
    if config.top_entropy_quantile >= 1.0:
        return None
    if entropies is None:
        raise ValueError("top_entropy_quantile < 1 needs the token entropies")
    return high_entropy_mask(entropies, active, config.top_entropy_quantile)


def _check_shapes(
    logp: Tensor,
    old_logp: Tensor,
    ref_logp: Tensor | None,
    advantages: Tensor,
    mask: Tensor,
    entropies: Tensor | None,
    is_ratio: Tensor | None = None,
) -> None:
    if logp.dim() != 2:
        raise ValueError(f"logp must be (B, T), got shape {tuple(logp.shape)}")
    shape = logp.shape
    named = {
        "old_logp": old_logp,
        "mask": mask,
        "ref_logp": ref_logp,
        "entropies": entropies,
        "is_ratio": is_ratio,
    }
    for name, t in named.items():
        if t is not None and t.shape != shape:
            raise ValueError(
                f"{name} has shape {tuple(t.shape)}, expected {tuple(shape)} like logp"
            )
    if advantages.shape not in (shape[:1], shape):
        raise ValueError(
            f"advantages must be ({shape[0]},) or {tuple(shape)}, got {tuple(advantages.shape)}"
        )
