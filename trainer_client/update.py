"""The GRPO policy update: mu optimisation passes over one rollout batch.

Model-agnostic: the caller passes ``compute_logp(batch) -> (B, T)`` (a closure over its
model) and a torch optimizer. One rollout batch is a mapping of tensors whose first
dimension is its ``B`` rows::

    "mask"        (B, T)  1 for completion tokens, 0 for padding      required
    "advantages"  (B,)    or (B, T)                                   required
    "old_logp"    (B, T)  sampling-policy log-probs                   optional
    "ref_logp"    (B, T)  frozen-reference log-probs                  if beta > 0
    "truncated"   (B,)    bool, hit the length limit                  if mask_truncated
    "is_ratio"    (B, T)  sampler-mismatch weights                    optional
    anything else         passed to compute_logp, sliced by rows

Samples to drop (unjudged, zero-variance groups) should be removed first, e.g.
``select_rows(batch, adv.keep_index)``.

Each pass splits the rows into minibatches of ``minibatch_size``; each minibatch is one
optimizer step, accumulated over micro-batches of ``micro_batch_size`` rows. Micro-batch
losses are weighted by their share of the minibatch's rows (TRL divides by the number of
accumulation steps; the same when micro-batches are equal), except ``dapo`` and
``cispo``, which normalise every micro-batch by the minibatch's active-token count
instead. Hence every loss type but ``bnpo`` (local token mean, as documented by TRL)
gives the same gradient whatever the micro-batch size (``top_entropy_quantile < 1``
picks its tokens per micro-batch, as TRL). Under torchrun the row and token counts are
summed over the ranks first, and gradients are averaged before clipping, so N ranks
take exactly the step one process takes on all their rows.

``old_logp``: the log-probs of the policy that sampled the batch. If the batch does not
carry them and there is exactly one optimizer step (mu == 1, one minibatch), they are
``logp.detach()`` and the ratio is exactly 1; otherwise they are computed once, without
gradient, before the first step.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import Tensor

from trainer_client import distributed
from trainer_client.loss import (
    GLOBAL_NORMALISED,
    LossConfig,
    grpo_loss,
    mask_truncated_completions,
)

LogpFn = Callable[[Mapping[str, Any]], "Tensor | tuple[Tensor, Tensor]"]
"""``compute_logp(batch) -> logp (B, T)`` or ``(logp, entropies)``, both ``(B, T)``."""


@dataclass(frozen=True)
class UpdateConfig:
    """Settings of :func:`grpo_update`; checked on construction."""

    num_iterations: int = field(
        default=1, metadata={"help": "mu: optimisation passes over each rollout batch."}
    )
    minibatch_size: int | None = field(
        default=None,
        metadata={"help": "Rows per optimizer step; none = the whole batch (one step per pass)."},
    )
    micro_batch_size: int | None = field(
        default=None,
        metadata={
            "help": "Rows per forward/backward (gradient accumulation); none = the minibatch."
        },
    )
    max_grad_norm: float | None = field(
        default=1.0, metadata={"help": "Gradient-norm clip; none = off."}
    )
    shuffle_seed: int | None = field(
        default=None,
        metadata={"help": "Shuffle rows each pass with this seed; None = keep order."},
    )

    def __post_init__(self) -> None:
        if not _pos_int(self.num_iterations):
            raise ValueError(f"num_iterations={self.num_iterations!r}: set it to an int >= 1 (mu)")
        for name in ("minibatch_size", "micro_batch_size"):
            value = getattr(self, name)
            if value is not None and not _pos_int(value):
                raise ValueError(f"{name}={value!r}: set it to an int >= 1 or None")
        mgn = self.max_grad_norm
        if mgn is not None and not (
            isinstance(mgn, int | float) and math.isfinite(mgn) and mgn > 0
        ):
            raise ValueError(f"max_grad_norm={mgn!r}: set it to a number > 0 or None")


def _pos_int(x: object) -> bool:
    return isinstance(x, int) and not isinstance(x, bool) and x >= 1


def select_rows(batch: Mapping[str, Any], index: Tensor | slice) -> dict[str, Any]:
    """Rows ``index`` of every tensor in ``batch``; other values are passed through."""
    return {k: v[index] if isinstance(v, Tensor) else v for k, v in batch.items()}


def grpo_update(
    batch: Mapping[str, Any],
    compute_logp: LogpFn,
    optimizer: torch.optim.Optimizer,
    *,
    loss_config: LossConfig,
    update_config: UpdateConfig | None = None,
) -> dict[str, float]:
    """Run ``num_iterations`` passes of clipped-GRPO steps on one rollout batch.

    Args:
        batch: the rollout batch (see the module docstring).
        compute_logp: ``batch -> (B, T)`` current-policy log-probs of the batch's
            tokens, with gradient; may return ``(logp, entropies)``.
        optimizer: steps the parameters ``compute_logp`` depends on.
        loss_config: :class:`~trainer_client.loss.LossConfig`.
        update_config: :class:`UpdateConfig`; defaults to one pass, one step.

    Returns:
        Means over all micro-batches of the :func:`~trainer_client.loss.grpo_loss`
        metrics, plus ``loss`` (mean per optimizer step), ``grad_norm`` (before
        clipping, mean per step) and ``num_optimizer_steps``.
    """
    cfg = update_config or UpdateConfig()
    rows = _check_batch(batch, loss_config)
    mb_size = cfg.minibatch_size or rows
    micro_size = min(cfg.micro_batch_size or mb_size, mb_size)
    steps_per_pass = math.ceil(rows / mb_size)

    batch = dict(batch)
    if "old_logp" not in batch and cfg.num_iterations * steps_per_pass > 1:
        batch["old_logp"] = _old_logp(batch, compute_logp, rows, micro_size)

    generator = None
    if cfg.shuffle_seed is not None:
        generator = torch.Generator().manual_seed(cfg.shuffle_seed)
    sums: dict[str, float] = {}
    num_micro = 0
    step_losses: list[float] = []
    grad_norms: list[float] = []
    for _ in range(cfg.num_iterations):
        order = torch.arange(rows)
        if generator is not None:  # a new order each pass
            order = torch.randperm(rows, generator=generator)
        for start in range(0, rows, mb_size):
            minibatch = select_rows(batch, order[start : start + mb_size])
            loss, micro_metrics = _accumulate(minibatch, compute_logp, loss_config, micro_size)
            for metrics in micro_metrics:
                for key, value in metrics.items():
                    sums[key] = sums.get(key, 0.0) + value
            num_micro += len(micro_metrics)
            grad_norms.append(optimizer_step(optimizer, cfg.max_grad_norm))
            step_losses.append(loss)

    return {
        **{key: value / num_micro for key, value in sums.items()},
        "loss": sum(step_losses) / len(step_losses),
        "grad_norm": sum(grad_norms) / len(grad_norms),
        "num_optimizer_steps": float(len(step_losses)),
    }


def optimizer_step(optimizer: torch.optim.Optimizer, max_grad_norm: float | None) -> float:
    """Average the gradients over the ranks (torchrun), clip them, step and clear them;
    return the norm before clipping. Averaging comes first so that every rank clips the
    same global gradient, as one process would."""
    params = [p for group in optimizer.param_groups for p in group["params"]]
    sync = getattr(optimizer, "average_gradients", None)
    if sync is not None:
        sync()
    norm = torch.nn.utils.clip_grad_norm_(
        params, max_grad_norm if max_grad_norm is not None else math.inf
    )
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    return float(norm)


def _normalisers(
    minibatch: Mapping[str, Any], loss_config: LossConfig
) -> tuple[float, Tensor | None]:
    """What this rank divides by: its rows for the row-weighted loss types, and the
    active-token count of the accumulated batch for ``dapo``/``cispo``.

    Under torchrun both are the totals over every rank divided by the number of ranks, so
    that averaging the ranks' gradients gives exactly the update of one process holding
    all their rows, however unevenly the rows (and tokens) are spread.
    """
    rows: float = minibatch["mask"].size(0)
    num_items = None
    if loss_config.loss_type in GLOBAL_NORMALISED:
        mask = minibatch["mask"]
        if loss_config.mask_truncated:
            mask = mask_truncated_completions(mask, minibatch["truncated"])
        num_items = mask.sum()  # active tokens of the accumulated batch
    if distributed.world_size() > 1:
        tokens = 0.0 if num_items is None else float(num_items)
        totals = distributed.all_sum(torch.tensor([float(rows), tokens], dtype=torch.float64))
        rows = float(totals[0]) / distributed.world_size()
        if num_items is not None:
            num_items = totals[1].clamp(min=1) / distributed.world_size()
    elif num_items is not None:
        num_items = num_items.clamp(min=1)
    return rows, num_items


def join_empty_update(
    optimizer: torch.optim.Optimizer, num_iterations: int, max_grad_norm: float | None
) -> None:
    """A rank with no rows to learn from joins every collective of the others' update
    (the normaliser sums, then each step's gradient averaging) with zeros."""
    for _ in range(num_iterations):
        distributed.all_sum(torch.zeros(2, dtype=torch.float64))
        optimizer.zero_grad(set_to_none=True)
        optimizer_step(optimizer, max_grad_norm)


def _accumulate(
    minibatch: Mapping[str, Any],
    compute_logp: LogpFn,
    loss_config: LossConfig,
    micro_size: int,
) -> tuple[float, list[dict[str, float]]]:
    """Backward every micro-batch of one minibatch; return its loss and metrics."""
    rows = minibatch["mask"].size(0)
    row_norm, num_items = _normalisers(minibatch, loss_config)
    total = 0.0
    metrics: list[dict[str, float]] = []
    for start in range(0, rows, micro_size):
        micro = select_rows(minibatch, slice(start, start + micro_size))
        logp, entropies = _call(compute_logp, micro)
        old_logp = micro.get("old_logp")
        loss, m = grpo_loss(
            logp,
            logp.detach() if old_logp is None else old_logp,
            micro.get("ref_logp"),
            micro["advantages"],
            micro["mask"],
            config=loss_config,
            truncated=micro.get("truncated"),
            entropies=entropies,
            num_items_in_batch=num_items,
            is_ratio=micro.get("is_ratio"),
        )
        if num_items is None:
            loss = loss * (micro["mask"].size(0) / row_norm)  # share of the minibatch rows
        loss.backward()
        total += float(loss.detach())
        metrics.append(m)
    return total, metrics


@torch.no_grad()
def _old_logp(batch: Mapping[str, Any], compute_logp: LogpFn, rows: int, micro_size: int) -> Tensor:
    """Log-probs of the policy before any step, ``(B, T)``, without gradient."""
    parts = [
        _call(compute_logp, select_rows(batch, slice(s, s + micro_size)))[0]
        for s in range(0, rows, micro_size)
    ]
    return torch.cat(parts, dim=0).detach()


def _call(compute_logp: LogpFn, batch: Mapping[str, Any]) -> tuple[Tensor, Tensor | None]:
    out = compute_logp(batch)
    if isinstance(out, tuple):
        logp, entropies = out
        return logp, entropies
    return out, None


def _check_batch(batch: Mapping[str, Any], loss_config: LossConfig) -> int:
    """Check required keys and row counts; return ``B``."""
    for key in ("mask", "advantages"):
        if key not in batch:
            raise ValueError(f"batch has no {key!r}; it needs 'mask' and 'advantages'")
    if loss_config.beta > 0.0 and "ref_logp" not in batch:
        raise ValueError("beta > 0 needs batch['ref_logp']; add it or set beta=0")
    if loss_config.mask_truncated and "truncated" not in batch:
        raise ValueError("mask_truncated needs batch['truncated'] of shape (B,)")
    rows = batch["mask"].size(0)
    if rows == 0:
        raise ValueError("the batch is empty")
    for key, value in batch.items():
        if isinstance(value, Tensor) and (value.dim() == 0 or value.size(0) != rows):
            raise ValueError(
                f"batch[{key!r}] has shape {tuple(value.shape)}; every tensor must "
                f"have the {rows} rows of batch['mask'] first"
            )
    return rows
