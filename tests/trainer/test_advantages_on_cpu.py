"""Group-relative advantages against loop references; NaN drops and zero-variance groups."""

from __future__ import annotations

import math

import pytest
import torch

from trainer_client.advantages import SCALES, group_advantages, penalise_truncated

F64 = torch.float64
NAN = float("nan")
EPS = 1e-4

REWARDS = [
    [1.0, 0.0, 0.5, 1.0],  # spread
    [0.2, 0.2, 0.2, 0.2],  # zero variance
    [1.0, NAN, 0.0, 0.0],  # one unjudged sample
    [NAN, 1.0, NAN, NAN],  # one judged sample: no relative signal
    [0.0, 3.0, NAN, 1.0],  # spread with a NaN
]


def loop_stats(values):
    """Mean and unbiased std of the non-NaN values, with plain loops."""
    judged = [v for v in values if not math.isnan(v)]
    if not judged:
        return NAN, NAN
    mean = sum(judged) / len(judged)
    if len(judged) < 2:
        return mean, NAN
    var = sum((v - mean) ** 2 for v in judged) / (len(judged) - 1)
    return mean, math.sqrt(var)


def loop_advantages(groups, scale):
    """Expected advantages and keep flags per group, written out by hand."""
    all_judged = [v for g in groups for v in g if not math.isnan(v)]
    _, batch_std = loop_stats(all_judged)
    out, keep = [], []
    for g in groups:
        mean, std = loop_stats(g)
        zero = math.isnan(std) or std <= 1e-8
        row, row_keep = [], []
        for v in g:
            kept = not math.isnan(v) and not zero
            row_keep.append(kept)
            if not kept:
                row.append(0.0)
            elif scale == "group":
                row.append((v - mean) / (std + EPS))
            elif scale == "batch":
                row.append((v - mean) / (batch_std + EPS))
            else:
                row.append(v - mean)
        out.append(row)
        keep.append(row_keep)
    return out, keep


@pytest.mark.parametrize("scale", SCALES)
def test_grouped_rewards_match_loop_reference(scale):
    result = group_advantages(torch.tensor(REWARDS, dtype=F64), scale=scale)
    expected, keep = loop_advantages(REWARDS, scale)
    torch.testing.assert_close(
        result.advantages, torch.tensor(expected, dtype=F64), rtol=0, atol=1e-6
    )
    assert result.keep.tolist() == keep
    assert result.advantages.shape == (5, 4)


@pytest.mark.parametrize("scale", SCALES)
def test_flat_rewards_with_group_ids_match_grouped(scale):
    # Same groups, flattened, shuffled, with sparse ids and group 1 made shorter.
    groups = [row[:] for row in REWARDS]
    groups[1] = groups[1][:3]
    ids = [10, 42, 7, 99, 3]
    flat, gid = [], []
    for group_id, row in zip(ids, groups, strict=True):
        for v in row:
            flat.append(v)
            gid.append(group_id)
    perm = torch.randperm(len(flat), generator=torch.Generator().manual_seed(0))
    rewards = torch.tensor(flat, dtype=F64)[perm]
    group_ids = torch.tensor(gid)[perm]
    result = group_advantages(rewards, group_ids, scale=scale)
    expected_rows, keep_rows = loop_advantages(groups, scale)
    expected = torch.tensor([v for row in expected_rows for v in row], dtype=F64)[perm]
    keep = torch.tensor([k for row in keep_rows for k in row])[perm]
    torch.testing.assert_close(result.advantages, expected, rtol=0, atol=1e-6)
    assert torch.equal(result.keep, keep)
    assert result.group_keys.tolist() == sorted(ids)


def test_zero_variance_groups_are_counted_and_filtered():
    result = group_advantages(torch.tensor(REWARDS, dtype=F64))
    # group 1 (all equal) and group 3 (one judged sample) carry no signal.
    assert result.zero_std.tolist() == [False, True, False, True, False]
    assert result.frac_zero_std == pytest.approx(2 / 5)
    assert not result.keep[1].any() and not result.keep[3].any()
    assert (result.advantages[1] == 0).all()
    assert result.keep_index.tolist() == [0, 1, 2, 3, 8, 10, 11, 16, 17, 19]


def test_nan_rewards_are_dropped_not_zero():
    rewards = torch.tensor([[1.0, NAN, 0.0, 0.0]], dtype=F64)
    result = group_advantages(rewards, scale="none")
    # Mean over the three judged rewards is 1/3; a NaN read as 0 would give 1/4.
    assert result.group_mean[0].item() == pytest.approx(1 / 3)
    assert result.group_std[0].item() == pytest.approx(math.sqrt(1 / 3))
    expected = torch.tensor([[2 / 3, 0.0, -1 / 3, -1 / 3]], dtype=F64)
    torch.testing.assert_close(result.advantages, expected, rtol=0, atol=1e-12)
    assert result.valid.tolist() == [[True, False, True, True]]
    assert result.keep.tolist() == [[True, False, True, True]]
    assert result.num_dropped == 1


def test_nan_rewards_are_left_out_of_batch_std():
    rewards = torch.tensor([[1.0, 0.0], [2.0, NAN], [NAN, 5.0]], dtype=F64)
    result = group_advantages(rewards, scale="batch")
    batch_std = torch.tensor([1.0, 0.0, 2.0, 5.0], dtype=F64).std().item()
    assert result.advantages[0, 0].item() == pytest.approx(0.5 / (batch_std + EPS))
    assert result.frac_zero_std == pytest.approx(2 / 3)


def test_all_nan_group_has_nan_stats_and_no_signal():
    result = group_advantages(torch.tensor([[NAN, NAN], [0.0, 1.0]], dtype=F64))
    assert math.isnan(result.group_mean[0]) and math.isnan(result.group_std[0])
    assert result.zero_std.tolist() == [True, False]
    assert torch.isfinite(result.advantages).all()
    assert result.num_dropped == 2


def test_group_scaling_gives_unit_std_within_group():
    rewards = torch.tensor([[0.0, 1.0, 1.0, 0.0, 1.0, 1.0]], dtype=F64)
    adv = group_advantages(rewards, scale="group", eps=0.0).advantages
    assert adv.mean().item() == pytest.approx(0.0, abs=1e-12)
    assert adv.std().item() == pytest.approx(1.0, abs=1e-12)


def test_integer_rewards_are_accepted():
    result = group_advantages(torch.tensor([[1, 0], [1, 1]]), scale="none")
    assert result.advantages.dtype == torch.get_default_dtype()
    assert result.advantages.tolist() == [[0.5, -0.5], [0.0, 0.0]]


def test_penalise_truncated():
    rewards = torch.tensor([[1.0, 0.0], [NAN, 0.5]], dtype=F64)
    truncated = torch.tensor([[True, False], [True, True]])
    out = penalise_truncated(rewards, truncated, 0.5)
    assert out[0].tolist() == [0.5, 0.0]
    assert math.isnan(out[1, 0]) and out[1, 1].item() == 0.0
    assert rewards[0, 0].item() == 1.0  # input untouched


def test_penalise_truncated_errors():
    rewards = torch.zeros(2, 2)
    with pytest.raises(ValueError, match="penalty"):
        penalise_truncated(rewards, torch.zeros(2, 2, dtype=torch.bool), -1.0)
    with pytest.raises(ValueError, match="must match"):
        penalise_truncated(rewards, torch.zeros(4, dtype=torch.bool), 1.0)


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((torch.zeros(2, 2),), {"scale": "std"}, "valid values: group, batch, none"),
        ((torch.zeros(2, 2),), {"eps": -1.0}, "eps"),
        ((torch.zeros(4),), {}, "need group_ids"),
        ((torch.zeros(2, 2), torch.zeros(4, dtype=torch.long)), {}, "only with flat"),
        ((torch.zeros(4), torch.zeros(4)), {}, "integer tensor"),
        ((torch.zeros(4), torch.zeros(3, dtype=torch.long)), {}, "integer tensor"),
        ((torch.zeros(2, 2, 2),), {}, "must be"),
        ((torch.tensor([[1.0, float("inf")]]),), {}, "use NaN"),
    ],
)
def test_invalid_inputs_say_what_to_change(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        group_advantages(*args, **kwargs)
