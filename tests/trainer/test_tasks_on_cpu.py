"""The task mix: held-out split, code tasks only on request, loaders, references."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import pytest

from reward_server.client import RewardClient
from trainer_client.tasks import (
    CODE_FAMILIES,
    CODE_K_MAX,
    TaskSet,
    code_task,
    is_heldout,
    load_humaneval,
    make_taskset,
    user_task,
)

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"


def test_heldout_problems_are_never_trained_on():
    tasks = TaskSet.bundled(10, code=False, code_fraction=0.0)
    rng = random.Random(0)
    train = {tasks.sample(rng).prompt for _ in range(2000)}
    held = tasks.heldout("math", 100)
    assert len(held) == 100 and len({t.prompt for t in held}) == 100
    assert not train & {t.prompt for t in held}
    assert all(is_heldout(t.prompt) for t in held)
    assert tasks.heldout("math", 100) == held  # fixed, whatever the training seed
    assert tasks.heldout("code", 10) == []


def test_code_tasks_only_when_the_server_can_judge_them():
    rng = random.Random(1)
    math_only = TaskSet.bundled(10, code=False, code_fraction=0.5)
    assert {math_only.sample(rng).kind for _ in range(200)} == {"math"}
    mixed = TaskSet.bundled(10, code=True, code_fraction=0.5)
    assert {mixed.sample(rng).kind for _ in range(200)} == {"math", "code"}
    assert len(mixed.heldout("code", 5)) == 5


def test_heldout_code_problems_are_whole_problems_never_trained_on():
    tasks = TaskSet.bundled(10, code=True, code_fraction=1.0)
    rng = random.Random(0)
    train = {tasks.sample(rng).tests["function"]["entry_point"] for _ in range(3000)}
    held = tasks.heldout("code", 500)
    names = {t.tests["function"]["entry_point"] for t in held}  # (family, constant) pairs
    assert len(names) == len(held) >= 30
    assert not train & names  # not just other test inputs: other problems
    assert len(train) + len(names) == len(CODE_FAMILIES) * CODE_K_MAX


def test_code_reference_passes_its_own_tests():
    rng = random.Random(2)
    for _ in range(20):
        task = code_task(rng)
        entry, cases = task.tests["function"]["entry_point"], task.tests["function"]["cases"]
        source = re.search(r"```python\n(.*)```", task.reference, re.S).group(1)
        namespace: dict = {}
        exec(source, namespace)  # our own generated reference, not model output
        for args, expected in cases:
            assert namespace[entry](*args) == expected
        group = task.to_group(["x"], "g")
        assert group.task.code.function.entry_point == entry


def test_math_references_score_correct_on_the_server(server):
    tasks = TaskSet.bundled(20, code=False, code_fraction=0.0)
    held = tasks.heldout("math", 12)
    with RewardClient(server.address) as client:
        results = client.score([t.to_group([t.reference], f"ref{i}") for i, t in enumerate(held)])
    assert all(r.scores[0].reward == 1.0 for r in results)


def test_user_jsonl_schema(tmp_path):
    path = tmp_path / "tasks.jsonl"
    records = [{"prompt": f"What is {i}+1?", "gold": str(i + 1)} for i in range(30)] + [
        {
            "prompt": "Write inc(x).",
            "language": "python",
            "tests": {"function": {"entry_point": "inc", "cases": [[[1], 2]]}},
        },
        {"prompt": "Echo.", "tests": {"io": [["a\n", "a\n"]]}},
        {
            "prompt": "Write f.",
            "tests": {"asserts": {"entry_point": "f", "test_code": "assert f() == 1"}},
        },
    ]
    path.write_text("\n".join(json.dumps(r) for r in records) + "\n")
    tasks = make_taskset(str(path), arith_max=10, code=False, code_fraction=0.0, data_dir=DATA)
    assert set(tasks.kinds) <= {"math", "code"}
    code = [user_task(r) for r in records[30:]]
    assert code[0].tests == {"function": {"entry_point": "inc", "cases": [[[1], 2]]}}
    assert "io" in code[1].tests and "asserts" in code[2].tests
    assert code[1].language == "python"  # the default
    group = code[1].to_group(["print(input())"], "g")
    assert group.task.code.io.cases[0].expected_stdout == "a\n"
    with pytest.raises(ValueError, match="exactly one of function, io, asserts"):
        user_task({"prompt": "x", "tests": {}})
    with pytest.raises(ValueError, match="use 'bundled', 'gsm8k'"):
        make_taskset("nope", arith_max=10, code=False, code_fraction=0.0, data_dir=DATA)


@pytest.mark.skipif(not (DATA / "gsm8k").is_dir(), reason="../shared/data/gsm8k is absent")
def test_gsm8k_and_humaneval_loaders():
    tasks = make_taskset("gsm8k", arith_max=10, code=False, code_fraction=0.0, data_dir=DATA)
    held = tasks.heldout("math", 3)
    assert len(held) == 3 and "####" in held[0].gold
    assert held[0].reference.endswith("}") and "</think>\\boxed{" in held[0].reference
    he = load_humaneval(DATA)
    assert len(he) == 164 and "asserts" in he[0].tests
