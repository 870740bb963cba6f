"""The GRPO policy loss: clipped importance ratio, k3 KL, and four token aggregations.

Pure tensor functions. Shapes: ``B`` completions (rows) by ``T`` completion tokens;
``mask`` is ``(B, T)`` with 1 for a completion token and 0 for padding.

Per token (DeepSeekMath GRPO with DAPO's decoupled clip)::

    r     = exp(logp - old_logp)                            # ratio to the sampling policy
    pg    = -min(r * A, clip(r, 1 - eps_low, 1 + eps_high) * A)
    kl    = exp(ref - logp) - (ref - logp) - 1              # k3 estimator, >= 0
    loss  = pg + beta * kl                                  # kl term only when beta > 0

Aggregation over tokens (``loss_type``), following TRL's ``GRPOConfig.loss_type`` docs
and ``GRPOTrainer._compute_loss``:

* ``grpo``: mean over each sequence's tokens, then mean over sequences
  ``mean_i( sum_t(l*m)_i / max(sum_t m_i, 1) )``. Length-biased; the original GRPO.
* ``bnpo``: token mean over the local batch ``sum(l*m) / max(sum(m), 1)``. TRL: "the
  number of active tokens in the local batch"; depends on the micro-batch size.
* ``dr_grpo``: ``sum(l*m) / (B * max_completion_length)``, a global constant
  (Dr. GRPO, arXiv 2503.20783).
* ``dapo``: ``sum(l*m) / num_items_in_batch``, where ``num_items_in_batch`` is the number
  of active tokens in the global accumulated batch (every micro-batch that contributes
  to one optimizer step), so that summing the micro-batch losses gives one token mean
  over the whole batch (DAPO, arXiv 2503.14476). Without it, the local token count is
  used and ``dapo`` equals ``bnpo``. TRL counts the tokens before truncated completions
  are masked; here the count is whatever the caller passes, and
  :func:`trainer_client.update.grpo_update` passes the active tokens after masking.

TRL divides ``grpo``, ``bnpo`` and ``dr_grpo`` by the number of gradient-accumulation
steps but not ``dapo``; here that scaling lives in the update loop (``GLOBAL_NORMALISED``
tells which losses already carry their global normaliser).

:func:`grpo_loss` chains the pieces: :func:`active_tokens` (mask, truncated rows out),
:func:`token_advantages` and :func:`mask_padding`, :func:`per_token_loss`
(:func:`clipped_pg_loss` + ``beta`` * :func:`kl_k3`), the ``loss_type`` aggregation from
``LOSS_AGGREGATORS``, and :func:`loss_metrics`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import Tensor

Aggregator = Callable[..., Tensor]


def aggregate_grpo(per_token: Tensor, mask: Tensor, **_: object) -> Tensor:
    """Per-sequence token mean, then mean over sequences. ``(B, T), (B, T) -> ()``."""
    per_seq = (per_token * mask).sum(-1) / mask.sum(-1).clamp(min=1.0)  # (B,)
    return per_seq.mean()  # mean over sequences, padding rows included


def aggregate_bnpo(per_token: Tensor, mask: Tensor, **_: object) -> Tensor:
    """Token mean over the local batch. ``(B, T), (B, T) -> ()``."""
    return (per_token * mask).sum() / mask.sum().clamp(min=1.0)


def aggregate_dr_grpo(
    per_token: Tensor, mask: Tensor, *, max_completion_length: int | None, **_: object
) -> Tensor:
    """Token sum over ``B * max_completion_length``. ``(B, T), (B, T) -> ()``."""
    if max_completion_length is None:
        raise ValueError("loss_type 'dr_grpo' needs max_completion_length")
    return (per_token * mask).sum() / (per_token.size(0) * max_completion_length)


def aggregate_dapo(
    per_token: Tensor,
    mask: Tensor,
    *,
    num_items_in_batch: Tensor | float | None = None,
    **_: object,
) -> Tensor:
    """Token sum over the active tokens of the accumulated batch. ``(B, T) -> ()``."""
    if num_items_in_batch is None:
        normaliser = mask.sum().clamp(min=1.0)  # local batch: same as bnpo
    else:
        normaliser = torch.as_tensor(num_items_in_batch, dtype=per_token.dtype).clamp(min=1.0)
    return (per_token * mask).sum() / normaliser


LOSS_AGGREGATORS: dict[str, Aggregator] = {
    "grpo": aggregate_grpo,
    "bnpo": aggregate_bnpo,
    "dr_grpo": aggregate_dr_grpo,
    "dapo": aggregate_dapo,
}
"""``loss_type`` -> aggregation ``fn(per_token, mask, *, max_completion_length,
num_items_in_batch) -> scalar``."""

GLOBAL_NORMALISED = frozenset({"dapo"})
"""Loss types whose normaliser already spans every micro-batch of an optimizer step."""


def get_loss_aggregator(loss_type: str) -> Aggregator:
    """Return the aggregation for ``loss_type``; ValueError listing valid names."""
    try:
        return LOSS_AGGREGATORS[loss_type]
    except KeyError:
        valid = ", ".join(sorted(LOSS_AGGREGATORS))
        raise ValueError(f"unknown loss_type {loss_type!r}; valid loss types: {valid}") from None


@dataclass(frozen=True)
class LossConfig:
    """Settings of :func:`grpo_loss`; checked on construction."""

    loss_type: str = field(
        default="dapo",
        metadata={"help": "Token aggregation: " + ", ".join(sorted(LOSS_AGGREGATORS)) + "."},
    )
    eps_low: float = field(
        default=0.2, metadata={"help": "Clip floor 1 - eps_low of the importance ratio."}
    )
    eps_high: float = field(
        default=0.28, metadata={"help": "Clip ceiling 1 + eps_high (DAPO clip-higher: 0.28)."}
    )
    beta: float = field(
        default=0.0,
        metadata={"help": "KL coefficient to a frozen reference; 0 loads no reference model."},
    )
    max_completion_length: int | None = field(
        default=None,
        metadata={"help": "Generation length limit; the dr_grpo denominator."},
    )
    mask_truncated: bool = field(
        default=False,
        metadata={"help": "Leave completions that hit max_new_tokens without EOS out of the loss."},
    )

    def __post_init__(self) -> None:
        get_loss_aggregator(self.loss_type)
        if not _finite(self.eps_low) or not 0.0 <= self.eps_low < 1.0:
            raise ValueError(
                f"eps_low={self.eps_low!r}: set it in [0, 1) so the ratio floor "
                "1 - eps_low stays positive (0.2 is usual)"
            )
        if not _finite(self.eps_high) or self.eps_high < 0.0:
            raise ValueError(
                f"eps_high={self.eps_high!r}: set it to a finite number >= 0 "
                "(0.2 symmetric, 0.28 for DAPO clip-higher)"
            )
        if not _finite(self.beta) or self.beta < 0.0:
            raise ValueError(
                f"beta={self.beta!r}: set it to a finite number >= 0 "
                "(0 disables the KL term and the reference model)"
            )
        mcl = self.max_completion_length
        if mcl is not None and (isinstance(mcl, bool) or not isinstance(mcl, int)):
            raise ValueError(f"max_completion_length={mcl!r}: set it to an int or None")
        if mcl is not None and mcl <= 0:
            raise ValueError(f"max_completion_length={mcl}: set it to a positive int")
        if self.loss_type == "dr_grpo" and mcl is None:
            raise ValueError(
                "loss_type='dr_grpo' divides by B * max_completion_length: "
                "set max_completion_length to the generation length limit"
            )


def _finite(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def policy_ratio(logp: Tensor, old_logp: Tensor) -> Tensor:
    """Per-token importance ratio ``exp(logp - old_logp)``. ``(B, T) -> (B, T)``."""
    return torch.exp(logp - old_logp)


def clipped_pg_loss(
    logp: Tensor,
    old_logp: Tensor,
    advantages: Tensor,
    eps_low: float,
    eps_high: float,
) -> tuple[Tensor, Tensor]:
    """Per-token clipped policy-gradient loss.

    Args:
        logp: ``(B, T)`` log-probs of the sampled tokens under the current policy.
        old_logp: ``(B, T)`` the same under the sampling policy (no gradient).
        advantages: ``(B,)`` per sequence or ``(B, T)`` per token.
        eps_low, eps_high: the ratio is clipped to ``[1 - eps_low, 1 + eps_high]``.

    Returns:
        ``(per_token_loss, ratio)``, both ``(B, T)``.
    """
    adv = advantages.unsqueeze(1) if advantages.dim() == 1 else advantages  # (B,1)|(B,T)
    ratio = policy_ratio(logp, old_logp.detach())  # r = pi_theta / pi_old, (B, T)
    unclipped = ratio * adv  # r * A
    clipped = torch.clamp(ratio, 1.0 - eps_low, 1.0 + eps_high) * adv  # clip(r) * A
    per_token = -torch.minimum(unclipped, clipped)  # pessimistic bound, negated
    return per_token, ratio


def kl_k3(logp: Tensor, ref_logp: Tensor) -> Tensor:
    """k3 estimate of KL(pi_theta || pi_ref) per token. ``(B, T) -> (B, T)``, >= 0."""
    delta = ref_logp.detach() - logp  # log(pi_ref / pi_theta)
    return torch.exp(delta) - delta - 1.0  # unbiased, non-negative (Schulman's k3)


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


def per_token_loss(
    logp: Tensor,
    old_logp: Tensor,
    ref_logp: Tensor | None,
    adv: Tensor,
    config: LossConfig,
) -> tuple[Tensor, Tensor, Tensor | None]:
    """Clipped policy-gradient loss plus ``beta`` times the k3 KL, per token.

    Args:
        logp, old_logp: ``(B, T)`` with padding already zeroed.
        ref_logp: ``(B, T)`` with padding zeroed, or None (no KL term, no ``kl``).
        adv: ``(B, T)`` per-token advantages, 0 on padding.

    Returns:
        ``(per_token_loss, ratio, kl)``, each ``(B, T)``; ``kl`` is None without
        ``ref_logp`` and is reported even when ``beta`` is 0.
    """
    per_token, ratio = clipped_pg_loss(
        logp, old_logp, adv, config.eps_low, config.eps_high
    )  # (B, T) -min(r*A, clip(r)*A), (B, T) r
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
) -> dict[str, float]:
    """Clip fractions, mean ratio, KL and entropy over the active tokens.

    Args:
        ratio, adv, kl, entropies: ``(B, T)``; ``active``: ``(B, T)`` bool.
        truncated: ``(B,)`` bool, for ``frac_truncated`` (a fraction of rows).

    Returns:
        The floats :func:`grpo_loss` documents.
    """
    m = active.to(adv.dtype)  # (B, T) float mask in the loss's dtype
    n = m.sum().clamp(min=1.0)
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
        config: :class:`LossConfig`.
        truncated: ``(B,)`` bool, completion hit the length limit; required when
            ``config.mask_truncated``, whose rows are then zeroed in ``mask``.
        entropies: ``(B, T)`` token entropies, only for the ``entropy`` metric.
        num_items_in_batch: active tokens in the accumulated batch (``dapo`` only).

    Returns:
        ``(loss, metrics)``: a scalar tensor, and floats ``clip_frac_low`` (ratio below
        1 - eps_low with A < 0), ``clip_frac_high`` (above 1 + eps_high with A > 0),
        ``clip_frac_region`` (either: the tokens whose gradient the clip removes),
        ``ratio_mean``, ``kl`` (when ``ref_logp`` is given), ``entropy`` (when
        ``entropies`` is given), all means over active tokens; and ``frac_truncated``
        (when ``truncated`` is given), a fraction of rows.
    """
    _check_shapes(logp, old_logp, ref_logp, advantages, mask, entropies)
    if config.beta > 0.0 and ref_logp is None:
        raise ValueError("beta > 0 needs ref_logp; pass it or set beta=0")
    active = active_tokens(mask, truncated, config)  # (B, T) bool
    adv = token_advantages(advantages, active, logp.dtype)  # (B, T), 0 on padding
    per_token, ratio, kl = per_token_loss(
        mask_padding(logp, active),
        mask_padding(old_logp, active),
        None if ref_logp is None else mask_padding(ref_logp, active),
        adv,
        config,
    )
    aggregate = get_loss_aggregator(config.loss_type)
    loss = aggregate(
        per_token,
        active.to(logp.dtype),
        max_completion_length=config.max_completion_length,
        num_items_in_batch=num_items_in_batch,
    )  # scalar, normalised as loss_type says
    metrics = loss_metrics(
        ratio, adv, active, config, kl=kl, entropies=entropies, truncated=truncated
    )
    return loss, metrics


def _check_shapes(
    logp: Tensor,
    old_logp: Tensor,
    ref_logp: Tensor | None,
    advantages: Tensor,
    mask: Tensor,
    entropies: Tensor | None,
) -> None:
    if logp.dim() != 2:
        raise ValueError(f"logp must be (B, T), got shape {tuple(logp.shape)}")
    shape = logp.shape
    named = {"old_logp": old_logp, "mask": mask, "ref_logp": ref_logp, "entropies": entropies}
    for name, t in named.items():
        if t is not None and t.shape != shape:
            raise ValueError(
                f"{name} has shape {tuple(t.shape)}, expected {tuple(shape)} like logp"
            )
    if advantages.shape not in (shape[:1], shape):
        raise ValueError(
            f"advantages must be ({shape[0]},) or {tuple(shape)}, got {tuple(advantages.shape)}"
        )
