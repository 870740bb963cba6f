"""Reward functions for TRL's ``GRPOTrainer`` (TRL 1.x calling convention).

    from reward_server.integrations.trl import RewardServerReward
    trainer = GRPOTrainer(model, reward_funcs=[RewardServerReward(gold_column="answer")], ...)

TRL calls ``reward_func(prompts=..., completions=..., completion_ids=..., **columns)``
where every dataset column (other than ``prompt``) is a list with one value per
completion, plus ``trainer_state``, ``log_metric`` and ``log_extra``. It wants one float
per completion, or ``None`` for a completion with no verdict (TRL turns it into NaN, keeps
it out of the reward statistics and gives it no advantage). Here a completion the server
marks INFRA_ERROR is ``None``, and so is every completion of a group whose task the server
cannot judge (``GroupResult.error``: a bad gold, bad tests, an unknown language), unless
``on_group_error="raise"`` (then ``GroupContentError`` with the server's message). Both
are logged as fractions (``reward_server/infra_error``, ``reward_server/group_error``).
A request the server refuses, a malformed row or a server that stays unreachable after
the client's retries raises: that is a configuration error, not a sample without a
verdict.

TRL repeats each prompt ``num_generations`` times in a row; each run of consecutive
completions with the same prompt and task becomes one group, and all groups of a call go
out on one stream, each scored as soon as it is done.

``AsyncRewardServerReward`` is the same for trainers that await reward functions (TRL
runs async reward functions concurrently on its own event loop).
"""

from __future__ import annotations

import asyncio
import json
import math
import weakref
from collections.abc import Sequence
from typing import Any

from reward_server.api import reward_pb2
from reward_server.client import AsyncRewardClient, RewardClient
from reward_server.client.records import CODE_OPTIONS
from reward_server.integrations.common import (
    Outcome,
    TaskRef,
    ascore_completions,
    build_groups,
    reward_spec_from,
    score_completions,
)
from reward_server.integrations.unjudged import raise_group_errors
from reward_server.languages import DEFAULT_TASK_LANGUAGE

__all__ = ["AsyncRewardServerReward", "RewardServerReward", "completion_text"]


def completion_text(completion: Any) -> str:
    """A TRL completion as text: a plain string, or a conversational list of messages, of
    which the last assistant message is judged (content as a string or text parts)."""
    if isinstance(completion, str):
        return completion
    if isinstance(completion, list):
        messages = [m for m in completion if isinstance(m, dict)]
        assistant = [m for m in messages if m.get("role") == "assistant"] or messages
        if assistant:
            content = assistant[-1].get("content", "")
            if isinstance(content, list):  # [{"type": "text", "text": ...}, ...]
                content = "".join(p.get("text", "") for p in content if isinstance(p, dict))
            return str(content or "")
    raise TypeError(
        "a completion must be a string or a list of {'role', 'content'} messages, got "
        f"{type(completion).__name__}"
    )


class _Base:
    """Configuration and request building shared by the sync and async reward functions.

    gold_column: dataset column holding the math gold answer.
    tests_column: dataset column holding code tests (the documented JSON shape, dict or
        JSON string); a row whose tests value is set is judged as code, else as math.
    language_column / language: the code language per row, or one for all rows.
    format_weight, max_length, overlong_buffer: reward shaping (see RewardSpec); lengths
        are in tokens, from TRL's ``completion_ids``.
    on_group_error: ``"none"`` (TRL's no reward) or ``"raise"`` for the completions of a
        group whose task the server cannot judge.
    name: the name TRL logs the reward under (``rewards/<name>/mean``).
    """

    def __init__(
        self,
        targets: str | Sequence[str] | None = None,
        *,
        gold_column: str | None = "answer",
        tests_column: str | None = None,
        language_column: str | None = None,
        language: str = DEFAULT_TASK_LANGUAGE,
        format_weight: float = 0.0,
        max_length: int = 0,
        overlong_buffer: int = 0,
        reward: reward_pb2.RewardSpec | None = None,
        timeout: float = 600.0,
        on_group_error: str = "none",
        name: str = "reward_server",
    ) -> None:
        if gold_column is None and tests_column is None:
            raise ValueError("give gold_column (math), tests_column (code) or both")
        if on_group_error not in ("none", "raise"):
            raise ValueError(f"on_group_error must be 'none' or 'raise', got {on_group_error!r}")
        self.on_group_error = on_group_error
        self.targets = targets
        self.gold_column = gold_column
        self.tests_column = tests_column
        self.language_column = language_column
        self.language = language
        self.reward = reward or reward_spec_from(format_weight, max_length, overlong_buffer)
        self.timeout = timeout
        self.__name__ = name  # TRL names the logged metric after it

    def _task(self, columns: dict[str, Any], i: int) -> TaskRef:
        if self.tests_column is not None:
            tests = self._column(columns, self.tests_column)[i]
            if tests not in (None, "", {}):
                language = (
                    self._column(columns, self.language_column)[i]
                    if self.language_column
                    else self.language
                )
                # A dataset's compare / checker / report_tests columns, where it has them.
                options = {
                    k: columns[k][i]
                    for k in CODE_OPTIONS
                    if columns.get(k) is not None and columns[k][i] is not None
                }
                return TaskRef.code(tests, language, options)
        if self.gold_column is None:
            raise ValueError(f"row {i} has no tests in column {self.tests_column!r}")
        return TaskRef.math(self._column(columns, self.gold_column)[i])

    @staticmethod
    def _column(columns: dict[str, Any], name: str) -> Sequence[Any]:
        if name not in columns:
            available = sorted(
                k
                for k in columns
                if k not in ("trainer_state", "log_metric", "log_extra", "environments")
            )
            raise KeyError(f"dataset column {name!r} not found; columns passed: {available}")
        return columns[name]

    def _groups(self, prompts, completions, completion_ids, columns):
        tasks = [self._task(columns, i) for i in range(len(completions))]
        texts = [completion_text(c) for c in completions]
        keys = [json.dumps(p, sort_keys=True) if not isinstance(p, str) else p for p in prompts]
        lengths = [len(ids) for ids in completion_ids] if completion_ids is not None else None
        return build_groups(tasks, texts, keys, self.reward, lengths)

    def _rewards(self, outcomes: list[Outcome], columns) -> list[float | None]:
        if self.on_group_error == "raise":
            raise_group_errors(outcomes)
        rewards = [None if math.isnan(o.reward) else o.reward for o in outcomes]
        log_metric = columns.get("log_metric")
        if callable(log_metric) and outcomes:
            n = len(outcomes)
            log_metric("reward_server/correct", sum(o.correct for o in outcomes) / n)
            log_metric("reward_server/infra_error", sum(o.infra_error for o in outcomes) / n)
            log_metric("reward_server/group_error", sum(o.group_error for o in outcomes) / n)
        return rewards

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_client")}


class RewardServerReward(_Base):
    """A synchronous TRL reward function backed by the reward server."""

    def __init__(self, targets=None, *, client: RewardClient | None = None, **config) -> None:
        super().__init__(targets, **config)
        self._client = client

    @property
    def client(self) -> RewardClient:
        if getattr(self, "_client", None) is None:
            self._client = RewardClient(self.targets)
        return self._client

    def __call__(self, prompts, completions, completion_ids=None, **columns) -> list[float | None]:
        groups, index_runs = self._groups(prompts, completions, completion_ids, columns)
        scores = score_completions(self.client, groups, index_runs, self.timeout)
        return self._rewards(scores, columns)


class AsyncRewardServerReward(_Base):
    """An async TRL reward function: ``await reward(prompts=..., completions=..., ...)``.

    The asyncio client is bound to the event loop it was made in, so one is kept per loop.
    """

    def __init__(self, targets=None, **config) -> None:
        super().__init__(targets, **config)
        self._clients: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def _client_for_loop(self) -> AsyncRewardClient:
        if not hasattr(self, "_clients"):
            self._clients = weakref.WeakKeyDictionary()
        loop = asyncio.get_running_loop()
        if loop not in self._clients:
            self._clients[loop] = AsyncRewardClient(self.targets)
        return self._clients[loop]

    async def __call__(
        self, prompts, completions, completion_ids=None, **columns
    ) -> list[float | None]:
        groups, index_runs = self._groups(prompts, completions, completion_ids, columns)
        scores = await ascore_completions(self._client_for_loop(), groups, index_runs, self.timeout)
        return self._rewards(scores, columns)
