"""Checks of an io task's own comparison options and checker (IoTests.compare / .checker).

Each problem raises UnusableTask with a message that says what to change; the group is
then answered with its own INVALID_ARGUMENT error and the rest of the call is scored.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from reward_server.api import reward_pb2
from reward_server.quoting import quote
from reward_server.verifiers.base import UnusableTask

MAX_TOLERANCE = 1e9  # beyond this a tolerance accepts any number: almost surely a mistake


def validate_io_options(io: reward_pb2.IoTests, languages: Mapping[str, object]) -> None:
    if io.HasField("compare"):
        for name in ("abs_tolerance", "rel_tolerance"):
            value = getattr(io.compare, name)
            if not math.isfinite(value) or not 0 <= value <= MAX_TOLERANCE:
                raise UnusableTask(
                    f"io.compare.{name}={value} must be a finite number in [0, "
                    f"{MAX_TOLERANCE:g}] (0 = exact)"
                )
    if io.HasField("checker"):
        checker = io.checker
        if checker.language not in languages:
            raise UnusableTask(
                f"io.checker.language {quote(checker.language)} is not a sandbox language "
                f"here; valid: {sorted(languages)}"
            )
        if not checker.source.strip():
            raise UnusableTask("io.checker.source is empty; give the checker's program")
