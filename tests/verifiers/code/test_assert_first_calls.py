"""An assert test's first calls, known from the test code alone, are made in the round
trip that starts the program; verdicts are those of calls made one at a time.

Through the real verifier, sandbox and judge processes; round trips are counted on the
real channel to the sandbox.
"""

from __future__ import annotations

import ast

import pytest

from reward_server.api import reward_pb2
from reward_server.outcome import Verdict
from reward_server.verifiers.code.assert_judges import JudgePool
from reward_server.verifiers.code.assert_predict import free_names
from reward_server.verifiers.code.valuecodec_loader import CODEC_DIR

from .conftest import SandboxTraffic, asserts_task, fenced

pytestmark = [pytest.mark.docker]


CHECK = (
    "def check(candidate):\n"
    "    import math\n"
    "    assert candidate(1, 2) == 3\n"
    "    assert candidate(-1, 1) == 0\n"
    "    assert math.isclose(candidate(0.5, 0.25), 0.75)\n"
)


def test_a_straight_line_check_takes_two_round_trips(verifier, monkeypatch):
    verifier.score(asserts_task(CHECK), [fenced("def f(a, b):\n    return a + b")])  # learns it
    trips = SandboxTraffic(monkeypatch)
    out = verifier.score(asserts_task(CHECK), [fenced("def f(a, b):\n    return a + b")])
    assert out[0].verdict == Verdict.CORRECT, out[0].detail
    assert (trips.requests, trips.lines) == (2, 3)  # start + calls, then the reset


def test_verdicts_of_calls_made_with_the_start(verifier):
    task = asserts_task(CHECK)
    task.limits.time_limit_s = 1.0
    programs = {
        "def f(a, b):\n    return a + b": Verdict.CORRECT,
        "def f(a, b):\n    return a - b": Verdict.WRONG,
        "def g(a, b):\n    return a + b": Verdict.WRONG,  # no entry point
        "f = 3": Verdict.WRONG,  # not callable
        "def f(a, b):\n    raise ValueError('no')": Verdict.RUNTIME_ERROR,
        "def f(a, b):\n    while True:\n        pass": Verdict.TIME_LIMIT,
        "import os\nos._exit(3)\ndef f(a, b):\n    return a + b": Verdict.RUNTIME_ERROR,
        "def f(a, b):\n    import os\n    os._exit(0)": Verdict.RUNTIME_ERROR,
        "raise SystemExit(0)": Verdict.RUNTIME_ERROR,
    }
    out = verifier.score(task, [fenced(p) for p in programs])
    assert [o.verdict for o in out] == list(programs.values()), [o.detail for o in out]


def test_each_call_reaches_the_candidate_once_in_order(verifier, monkeypatch):
    counter = "seen = []\ndef f(x):\n    seen.append(x)\n    return len(seen)"
    test = "def check(candidate):\n" + "".join(
        f"    assert candidate({i}) == {i + 1}\n" for i in range(12)
    )
    trips = SandboxTraffic(monkeypatch)
    out = verifier.score(asserts_task(test), [fenced(counter)] * 3)
    assert [o.verdict for o in out] == [Verdict.CORRECT] * 3
    assert trips.lines == 3 * 12


def test_test_code_naming_other_program_names_waits_for_the_start(verifier, monkeypatch):
    # `helper` is the program's: its calls need the program's names first.
    test = "def check(candidate):\n    assert candidate(2) == 4\n    assert helper(3) == 6\n"
    code = "def helper(x):\n    return 2 * x\ndef f(x):\n    return helper(x)"
    trips = SandboxTraffic(monkeypatch)
    out = verifier.score(asserts_task(test), [fenced(code)])
    assert out[0].verdict == Verdict.CORRECT, out[0].detail
    assert trips.requests == 3  # start, calls, reset


def test_top_level_asserts_per_test_results(verifier):
    test = "assert f(1) == 1\nassert f(2) == 5\nassert f(3) == 3\n"
    task = asserts_task(test)
    task.report_tests = True
    out = verifier.score(task, [fenced("def f(x):\n    return x")])
    assert out[0].verdict == Verdict.WRONG
    assert [t.verdict for t in out[0].tests] == [Verdict.CORRECT, Verdict.WRONG, Verdict.CORRECT]


def _spec(test_code: str, entry: str = "f") -> reward_pb2.AssertTests:
    return reward_pb2.AssertTests(entry_point=entry, test_code=test_code)


def test_the_judge_works_out_first_calls_from_the_test_code_alone():
    pool = JudgePool(CODEC_DIR)
    try:
        calls = pool.first_calls(_spec(CHECK), 30.0)
        assert [c["args"] for c in calls] == [[1, 2], [-1, 1], [0.5, 0.25]]
        assert pool.first_calls(_spec("assert f(2) == 4\nassert f(3) == 9\n"), 30.0) == [
            {"name": "f", "args": [2], "track": True}
        ]
        for unknown in (
            "X = f(1)\ndef check(candidate):\n    assert candidate(1) == X\n",  # setup calls
            "def check(candidate):\n    assert candidate(TABLE) == 1\n",  # a program value
            "def check(candidate):\n    for i in range(3):\n        assert candidate(i)\n",
            "import sys\nsys.exit(1)\n",
            "def check(candidate):\n    assert sum(1, 2)\n",  # no call of the program
        ):
            assert pool.first_calls(_spec(unknown), 30.0) == [], unknown
        assert pool.first_calls(_spec(CHECK, entry="sum"), 30.0) == []  # a builtin's name
    finally:
        pool.close()


def test_free_names_are_what_the_test_code_needs_from_the_program():
    code = (
        "import math as m\nfrom x import y\n"
        "def check(candidate):\n    for i in range(3):\n        assert candidate(i) == g(i)\n"
        "try:\n    pass\nexcept ValueError as e:\n    e\n"
        "class K:\n    pass\nk = K()\nprint(m, y, k, TABLE)\n"
    )
    assert free_names(ast.parse(code)) == {"g", "TABLE"}
