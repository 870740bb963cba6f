"""What the server needs of a verifier: one task kind, judged group by group.

A verifier judges the tasks of one kind, the name of a field of the `Task` oneof
("math", "code"); the server hands it that field's message. See registry.py for how a
kind is switched on.
"""

from __future__ import annotations

from typing import Any, Protocol

from reward_server.api import reward_pb2
from reward_server.outcome import Outcome
from reward_server.reasoning import ReasoningPair


class UnusableTask(ValueError):
    """The task of a group cannot be judged (a bad gold answer, unknown language, bad
    tests). The group is answered with GroupResult.error, code INVALID_ARGUMENT, and the
    message says what is wrong; the other groups of the call are scored as usual."""


class Verifier(Protocol):
    kind: str  # the Task oneof field it judges

    def validate(self, task: Any) -> None:
        """Cheap checks before any work is admitted; raises UnusableTask."""

    async def score(
        self, task: Any, completions: list[str], pair: ReasoningPair | None = None
    ) -> list[Outcome]:
        """One Outcome per completion, in order; raises UnusableTask for a task that
        turns out unusable only when judged (a gold answer the workers cannot parse).
        Only the answer after the reasoning counts: `pair` is the group's own reasoning
        tags (None: the known templates), for reasoning.split_reasoning."""

    def describe(self, info: reward_pb2.ServerInfo) -> None:
        """Adds its part to GetServerInfo: its kind to `verifiers`, languages, limits."""

    async def close(self) -> None:
        """Frees its processes and containers; called once at shutdown."""
