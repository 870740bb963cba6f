"""What a verifier says about one completion: plain data that crosses process boundaries."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

# Most characters of the judged answer a result shows (math cuts its answers to this too):
# a code result must not echo a 2 MB program back to the client.
MAX_EXTRACTED_CHARS = 200


class Verdict(enum.IntEnum):
    """Mirrors `reward.v1.Verdict` (a test keeps the two in step)."""

    VERDICT_UNSPECIFIED = 0
    CORRECT = 1
    WRONG = 2
    NO_ANSWER = 3
    COMPILE_ERROR = 4
    RUNTIME_ERROR = 5
    TIME_LIMIT = 6
    MEMORY_LIMIT = 7
    OUTPUT_LIMIT = 8
    INFRA_ERROR = 9


@dataclass(frozen=True)
class TestResult:
    """One test of a code task: passed or why not, and the wall time of its run.
    VERDICT_UNSPECIFIED marks a test that did not run (the detail says why)."""

    passed: bool
    verdict: Verdict  # CORRECT when passed, else why it failed
    detail: str = ""
    time_s: float = 0.0


@dataclass
class Outcome:
    """The judgement of one completion before reward shaping.

    `correctness` is in [0, 1]: 1.0 for CORRECT, the fraction of tests passed when partial
    credit is on, else 0.0. An INFRA_ERROR outcome means "could not be judged", never "wrong".
    """

    verdict: Verdict
    correctness: float = 0.0
    extracted_answer: str = ""
    detail: str = ""
    tests_passed: int = 0
    tests_total: int = 0
    tests: list[TestResult] = field(default_factory=list)  # only when the task asks for them

    @classmethod
    def infra_error(cls, detail: str) -> Outcome:
        return cls(verdict=Verdict.INFRA_ERROR, detail=detail)


def shown_answer(text: str) -> str:
    """`text` cut to MAX_EXTRACTED_CHARS, ending in a marker with its full length when cut."""
    if len(text) <= MAX_EXTRACTED_CHARS:
        return text
    marker = f"... [{len(text)} characters]"
    return text[: MAX_EXTRACTED_CHARS - len(marker)] + marker
