"""One GRPO update on fixed rows, for tests/trainer/test_data_parallel_exact.py.

Run by torchrun with N ranks (each rank takes its share of the groups, unevenly) or as
one process on every group. For each case it runs the trainer's real
``step_advantages`` and ``update_policy`` on a float64 scratch GPT-2 and saves, from
rank 0, the gradient each optimizer step saw (after averaging over the ranks and
clipping) and the weights after the update.

    python dp_update_worker.py OUT_FILE
"""

from __future__ import annotations

import math
import sys

import torch

from trainer_client import distributed
from trainer_client.config import TrainConfig
from trainer_client.distributed import DistributedAdamW
from trainer_client.grpo_step import step_advantages, update_policy
from trainer_client.policy import build_policy
from trainer_client.rollout import Samples, collate, completion_logprobs
from trainer_client.scoring import GroupScores

G = 4
GROUPS_OF_RANK = {0: [0, 1], 1: [2, 3, 4]}  # uneven: 8 and 12 rows
CASES = {
    "dapo-group": {"loss_type": "dapo"},
    "dapo-batch": {"loss_type": "dapo", "scale_rewards": "batch"},
    "dapo-mask-truncated-mu2": {
        "loss_type": "dapo", "mask_truncated": True, "num_iterations": 2, "micro_batch_size": 3,
    },
    "grpo-batch": {"loss_type": "grpo", "scale_rewards": "batch"},
    "dr_grpo-none": {"loss_type": "dr_grpo", "scale_rewards": "none"},
    "cispo": {"loss_type": "cispo", "cispo_max_ratio": 1.1, "num_iterations": 2},
    "sapo-sequence": {"loss_type": "sapo", "importance_sampling_level": "sequence"},
    "rank1-without-signal": {"loss_type": "dapo", "zero_rank1": True},
}
"""Every loss type but bnpo, whose token mean is per micro-batch by definition (TRL's)."""


class Recording(DistributedAdamW):
    """AdamW that keeps the gradient of every step (averaged and clipped by then)."""

    def __init__(self, params, **kw):
        super().__init__(params, **kw)
        self.seen: list[list[torch.Tensor]] = []

    def step(self, closure=None):
        self.seen.append([p.grad.detach().clone() for g in self.param_groups for p in g["params"]])
        return super().step(closure)


def rows_of(groups: list[int], policy, zero_rank1: bool):
    """The same fixed rows in every process: prompts, completions, rewards."""
    gen = torch.Generator().manual_seed(7)
    vocab = len(policy.tokenizer)
    prompts, completions, truncated, scores = [], [], [], []
    for g in range(5):
        lens = torch.randint(2, 9, (G,), generator=gen).tolist()
        prompt = torch.randint(5, vocab, (int(torch.randint(3, 7, (1,), generator=gen)),),
                               generator=gen).tolist()
        rewards = torch.rand(G, generator=gen).round(decimals=1).tolist()
        if g == 1:
            rewards[3] = math.nan  # unjudged
        if zero_rank1 and g in GROUPS_OF_RANK[1]:
            rewards = [0.5] * G  # no signal anywhere on rank 1
        drawn = [torch.randint(5, vocab, (n,), generator=gen).tolist() for n in lens]
        if g not in groups:
            continue
        prompts += [prompt] * G
        completions += drawn
        truncated += [n == 8 for n in lens]
        scores.append(GroupScores(f"g{g}", rewards, ["WRONG"] * G, [{}] * G))
    samples = Samples(prompts, completions, [""] * len(prompts), truncated)
    return samples, scores


def run_case(name: str, options: dict) -> dict[str, object]:
    options = dict(options)
    zero_rank1 = options.pop("zero_rank1", False)
    cfg = TrainConfig.from_flat(
        n_layer=1, n_embd=16, n_head=2, group_size=G, max_new_tokens=8, max_grad_norm=0.05,
        beta=0.0, **options,
    )
    policy = build_policy(cfg)
    model = policy.model.double()
    groups = GROUPS_OF_RANK[distributed.rank()] if distributed.world_size() > 1 else [0, 1, 2, 3, 4]
    samples, scores = rows_of(groups, policy, zero_rank1)
    batch = collate(samples, policy.pad_id)
    with torch.no_grad():
        batch.old_logp, _ = completion_logprobs(
            model, batch.input_ids, batch.attention_mask, batch.prompt_len
        )
    optimizer = Recording(model.parameters(), lr=1e-3)
    adv = step_advantages(scores, batch, cfg)
    sampler = type("Same", (), {"sync_weights": lambda self, m: None})()
    update_policy(model, optimizer, sampler, batch, adv, cfg, None)
    distributed.check_in_sync(model)  # every rank took the same steps
    return {
        "grads": optimizer.seen,
        "weights": [p.detach().clone() for p in model.parameters()],
    }


def main() -> None:
    distributed.init_from_env()
    torch.use_deterministic_algorithms(True)
    results = {name: run_case(name, options) for name, options in CASES.items()}
    if distributed.is_main():
        torch.save(results, sys.argv[1])
    distributed.barrier()


if __name__ == "__main__":
    main()
