"""HumanEval: every canonical solution is CORRECT (also 16 at a time); broken ones are not."""

from __future__ import annotations

import pytest

from reward_server.api import reward_pb2
from reward_server.outcome import Verdict

from .conftest import load_humaneval

pytestmark = [pytest.mark.docker, pytest.mark.slow]


def task_of(problem: dict) -> reward_pb2.CodeTask:
    return reward_pb2.CodeTask(
        language="python",
        asserts=reward_pb2.AssertTests(
            entry_point=problem["entry_point"], test_code=problem["test"]
        ),
    )


def solution(problem: dict, body: str | None = None) -> str:
    code = problem["prompt"] + (problem["canonical_solution"] if body is None else body)
    return f"<think>Let me write it.</think>\n```python\n{code}\n```"


def test_all_canonical_solutions_are_correct(verifier):
    problems = load_humaneval()
    assert len(problems) == 164
    out = verifier.score_many([(task_of(p), [solution(p)]) for p in problems])
    wrong = {
        p["task_id"]: (o[0].verdict.name, o[0].detail)
        for p, o in zip(problems, out, strict=True)
        if o[0].verdict != Verdict.CORRECT
    }
    assert wrong == {}


def test_canonical_solutions_sixteen_at_a_time(verifier):
    problems = load_humaneval()[::8]  # 21 problems x 16 samples, scored as concurrent groups
    out = verifier.score_many([(task_of(p), [solution(p)] * 16) for p in problems])
    assert all(o.verdict == Verdict.CORRECT for group in out for o in group)


def broken_variants(problem: dict) -> list[str]:
    indent = "    "
    return [
        solution(problem, f"{indent}return None\n"),
        solution(problem, f"{indent}raise NotImplementedError\n"),
        solution(problem, problem["canonical_solution"].replace("return ", "return not ", 1)),
        solution(problem, f"{indent}import sys\n{indent}sys.exit(0)\n"),
    ]


def test_broken_variants_are_not_correct(verifier):
    problems = load_humaneval()[::4]
    out = verifier.score_many([(task_of(p), broken_variants(p)) for p in problems])
    correct = [
        (p["task_id"], i)
        for p, group in zip(problems, out, strict=True)
        for i, o in enumerate(group)
        if o.verdict == Verdict.CORRECT
    ]
    assert correct == []
