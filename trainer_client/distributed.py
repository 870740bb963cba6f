"""Data parallelism across processes (``torchrun``; gloo on CPU, nccl on GPUs).

Every rank holds the whole model (same seed, same initial weights), samples its own
prompts (task and sampling seeds offset by rank), scores them on its own stream and
computes its own loss. Before every optimizer step the gradients are averaged over the
ranks (before clipping), so the weights stay identical everywhere. The update is the one
a single process would take on all the ranks' rows: the loss normalisers (dapo/cispo's
active-token count, the row count of the other types) are summed over the ranks, and
``scale_rewards="batch"`` takes its std over every rank's rewards. Only rank 0 writes
metrics, checkpoints and the summary, and runs the held-out evaluations.

Every rank must take the same number of optimizer steps per GRPO step: ``minibatch_size``
must be None (one step per pass), and a rank with nothing to learn from (all groups
zero-variance) still joins each step with zero gradients.
"""

from __future__ import annotations

import os

import torch
import torch.distributed as dist


def init_from_env() -> bool:
    """Join the process group when started by torchrun (``WORLD_SIZE`` > 1)."""
    if int(os.environ.get("WORLD_SIZE", "1")) > 1 and not dist.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        dist.init_process_group(backend=backend)
        return True
    return False


def rank() -> int:
    return dist.get_rank() if dist.is_initialized() else 0


def world_size() -> int:
    return dist.get_world_size() if dist.is_initialized() else 1


def is_main() -> bool:
    return rank() == 0


def average_gradients(params: list[torch.nn.Parameter]) -> None:
    """All-reduce every gradient to its mean over ranks; missing gradients count as 0."""
    n = world_size()
    if n == 1:
        return
    for p in params:
        if p.grad is None:
            p.grad = torch.zeros_like(p)
        dist.all_reduce(p.grad, op=dist.ReduceOp.SUM)
        p.grad.div_(n)


class DistributedAdamW(torch.optim.AdamW):
    """AdamW that averages gradients over the ranks before each step.

    A caller that clips gradients calls :meth:`average_gradients` first (so every rank
    clips the same global gradient); the step then does not average them again.
    """

    _averaged = False

    def average_gradients(self) -> None:
        average_gradients([p for g in self.param_groups for p in g["params"]])
        self._averaged = True

    def step(self, closure=None):  # type: ignore[override]
        if not self._averaged:
            average_gradients([p for g in self.param_groups for p in g["params"]])
        self._averaged = False
        return super().step(closure)


def all_sum(t: torch.Tensor) -> torch.Tensor:
    """The sum of ``t`` over the ranks (a new tensor; ``t`` itself on one process)."""
    if world_size() == 1:
        return t
    out = t.clone()
    dist.all_reduce(out, op=dist.ReduceOp.SUM)
    return out


def all_gather_rows(t: torch.Tensor) -> torch.Tensor:
    """Every rank's ``t`` (1-D, any length per rank) concatenated in rank order."""
    if world_size() == 1:
        return t
    length = torch.tensor([t.numel()], dtype=torch.long)
    lengths = [torch.zeros_like(length) for _ in range(world_size())]
    dist.all_gather(lengths, length)
    longest = int(max(int(n) for n in lengths))
    padded = torch.zeros(longest, dtype=t.dtype)
    padded[: t.numel()] = t
    parts = [torch.zeros_like(padded) for _ in range(world_size())]
    dist.all_gather(parts, padded)
    return torch.cat([p[: int(n)] for p, n in zip(parts, lengths, strict=True)])


def all_mean(values: dict[str, float]) -> dict[str, float]:
    """Mean of each scalar over the ranks (every rank must pass the same keys)."""
    if world_size() == 1 or not values:
        return dict(values)
    keys = sorted(values)
    t = torch.tensor([float(values[k]) for k in keys], dtype=torch.float64)
    dist.all_reduce(t, op=dist.ReduceOp.SUM)
    return {k: float(v) / world_size() for k, v in zip(keys, t.tolist(), strict=True)}


def barrier() -> None:
    if dist.is_initialized():
        dist.barrier()


def check_in_sync(model: torch.nn.Module) -> None:
    """Raise if the ranks' weights have drifted apart (compares a weight checksum)."""
    if world_size() == 1:
        return
    with torch.no_grad():
        total = sum(p.double().sum() for p in model.parameters())
        checksum = torch.as_tensor(total, dtype=torch.float64).reshape(1)
    low, high = checksum.clone(), checksum.clone()
    dist.all_reduce(low, op=dist.ReduceOp.MIN)
    dist.all_reduce(high, op=dist.ReduceOp.MAX)
    if not torch.equal(low, high):
        raise RuntimeError(
            f"rank {rank()}: weights differ across ranks (checksums {float(low)} .. "
            f"{float(high)}); every rank must take the same optimizer steps"
        )


def make_optimizer(
    model: torch.nn.Module, lr: float, weight_decay: float = 0.0
) -> torch.optim.Optimizer:
    """AdamW; under torchrun, one that averages gradients over the ranks first."""
    cls = DistributedAdamW if world_size() > 1 else torch.optim.AdamW
    return cls(model.parameters(), lr=lr, weight_decay=weight_decay, betas=(0.9, 0.99))
