"""Parity with TRL 1.16's own code, in float64: advantages, loss and gradient.

TRL's ``GRPOTrainer._compute_loss`` runs on a minimal stand-in object (the attributes it
reads; its per-token log-prob helper returns a leaf tensor, so there is no model), and
its advantage and vLLM importance-sampling code runs as the lines of
``_generate_and_score_completions`` that compute them, taken from TRL's source. The
trainer's ``group_advantages`` and ``grpo_update`` (two micro-batches of gradient
accumulation) see the same rows; loss and gradient must agree to 1e-12 for every loss
type both projects have and every option both share.

Where the trainer differs on purpose, the comparison says so and checks the documented
formula instead:

* dropped rows: the trainer leaves unjudged samples and zero-variance groups out of the
  update (TRL keeps them with advantage 0 in its normalisers), so TRL gets the kept rows;
* micro-batches: the trainer weights each by its share of the rows, TRL divides by the
  number of accumulation steps; the same for equal micro-batches, as here (14 rows kept);
* dapo/cispo: the trainer divides by the exact active-token count of the optimizer
  step; TRL's ``num_items_in_batch * gradient_accumulation_steps / steps_per_generation``
  is that count when ``steps_per_generation`` equals the accumulation steps, as here;
* the KL term is plain k3: TRL's ``use_bias_correction_kl`` (multiply it by the ratio)
  is off in TRL's stand-in;
* cispo's cap is ``cispo_max_ratio``, which TRL reads from ``epsilon_high``.

``python tests/trainer/test_trl_parity.py`` prints the table of max differences.
"""

from __future__ import annotations

import inspect
import math
from collections import defaultdict
from types import CodeType, SimpleNamespace

import pytest
import torch
from trl.trainer import grpo_trainer
from trl.trainer.grpo_trainer import GRPOTrainer

from trainer_client.advantages import group_advantages
from trainer_client.loss import CLIPPED_LOSSES, LOSS_AGGREGATORS, LossConfig
from trainer_client.sampler_correction import sampler_is_ratio
from trainer_client.update import UpdateConfig, grpo_update, select_rows

F64 = torch.float64
G, P, T, MAX_LEN = 4, 5, 7, 7
TOL = 1e-12
TRL_IS_MODE = {"truncate": "token_truncate", "sequence_mask": "sequence_mask"}

OPTIONS: dict[str, dict] = {
    "plain": {},
    "beta=0.04": {"beta": 0.04},
    "sequence": {"importance_sampling_level": "sequence"},
    "delta=1.5": {"delta": 1.5},
    "top_entropy=0.3": {"top_entropy_quantile": 0.3},
    "mask_truncated": {"mask_truncated": True},
    "is_truncate": {"is_mode": "truncate", "is_cap": 1.1},
    "is_sequence_mask": {"is_mode": "sequence_mask", "is_cap": 1.5},
    "scale=batch": {"scale": "batch"},
    "scale=none": {"scale": "none"},
    "all": {
        "beta": 0.04,
        "importance_sampling_level": "sequence",
        "delta": 1.5,
        "top_entropy_quantile": 0.5,
        "mask_truncated": True,
        "is_mode": "truncate",
        "is_cap": 1.1,
        "scale": "batch",
    },
}


# --- TRL's own lines ----------------------------------------------------------------------


def trl_lines(first: str, stop: str, *, include_stop: bool) -> CodeType:
    """Lines of TRL's ``_generate_and_score_completions`` from the one reading ``first``
    to the one reading ``stop``, dedented and compiled."""
    lines = inspect.getsource(GRPOTrainer._generate_and_score_completions).splitlines()
    stripped = [line.strip() for line in lines]
    assert stripped.count(first) >= 1, f"TRL no longer has the line {first!r}"
    start = stripped.index(first)
    end = stripped.index(stop, start) + (1 if include_stop else 0)
    indent = len(lines[start]) - len(lines[start].lstrip())
    body = "\n".join(line[indent:] if line.strip() else "" for line in lines[start:end])
    return compile(body, "trl-grpo_trainer", "exec")


TRL_ADVANTAGES = trl_lines(
    "unscorable_mask = torch.isnan(rewards_per_func).all(dim=1)",
    "advantages = torch.nan_to_num(advantages, nan=0.0)",
    include_stop=True,
)
TRL_IS_RATIO = trl_lines(
    "if self.use_vllm and self.vllm_importance_sampling_correction:",
    "# Compute the per-token log probabilities for the reference model",
    include_stop=False,
)


def trl_advantages(rewards: torch.Tensor, scale: str) -> torch.Tensor:
    stand_in = SimpleNamespace(
        multi_objective_aggregation="sum_then_normalize",
        reward_weights=torch.ones(1, dtype=F64),
        scale_rewards=scale,
    )
    scope = {
        **vars(grpo_trainer),
        "self": stand_in,
        "rewards_per_func": rewards.reshape(-1, 1).clone(),
        "num_generations": G,
        "device": "cpu",
    }
    exec(TRL_ADVANTAGES, scope)
    return scope["advantages"]


def trl_is_ratio(old, sampling, mask, mode: str, cap: float) -> torch.Tensor:
    stand_in = SimpleNamespace(
        use_vllm=True,
        vllm_importance_sampling_correction=True,
        vllm_importance_sampling_mode=TRL_IS_MODE[mode],
        vllm_importance_sampling_clip_max=cap,
        vllm_importance_sampling_clip_min=None,
    )
    scope = {
        **vars(grpo_trainer),
        "self": stand_in,
        "completion_mask": mask.long(),
        "tool_mask": None,
        "old_per_token_logps": old,
        "sampling_per_token_logps": sampling,
    }
    exec(TRL_IS_RATIO, scope)
    return scope["vllm_importance_sampling_ratio"]


class _Accelerator:
    num_processes = 1

    def pad_across_processes(self, t, dim=0, pad_index=0):
        return t

    def gather(self, t):
        return t

    def reduce(self, t, reduction="sum"):
        return t


class TRLStandIn:
    """The attributes ``GRPOTrainer._compute_loss`` reads, and nothing else."""

    get_high_entropy_mask = GRPOTrainer.get_high_entropy_mask

    def __init__(self, cfg: LossConfig, logp, entropies, accumulation: int, use_is: bool):
        self.accelerator = _Accelerator()
        self.aux_loss_enabled = False
        self._entropy_bonus_enabled = False
        self._metrics = defaultdict(lambda: defaultdict(list))
        self.model = SimpleNamespace(training=True)
        self.loss_type = cfg.loss_type
        self.beta = cfg.beta
        self.epsilon_low = cfg.eps_low
        self.epsilon_high = cfg.cispo_max_ratio if cfg.loss_type == "cispo" else cfg.eps_high
        self.importance_sampling_level = cfg.importance_sampling_level
        self.top_entropy_quantile = cfg.top_entropy_quantile
        self.off_policy_mask_threshold = None
        self.use_vllm = use_is
        self.vllm_importance_sampling_correction = use_is
        self.max_completion_length = cfg.max_completion_length
        self.current_gradient_accumulation_steps = accumulation
        self.args = SimpleNamespace(
            use_bias_correction_kl=False,  # the trainer's KL is plain k3 (see the docstring)
            delta=cfg.delta,
            sapo_temperature_pos=cfg.sapo_temperature_pos,
            sapo_temperature_neg=cfg.sapo_temperature_neg,
            steps_per_generation=accumulation,
        )
        self._logp, self._entropies = logp, entropies

    def _get_per_token_logps_and_entropies(self, model, input_ids, *args, **kwargs):
        rows = input_ids[:, 0]  # the stand-in's prompt is the row index
        return self._logp[rows], self._entropies[rows], None


# --- the shared rows --------------------------------------------------------------------


def make_rows(seed: int = 0) -> dict[str, torch.Tensor]:
    """P groups of G ragged completions: a NaN reward, a zero-variance group, ratios far
    outside the clip range, truncated rows, a sampler log-prob that is unknown."""
    gen = torch.Generator().manual_seed(seed)
    rewards = torch.rand(P, G, generator=gen, dtype=F64).round(decimals=1)
    rewards[1, 2] = rewards[4, 0] = math.nan  # unjudged: 14 rows kept, two equal halves
    rewards[3] = 0.5  # zero variance: no signal
    lengths = torch.randint(1, T + 1, (P * G,), generator=gen)
    lengths[0] = T
    mask = (torch.arange(T).unsqueeze(0) < lengths.unsqueeze(1)).to(F64)
    logp = -torch.rand(P * G, T, generator=gen, dtype=F64) * 3 - 0.05
    old = logp + torch.randn(P * G, T, generator=gen, dtype=F64) * 0.4
    return {
        "rewards": rewards,
        "mask": mask,
        "truncated": torch.rand(P * G, generator=gen) < 0.25,
        "logp": logp,
        "old_logp": old,
        "ref_logp": logp + torch.randn(P * G, T, generator=gen, dtype=F64) * 0.3,
        "entropies": torch.rand(P * G, T, generator=gen, dtype=F64) * 2,
        "sampling_logp": torch.where(
            torch.rand(P * G, T, generator=gen) < 0.05,
            torch.tensor(math.nan, dtype=F64),
            old + torch.randn(P * G, T, generator=gen, dtype=F64) * 0.1,
        ),
    }


def loss_config(loss_type: str, option: dict) -> LossConfig:
    keys = {"beta", "importance_sampling_level", "delta", "top_entropy_quantile", "mask_truncated"}
    kw = {k: v for k, v in option.items() if k in keys}
    if loss_type not in CLIPPED_LOSSES:
        kw.pop("delta", None)
    return LossConfig(
        loss_type=loss_type, max_completion_length=MAX_LEN, cispo_max_ratio=1.3, **kw
    )


class Capture(torch.optim.SGD):
    """Records the gradient each step sees (lr 0: the leaf stays put)."""

    def __init__(self, params):
        super().__init__(params, lr=0.0)
        self.grads: list[torch.Tensor] = []

    def step(self, closure=None):
        self.grads.append(self.param_groups[0]["params"][0].grad.clone())
        return super().step(closure)


def ours(rows, cfg: LossConfig, option: dict):
    """Advantages, then grpo_update over the kept rows in two micro-batches."""
    adv = group_advantages(rows["rewards"], scale=option.get("scale", "group"))
    leaf = rows["logp"].clone().requires_grad_(True)
    batch = {
        "row": torch.arange(P * G),
        "mask": rows["mask"],
        "truncated": rows["truncated"],
        "advantages": adv.advantages.reshape(-1),
        "old_logp": rows["old_logp"],
        "ref_logp": rows["ref_logp"],
    }
    if "is_mode" in option:
        batch["is_ratio"] = sampler_is_ratio(
            rows["old_logp"], rows["sampling_logp"], rows["mask"], option["is_mode"],
            option["is_cap"],
        )
    kept = select_rows(batch, adv.keep_index)
    opt = Capture([leaf])
    result = grpo_update(
        kept,
        lambda b: (leaf[b["row"]], rows["entropies"][b["row"]]),
        opt,
        loss_config=cfg,
        update_config=UpdateConfig(
            micro_batch_size=math.ceil(len(adv.keep_index) / 2), max_grad_norm=None
        ),
    )
    return adv.advantages.reshape(-1), adv.keep_index, result["loss"], opt.grads[0]


def trl(rows, cfg: LossConfig, option: dict, keep: torch.Tensor):
    """TRL's advantages, then its _compute_loss per micro-batch on the kept rows."""
    scale = option.get("scale", "group")
    advantages = trl_advantages(rows["rewards"], scale)
    mask = rows["mask"]
    if cfg.mask_truncated:  # as TRL does before anything else
        mask = mask * (~rows["truncated"]).unsqueeze(1).int()
    use_is = "is_mode" in option
    is_ratio = None
    if use_is:
        is_ratio = trl_is_ratio(
            rows["old_logp"], rows["sampling_logp"], mask, option["is_mode"], option["is_cap"]
        )
    leaf = rows["logp"].clone().requires_grad_(True)
    stand_in = TRLStandIn(cfg, leaf, rows["entropies"], 2, use_is)
    micro = math.ceil(len(keep) / 2)
    total = 0.0
    num_items = mask[keep].sum()
    for part in keep.split(micro):
        inputs = {
            "prompt_ids": part.unsqueeze(1),
            "prompt_mask": torch.ones(len(part), 1, dtype=torch.long),
            "completion_ids": torch.zeros(len(part), T, dtype=torch.long),
            "completion_mask": mask[part],
            "advantages": advantages[part],
            "old_per_token_logps": rows["old_logp"][part],
            "ref_per_token_logps": rows["ref_logp"][part],
            "num_items_in_batch": num_items,
        }
        if is_ratio is not None:
            inputs["importance_sampling_ratio"] = is_ratio[part]
        loss = GRPOTrainer._compute_loss(stand_in, None, inputs)
        loss.backward()
        total += float(loss.detach())
    return advantages, total, leaf.grad


def differences(loss_type: str, option_name: str) -> tuple[float, float, float]:
    """Max |ours - TRL| of advantages, loss and gradient, in float64."""
    default = torch.get_default_dtype()
    torch.set_default_dtype(F64)  # TRL builds some constants in the default dtype
    try:
        option = OPTIONS[option_name]
        rows = make_rows()
        cfg = loss_config(loss_type, option)
        adv, keep, loss, grad = ours(rows, cfg, option)
        trl_adv, trl_loss, trl_grad = trl(rows, cfg, option, keep)
    finally:
        torch.set_default_dtype(default)
    return (
        float((adv - trl_adv).abs().max()),
        abs(loss - trl_loss),
        float((grad - trl_grad).abs().max()),
    )


@pytest.mark.parametrize("option_name", sorted(OPTIONS))
@pytest.mark.parametrize("loss_type", sorted(LOSS_AGGREGATORS))
def test_matches_trl(loss_type, option_name):
    d_adv, d_loss, d_grad = differences(loss_type, option_name)
    assert d_adv <= TOL and d_loss <= TOL and d_grad <= TOL, (d_adv, d_loss, d_grad)


def test_the_rows_exercise_what_they_claim():
    """Not vacuous: some ratios are clipped, a row is dropped, a group has no signal,
    the entropy mask and both correction modes change the loss."""
    rows = make_rows()
    adv = group_advantages(rows["rewards"])
    assert len(adv.keep_index) == 14 and adv.zero_std.any() and adv.num_dropped == 2
    ratio = torch.exp(rows["logp"] - rows["old_logp"])[rows["mask"].bool()]
    assert (ratio > 1.28).any() and (ratio < 0.8).any() and (ratio > 1.5).any()
    for name in ("top_entropy=0.3", "is_truncate", "is_sequence_mask", "sequence", "delta=1.5"):
        torch.set_default_dtype(F64)
        try:
            plain = ours(rows, loss_config("dapo", {}), {})[3]
            other = ours(rows, loss_config("dapo", OPTIONS[name]), OPTIONS[name])[3]
        finally:
            torch.set_default_dtype(torch.float32)
        assert (plain - other).abs().max() > 1e-6, name


def parity_table() -> str:
    """Markdown: loss type x option -> max |difference| in loss and gradient."""
    names = sorted(OPTIONS)
    lines = ["| loss_type | " + " | ".join(names) + " |", "|---" * (len(names) + 1) + "|"]
    worst = 0.0
    for loss_type in sorted(LOSS_AGGREGATORS):
        cells = []
        for name in names:
            d_adv, d_loss, d_grad = differences(loss_type, name)
            worst = max(worst, d_adv, d_loss, d_grad)
            cells.append(f"{d_loss:.0e} / {d_grad:.0e}")
        lines.append(f"| {loss_type} | " + " | ".join(cells) + " |")
    lines.append(f"\nloss / gradient max |ours - TRL|; worst of all (advantages too): {worst:.1e}")
    return "\n".join(lines)


if __name__ == "__main__":
    print(parity_table())
