"""What the trainer adapters share: how a dataset row becomes a task, how consecutive
completions of one task become a group, and what to do with a sample the server could not
judge.

A task comes from a dataset row in one of two shapes:

* math: a gold answer (plain, LaTeX, or a GSM8K solution ending in ``#### n``);
* code: the tests in the JSON shape of ``trainer_client/tasks.py``, as a dict or a JSON
  string, plus a language (default ``python``)::

      {"function": {"entry_point": "f", "cases": [[[1], 2], [[2], 3]]}}
      {"io": [["stdin", "expected stdout"], ...]}
      {"asserts": {"entry_point": "f", "test_code": "assert f(1) == 2"}}

A *label* (veRL's ``ground_truth``, OpenRLHF's ``labels``) is either a gold answer or a
code record ``{"tests": {...}, "language": "python"}`` (dict or JSON string).
"""

from __future__ import annotations

import json
import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from reward_server.api import reward_pb2
from reward_server.client import AsyncRewardClient, RewardClient, code_group, math_group
from reward_server.quoting import quote

TEST_KINDS = ("function", "io", "asserts")


@dataclass(frozen=True)
class TaskRef:
    """How one completion is judged. Hashable, so equal tasks can be grouped."""

    kind: str  # "math" or "code"
    gold: str = ""
    language: str = "python"
    tests_json: str = ""  # canonical JSON of the tests object (code only)

    @classmethod
    def math(cls, gold: Any) -> TaskRef:
        if gold is None or str(gold).strip() == "":
            raise ValueError("a math task needs a non-empty gold answer")
        return cls("math", gold=str(gold))

    @classmethod
    def code(cls, tests: Any, language: str | None = None) -> TaskRef:
        tests = _load_json(tests, "tests")
        _code_kwargs(tests)  # fail here, on the row, not later on the server
        return cls(
            "code", language=language or "python", tests_json=json.dumps(tests, sort_keys=True)
        )

    @classmethod
    def from_label(cls, label: Any) -> TaskRef:
        """A gold answer, or a code record ``{"tests": {...}, "language": ...}``."""
        record = label
        if isinstance(label, str) and label.lstrip().startswith("{"):
            try:
                record = json.loads(label)
            except json.JSONDecodeError:
                record = label  # a LaTeX set such as "{1, 2}" is a gold answer
        if isinstance(record, dict):
            if "tests" in record:
                return cls.code(record["tests"], record.get("language"))
            if "gold" in record:
                return cls.math(record["gold"])
            raise ValueError(
                f"a label object needs 'tests' (code) or 'gold' (math), got keys {sorted(record)}"
            )
        return cls.math(label)

    def group(
        self,
        completions: Sequence[str],
        group_id: str,
        reward: reward_pb2.RewardSpec | None = None,
        completion_lengths: Sequence[int] | None = None,
    ) -> reward_pb2.Group:
        if self.kind == "math":
            return math_group(self.gold, completions, group_id, reward, completion_lengths)
        return code_group(
            self.language,
            completions,
            group_id=group_id,
            reward=reward,
            completion_lengths=completion_lengths,
            **_code_kwargs(json.loads(self.tests_json)),
        )


def _load_json(value: Any, what: str) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except json.JSONDecodeError as err:
            raise ValueError(f"{what} is not valid JSON: {err}") from None
    return value


def _code_kwargs(tests: Any) -> dict[str, Any]:
    """The documented tests object as ``code_group`` keyword arguments."""
    if not isinstance(tests, dict) or len(tests) != 1 or next(iter(tests)) not in TEST_KINDS:
        raise ValueError(
            f"tests must be an object with exactly one of {', '.join(TEST_KINDS)}, "
            f"got {quote(tests)}"
        )
    ((kind, spec),) = tests.items()
    try:
        if kind == "function":
            return {"function": (spec["entry_point"], [(a, e) for a, e in spec["cases"]])}
        if kind == "io":
            return {"io_cases": [(i, o) for i, o in spec]}
        return {"asserts": (spec["entry_point"], spec["test_code"])}
    except (KeyError, TypeError, ValueError) as err:
        raise ValueError(f"malformed {kind!r} tests {quote(spec)}: {quote(err)}") from None


def runs(keys: Sequence[Hashable]) -> list[list[int]]:
    """Indices of maximal runs of equal consecutive keys: trainers repeat each prompt G
    times in a row, so each run is one group."""
    out: list[list[int]] = []
    for i, key in enumerate(keys):
        if out and keys[out[-1][-1]] == key:
            out[-1].append(i)
        else:
            out.append([i])
    return out


def build_groups(
    tasks: Sequence[TaskRef],
    completions: Sequence[str],
    group_keys: Sequence[Hashable] | None = None,
    reward: reward_pb2.RewardSpec | None = None,
    completion_lengths: Sequence[int] | None = None,
) -> tuple[list[reward_pb2.Group], list[list[int]]]:
    """One group per run of consecutive completions with the same key and task. Returns
    the groups (group_id = run number) and each run's completion indices."""
    if len(tasks) != len(completions):
        raise ValueError(f"{len(tasks)} tasks for {len(completions)} completions")
    keys = list(zip(group_keys or [None] * len(tasks), tasks, strict=True))
    index_runs = runs(keys)
    groups = [
        tasks[idx[0]].group(
            [completions[i] for i in idx],
            group_id=str(n),
            reward=reward,
            completion_lengths=[completion_lengths[i] for i in idx] if completion_lengths else None,
        )
        for n, idx in enumerate(index_runs)
    ]
    return groups, index_runs


def scatter(
    results: Iterable[reward_pb2.GroupResult], index_runs: list[list[int]]
) -> list[reward_pb2.CompletionScore]:
    """Per-completion scores in input order, from results that arrive in any order."""
    total = sum(len(idx) for idx in index_runs)
    scores: list[reward_pb2.CompletionScore | None] = [None] * total
    for result in results:
        for i, score in zip(index_runs[int(result.group_id)], result.scores, strict=True):
            scores[i] = score
    missing = [i for i, s in enumerate(scores) if s is None]
    if missing:
        raise RuntimeError(f"the reward server returned no score for completions {missing}")
    return scores  # type: ignore[return-value]


def score_completions(
    client: RewardClient,
    groups: list[reward_pb2.Group],
    index_runs: list[list[int]],
    timeout: float | None,
) -> list[reward_pb2.CompletionScore]:
    """Streams the groups (each scored and returned as soon as it is done)."""
    return scatter(client.score_stream(groups, timeout=timeout), index_runs)


async def ascore_completions(
    client: AsyncRewardClient,
    groups: list[reward_pb2.Group],
    index_runs: list[list[int]],
    timeout: float | None,
) -> list[reward_pb2.CompletionScore]:
    results = [r async for r in client.score_stream(groups, timeout=timeout)]
    return scatter(results, index_runs)


def is_infra_error(score: reward_pb2.CompletionScore) -> bool:
    return score.verdict == reward_pb2.INFRA_ERROR or math.isnan(score.reward)


# --- what a trainer without a notion of "no reward" gets for an unjudged sample ---------


def _neutral(rewards: list[float], index_runs: list[list[int]], fallback: float) -> list[float]:
    """Each unjudged sample gets the mean reward of the judged samples of its group, so its
    group-relative advantage is 0 and the group mean is unchanged; `fallback` when none of
    the group was judged (all equal, so again no advantage under GRPO)."""
    out = list(rewards)
    for idx in index_runs:
        judged = [rewards[i] for i in idx if not math.isnan(rewards[i])]
        fill = sum(judged) / len(judged) if judged else fallback
        for i in idx:
            if math.isnan(rewards[i]):
                out[i] = fill
    return out


def _nan(rewards: list[float], index_runs: list[list[int]], fallback: float) -> list[float]:
    return list(rewards)


def _raise(rewards: list[float], index_runs: list[list[int]], fallback: float) -> list[float]:
    bad = [i for i, r in enumerate(rewards) if math.isnan(r)]
    if bad:
        raise InfraError(f"the reward server could not judge completions {bad} (INFRA_ERROR)")
    return list(rewards)


class InfraError(RuntimeError):
    """Raised under the 'raise' policy when a completion could not be judged."""


INFRA_ERROR_POLICIES = {"neutral": _neutral, "nan": _nan, "raise": _raise}


def check_policy(policy: str) -> str:
    if policy not in INFRA_ERROR_POLICIES:
        raise ValueError(
            f"unknown on_infra_error {policy!r}; valid: {', '.join(INFRA_ERROR_POLICIES)}"
        )
    return policy


def apply_infra_policy(
    scores: Sequence[reward_pb2.CompletionScore],
    index_runs: list[list[int]],
    policy: str,
    fallback: float = 0.0,
) -> list[float]:
    rewards = [math.nan if is_infra_error(s) else s.reward for s in scores]
    return INFRA_ERROR_POLICIES[check_policy(policy)](rewards, index_runs, fallback)


def reward_spec_from(
    format_weight: float = 0.0, max_length: int = 0, overlong_buffer: int = 0
) -> reward_pb2.RewardSpec | None:
    """A RewardSpec, or None (the server's default: plain correctness) when all are 0."""
    if not (format_weight or max_length or overlong_buffer):
        return None
    return reward_pb2.RewardSpec(
        format_weight=format_weight, max_length=max_length, overlong_buffer=overlong_buffer
    )
