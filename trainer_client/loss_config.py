"""Settings of the GRPO loss (:class:`LossConfig`), checked on construction.

Defaults are TRL 1.16's ``GRPOConfig`` defaults where TRL has the knob, except where a
field's help says otherwise; every option added beyond the DeepSeekMath/DAPO loss is off
by default.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from trainer_client.loss_aggregation import CLIPPED_LOSSES, LOSS_AGGREGATORS, get_loss_aggregator
from trainer_client.loss_terms import IMPORTANCE_LEVELS


@dataclass(frozen=True)
class LossConfig:
    """Settings of :func:`trainer_client.loss.grpo_loss`; checked on construction."""

    loss_type: str = field(
        default="dapo",
        metadata={
            "help": "Token aggregation and objective: "
            + ", ".join(sorted(LOSS_AGGREGATORS))
            + ". dapo: token mean over the step's batch (all ranks); grpo: per-sequence "
            "mean; cispo: clipped-weight policy gradient (MiniMax-M1), keeps every token's "
            "gradient; sapo: soft sigmoid gate instead of the hard clip."
        },
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
    importance_sampling_level: str = field(
        default="token",
        metadata={
            "help": "'token': one importance ratio per token; 'sequence': one per completion, "
            "exp of its mean log-ratio (GSPO), steadier for sequence-level rewards and MoE "
            "models. Pair 'sequence' with loss_type grpo or sapo (TRL's advice)."
        },
    )
    delta: float | None = field(
        default=None,
        metadata={
            "help": "Two-sided clipping (INTELLECT-2): cap the unclipped ratio at delta so a "
            "negative advantage cannot push a large ratio without bound; > 1 + eps_high "
            "(e.g. 4); none = off. Clipped loss types only."
        },
    )
    cispo_max_ratio: float = field(
        default=5.0,
        metadata={
            "help": "cispo: the importance weight is min(ratio, cispo_max_ratio). TRL reuses "
            "epsilon_high for it (default 0.2); here it is its own knob with ScaleRL's 5.0."
        },
    )
    sapo_temperature_pos: float = field(
        default=1.0, metadata={"help": "sapo: gate temperature for tokens with advantage > 0."}
    )
    sapo_temperature_neg: float = field(
        default=1.05, metadata={"help": "sapo: gate temperature for tokens with advantage <= 0."}
    )
    top_entropy_quantile: float = field(
        default=1.0,
        metadata={
            "help": "Train only on the top share of tokens by entropy (arXiv 2506.01939 "
            "recommends 0.2); the quantile is taken per micro-batch on each rank; 1.0 = all "
            "tokens."
        },
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
        _check_length(self)
        _check_objective(self)


def _finite(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool) and math.isfinite(x)


def _check_length(cfg: LossConfig) -> None:
    mcl = cfg.max_completion_length
    if mcl is not None and (isinstance(mcl, bool) or not isinstance(mcl, int)):
        raise ValueError(f"max_completion_length={mcl!r}: set it to an int or None")
    if mcl is not None and mcl <= 0:
        raise ValueError(f"max_completion_length={mcl}: set it to a positive int")
    if cfg.loss_type == "dr_grpo" and mcl is None:
        raise ValueError(
            "loss_type='dr_grpo' divides by B * max_completion_length: "
            "set max_completion_length to the generation length limit"
        )


def _check_objective(cfg: LossConfig) -> None:
    """The options beyond the clipped loss: ratio level, delta, cispo/sapo, entropy."""
    if cfg.importance_sampling_level not in IMPORTANCE_LEVELS:
        raise ValueError(
            f"importance_sampling_level={cfg.importance_sampling_level!r}: use one of "
            f"{', '.join(IMPORTANCE_LEVELS)}"
        )
    if cfg.delta is not None:
        if not _finite(cfg.delta) or cfg.delta <= 1.0 + cfg.eps_high:
            raise ValueError(
                f"delta={cfg.delta!r}: set it above the clip ceiling 1 + eps_high = "
                f"{1.0 + cfg.eps_high} (e.g. 4), or none to turn two-sided clipping off"
            )
        if cfg.loss_type not in CLIPPED_LOSSES:
            raise ValueError(
                f"delta caps the clipped ratio of loss types {', '.join(sorted(CLIPPED_LOSSES))}; "
                f"loss_type {cfg.loss_type!r} has no such ratio: set delta none"
            )
    if not _finite(cfg.cispo_max_ratio) or cfg.cispo_max_ratio <= 0.0:
        raise ValueError(f"cispo_max_ratio={cfg.cispo_max_ratio!r}: set it > 0 (5.0 is usual)")
    for name in ("sapo_temperature_pos", "sapo_temperature_neg"):
        value = getattr(cfg, name)
        if not _finite(value) or value <= 0.0:
            raise ValueError(f"{name}={value!r}: set it > 0 (1.0 / 1.05 are SAPO's)")
    q = cfg.top_entropy_quantile
    if not _finite(q) or not 0.0 <= q <= 1.0:
        raise ValueError(
            f"top_entropy_quantile={q!r}: set it in [0, 1] (1.0 keeps every token, 0.2 is "
            "the paper's)"
        )
