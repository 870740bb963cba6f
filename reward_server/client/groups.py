"""Builders for the request messages, so callers need not touch protobuf by hand."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any

from reward_server.api import reward_pb2


def reward_spec(
    format_weight: float = 0.0,
    max_length: int = 0,
    overlong_buffer: int = 0,
    correctness_weight: float = 1.0,
    overlong_penalty: float = 1.0,
) -> reward_pb2.RewardSpec:
    return reward_pb2.RewardSpec(
        format_weight=format_weight,
        max_length=max_length,
        overlong_buffer=overlong_buffer,
        correctness_weight=correctness_weight,
        overlong_penalty=overlong_penalty,
    )


def _group(
    task: reward_pb2.Task,
    completions: Sequence[str],
    group_id: str | None,
    reward: reward_pb2.RewardSpec | None,
    completion_lengths: Sequence[int] | None,
) -> reward_pb2.Group:
    return reward_pb2.Group(
        group_id=group_id or uuid.uuid4().hex,
        task=task,
        completions=list(completions),
        reward=reward,
        completion_lengths=list(completion_lengths or []),
    )


def math_group(
    gold: str,
    completions: Sequence[str],
    group_id: str | None = None,
    reward: reward_pb2.RewardSpec | None = None,
    completion_lengths: Sequence[int] | None = None,
) -> reward_pb2.Group:
    """A group judged by the math verifier against `gold` (LaTeX, plain, or GSM8K '#### n')."""
    task = reward_pb2.Task(math=reward_pb2.MathTask(gold=gold))
    return _group(task, completions, group_id, reward, completion_lengths)


def code_group(
    language: str,
    completions: Sequence[str],
    *,
    io_cases: Sequence[tuple[str, str]] | None = None,
    function: tuple[str, Sequence[tuple[Sequence[Any], Any]]] | None = None,
    asserts: tuple[str, str] | None = None,
    time_limit_s: float = 0.0,
    memory_mb: int = 0,
    group_id: str | None = None,
    reward: reward_pb2.RewardSpec | None = None,
    completion_lengths: Sequence[int] | None = None,
) -> reward_pb2.Group:
    """A group judged in the sandbox; give exactly one of io_cases, function, asserts.

    io_cases: [(stdin, expected_stdout)]; function: (entry_point, [(args, expected)]);
    asserts: (entry_point, test_code).
    """
    if sum(x is not None for x in (io_cases, function, asserts)) != 1:
        raise ValueError("give exactly one of io_cases, function, asserts")
    code = reward_pb2.CodeTask(
        language=language,
        limits=reward_pb2.Limits(time_limit_s=time_limit_s, memory_mb=memory_mb),
    )
    if io_cases is not None:
        code.io.cases.extend(reward_pb2.IoCase(stdin=i, expected_stdout=o) for i, o in io_cases)
    elif function is not None:
        entry_point, cases = function
        code.function.entry_point = entry_point
        code.function.cases.extend(
            reward_pb2.FunctionCase(args_json=json.dumps(list(a)), expected_json=json.dumps(e))
            for a, e in cases
        )
    else:
        assert asserts is not None
        code.asserts.entry_point, code.asserts.test_code = asserts
    return _group(reward_pb2.Task(code=code), completions, group_id, reward, completion_lengths)
