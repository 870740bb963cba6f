"""What the trainer adapters share: how a dataset row becomes a task, how consecutive
completions of one task become a group, and what the server answered for each completion
(what a trainer gets for one it could not judge is in ``unjudged.py``).

A task comes from a dataset row in one of two shapes, the task fields of a record of
``reward_server/client/records.py`` (the bundled trainer's JSONL schema):

* math: a gold answer (plain, LaTeX, or a GSM8K solution ending in ``#### n``);
* code: the tests, as a dict or a JSON string, plus a language (default ``python``)::

      {"function": {"entry_point": "f", "cases": [[[1], 2], [[2], 3]]}}
      {"io": [["stdin", "expected stdout"], ...]}
      {"asserts": {"entry_point": "f", "test_code": "assert f(1) == 2"}}

  with, optionally, a ``compare`` or ``checker`` for io tests and ``report_tests``;

A *label* (veRL's ``ground_truth``, OpenRLHF's ``labels``) is either a gold answer or a
record ``{"tests": {...}, "language": "python"}`` / ``{"gold": ...}`` (dict or JSON
string).
"""

from __future__ import annotations

import json
import math
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from reward_server.api import reward_pb2
from reward_server.client import AsyncRewardClient, RewardClient, reward_spec
from reward_server.client.records import CODE_OPTIONS, check_record, record_to_group


@dataclass(frozen=True)
class TaskRef:
    """How one completion is judged: the task fields of a record (``records.py``) as
    canonical JSON, so equal tasks compare and hash equal and can be grouped."""

    record_json: str

    @classmethod
    def of(cls, record: Mapping[str, Any]) -> TaskRef:
        """A task record; ValueError, on the row, when its shape is wrong."""
        return cls(json.dumps(check_record(record), sort_keys=True))

    @classmethod
    def math(cls, gold: Any) -> TaskRef:
        if gold is None:
            raise ValueError("a math task needs a gold answer, got None")
        return cls.of({"gold": gold})

    @classmethod
    def code(
        cls, tests: Any, language: str | None = None, options: Mapping[str, Any] | None = None
    ) -> TaskRef:
        """`options`: a row's compare / checker / report_tests (see records.py), if any."""
        picked = {k: v for k, v in (options or {}).items() if k in CODE_OPTIONS}
        return cls.of({"tests": tests, "language": language, **picked})

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
            return cls.of(record)
        return cls.math(label)

    @property
    def record(self) -> dict[str, Any]:
        return json.loads(self.record_json)

    @property
    def kind(self) -> str:
        return "math" if "gold" in self.record else "code"

    @property
    def gold(self) -> str:
        return self.record.get("gold", "")

    @property
    def language(self) -> str:
        return self.record.get("language", "")

    def group(
        self,
        completions: Sequence[str],
        group_id: str,
        reward: reward_pb2.RewardSpec | None = None,
        completion_lengths: Sequence[int] | None = None,
    ) -> reward_pb2.Group:
        return record_to_group(self.record, completions, group_id, reward, completion_lengths)


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


@dataclass(frozen=True)
class Outcome:
    """What the server answered for one completion: its score, or its group's error (the
    server could not judge the group's content: bad gold, bad tests, unknown language)."""

    score: reward_pb2.CompletionScore | None = None
    error: reward_pb2.GroupError | None = None

    @property
    def group_error(self) -> bool:
        return self.error is not None

    @property
    def infra_error(self) -> bool:
        return self.score is not None and is_infra_error(self.score)

    @property
    def correct(self) -> bool:
        return self.score is not None and self.score.verdict == reward_pb2.CORRECT

    @property
    def reward(self) -> float:
        """The reward; NaN when the completion was not judged (either kind of error)."""
        if self.score is None or self.infra_error:
            return math.nan
        return self.score.reward


def scatter(
    results: Iterable[reward_pb2.GroupResult], index_runs: list[list[int]]
) -> list[Outcome]:
    """Per-completion outcomes in input order, from results that arrive in any order."""
    total = sum(len(idx) for idx in index_runs)
    outcomes: list[Outcome | None] = [None] * total
    for result in results:
        idx = index_runs[int(result.group_id)]
        if result.HasField("error"):
            for i in idx:
                outcomes[i] = Outcome(error=result.error)
            continue
        for i, score in zip(idx, result.scores, strict=True):
            outcomes[i] = Outcome(score=score)
    missing = [i for i, o in enumerate(outcomes) if o is None]
    if missing:
        raise RuntimeError(f"the reward server returned no score for completions {missing}")
    return outcomes  # type: ignore[return-value]


def score_completions(
    client: RewardClient,
    groups: list[reward_pb2.Group],
    index_runs: list[list[int]],
    timeout: float | None,
) -> list[Outcome]:
    """Streams the groups (each scored and returned as soon as it is done)."""
    return scatter(client.score_stream(groups, timeout=timeout), index_runs)


async def ascore_completions(
    client: AsyncRewardClient,
    groups: list[reward_pb2.Group],
    index_runs: list[list[int]],
    timeout: float | None,
) -> list[Outcome]:
    results = [r async for r in client.score_stream(groups, timeout=timeout)]
    return scatter(results, index_runs)


def is_infra_error(score: reward_pb2.CompletionScore) -> bool:
    return score.verdict == reward_pb2.INFRA_ERROR or math.isnan(score.reward)


def reward_spec_from(
    format_weight: float = 0.0,
    max_length: int = 0,
    overlong_buffer: int = 0,
    *,
    reasoning_language: str = "",
    language_weight: float = 0.0,
    reasoning_open: str = "",
    reasoning_close: str = "",
) -> reward_pb2.RewardSpec | None:
    """The adapters' RewardSpec (client.reward_spec), or None (the server's default: plain
    correctness) when nothing is set. `reasoning_language` is RewardSpec.language (R1's
    language-consistency component), named apart from a code task's language."""
    spec = reward_spec(
        format_weight,
        max_length,
        overlong_buffer,
        correctness_weight=0.0,  # 0: the server's default weight and penalty
        overlong_penalty=0.0,
        language=reasoning_language,
        language_weight=language_weight,
        reasoning_open=reasoning_open,
        reasoning_close=reasoning_close,
    )
    return spec if spec.ListFields() else None
