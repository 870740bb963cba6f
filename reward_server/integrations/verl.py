"""Reward functions for veRL's ``custom_reward_function`` (veRL 0.4-0.5 reward managers).

Batched (recommended: one stream per batch, each group scored as soon as it is done)::

    reward_model.reward_manager=batch
    custom_reward_function.path=$(python -m reward_server.integrations.verl)  # prints its path
    custom_reward_function.name=compute_score_batch

or one sample at a time with the ``naive`` manager and ``name=compute_score``. Settings
go in ``+custom_reward_function.reward_kwargs.<name>=...`` (veRL passes them as keyword
arguments): ``targets`` (else ``$REWARD_SERVER_TARGETS``), ``format_weight``,
``max_length``, ``overlong_buffer``, ``reasoning_language``, ``language_weight``,
``reasoning_open``, ``reasoning_close`` (see RewardSpec), ``on_infra_error``, ``on_group_error``,
``infra_error_score``, ``timeout``.

The task comes from ``ground_truth`` (a gold answer, or a code record
``{"tests": {...}, "language": "python"}``) or, when ``extra_info`` holds ``"tests"``,
from ``extra_info["tests"]`` / ``extra_info["language"]``; ``data_source`` is not used to
choose a verifier.

Each call returns a dict: ``score`` (the reward), ``acc`` (1.0 when CORRECT),
``infra_error`` (1.0 when the server could not judge the sample) and ``group_error`` (1.0
when the server cannot judge its task: a bad gold, bad tests, an unknown language; the
whole group then has no verdict). veRL puts ``score`` in the reward tensor and the other
keys in ``reward_extra_info`` (logged; ``acc`` is what its validation metrics read).

veRL has no "no reward" value: a NaN in the reward tensor turns the whole group's
advantages, and then the loss, into NaN. So by default (``on_infra_error="neutral"``) an
unjudged sample scores the mean of the judged samples of its group (consecutive samples
with the same task: veRL repeats each prompt ``n`` times in a row), which gives it a
GRPO advantage of 0 and leaves the group mean unchanged; when no sample of the group was
judged (and in the one-sample form) it scores ``infra_error_score`` (default 0.0). It is
always flagged by ``infra_error`` = 1.0. ``"raise"`` stops the step instead; ``"nan"``
returns NaN for managers that filter it. A group error is handled the same way under
``on_group_error`` (same three values; the group has no judged sample, so ``"neutral"``
gives ``infra_error_score``), flagged by ``group_error`` = 1.0; ``"raise"`` raises
``GroupContentError`` with the server's message.
"""

from __future__ import annotations

import threading
import warnings
from collections.abc import Sequence
from typing import Any

from reward_server.client import RewardClient, resolve_target
from reward_server.integrations.common import (
    TaskRef,
    build_groups,
    reward_spec_from,
    score_completions,
)
from reward_server.integrations.unjudged import apply_policies, check_policy

__all__ = ["compute_score", "compute_score_batch", "task_for"]

_clients: dict[str, RewardClient] = {}  # one channel per target, reused across calls
_clients_lock = threading.Lock()


def _client(targets: str | Sequence[str] | None) -> RewardClient:
    target = resolve_target(targets)
    with _clients_lock:
        if target not in _clients:
            _clients[target] = RewardClient(target)
        return _clients[target]


def task_for(ground_truth: Any, extra_info: Any = None) -> TaskRef:
    """The task of one sample: ``extra_info["tests"]`` if present (with its ``compare``,
    ``checker`` and ``report_tests``, if any), else ``ground_truth``."""
    if isinstance(extra_info, dict) and extra_info.get("tests") not in (None, "", {}):
        return TaskRef.code(extra_info["tests"], extra_info.get("language"), extra_info)
    return TaskRef.from_label(ground_truth)


def compute_score_batch(
    data_sources: Sequence[str],
    solution_strs: Sequence[str],
    ground_truths: Sequence[Any],
    extra_infos: Sequence[Any] | None = None,
    *,
    targets: str | Sequence[str] | None = None,
    format_weight: float = 0.0,
    max_length: int = 0,
    overlong_buffer: int = 0,
    reasoning_language: str = "",
    language_weight: float = 0.0,
    reasoning_open: str = "",
    reasoning_close: str = "",
    on_infra_error: str = "neutral",
    on_group_error: str = "neutral",
    infra_error_score: float = 0.0,
    timeout: float | None = 600.0,
    **unused: Any,
) -> list[dict[str, float]]:
    """veRL's ``BatchRewardManager`` form: one dict per sample, in order."""
    check_policy(on_infra_error, "on_infra_error")
    check_policy(on_group_error, "on_group_error")
    if unused:  # a misspelt reward_kwargs name must not pass unnoticed
        warnings.warn(
            f"compute_score: ignoring unknown keyword argument(s) {sorted(unused)}",
            stacklevel=2,
        )
    n = len(solution_strs)
    if extra_infos is None:
        extra_infos = [None] * n
    if not len(ground_truths) == len(extra_infos) == n:
        raise ValueError(
            f"{n} solution_strs, {len(ground_truths)} ground_truths, {len(extra_infos)} extra_infos"
        )
    if n == 0:
        return []
    tasks = [task_for(g, e) for g, e in zip(ground_truths, extra_infos, strict=True)]
    groups, index_runs = build_groups(
        tasks,
        [str(s) for s in solution_strs],
        None,
        reward_spec_from(
            format_weight,
            max_length,
            overlong_buffer,
            reasoning_language=reasoning_language,
            language_weight=language_weight,
            reasoning_open=reasoning_open,
            reasoning_close=reasoning_close,
        ),
    )
    outcomes = score_completions(_client(targets), groups, index_runs, timeout)
    rewards = apply_policies(
        outcomes, index_runs, on_infra_error, on_group_error, infra_error_score
    )
    return [
        {
            "score": float(r),
            "acc": float(o.correct),
            "infra_error": float(o.infra_error),
            "group_error": float(o.group_error),
        }
        for r, o in zip(rewards, outcomes, strict=True)
    ]


def compute_score(
    data_source: str,
    solution_str: str,
    ground_truth: Any,
    extra_info: Any = None,
    **kwargs: Any,
) -> dict[str, float]:
    """veRL's one-sample form (``naive`` / ``prime`` / ``dapo`` managers)."""
    [result] = compute_score_batch(
        [data_source], [solution_str], [ground_truth], [extra_info], **kwargs
    )
    return result


if __name__ == "__main__":
    print(__file__)  # for custom_reward_function.path
