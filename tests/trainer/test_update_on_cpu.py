"""The mu-pass GRPO update on a tiny linear policy."""

from __future__ import annotations

import math

import pytest
import torch

from trainer_client.advantages import group_advantages
from trainer_client.logprobs import token_logprobs, token_logprobs_and_entropy
from trainer_client.loss import LOSS_AGGREGATORS, LossConfig, grpo_loss
from trainer_client.update import UpdateConfig, grpo_update, select_rows

F64 = torch.float64
ROWS, COLS, DIM, VOCAB = 6, 5, 4, 7


class LinearPolicy(torch.nn.Module):
    """logits = features @ W^T: a policy with no model code in the way."""

    def __init__(self, seed: int = 0) -> None:
        super().__init__()
        gen = torch.Generator().manual_seed(seed)
        self.weight = torch.nn.Parameter(torch.randn(VOCAB, DIM, generator=gen, dtype=F64))

    def logp(self, batch):
        return token_logprobs(batch["features"] @ self.weight.T, batch["ids"])

    def logp_and_entropy(self, batch):
        return token_logprobs_and_entropy(batch["features"] @ self.weight.T, batch["ids"])


def make_batch(seed: int = 1):
    gen = torch.Generator().manual_seed(seed)
    lengths = torch.tensor([5, 2, 4, 1, 3, 5])
    mask = (torch.arange(COLS)[None, :] < lengths[:, None]).long()
    rewards = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]], dtype=F64)
    adv = group_advantages(rewards).advantages.reshape(-1)
    return {
        "features": torch.randn(ROWS, COLS, DIM, generator=gen, dtype=F64),
        "ids": torch.randint(0, VOCAB, (ROWS, COLS), generator=gen),
        "mask": mask,
        "advantages": adv,
        "truncated": torch.tensor([True, False, False, False, False, True]),
    }


def cfg(loss_type="grpo", **kw):
    kw.setdefault("max_completion_length", COLS)
    return LossConfig(loss_type=loss_type, eps_low=0.2, eps_high=0.28, **kw)


def surrogate(policy, batch, old_logp, loss_config):
    with torch.no_grad():
        loss, _ = grpo_loss(
            policy.logp(batch),
            old_logp,
            batch.get("ref_logp"),
            batch["advantages"],
            batch["mask"],
            config=loss_config,
            truncated=batch.get("truncated"),
        )
    return float(loss)


# cispo's loss is -w * A * logp, whose value is no surrogate of the ratio objective.
@pytest.mark.parametrize("loss_type", sorted(set(LOSS_AGGREGATORS) - {"cispo"}))
def test_mu_passes_decrease_the_loss(loss_type):
    batch = make_batch()
    losses = {}
    for mu in (1, 4):
        policy = LinearPolicy()
        with torch.no_grad():
            old = policy.logp(batch)
        before = surrogate(policy, batch, old, cfg(loss_type))
        opt = torch.optim.SGD(policy.parameters(), lr=0.3)
        metrics = grpo_update(
            batch,
            policy.logp,
            opt,
            loss_config=cfg(loss_type),
            update_config=UpdateConfig(num_iterations=mu, max_grad_norm=None),
        )
        assert metrics["num_optimizer_steps"] == mu
        losses[mu] = surrogate(policy, batch, old, cfg(loss_type))
    assert losses[4] < losses[1] < before


def test_mu_passes_equal_repeated_single_passes_with_fixed_old_logp():
    batch = make_batch()
    policy_a, policy_b = LinearPolicy(), LinearPolicy()
    opt_a = torch.optim.SGD(policy_a.parameters(), lr=0.3)
    opt_b = torch.optim.SGD(policy_b.parameters(), lr=0.3)
    ucfg = UpdateConfig(num_iterations=4, minibatch_size=4)
    metrics = grpo_update(batch, policy_a.logp, opt_a, loss_config=cfg(), update_config=ucfg)
    with torch.no_grad():
        fixed = dict(batch, old_logp=policy_b.logp(batch))
    step_losses = []
    for _ in range(4):
        m = grpo_update(
            fixed,
            policy_b.logp,
            opt_b,
            loss_config=cfg(),
            update_config=UpdateConfig(minibatch_size=4),
        )
        step_losses.append(m["loss"])
    torch.testing.assert_close(policy_a.weight, policy_b.weight, rtol=0, atol=1e-12)
    assert metrics["num_optimizer_steps"] == 8  # 4 passes x ceil(6 / 4) minibatches
    assert metrics["ratio_mean"] != 1.0  # later passes are off-policy
    assert metrics["loss"] == pytest.approx(sum(step_losses) / 4)


def test_single_step_has_ratio_one_and_is_a_plain_gradient_step():
    batch = make_batch()
    policy, manual = LinearPolicy(), LinearPolicy()
    opt = torch.optim.SGD(policy.parameters(), lr=0.5)
    metrics = grpo_update(
        batch,
        policy.logp,
        opt,
        loss_config=cfg("bnpo"),
        update_config=UpdateConfig(max_grad_norm=None),
    )
    assert metrics["ratio_mean"] == 1.0
    assert metrics["clip_frac_region"] == 0.0
    logp = manual.logp(batch)
    loss, _ = grpo_loss(
        logp, logp.detach(), None, batch["advantages"], batch["mask"], config=cfg("bnpo")
    )
    (grad,) = torch.autograd.grad(loss, manual.weight)
    torch.testing.assert_close(
        policy.weight, manual.weight.detach() - 0.5 * grad, rtol=0, atol=1e-12
    )
    assert metrics["loss"] == pytest.approx(float(loss.detach()), abs=1e-12)
    assert metrics["grad_norm"] == pytest.approx(float(grad.norm()), abs=1e-12)


def test_old_logp_is_computed_once_without_grad_before_any_step():
    batch = make_batch()
    policy = LinearPolicy()
    initial = policy.weight.detach().clone()
    calls = []

    def compute_logp(b):
        calls.append((torch.is_grad_enabled(), policy.weight.detach().clone()))
        return policy.logp(b)

    opt = torch.optim.SGD(policy.parameters(), lr=0.3)
    grpo_update(
        batch,
        compute_logp,
        opt,
        loss_config=cfg(),
        update_config=UpdateConfig(num_iterations=2, micro_batch_size=4),
    )
    assert [grad for grad, _ in calls] == [False, False] + [True] * 4
    assert all(torch.equal(w, initial) for _, w in calls[:3])
    assert "old_logp" not in batch  # the caller's batch is left alone


@pytest.mark.parametrize("loss_type", sorted(LOSS_AGGREGATORS))
@pytest.mark.parametrize("mask_truncated", [False, True])
def test_micro_batching_matches_one_full_batch(loss_type, mask_truncated):
    batch = make_batch()
    with torch.no_grad():
        batch["old_logp"] = LinearPolicy(seed=5).logp(batch)  # off-policy: ratios != 1
    weights = {}
    for micro in (None, 1, 4):
        policy = LinearPolicy()
        opt = torch.optim.SGD(policy.parameters(), lr=0.3)
        grpo_update(
            batch,
            policy.logp,
            opt,
            loss_config=cfg(loss_type, mask_truncated=mask_truncated),
            update_config=UpdateConfig(micro_batch_size=micro, max_grad_norm=None),
        )
        weights[micro] = policy.weight.detach()
    full = LinearPolicy()
    loss, _ = grpo_loss(
        full.logp(batch),
        batch["old_logp"],
        None,
        batch["advantages"],
        batch["mask"],
        config=cfg(loss_type, mask_truncated=mask_truncated),
        truncated=batch["truncated"],
    )
    (grad,) = torch.autograd.grad(loss, full.weight)
    expected = full.weight.detach() - 0.3 * grad
    torch.testing.assert_close(weights[None], expected, rtol=0, atol=1e-12)
    if loss_type == "bnpo":  # local-batch token mean: depends on the micro-batch size
        assert not torch.allclose(weights[1], expected, rtol=0, atol=1e-9)
    else:
        torch.testing.assert_close(weights[1], expected, rtol=0, atol=1e-12)
        torch.testing.assert_close(weights[4], expected, rtol=0, atol=1e-12)


def test_gradient_clipping_bounds_the_step():
    batch = make_batch()
    policy = LinearPolicy()
    before = policy.weight.detach().clone()
    opt = torch.optim.SGD(policy.parameters(), lr=1.0)
    metrics = grpo_update(
        batch,
        policy.logp,
        opt,
        loss_config=cfg(),
        update_config=UpdateConfig(max_grad_norm=1e-3),
    )
    assert metrics["grad_norm"] > 1e-3
    step = (policy.weight.detach() - before).norm().item()
    assert step == pytest.approx(1e-3, rel=1e-4)  # torch adds 1e-6 to the norm


def test_kl_and_entropy_metrics_with_reference():
    batch = make_batch()
    with torch.no_grad():
        batch["ref_logp"] = LinearPolicy(seed=3).logp(batch)
    policy = LinearPolicy()
    opt = torch.optim.SGD(policy.parameters(), lr=0.1)
    metrics = grpo_update(
        batch,
        policy.logp_and_entropy,
        opt,
        loss_config=cfg(beta=0.04),
        update_config=UpdateConfig(num_iterations=2),
    )
    assert metrics["kl"] > 0
    assert 0 < metrics["entropy"] < math.log(VOCAB)
    assert {
        "clip_frac_low",
        "clip_frac_high",
        "clip_frac_region",
        "ratio_mean",
        "loss",
        "grad_norm",
    } <= metrics.keys()


def test_shuffled_minibatches_are_reproducible():
    batch = make_batch()
    results = []
    for _ in range(2):
        policy = LinearPolicy()
        opt = torch.optim.SGD(policy.parameters(), lr=0.3)
        grpo_update(
            batch,
            policy.logp,
            opt,
            loss_config=cfg(),
            update_config=UpdateConfig(num_iterations=3, minibatch_size=2, shuffle_seed=7),
        )
        results.append(policy.weight.detach())
    torch.testing.assert_close(results[0], results[1], rtol=0, atol=0)


def test_select_rows_keeps_only_kept_samples():
    rewards = torch.tensor([[1.0, 0.0, float("nan")], [1.0, 1.0, 1.0]], dtype=F64)
    adv = group_advantages(rewards)
    batch = make_batch()
    batch["advantages"] = adv.advantages.reshape(-1)
    batch["tag"] = "not a tensor"
    kept = select_rows(batch, adv.keep_index)
    assert kept["mask"].shape[0] == 2 and kept["tag"] == "not a tensor"
    policy = LinearPolicy()
    opt = torch.optim.SGD(policy.parameters(), lr=0.3)
    metrics = grpo_update(kept, policy.logp, opt, loss_config=cfg())
    assert math.isfinite(metrics["loss"])


@pytest.mark.parametrize(
    ("change", "loss_config", "message"),
    [
        (lambda b: b.pop("advantages"), cfg(), "needs 'mask' and 'advantages'"),
        (lambda b: None, cfg(beta=0.1), "batch\\['ref_logp'\\]"),
        (lambda b: b.pop("truncated"), cfg(mask_truncated=True), "batch\\['truncated'\\]"),
        (lambda b: b.update(ids=b["ids"][:3]), cfg(), "every tensor must"),
    ],
)
def test_bad_batches_are_refused(change, loss_config, message):
    batch = make_batch()
    change(batch)
    policy = LinearPolicy()
    opt = torch.optim.SGD(policy.parameters(), lr=0.3)
    with pytest.raises(ValueError, match=message):
        grpo_update(batch, policy.logp, opt, loss_config=loss_config)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"num_iterations": 0}, "num_iterations"),
        ({"num_iterations": 1.5}, "num_iterations"),
        ({"minibatch_size": 0}, "minibatch_size"),
        ({"micro_batch_size": -2}, "micro_batch_size"),
        ({"max_grad_norm": 0.0}, "max_grad_norm"),
        ({"max_grad_norm": float("nan")}, "max_grad_norm"),
    ],
)
def test_invalid_update_config_says_what_to_change(kwargs, message):
    with pytest.raises(ValueError, match=message):
        UpdateConfig(**kwargs)
