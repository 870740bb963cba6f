"""Hostile shapes of the answer forms (comments, joined spans, labels, prose sentences,
decimal commas, ordinals): each must be judged quickly, whatever its size."""

from __future__ import annotations

import time

import pytest

from reward_server.outcome import Verdict
from reward_server.verifiers.math.verify import parse_gold, verify

BUDGET_S = 1.0

SHAPES = {
    "comment spam": "\\boxed{5" + " \\text{for x}" * 5000 + "}",
    "joined spans": "The answer is " + "$1$ and " * 8000 + "$2$",
    "bare joined spans": "$1$, " * 400,
    "labels": "\\boxed{" + ", ".join(f"AB_{i} = {i}" for i in range(3000)) + "}",
    "tuple label": "\\boxed{(" + "p," * 3000 + "q) = (" + "1," * 3000 + "2)}",
    "prose sentence": "Final Answer: " + "the value is " * 3000 + "5",
    "decimal commas": "\\boxed{" + "1,5" * 10000 + "}",
    "ordinals": "\\boxed{" + "12^{th} " * 5000 + "}",
    "glued or": "\\boxed{(1)" + " or (1)" * 5000 + "}",
    "absolute values": "\\boxed{" + "|x| < 1 and " * 3000 + "}",
    "blank after a label": "\\boxed{x =" + " " * 60000 + "5}",
    "bold runs": "Answer: **" + "*" * 60000,
}


@pytest.fixture(scope="module", autouse=True)
def _warm_up() -> None:
    verify(parse_gold(r"\sqrt{2}"), r"\boxed{2^{1/2}}")


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_hostile_answer_forms_are_judged_quickly(shape: str) -> None:
    gold = parse_gold("5")
    start = time.perf_counter()
    outcome = verify(gold, SHAPES[shape])
    elapsed = time.perf_counter() - start
    assert elapsed < BUDGET_S, f"{shape}: {elapsed:.2f}s"
    assert outcome.verdict in (Verdict.CORRECT, Verdict.WRONG, Verdict.NO_ANSWER)
    assert outcome.detail
