"""How each ``loss_type`` turns per-token losses into one scalar.

Following TRL 1.16's ``GRPOConfig.loss_type`` and ``GRPOTrainer._compute_loss``:

* ``grpo`` and ``sapo``: mean over each sequence's tokens, then mean over sequences
  ``mean_i( sum_t(l*m)_i / max(sum_t m_i, 1) )``. Length-biased; the original GRPO.
* ``bnpo``: token mean over the local batch ``sum(l*m) / max(sum(m), 1)``. TRL: "the
  number of active tokens in the local batch"; depends on the micro-batch size.
* ``dr_grpo``: ``sum(l*m) / (B * max_completion_length)``, a global constant
  (Dr. GRPO, arXiv 2503.20783).
* ``dapo`` and ``cispo``: ``sum(l*m) / num_items_in_batch``, where ``num_items_in_batch``
  is the number of active tokens in the global accumulated batch (every micro-batch of
  one optimizer step, on every rank), so that the summed micro-batch losses are one token
  mean over the whole batch (DAPO, arXiv 2503.14476). Without it, the local token count
  is used and ``dapo`` equals ``bnpo``. TRL counts the tokens after truncated
  completions are masked, as :func:`trainer_client.update.grpo_update` does. Under data
  parallelism each rank passes the global count divided by the number of ranks, so that
  averaging the ranks' gradients gives the global token mean (TRL does the same).

TRL divides the per-sequence and local types by the number of gradient-accumulation
steps but not ``dapo``/``cispo``; here that scaling lives in the update loop
(``GLOBAL_NORMALISED`` tells which losses already carry their global normaliser).
"""

from __future__ import annotations

from collections.abc import Callable

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
    "cispo": aggregate_dapo,
    "sapo": aggregate_grpo,
}
"""``loss_type`` -> aggregation ``fn(per_token, mask, *, max_completion_length,
num_items_in_batch) -> scalar``."""

GLOBAL_NORMALISED = frozenset({"dapo", "cispo"})
"""Loss types whose normaliser already spans every micro-batch of an optimizer step."""

CLIPPED_LOSSES = frozenset({"grpo", "bnpo", "dr_grpo", "dapo"})
"""Loss types built on the clipped ratio (``eps_low``/``eps_high``, ``delta``)."""


def get_loss_aggregator(loss_type: str) -> Aggregator:
    """Return the aggregation for ``loss_type``; ValueError listing valid names."""
    try:
        return LOSS_AGGREGATORS[loss_type]
    except KeyError:
        valid = ", ".join(sorted(LOSS_AGGREGATORS))
        raise ValueError(f"unknown loss_type {loss_type!r}; valid loss types: {valid}") from None
