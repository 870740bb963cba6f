"""Group-relative advantages for GRPO, from per-completion rewards.

For each prompt the trainer samples a group of G completions; a completion's advantage is
its reward minus its group's mean, optionally divided by a standard deviation:

* ``scale="group"``: the group's std (DeepSeekMath GRPO; TRL ``scale_rewards="group"``),
* ``scale="batch"``: the std of every judged reward in the batch (PPO-Lite; TRL
  ``scale_rewards="batch"``); under torchrun the batch is every rank's rewards
  (``batch_rewards``), as TRL gathers them,
* ``scale="none"``: no scaling (Dr. GRPO; TRL ``scale_rewards="none"``).

As in TRL's ``GRPOTrainer``, stds are unbiased (Bessel-corrected) and the division is
``(r - mean) / (std + eps)`` with ``eps = 1e-4``.

A reward of NaN means the completion could not be judged (``INFRA_ERROR``). Such a sample
is dropped: it is left out of its group's mean and std and out of the batch std, its
advantage is 0 and ``keep`` is False for it, so it must not reach the loss. It is never
counted as a reward of 0.

A group whose judged rewards all agree (std 0), or that has fewer than two judged samples,
carries no relative signal: it is reported in ``zero_std`` / ``frac_zero_std`` and its
samples are left out of ``keep`` (DAPO's dynamic-sampling filter).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

SCALES = ("group", "batch", "none")
"""Valid values of ``scale`` in :func:`group_advantages`."""

_ZERO_STD_ATOL = 1e-8


@dataclass(frozen=True)
class Advantages:
    """Result of :func:`group_advantages`.

    Per-sample fields have the shape of the rewards passed in: ``(num_groups, G)`` or
    ``(N,)``. Per-group fields are ``(num_groups,)``, in the order of ``group_keys``.
    """

    advantages: Tensor
    """Per sample; 0.0 where ``keep`` is False."""
    valid: Tensor
    """Per sample, bool: the reward was judged (not NaN)."""
    keep: Tensor
    """Per sample, bool: ``valid`` and the group has a nonzero std. Feed only these."""
    group_keys: Tensor
    """``(num_groups,)`` group ids (``arange`` for 2-D rewards, sorted unique ids else)."""
    group_mean: Tensor
    """``(num_groups,)`` mean of judged rewards; NaN if the group has none."""
    group_std: Tensor
    """``(num_groups,)`` unbiased std of judged rewards; NaN with fewer than two."""
    zero_std: Tensor
    """``(num_groups,)`` bool: std is 0 or undefined, so the group is filtered."""
    frac_zero_std: float
    """Fraction of groups in ``zero_std``."""
    num_dropped: int
    """Number of samples whose reward was NaN."""

    @property
    def keep_index(self) -> Tensor:
        """``(K,)`` flat indices of kept samples (index rows of the flattened batch)."""
        return self.keep.reshape(-1).nonzero().squeeze(1)


def group_advantages(
    rewards: Tensor,
    group_ids: Tensor | None = None,
    *,
    scale: str = "group",
    eps: float = 1e-4,
    batch_rewards: Tensor | None = None,
) -> Advantages:
    """Compute group-relative advantages, dropping unjudged samples.

    Args:
        rewards: ``(num_groups, G)`` with one row per group, or ``(N,)`` together with
            ``group_ids``. NaN marks a sample that could not be judged.
        group_ids: ``(N,)`` integer group id of each flat reward; groups may be of
            different sizes and in any order. Must be None for 2-D rewards.
        scale: ``"group"``, ``"batch"`` or ``"none"`` (see the module docstring).
        eps: added to the std before dividing.
        batch_rewards: for ``scale="batch"``, the rewards whose std scales the batch
            (NaN = unjudged), e.g. every rank's under torchrun; default ``rewards``.

    Returns:
        :class:`Advantages`; per-sample tensors have the shape of ``rewards``.
    """
    if scale not in SCALES:
        raise ValueError(f"unknown scale {scale!r}; valid values: {', '.join(SCALES)}")
    if not (eps >= 0.0 and math.isfinite(eps)):
        raise ValueError(f"eps must be a finite number >= 0, got {eps!r}")
    if not rewards.is_floating_point():
        rewards = rewards.to(torch.get_default_dtype())
    flat, inverse, keys = _flatten(rewards, group_ids)
    if torch.isinf(flat).any():
        raise ValueError("rewards contain +/-inf; use NaN for a sample that could not be judged")
    num_groups = keys.numel()

    valid = ~torch.isnan(flat)  # (N,) judged samples
    mean, dev, std = _group_moments(flat, valid, inverse, num_groups)
    zero_std = ~(std > _ZERO_STD_ATOL)  # NaN std (< 2 judged) counts as zero-variance
    keep = valid & ~zero_std[inverse]  # (N,)
    pool = flat if batch_rewards is None else batch_rewards.reshape(-1).to(flat.dtype)
    denom = _denominator(scale, flat, pool, std[inverse], eps)  # (N,)
    adv = torch.where(keep, dev / denom, torch.zeros_like(flat))

    shape = rewards.shape
    return Advantages(
        advantages=adv.reshape(shape),
        valid=valid.reshape(shape),
        keep=keep.reshape(shape),
        group_keys=keys,
        group_mean=mean,
        group_std=std,
        zero_std=zero_std,
        frac_zero_std=float(zero_std.sum()) / max(num_groups, 1),
        num_dropped=int((~valid).sum()),
    )


def _group_moments(
    flat: Tensor, valid: Tensor, inverse: Tensor, num_groups: int
) -> tuple[Tensor, Tensor, Tensor]:
    """Per-group mean and unbiased std of the judged rewards, and each sample's deviation
    from its group mean.

    Args:
        flat: ``(N,)`` rewards, NaN where unjudged; ``valid``: ``(N,)`` bool, judged.
        inverse: ``(N,)`` each sample's group index in ``[0, num_groups)``.

    Returns:
        ``(mean, dev, std)``: ``(num_groups,)`` (NaN with no judged sample), ``(N,)`` (0
        for dropped samples), ``(num_groups,)`` (NaN with fewer than two).
    """
    r = torch.where(valid, flat, torch.zeros_like(flat))  # (N,) NaN -> 0, masked below
    w = valid.to(flat.dtype)  # (N,) 1 for judged, 0 for dropped
    count = torch.zeros(num_groups, dtype=flat.dtype).index_add_(0, inverse, w)
    total = torch.zeros(num_groups, dtype=flat.dtype).index_add_(0, inverse, r * w)
    nan = torch.full_like(count, float("nan"))
    mean = torch.where(count > 0, total / count.clamp(min=1), nan)  # (num_groups,)
    dev = (r - mean[inverse].nan_to_num(0.0)) * w  # (N,) deviation, 0 for dropped
    sq = torch.zeros(num_groups, dtype=flat.dtype).index_add_(0, inverse, dev * dev)
    std = torch.where(count > 1, (sq / (count - 1).clamp(min=1)).sqrt(), nan)
    return mean, dev, std


def _denominator(
    scale: str, flat: Tensor, pool: Tensor, sample_group_std: Tensor, eps: float
) -> Tensor:
    """What each deviation is divided by, ``(N,)``: the group std + eps, the batch std
    (over ``pool``'s judged rewards) + eps, or 1 (see the module docstring)."""
    if scale == "group":
        return sample_group_std + eps
    if scale == "batch":
        judged = pool[~torch.isnan(pool)]
        batch_std = judged.std() if judged.numel() > 1 else flat.new_tensor(float("nan"))
        return (batch_std + eps).expand_as(flat)
    return torch.ones_like(flat)


def penalise_truncated(rewards: Tensor, truncated: Tensor, penalty: float) -> Tensor:
    """Subtract ``penalty`` from the reward of every truncated completion.

    The alternative to masking truncated completions out of the loss
    (``LossConfig.mask_truncated``). Apply it before :func:`group_advantages`.
    NaN rewards (unjudged) stay NaN.

    Args:
        rewards: any shape, e.g. ``(num_groups, G)`` or ``(N,)``.
        truncated: bool, same shape: the completion hit the length limit without EOS.
        penalty: amount subtracted, finite and >= 0.

    Returns:
        A new tensor shaped like ``rewards``.
    """
    if not (math.isfinite(penalty) and penalty >= 0.0):
        raise ValueError(f"penalty must be a finite number >= 0, got {penalty!r}")
    if truncated.shape != rewards.shape:
        raise ValueError(
            f"truncated has shape {tuple(truncated.shape)}, "
            f"rewards {tuple(rewards.shape)}; they must match"
        )
    return rewards - penalty * truncated.to(rewards.dtype)


def _flatten(rewards: Tensor, group_ids: Tensor | None) -> tuple[Tensor, Tensor, Tensor]:
    """Return flat rewards ``(N,)``, each sample's group index ``(N,)`` and group ids."""
    if rewards.dim() == 2:
        if group_ids is not None:
            raise ValueError(
                "rewards of shape (num_groups, G) already define the groups; "
                "pass group_ids only with flat (N,) rewards"
            )
        num_groups, size = rewards.shape
        keys = torch.arange(num_groups)
        return rewards.reshape(-1), keys.repeat_interleave(size), keys
    if rewards.dim() == 1:
        if group_ids is None:
            raise ValueError(
                "flat (N,) rewards need group_ids of shape (N,); "
                "or pass rewards shaped (num_groups, G)"
            )
        if group_ids.shape != rewards.shape or group_ids.is_floating_point():
            raise ValueError(
                f"group_ids must be an integer tensor of shape {tuple(rewards.shape)}, "
                f"got {group_ids.dtype} {tuple(group_ids.shape)}"
            )
        keys, inverse = torch.unique(group_ids, return_inverse=True)
        return rewards, inverse, keys
    raise ValueError(f"rewards must be (num_groups, G) or (N,), got shape {tuple(rewards.shape)}")
