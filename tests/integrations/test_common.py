"""The shared pieces: tasks from rows and labels, grouping, INFRA_ERROR policies."""

from __future__ import annotations

import math

import pytest

from reward_server.api import reward_pb2
from reward_server.integrations.common import (
    TaskRef,
    apply_infra_policy,
    build_groups,
    reward_spec_from,
    runs,
)


def test_runs_are_maximal_consecutive_equal_keys():
    assert runs(["a", "a", "b", "a", "a"]) == [[0, 1], [2], [3, 4]]
    assert runs([]) == []


def test_groups_split_where_prompt_or_task_changes():
    tasks = [TaskRef.math("1"), TaskRef.math("1"), TaskRef.math("2"), TaskRef.math("2")]
    groups, index_runs = build_groups(
        tasks, ["a", "b", "c", "d"], ["p", "p", "p", "q"], None, [1, 2, 3, 4]
    )
    assert index_runs == [[0, 1], [2], [3]]
    assert [g.group_id for g in groups] == ["0", "1", "2"]
    assert [g.task.math.gold for g in groups] == ["1", "2", "2"]
    assert list(groups[0].completion_lengths) == [1, 2]


def test_code_tasks_in_the_documented_shapes():
    function = TaskRef.code({"function": {"entry_point": "f", "cases": [[[1, 2], 3]]}})
    group = function.group(["x"], "g")
    assert group.task.code.function.cases[0].args_json == "[1, 2]"
    io = TaskRef.from_label({"tests": '{"io": [["1\\n", "2\\n"]]}', "language": "cpp"})
    assert io.group(["x"], "g").task.code.language == "cpp"
    asserts = TaskRef.code('{"asserts": {"entry_point": "f", "test_code": "assert f(1)"}}')
    assert asserts.group(["x"], "g").task.code.asserts.entry_point == "f"
    assert TaskRef.code({"io": [["", "1"]]}) == TaskRef.code('{"io": [["", "1"]]}')  # hashable
    with pytest.raises(ValueError, match="malformed 'function' tests"):
        TaskRef.code({"function": {"cases": []}})
    with pytest.raises(ValueError, match="not valid JSON"):
        TaskRef.code("{oops")
    with pytest.raises(ValueError, match="'tests' \\(code\\) or 'gold'"):
        TaskRef.from_label({"answer": 1})
    assert TaskRef.from_label({"gold": 7}).gold == "7"


def test_neutral_policy_keeps_the_group_mean():
    nan = reward_pb2.CompletionScore(reward=math.nan, verdict=reward_pb2.INFRA_ERROR)
    scores = [reward_pb2.CompletionScore(reward=r) for r in (1.0, 0.0, 0.5)] + [nan]
    rewards = apply_infra_policy(scores, [[0, 1, 2, 3]], "neutral")
    assert rewards == [1.0, 0.0, 0.5, 0.5]
    assert sum(rewards) / 4 == pytest.approx(0.5)  # the mean of the judged ones


def test_reward_spec_is_left_to_the_server_unless_shaping_is_asked_for():
    assert reward_spec_from() is None
    assert reward_spec_from(format_weight=0.1).format_weight == pytest.approx(0.1)
