"""Test-only judges for real math workers: verify(), except on an answer that says to fail.

Nothing a client sends makes the real verifier fail on purpose, so the tests of "not judged
is not wrong" pass one of these to `worker.worker_main(judge=...)`. The server never does:
it always runs verify(), and no flag or request field selects a judge.
"""

from __future__ import annotations

import os
import time

from reward_server.outcome import Outcome
from reward_server.reasoning import ReasoningPair
from reward_server.verifiers.math.verify import Gold, verify


def raises_on_fail_box(gold: Gold, completion: str, pair: ReasoningPair | None) -> Outcome:
    if "\\boxed{fail}" in completion:
        raise KeyError("forced for the test")
    return verify(gold, completion, pair)


def dies_on_fail_box(gold: Gold, completion: str, pair: ReasoningPair | None) -> Outcome:
    if "\\boxed{fail}" in completion:
        os._exit(3)  # the worker process dies, as on a segfault in C code
    return verify(gold, completion, pair)


def hangs_on_fail_box(gold: Gold, completion: str, pair: ReasoningPair | None) -> Outcome:
    if "\\boxed{fail}" in completion:
        time.sleep(3600)
    return verify(gold, completion, pair)
