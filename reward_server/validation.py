"""Checks a request before any work is done; each problem gets a message that says what to fix."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from reward_server.api import reward_pb2
from reward_server.quoting import quote


class InvalidRequest(ValueError):
    """Maps to INVALID_ARGUMENT."""


class NotServed(Exception):
    """A valid task this server cannot judge (maps to UNIMPLEMENTED)."""


@dataclass(frozen=True)
class RequestLimits:
    max_completions_per_group: int
    max_completion_bytes: int
    max_groups_per_request: int


def validate_request(
    request: reward_pb2.ScoreRequest,
    limits: RequestLimits,
    validate_code: Callable[[reward_pb2.CodeTask], None] | None,
) -> None:
    if not request.groups:
        raise InvalidRequest("request holds no groups")
    if len(request.groups) > limits.max_groups_per_request:
        raise InvalidRequest(
            f"request holds {len(request.groups)} groups; at most "
            f"{limits.max_groups_per_request} are allowed per request"
        )
    seen: set[str] = set()
    for group in request.groups:
        if group.group_id in seen:
            raise InvalidRequest(f"group_id {quote(group.group_id)} appears twice in one request")
        seen.add(group.group_id)
        validate_group(group, limits, validate_code)


def validate_group(
    group: reward_pb2.Group,
    limits: RequestLimits,
    validate_code: Callable[[reward_pb2.CodeTask], None] | None,
) -> None:
    """Raises InvalidRequest or NotServed; `validate_code` is None when code is not served."""
    where = f"group {quote(group.group_id)}"
    if not group.group_id:
        raise InvalidRequest("a group has an empty group_id; results are matched on it")
    if not group.completions:
        raise InvalidRequest(f"{where} has no completions")
    if len(group.completions) > limits.max_completions_per_group:
        raise InvalidRequest(
            f"{where} has {len(group.completions)} completions; at most "
            f"{limits.max_completions_per_group} are allowed"
        )
    for i, completion in enumerate(group.completions):
        if len(completion) * 4 <= limits.max_completion_bytes:
            continue  # UTF-8 needs at most 4 bytes a character: no need to encode
        size = len(completion.encode("utf-8", "surrogatepass"))
        if size > limits.max_completion_bytes:
            raise InvalidRequest(
                f"{where} completion {i} is {size} bytes; at most "
                f"{limits.max_completion_bytes} are allowed"
            )
    if group.completion_lengths and len(group.completion_lengths) != len(group.completions):
        raise InvalidRequest(
            f"{where} has {len(group.completion_lengths)} completion_lengths for "
            f"{len(group.completions)} completions; send one per completion or none"
        )
    if any(n < 0 for n in group.completion_lengths):
        raise InvalidRequest(f"{where} has a negative completion length")
    _validate_reward_spec(group.reward, where)
    kind = group.task.WhichOneof("kind")
    if kind is None:
        raise InvalidRequest(f"{where} has no task (set task.math or task.code)")
    if kind == "math":
        if not group.task.math.gold.strip():
            raise InvalidRequest(f"{where} has an empty math gold answer")
    elif kind == "code":
        if validate_code is None:
            raise NotServed(
                f"{where} is a code task, and this server does not run code; start it with "
                "--code (needs a Docker engine and the sandbox images)"
            )
        try:
            validate_code(group.task.code)
        except ValueError as err:
            raise InvalidRequest(f"{where}: {err}") from None


def _validate_reward_spec(spec: reward_pb2.RewardSpec, where: str) -> None:
    if spec.max_length < 0 or spec.overlong_buffer < 0:
        raise InvalidRequest(f"{where}: max_length and overlong_buffer must be >= 0")
    if spec.overlong_buffer and not spec.max_length:
        raise InvalidRequest(f"{where}: overlong_buffer needs max_length")
    if spec.overlong_buffer > spec.max_length:
        raise InvalidRequest(
            f"{where}: overlong_buffer ({spec.overlong_buffer}) exceeds max_length "
            f"({spec.max_length})"
        )
    for name in ("format_weight", "correctness_weight", "overlong_penalty"):
        value = getattr(spec, name)
        if value != value or abs(value) > 1e6:  # NaN or absurd
            raise InvalidRequest(f"{where}: reward.{name} must be a finite number, got {value}")
