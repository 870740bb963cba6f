"""Checks a request before any work is done; each problem gets a message that says what to fix.

Two outcomes: a problem with the call as a whole (no groups, too many, a group_id that
cannot be answered) raises InvalidRequest and ends the RPC; a problem with one group's
content raises GroupRefused, and that group alone is answered with GroupResult.error.
"""

from __future__ import annotations

from dataclasses import dataclass

from reward_server.api import reward_pb2
from reward_server.language_share import REASONING_LANGUAGES
from reward_server.quoting import clip_message, quote
from reward_server.reasoning import pair_problem
from reward_server.verifiers.base import UnusableTask
from reward_server.verifiers.registry import Verifiers


class InvalidRequest(ValueError):
    """The call as a whole is bad; maps to the RPC status INVALID_ARGUMENT."""


class GroupRefused(Exception):
    """One group cannot be judged; `code` is the gRPC status name that applies
    (INVALID_ARGUMENT, UNIMPLEMENTED), sent in GroupResult.error."""

    def __init__(self, code: str, message: str) -> None:
        message = clip_message(message)  # whatever input it quotes, the result stays small
        super().__init__(message)
        self.code = code
        self.message = message


def _invalid(message: str) -> GroupRefused:
    return GroupRefused("INVALID_ARGUMENT", message)


@dataclass(frozen=True)
class RequestLimits:
    max_completions_per_group: int
    max_completion_bytes: int
    max_groups_per_request: int


def validate_request(request: reward_pb2.ScoreRequest, limits: RequestLimits) -> None:
    """Whole-call checks of a Score request; its groups' content is checked one by one."""
    if not request.groups:
        raise InvalidRequest("request holds no groups")
    if len(request.groups) > limits.max_groups_per_request:
        raise InvalidRequest(
            f"request holds {len(request.groups)} groups; at most "
            f"{limits.max_groups_per_request} are allowed per request"
        )
    seen: set[str] = set()
    for group in request.groups:
        validate_group_id(group)
        if group.group_id in seen:
            raise InvalidRequest(f"group_id {quote(group.group_id)} appears twice in one request")
        seen.add(group.group_id)


def validate_group_id(group: reward_pb2.Group) -> None:
    """Results are matched on group_id: without one a group cannot be answered on its own."""
    if not group.group_id:
        raise InvalidRequest("a group has an empty group_id; results are matched on it")


def validate_group(group: reward_pb2.Group, limits: RequestLimits, verifiers: Verifiers) -> None:
    """Raises GroupRefused saying what is wrong with the group's content."""
    where = f"group {quote(group.group_id)}"
    if not group.completions:
        raise _invalid(f"{where} has no completions")
    if len(group.completions) > limits.max_completions_per_group:
        raise _invalid(
            f"{where} has {len(group.completions)} completions; at most "
            f"{limits.max_completions_per_group} are allowed"
        )
    for i, completion in enumerate(group.completions):
        if len(completion) * 4 <= limits.max_completion_bytes:
            continue  # UTF-8 needs at most 4 bytes a character: no need to encode
        size = len(completion.encode("utf-8", "surrogatepass"))
        if size > limits.max_completion_bytes:
            raise _invalid(
                f"{where} completion {i} is {size} bytes; at most "
                f"{limits.max_completion_bytes} are allowed"
            )
    if group.completion_lengths and len(group.completion_lengths) != len(group.completions):
        raise _invalid(
            f"{where} has {len(group.completion_lengths)} completion_lengths for "
            f"{len(group.completions)} completions; send one per completion or none"
        )
    if any(n < 0 for n in group.completion_lengths):
        raise _invalid(f"{where} has a negative completion length")
    _validate_reward_spec(group.reward, where)
    kind = group.task.WhichOneof("kind")
    if kind is None:
        fields = " or ".join(f"task.{k}" for k in verifiers.kinds())
        raise _invalid(f"{where} has no task (set {fields})")
    verifier = verifiers.running.get(kind)
    if verifier is None:
        raise GroupRefused(
            "UNIMPLEMENTED", f"{where} is a {kind} task, and {verifiers.why_not(kind)}"
        )
    try:
        verifier.validate(getattr(group.task, kind))
    except UnusableTask as err:
        raise _invalid(f"{where}: {err}") from None


def _validate_reward_spec(spec: reward_pb2.RewardSpec, where: str) -> None:
    if spec.max_length < 0 or spec.overlong_buffer < 0:
        raise _invalid(f"{where}: max_length and overlong_buffer must be >= 0")
    if spec.overlong_buffer and not spec.max_length:
        raise _invalid(f"{where}: overlong_buffer needs max_length")
    if spec.overlong_buffer > spec.max_length:
        raise _invalid(
            f"{where}: overlong_buffer ({spec.overlong_buffer}) exceeds max_length "
            f"({spec.max_length})"
        )
    for name in ("format_weight", "correctness_weight", "overlong_penalty", "language_weight"):
        value = getattr(spec, name)
        if value != value or abs(value) > 1e6:  # NaN or absurd
            raise _invalid(f"{where}: reward.{name} must be a finite number, got {value}")
    problem = pair_problem(spec.reasoning_open, spec.reasoning_close)
    if problem:
        raise _invalid(f"{where}: {problem}")
    if spec.language and spec.language not in REASONING_LANGUAGES:
        raise _invalid(
            f"{where}: reward.language {quote(spec.language)} is not a language this server "
            "detects; use an ISO 639-1 code from ServerInfo.reasoning_languages"
        )
    if spec.language_weight and not spec.language:
        raise _invalid(f"{where}: reward.language_weight needs reward.language")
