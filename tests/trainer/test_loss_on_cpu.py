"""GRPO loss against a reference written as explicit loops over sequences and tokens."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch

from trainer_client.loss import (
    CLIPPED_LOSSES,
    LOSS_AGGREGATORS,
    LossConfig,
    get_loss_aggregator,
    grpo_loss,
    kl_k3,
    mask_truncated_completions,
)

F64 = torch.float64
NAN = float("nan")
INF = float("inf")
EPS_LOW, EPS_HIGH = 0.1, 0.3  # ratio clipped to [0.9, 1.3]
MAX_LEN = 6

# 3 completions x 4 tokens; row 1 has 2 tokens, row 2 has 3, row 0 has 4.
MASK = torch.tensor([[1, 1, 1, 1], [1, 1, 0, 0], [1, 1, 1, 0]])
# log-ratio logp - old_logp per token; exp gives the ratio:
#   -0.3 -> 0.741 (< 0.9), 0.4 -> 1.492 (> 1.3), 0.05 -> 1.051, 0.0 -> 1.
LOG_RATIO = [[-0.3, 0.4, 0.05, 0.0], [0.4, -0.3, 0.0, 0.0], [0.1, -0.2, 0.5, 0.0]]
LOGP = [[-1.2, -0.4, -2.3, -0.9], [-0.7, -1.6, 5.0, 5.0], [-0.2, -3.1, -1.1, 7.0]]
REF = [[-1.0, -0.5, -2.0, -1.3], [-0.9, -1.1, NAN, NAN], [-0.3, -2.6, -1.5, NAN]]
# A > 0 on row 0 (clips high), A < 0 on row 1 (clips low), A > 0 on row 2.
ADV = [1.5, -0.7, 0.4]
ENTROPY = [[0.5, 1.0, 1.5, 2.0], [0.1, 0.3, 9.0, 9.0], [2.0, 1.0, 0.0, 9.0]]


def tensors():
    """logp (with grad), old_logp (-inf in padding), ref_logp (NaN in padding), A."""
    logp = torch.tensor(LOGP, dtype=F64, requires_grad=True)
    old = torch.tensor(LOGP, dtype=F64) - torch.tensor(LOG_RATIO, dtype=F64)
    old = torch.where(MASK.bool(), old, torch.tensor(-INF, dtype=F64))
    return logp, old, torch.tensor(REF, dtype=F64), torch.tensor(ADV, dtype=F64)


def ref_token_loss(logp, old, ref, adv, i, t, beta):
    """-min(r A, clip(r, 1-el, 1+eh) A) + beta * k3, for one token."""
    r = torch.exp(logp[i, t] - old[i, t])
    a = adv[i]
    clipped = torch.clamp(r, 1.0 - EPS_LOW, 1.0 + EPS_HIGH)
    loss = -torch.minimum(r * a, clipped * a)
    if beta > 0:
        d = ref[i, t] - logp[i, t]
        loss = loss + beta * (torch.exp(d) - d - 1.0)
    return loss


def ref_loss(logp, old, ref, adv, mask, loss_type, beta, num_items=None):
    """The four aggregations with Python loops over sequences and tokens."""
    rows, cols = mask.shape
    seq_means = []
    total = torch.zeros((), dtype=F64)
    count = 0
    for i in range(rows):
        seq_sum = torch.zeros((), dtype=F64)
        seq_count = 0
        for t in range(cols):
            if mask[i, t]:
                tok = ref_token_loss(logp, old, ref, adv, i, t, beta)
                seq_sum = seq_sum + tok
                seq_count += 1
        seq_means.append(seq_sum / max(seq_count, 1))
        total = total + seq_sum
        count += seq_count
    if loss_type == "grpo":
        return sum(seq_means) / rows
    if loss_type == "bnpo":
        return total / max(count, 1)
    if loss_type == "dr_grpo":
        return total / (rows * MAX_LEN)
    if loss_type == "dapo":
        return total / (count if num_items is None else num_items)
    raise AssertionError(loss_type)


def assert_close(a, b):
    torch.testing.assert_close(a, b, rtol=0, atol=1e-6)


def config(loss_type, beta=0.0, **kw):
    return LossConfig(
        loss_type=loss_type,
        eps_low=EPS_LOW,
        eps_high=EPS_HIGH,
        beta=beta,
        max_completion_length=MAX_LEN,
        **kw,
    )


# The clipped loss types; cispo and sapo are checked against TRL in test_trl_parity.py.
@pytest.mark.parametrize("loss_type", sorted(CLIPPED_LOSSES))
@pytest.mark.parametrize("beta", [0.0, 0.05])
def test_loss_and_grad_match_loop_reference(loss_type, beta):
    logp, old, ref, adv = tensors()
    ref_in = ref if beta > 0 else None  # beta 0: no reference at all
    loss, _ = grpo_loss(logp, old, ref_in, adv, MASK, config=config(loss_type, beta))
    expected = ref_loss(logp, old, ref, adv, MASK, loss_type, beta)
    assert_close(loss, expected)
    (grad,) = torch.autograd.grad(loss, logp)
    (expected_grad,) = torch.autograd.grad(expected, logp)
    assert_close(grad, expected_grad)
    assert torch.isfinite(grad).all()
    assert (grad[~MASK.bool()] == 0).all()  # padding gets no gradient


def test_dapo_uses_global_token_count():
    logp, old, ref, adv = tensors()
    cfg = config("dapo")
    loss, _ = grpo_loss(logp, old, None, adv, MASK, config=cfg, num_items_in_batch=20)
    expected = ref_loss(logp, old, ref, adv, MASK, "dapo", 0.0, num_items=20)
    assert_close(loss, expected)
    (grad,) = torch.autograd.grad(loss, logp)
    (expected_grad,) = torch.autograd.grad(expected, logp)
    assert_close(grad, expected_grad)


def test_dapo_without_global_count_equals_bnpo():
    logp, old, _, adv = tensors()
    dapo, _ = grpo_loss(logp, old, None, adv, MASK, config=config("dapo"))
    bnpo, _ = grpo_loss(logp, old, None, adv, MASK, config=config("bnpo"))
    assert_close(dapo, bnpo)


def test_loss_types_differ_on_ragged_batch():
    logp, old, _, adv = tensors()
    values = {
        name: float(grpo_loss(logp, old, None, adv, MASK, config=config(name))[0].detach())
        for name in ("grpo", "bnpo", "dr_grpo")
    }
    assert len({round(v, 9) for v in values.values()}) == 3


def test_clip_sides_and_gradient_zeroing():
    # One token per row: every combination of ratio side and advantage sign.
    log_ratio = torch.tensor([[0.4], [-0.3], [-0.3], [0.4]], dtype=F64)
    adv = torch.tensor([1.0, 1.0, -1.0, -1.0], dtype=F64)
    logp = torch.zeros(4, 1, dtype=F64, requires_grad=True)
    old = -log_ratio
    mask = torch.ones(4, 1)
    loss, metrics = grpo_loss(logp, old, None, adv, mask, config=config("bnpo"))
    (grad,) = torch.autograd.grad(loss, logp)
    # r > 1 + eh with A > 0: clipped, no gradient; r < 1 - el with A > 0: kept.
    # r < 1 - el with A < 0: clipped, no gradient; r > 1 + eh with A < 0: kept.
    assert grad[0, 0] == 0 and grad[2, 0] == 0
    assert grad[1, 0] == pytest.approx(-math.exp(-0.3) / 4, abs=1e-12)
    assert grad[3, 0] == pytest.approx(math.exp(0.4) / 4, abs=1e-12)
    assert metrics["clip_frac_high"] == pytest.approx(0.25)
    assert metrics["clip_frac_low"] == pytest.approx(0.25)
    assert metrics["clip_frac_region"] == pytest.approx(0.5)


def test_asymmetric_clip_bounds():
    # ratio 1.2 is inside [0.9, 1.3] but would be clipped by a symmetric 0.1.
    logp = torch.zeros(1, 1, dtype=F64, requires_grad=True)
    old = torch.full((1, 1), -math.log(1.2), dtype=F64)
    adv = torch.ones(1, dtype=F64)
    high, m_high = grpo_loss(logp, old, None, adv, torch.ones(1, 1), config=config("bnpo"))
    sym = LossConfig(loss_type="bnpo", eps_low=0.1, eps_high=0.1)
    low, m_low = grpo_loss(logp, old, None, adv, torch.ones(1, 1), config=sym)
    assert float(high.detach()) == pytest.approx(-1.2)
    assert float(low.detach()) == pytest.approx(-1.1)
    assert m_high["clip_frac_high"] == 0.0 and m_low["clip_frac_high"] == 1.0


def test_metrics_match_loop_reference():
    logp, old, ref, adv = tensors()
    entropy = torch.tensor(ENTROPY, dtype=F64)
    _, metrics = grpo_loss(logp, old, ref, adv, MASK, config=config("grpo", 0.1), entropies=entropy)
    low = high = n = 0
    ratio_sum = kl_sum = ent_sum = 0.0
    for i in range(3):
        for t in range(4):
            if not MASK[i, t]:
                continue
            n += 1
            r = math.exp(LOG_RATIO[i][t])
            low += r < 1 - EPS_LOW and ADV[i] < 0
            high += r > 1 + EPS_HIGH and ADV[i] > 0
            ratio_sum += r
            d = REF[i][t] - LOGP[i][t]
            kl_sum += math.exp(d) - d - 1
            ent_sum += ENTROPY[i][t]
    assert low > 0 and high > 0
    assert metrics["clip_frac_low"] == pytest.approx(low / n, abs=1e-12)
    assert metrics["clip_frac_high"] == pytest.approx(high / n, abs=1e-12)
    assert metrics["clip_frac_region"] == pytest.approx((low + high) / n, abs=1e-12)
    assert metrics["ratio_mean"] == pytest.approx(ratio_sum / n, abs=1e-12)
    assert metrics["kl"] == pytest.approx(kl_sum / n, abs=1e-12)
    assert metrics["entropy"] == pytest.approx(ent_sum / n, abs=1e-12)


def test_beta_zero_reports_kl_only_with_reference():
    logp, old, ref, adv = tensors()
    with_ref, m_ref = grpo_loss(logp, old, ref, adv, MASK, config=config("grpo"))
    without, m_none = grpo_loss(logp, old, None, adv, MASK, config=config("grpo"))
    assert_close(with_ref, without)  # beta 0: the reference does not enter the loss
    assert "kl" in m_ref and "kl" not in m_none


def test_kl_k3_is_zero_at_reference_and_positive_elsewhere():
    logp = torch.tensor([[-1.0, -2.0]], dtype=F64)
    assert_close(kl_k3(logp, logp), torch.zeros(1, 2, dtype=F64))
    assert (kl_k3(logp, logp + 0.3) > 0).all()


@pytest.mark.parametrize("loss_type", sorted(CLIPPED_LOSSES))
def test_mask_truncated_matches_reference_with_rows_zeroed(loss_type):
    logp, old, ref, adv = tensors()
    truncated = torch.tensor([False, True, False])
    cfg = config(loss_type, 0.05, mask_truncated=True)
    loss, metrics = grpo_loss(logp, old, ref, adv, MASK, config=cfg, truncated=truncated)
    expected_mask = MASK.clone()
    expected_mask[1] = 0
    expected = ref_loss(logp, old, ref, adv, expected_mask, loss_type, 0.05)
    assert_close(loss, expected)
    (grad,) = torch.autograd.grad(loss, logp)
    (expected_grad,) = torch.autograd.grad(expected, logp)
    assert_close(grad, expected_grad)
    assert (grad[1] == 0).all()
    assert metrics["frac_truncated"] == pytest.approx(1 / 3)


def test_truncated_ignored_unless_configured():
    logp, old, _, adv = tensors()
    truncated = torch.tensor([False, True, False])
    plain, _ = grpo_loss(logp, old, None, adv, MASK, config=config("grpo"))
    given, _ = grpo_loss(logp, old, None, adv, MASK, config=config("grpo"), truncated=truncated)
    assert_close(plain, given)


def test_mask_truncated_completions():
    mask = torch.tensor([[1, 1], [1, 0]])
    out = mask_truncated_completions(mask, torch.tensor([True, False]))
    assert out.tolist() == [[0, 0], [1, 0]]
    with pytest.raises(ValueError, match="truncated must be"):
        mask_truncated_completions(mask, torch.tensor([True]))


def test_per_token_advantages_equal_broadcast_sequence_advantages():
    logp, old, _, adv = tensors()
    seq, _ = grpo_loss(logp, old, None, adv, MASK, config=config("grpo"))
    tok, _ = grpo_loss(logp, old, None, adv[:, None].expand(3, 4), MASK, config=config("grpo"))
    assert_close(seq, tok)


def test_ratio_is_one_when_old_is_detached_current():
    logp, _, _, adv = tensors()
    loss, metrics = grpo_loss(logp, logp.detach(), None, adv, MASK, config=config("grpo"))
    assert metrics["ratio_mean"] == 1.0
    assert metrics["clip_frac_region"] == 0.0
    (grad,) = torch.autograd.grad(loss, logp)
    # d/dlogp of -r*A at r = 1 is -A / len(row) / B under grpo.
    lengths = MASK.sum(1).to(F64)
    expected = -(torch.tensor(ADV, dtype=F64) / lengths / 3)[:, None] * MASK
    assert_close(grad, expected)


def test_rows_without_tokens_do_not_divide_by_zero():
    logp, old, _, adv = tensors()
    mask = MASK.clone()
    mask[1] = 0
    for name in LOSS_AGGREGATORS:
        loss, _ = grpo_loss(logp, old, None, adv, mask, config=config(name))
        assert torch.isfinite(loss)
    empty = torch.zeros_like(MASK)
    loss, metrics = grpo_loss(logp, old, None, adv, empty, config=config("dapo"))
    assert float(loss.detach()) == 0.0 and metrics["ratio_mean"] == 0.0


def test_bool_and_float_masks_agree():
    logp, old, _, adv = tensors()
    a, _ = grpo_loss(logp, old, None, adv, MASK.bool(), config=config("grpo"))
    b, _ = grpo_loss(logp, old, None, adv, MASK.to(F64), config=config("grpo"))
    assert_close(a, b)


# ---------------------------------------------------------------- errors


def test_registry_fails_loudly_with_valid_names():
    with pytest.raises(ValueError, match="bnpo, cispo, dapo, dr_grpo, grpo, sapo"):
        get_loss_aggregator("ppo")
    with pytest.raises(ValueError, match="valid loss types"):
        LossConfig(loss_type="GRPO")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"eps_low": 1.0}, "eps_low"),
        ({"eps_low": -0.1}, "eps_low"),
        ({"eps_low": NAN}, "eps_low"),
        ({"eps_high": -0.01}, "eps_high"),
        ({"eps_high": INF}, "eps_high"),
        ({"beta": -1e-3}, "beta"),
        ({"beta": NAN}, "beta"),
        ({"max_completion_length": 0}, "positive int"),
        ({"max_completion_length": 12.5}, "int or None"),
        ({"max_completion_length": True}, "int or None"),
        ({"loss_type": "dr_grpo"}, "set max_completion_length"),
    ],
)
def test_invalid_config_says_what_to_change(kwargs, message):
    with pytest.raises(ValueError, match=message):
        LossConfig(**kwargs)


def test_config_is_frozen():
    cfg = LossConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.beta = 0.1  # type: ignore[misc]


def test_beta_positive_needs_reference():
    logp, old, _, adv = tensors()
    with pytest.raises(ValueError, match="needs ref_logp"):
        grpo_loss(logp, old, None, adv, MASK, config=config("grpo", 0.1))


def test_mask_truncated_needs_truncated():
    logp, old, _, adv = tensors()
    cfg = config("grpo", mask_truncated=True)
    with pytest.raises(ValueError, match="pass truncated"):
        grpo_loss(logp, old, None, adv, MASK, config=cfg)


def test_nan_advantage_on_active_row_is_refused():
    logp, old, _, adv = tensors()
    bad = adv.clone()
    bad[1] = NAN
    with pytest.raises(ValueError, match="advantages are NaN"):
        grpo_loss(logp, old, None, bad, MASK, config=config("grpo"))
    mask = MASK.clone()
    mask[1] = 0  # the same NaN on a fully masked row is harmless
    loss, _ = grpo_loss(logp, old, None, bad, mask, config=config("grpo"))
    assert torch.isfinite(loss)


def test_shape_errors():
    logp, old, _, adv = tensors()
    with pytest.raises(ValueError, match="old_logp has shape"):
        grpo_loss(logp, old[:, :3], None, adv, MASK, config=config("grpo"))
    with pytest.raises(ValueError, match="advantages must be"):
        grpo_loss(logp, old, None, adv[:2], MASK, config=config("grpo"))
    with pytest.raises(ValueError, match="logp must be"):
        grpo_loss(logp[0], old[0], None, adv, MASK[0], config=config("grpo"))
