"""Client library for the reward server.

from reward_server.client import RewardClient, math_group
with RewardClient("127.0.0.1:50051") as client:
    [result] = client.score([math_group("42", ["... \\\\boxed{42}", "... \\\\boxed{41}"])])
"""

from reward_server.api.reward_pb2 import GroupResult, Verdict
from reward_server.client.aio import AsyncRewardClient
from reward_server.client.channel import RetryPolicy, resolve_target
from reward_server.client.groups import code_group, math_group, reward_spec
from reward_server.client.sync import RewardClient
from reward_server.reasoning import split_reasoning, visible_answer

__all__ = [
    "AsyncRewardClient",
    "GroupResult",
    "RetryPolicy",
    "RewardClient",
    "Verdict",
    "code_group",
    "math_group",
    "resolve_target",
    "reward_spec",
    "split_reasoning",
    "visible_answer",
]
