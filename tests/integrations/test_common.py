"""The shared pieces: tasks from rows and labels, grouping, what an unjudged sample gets."""

from __future__ import annotations

import math

import pytest

from reward_server.api import reward_pb2
from reward_server.integrations.common import (
    Outcome,
    TaskRef,
    build_groups,
    reward_spec_from,
    runs,
    scatter,
)
from reward_server.integrations.unjudged import GroupContentError, InfraError, apply_policies


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
    with pytest.raises(ValueError, match="'gold' \\(math\\) or 'tests' \\(code\\)"):
        TaskRef.from_label({"answer": 1})
    assert TaskRef.from_label({"gold": 7}).gold == "7"
    assert TaskRef.from_label('{"gold": "{1, 2}"}').gold == "{1, 2}"
    with pytest.raises(ValueError, match="needs a gold answer, got None"):
        TaskRef.math(None)


def test_neutral_policy_keeps_the_group_mean():
    nan = reward_pb2.CompletionScore(reward=math.nan, verdict=reward_pb2.INFRA_ERROR)
    scores = [reward_pb2.CompletionScore(reward=r) for r in (1.0, 0.0, 0.5)] + [nan]
    rewards = apply_policies([Outcome(score=s) for s in scores], [[0, 1, 2, 3]], "neutral")
    assert rewards == [1.0, 0.0, 0.5, 0.5]
    assert sum(rewards) / 4 == pytest.approx(0.5)  # the mean of the judged ones


def errored_batch() -> tuple[list[Outcome], list[list[int]]]:
    """Group 0 judged (1, 0, INFRA_ERROR); group 1 a bad gold; group 2 judged (1)."""
    index_runs = [[0, 1, 2], [3, 4], [5]]
    results = [
        reward_pb2.GroupResult(
            group_id="0",
            scores=[
                reward_pb2.CompletionScore(reward=1.0, verdict=reward_pb2.CORRECT),
                reward_pb2.CompletionScore(reward=0.0, verdict=reward_pb2.WRONG),
                reward_pb2.CompletionScore(reward=math.nan, verdict=reward_pb2.INFRA_ERROR),
            ],
        ),
        reward_pb2.GroupResult(
            group_id="1", error=reward_pb2.GroupError(code="INVALID_ARGUMENT", message="bad gold")
        ),
        reward_pb2.GroupResult(
            group_id="2",
            scores=[reward_pb2.CompletionScore(reward=1.0, verdict=reward_pb2.CORRECT)],
        ),
    ]
    return scatter(reversed(results), index_runs), index_runs  # any order


def test_outcomes_tell_the_two_kinds_of_unjudged_apart():
    outcomes, _ = errored_batch()
    assert [o.group_error for o in outcomes] == [False] * 3 + [True] * 2 + [False]
    assert [o.infra_error for o in outcomes] == [False, False, True, False, False, False]
    assert [o.correct for o in outcomes] == [True, False, False, False, False, True]
    assert outcomes[3].error.message == "bad gold"
    assert [math.isnan(o.reward) for o in outcomes] == [False, False, True, True, True, False]


def test_group_error_policies():
    outcomes, runs_ = errored_batch()
    # Neutral: the errored group has no judged sample, so it gets the fallback.
    assert apply_policies(outcomes, runs_, fallback=-1.0) == [1.0, 0.0, 0.5, -1.0, -1.0, 1.0]
    nan = apply_policies(outcomes, runs_, on_group_error="nan")
    assert math.isnan(nan[3]) and math.isnan(nan[4]) and nan[2] == 0.5
    with pytest.raises(
        GroupContentError, match=r"INVALID_ARGUMENT: bad gold \(completions \[3, 4\]\)"
    ):
        apply_policies(outcomes, runs_, on_group_error="raise")
    with pytest.raises(InfraError, match=r"\[2\]"):
        apply_policies(outcomes, runs_, on_infra_error="raise")  # group errors stay neutral
    with pytest.raises(ValueError, match="unknown on_group_error 'zero'"):
        apply_policies(outcomes, runs_, on_group_error="zero")


def test_reward_spec_is_left_to_the_server_unless_shaping_is_asked_for():
    assert reward_spec_from() is None
    assert reward_spec_from(format_weight=0.1).format_weight == pytest.approx(0.1)


def test_reward_spec_from_carries_reasoning_tags_and_language():
    spec = reward_spec_from(reasoning_open="<plan>", reasoning_close="</plan>")
    assert (spec.reasoning_open, spec.reasoning_close) == ("<plan>", "</plan>")
    spec = reward_spec_from(reasoning_language="zh", language_weight=0.2)
    assert spec.language == "zh" and spec.language_weight == pytest.approx(0.2)
