"""Client library for the reward server.

from reward_server.client import RewardClient, math_group
with RewardClient("127.0.0.1:50051") as client:
    [result] = client.score([math_group("42", ["... \\\\boxed{42}", "... \\\\boxed{41}"])])

A group the server cannot judge (bad gold, bad tests, unknown language) is answered with
`result.HasField("error")` true and no scores; clients return it like any result.
"""

from reward_server.api.reward_pb2 import GroupError, GroupResult, Verdict
from reward_server.client.aio import AsyncRewardClient
from reward_server.client.channel import RetryPolicy, resolve_target
from reward_server.client.groups import code_group, math_group, reward_spec
from reward_server.client.records import (
    group_to_record,
    record_to_group,
    record_to_task,
    task_to_record,
)
from reward_server.client.sync import RewardClient
from reward_server.moderation import Finding, Moderated, moderate
from reward_server.reasoning import ReasoningPair, split_reasoning, visible_answer

__all__ = [
    "AsyncRewardClient",
    "Finding",
    "GroupError",
    "GroupResult",
    "Moderated",
    "ReasoningPair",
    "RetryPolicy",
    "RewardClient",
    "Verdict",
    "code_group",
    "group_to_record",
    "math_group",
    "moderate",
    "record_to_group",
    "record_to_task",
    "resolve_target",
    "reward_spec",
    "split_reasoning",
    "task_to_record",
    "visible_answer",
]
