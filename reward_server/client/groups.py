"""Builders for the request messages, so callers need not touch protobuf by hand.

The task part goes through the task-record codec (``records.py``), the one place that
turns a task into a ``Task`` message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from reward_server.api import reward_pb2
from reward_server.client.records import make_group, record_to_task


def reward_spec(
    format_weight: float = 0.0,
    max_length: int = 0,
    overlong_buffer: int = 0,
    correctness_weight: float = 1.0,
    overlong_penalty: float = 1.0,
    language: str = "",
    language_weight: float = 0.0,
    reasoning_open: str = "",
    reasoning_close: str = "",
) -> reward_pb2.RewardSpec:
    """`language` (ISO 639-1, one of ServerInfo.reasoning_languages) turns on R1's
    language-consistency component, added as language_weight * share.
    `reasoning_open` / `reasoning_close` name the group's own reasoning tags instead of
    the known templates (only the close: the prompt opens the block)."""
    return reward_pb2.RewardSpec(
        format_weight=format_weight,
        max_length=max_length,
        overlong_buffer=overlong_buffer,
        correctness_weight=correctness_weight,
        overlong_penalty=overlong_penalty,
        language=language,
        language_weight=language_weight,
        reasoning_open=reasoning_open,
        reasoning_close=reasoning_close,
    )


def math_group(
    gold: str,
    completions: Sequence[str],
    group_id: str | None = None,
    reward: reward_pb2.RewardSpec | None = None,
    completion_lengths: Sequence[int] | None = None,
) -> reward_pb2.Group:
    """A group judged by the math verifier against `gold` (LaTeX, plain, or GSM8K '#### n')."""
    task = record_to_task({"gold": gold})
    return make_group(task, completions, group_id, reward, completion_lengths)


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
    compare: Mapping[str, Any] | None = None,
    checker: tuple[str, str] | None = None,
    report_tests: bool = False,
) -> reward_pb2.Group:
    """A group judged in the sandbox; give exactly one of io_cases, function, asserts.

    io_cases: [(stdin, expected_stdout)]; function: (entry_point, [(args, expected)]);
    asserts: (entry_point, test_code). For io_cases only: compare, how outputs are
    compared ({"abs_tolerance", "rel_tolerance", "ignore_case", "ignore_whitespace"}, any
    subset), or checker, (language, source) of a program that decides instead, run as
    `checker <input> <output> <answer>` (exit 0 accepts). report_tests: each score
    carries one TestResult per test.
    """
    if sum(x is not None for x in (io_cases, function, asserts)) != 1:
        raise ValueError("give exactly one of io_cases, function, asserts")
    tests: dict[str, Any]
    if io_cases is not None:
        tests = {"io": [list(case) for case in io_cases]}
    elif function is not None:
        entry_point, cases = function
        tests = {"function": {"entry_point": entry_point, "cases": [[a, e] for a, e in cases]}}
    else:
        assert asserts is not None
        entry_point, test_code = asserts
        tests = {"asserts": {"entry_point": entry_point, "test_code": test_code}}
    options: dict[str, Any] = {"compare": compare, "report_tests": report_tests}
    if checker is not None:
        options["checker"] = {"language": checker[0], "source": checker[1]}
    task = record_to_task({"tests": tests, "language": language, **options})
    task.code.limits.time_limit_s = time_limit_s
    task.code.limits.memory_mb = memory_mb
    return make_group(task, completions, group_id, reward, completion_lengths)
