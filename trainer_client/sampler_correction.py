"""Correcting for the sampler's own distribution (truncated importance sampling).

A fast sampler (vLLM) does not compute exactly the training model's probabilities
(kernels, precision, weights synced in bf16): the completions come from ``pi_sampler``
while the loss treats them as samples of ``pi_old`` (the training model's log-probs at
the start of the step). Weighting each token's policy-gradient term by
``pi_old / pi_sampler`` corrects that, and capping the weight keeps its variance bounded
(TRL's ``vllm_importance_sampling_correction``; Yao et al., "Your efficient RL framework
secretly brings you off-policy RL training", 2025). Two modes, as TRL's:

* ``truncate`` (TRL ``token_truncate``): per token, ``min(exp(old - sampler), cap)``;
* ``sequence_mask`` (TRL ``sequence_mask``, TRL's default): one ratio per completion,
  ``exp(sum_t(old - sampler))``; a completion whose ratio exceeds ``cap`` gets weight 0
  (it is left out), the others keep their ratio.

Tokens whose sampler log-prob is unknown (NaN) count as a difference of 0 (weight 1).
The sampler log-probs come from the sampler itself (``Samples.logprobs``): vLLM returns
them, and the Hugging Face sampler can too, so the correction also runs on CPU.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch
from torch import Tensor

IS_MODES = ("truncate", "sequence_mask")
"""Valid ``vllm_importance_sampling_mode`` values."""


@dataclass(frozen=True)
class SamplerCorrectionConfig:
    """Settings of the sampler-mismatch correction; checked on construction."""

    vllm_importance_sampling_correction: bool = field(
        default=False,
        metadata={
            "help": "Weight each token's policy-gradient term by pi_old / pi_sampler, from "
            "the sampler's own log-probs. Use it with sampler vllm, whose probabilities "
            "differ from the training model's. TRL turns it on by default whenever it "
            "samples with vLLM; here it is off unless asked for (the hf sampler is the "
            "training model itself)."
        },
    )
    vllm_importance_sampling_cap: float = field(
        default=3.0,
        metadata={
            "help": "The correction's C_max (TRL's vllm_importance_sampling_clip_max): "
            "truncate caps the weight at it, sequence_mask drops completions above it."
        },
    )
    vllm_importance_sampling_mode: str = field(
        default="sequence_mask",
        metadata={
            "help": "truncate: per-token weights capped at the cap; sequence_mask: one "
            "weight per completion, completions above the cap left out (TRL's default)."
        },
    )

    def __post_init__(self) -> None:
        cap = self.vllm_importance_sampling_cap
        if isinstance(cap, bool) or not isinstance(cap, int | float) or not (
            math.isfinite(cap) and cap > 0.0
        ):
            raise ValueError(
                f"vllm_importance_sampling_cap={cap!r}: set it to a number > 0 (3.0 is TRL's)"
            )
        if self.vllm_importance_sampling_mode not in IS_MODES:
            raise ValueError(
                f"vllm_importance_sampling_mode={self.vllm_importance_sampling_mode!r}: use "
                f"one of {', '.join(IS_MODES)}"
            )


@torch.no_grad()
def sampler_is_ratio(
    old_logp: Tensor, sampling_logp: Tensor, mask: Tensor, mode: str, cap: float
) -> Tensor:
    """The correction weight of every token, ``(B, T)`` (a sequence's weight repeated).

    Args:
        old_logp: ``(B, T)`` the training model's log-probs of the sampled tokens.
        sampling_logp: ``(B, T)`` the sampler's, NaN where unknown.
        mask: ``(B, T)`` 1 on completion tokens.
        mode: ``truncate`` or ``sequence_mask``; cap: ``C_max``.
    """
    if old_logp.shape != sampling_logp.shape or old_logp.shape != mask.shape:
        raise ValueError(
            f"old_logp {tuple(old_logp.shape)}, sampling_logp {tuple(sampling_logp.shape)} "
            f"and mask {tuple(mask.shape)} must have one shape"
        )
    diff = torch.nan_to_num((old_logp - sampling_logp) * mask, nan=0.0)  # (B, T)
    if mode == "truncate":
        return torch.clamp(torch.exp(diff), max=cap)
    if mode == "sequence_mask":
        ratio = torch.exp(diff.sum(dim=-1, keepdim=True))  # (B, 1)
        ratio = ratio.masked_fill(ratio > cap, 0.0)  # too far off-policy: left out
        return ratio.expand_as(old_logp).contiguous()
    raise ValueError(f"unknown vllm_importance_sampling_mode {mode!r}; use one of {IS_MODES}")


@torch.no_grad()
def correction_metrics(
    is_ratio: Tensor, old_logp: Tensor, sampling_logp: Tensor, mask: Tensor
) -> dict[str, float]:
    """How far the sampler is from the trainer: mean and max ``|old - sampler|`` per
    token, the weights' mean/min/max over completion tokens and the share of weight 0."""
    active = mask.bool() & ~torch.isnan(sampling_logp)
    gap = (old_logp - sampling_logp).abs()[active]
    weights = is_ratio[mask.bool()]
    if weights.numel() == 0:
        return {}
    return {
        "sampler_logp_gap_mean": float(gap.mean()) if gap.numel() else 0.0,
        "sampler_logp_gap_max": float(gap.max()) if gap.numel() else 0.0,
        "is_ratio_mean": float(weights.mean()),
        "is_ratio_min": float(weights.min()),
        "is_ratio_max": float(weights.max()),
        "is_frac_zero": float((weights == 0).float().mean()),
    }
