"""The verifier against a real Docker engine: judging, limits, validation, lifecycle."""

from __future__ import annotations

import time

import pytest

from reward_server.api import reward_pb2
from reward_server.outcome import Verdict
from reward_server.verifiers.code import owners

from .conftest import fenced, py_task_io, start_verifier

pytestmark = pytest.mark.docker

ADD = "a, b = map(int, input().split())\nprint(a + b)"
CPP_ADD = "#include <iostream>\nint main(){long long a,b;std::cin>>a>>b;std::cout<<a+b<<std::endl;}"
ADD_CASES = [("1 2", "3\n"), ("10 -4", "6"), ("0 0", "0")]


def fn_task(entry: str, cases: list[tuple[str, str]], **limits) -> reward_pb2.CodeTask:
    return reward_pb2.CodeTask(
        language="python",
        function=reward_pb2.FunctionTests(
            entry_point=entry,
            cases=[reward_pb2.FunctionCase(args_json=a, expected_json=e) for a, e in cases],
        ),
        limits=reward_pb2.Limits(**limits),
    )


def assert_task(entry: str, test_code: str, **limits) -> reward_pb2.CodeTask:
    return reward_pb2.CodeTask(
        language="python",
        asserts=reward_pb2.AssertTests(entry_point=entry, test_code=test_code),
        limits=reward_pb2.Limits(**limits),
    )


def test_languages(verifier):
    names = {name: image for name, _version, image in verifier.v.languages()}
    assert set(names) == {"python", "cpp"}
    assert names["python"].startswith("reward-sandbox-python:")


def test_python_io(verifier):
    out = verifier.score(
        py_task_io(ADD_CASES),
        [
            fenced(ADD),
            fenced("print(3)"),
            "no code here",
            fenced("def f(:"),
            fenced("import sys\nsys.exit(3)"),
        ],
    )
    assert [o.verdict for o in out] == [
        Verdict.CORRECT,
        Verdict.WRONG,
        Verdict.NO_ANSWER,
        Verdict.COMPILE_ERROR,
        Verdict.RUNTIME_ERROR,
    ]
    assert (out[0].tests_passed, out[0].tests_total, out[0].correctness) == (3, 3, 1.0)
    assert all(o.tests_total == 3 for o in out)
    assert out[0].extracted_answer.strip() == ADD


def test_cpp_io_compiles_once_and_runs_every_test(verifier):
    task = reward_pb2.CodeTask(language="cpp", io=py_task_io(ADD_CASES).io)
    out = verifier.score(
        task,
        [
            fenced(CPP_ADD, "cpp"),
            fenced("int main( {", "cpp"),
            fenced("int main(){return 1;}", "cpp"),
        ],
    )
    assert [o.verdict for o in out] == [
        Verdict.CORRECT,
        Verdict.COMPILE_ERROR,
        Verdict.RUNTIME_ERROR,
    ]


def test_function_tests_compare_plain_data(verifier):
    task = fn_task("f", [("[1, [2, 3]]", "[1, 5]"), ("[0, []]", "[0, 0]")])
    out = verifier.score(
        task,
        [
            fenced("def f(a, b):\n    return (a, sum(b))"),
            fenced("def f(a, b):\n    return [a, 5]"),
            fenced("def g(a, b):\n    return 1"),
            fenced("def f(a, b):\n    raise ValueError('no')"),
        ],
    )
    assert [o.verdict for o in out] == [
        Verdict.CORRECT,
        Verdict.WRONG,
        Verdict.WRONG,
        Verdict.RUNTIME_ERROR,
    ]


def test_assert_tests_check_and_top_level(verifier):
    check = assert_task(
        "inc", "def check(candidate):\n    assert candidate(1) == 2\n    assert candidate(5) == 6\n"
    )
    top = assert_task("inc", "assert inc(1) == 2\nassert inc(5) == 6\nassert inc(0) == 1\n")
    good, bad = fenced("def inc(x):\n    return x + 1"), fenced("def inc(x):\n    return 2")
    assert [o.verdict for o in verifier.score(check, [good, bad])] == [
        Verdict.CORRECT,
        Verdict.WRONG,
    ]
    out = verifier.score(top, [good, bad])
    assert out[0].verdict == Verdict.CORRECT and out[0].tests_total == 3
    assert out[1].verdict == Verdict.WRONG


def test_partial_credit(docker_client):
    for v in start_verifier(docker_client, pool_size=1, partial_credit=True, languages=("python",)):
        out = v.score(py_task_io(ADD_CASES), [fenced("print(3)")])
        assert out[0].verdict == Verdict.WRONG
        assert (out[0].tests_passed, out[0].tests_total) == (1, 3)
        assert out[0].correctness == pytest.approx(1 / 3)


@pytest.mark.parametrize("limit", [0.5, 1.5])
def test_time_limit_is_enforced_within_100ms(verifier, limit):
    t0 = time.monotonic()
    out = verifier.score(
        py_task_io([("", "")], time_limit_s=limit), [fenced("while True:\n    pass")]
    )
    elapsed = time.monotonic() - t0
    assert out[0].verdict == Verdict.TIME_LIMIT
    wall = float(out[0].detail.split("(")[1].split("s")[0])
    assert limit <= wall <= limit + 0.1
    assert elapsed < limit + 1.0


def test_per_request_memory_limit(verifier):
    hog = fenced("x = bytearray(200 * 1024 * 1024)\nprint('ok')")
    low = verifier.score(py_task_io([("", "ok")], memory_mb=64), [hog])
    high = verifier.score(py_task_io([("", "ok")], memory_mb=512), [hog])
    assert low[0].verdict == Verdict.MEMORY_LIMIT
    assert high[0].verdict == Verdict.CORRECT


def test_output_flood_is_capped(verifier):
    out = verifier.score(py_task_io([("", "x")]), [fenced("while True:\n    print('y' * 4096)")])
    assert out[0].verdict == Verdict.OUTPUT_LIMIT


def test_output_up_to_a_mebibyte_is_captured(verifier):
    text = "a" * 1000
    expected = "\n".join([text] * 1000)
    out = verifier.score(
        py_task_io([("", expected)]), [fenced("for _ in range(1000):\n    print('a' * 1000)")]
    )
    assert out[0].verdict == Verdict.CORRECT


@pytest.mark.parametrize(
    "task, message",
    [
        (reward_pb2.CodeTask(language="cobol", io=py_task_io([("", "")]).io), "valid:"),
        (reward_pb2.CodeTask(language="python"), "no tests"),
        (reward_pb2.CodeTask(language="python", io=reward_pb2.IoTests()), "at least one case"),
        (fn_task("f", [("[1", "2")]), "bad JSON"),
        (fn_task("f", [("1", "2")]), "JSON array"),
        (assert_task("f", "x = 1\n"), "check\\(candidate\\)"),
        (
            reward_pb2.CodeTask(language="cpp", function=fn_task("f", [("[1]", "2")]).function),
            "cpp supports io tests, not function tests; this server runs function tests for: py",
        ),
        (py_task_io([("", "")], time_limit_s=1000), "time_limit_s"),
        (py_task_io([("", "")], memory_mb=1 << 20), "memory_mb"),
    ],
)
def test_validate_rejects_bad_tasks(verifier, task, message):
    with pytest.raises(ValueError, match=message):
        verifier.v.validate(task)


def test_groups_scored_concurrently(verifier):
    task = py_task_io(ADD_CASES)
    batches = [(task, [fenced(ADD)] * 8) for _ in range(4)]
    results = verifier.score_many(batches)
    assert all(o.verdict == Verdict.CORRECT for out in results for o in out)


def test_close_removes_every_container_and_reaps_crashed(docker_client):
    owner = None
    for v in start_verifier(docker_client, pool_size=1):
        owner = v.v.owner
        assert len(owners.list_managed(docker_client, owner)) == 2
        # a container as a crashed server would have left it (its pid no longer runs)
        orphan = docker_client.containers.create(
            v.v.languages()[0][2],
            labels={**owners.owner_labels("crashed"), owners.PID_LABEL: "999999999"},
        )
        try:
            assert owners.reap_leftovers(docker_client) >= 1
            assert not owners.list_managed(docker_client, "crashed")
        finally:
            owners.remove(orphan)
    assert owners.list_managed(docker_client, owner) == []


def test_python_io_runs_like_a_fresh_interpreter(verifier):
    """Programs forked from the warm interpreter behave as under `python3 -I main.py`."""
    programs = [
        "import sys\nif __name__ == '__main__':\n"
        "    print(sum(map(int, sys.stdin.read().split())))",
        "import atexit\natexit.register(lambda: print(3))",
        "import threading, time\n"
        "def later():\n    time.sleep(0.05)\n    print(3)\n"
        "threading.Thread(target=later).start()",
        "import sys\nprint(3)\nsys.exit(0)",
        "print(3, end='')",
    ]
    out = verifier.score(py_task_io([("1 2", "3")]), [fenced(p) for p in programs])
    assert [o.verdict for o in out] == [Verdict.CORRECT] * len(programs), out
    bad = verifier.score(
        py_task_io([("1 2", "3")]),
        [
            fenced("print(3)\nraise SystemExit('bye')"),
            fenced("print(3)\n1 / 0"),
            fenced("import os\nprint(3, flush=True)\nos._exit(4)"),
        ],
    )
    assert [o.verdict for o in bad] == [Verdict.RUNTIME_ERROR] * 3, bad


def test_asserts_called_ahead_keep_sequential_semantics(verifier):
    """Calls a test makes are sent ahead in one round trip; verdicts must not change."""
    stateful = assert_task(
        "count",
        "def check(candidate):\n    assert candidate(0) == 1\n    assert candidate(0) == 2\n"
        "    for _ in range(2):\n        candidate(0)\n    assert candidate(0) == 5\n",
    )
    counter = "n = 0\ndef count(x):\n    global n\n    n += 1\n    return n + x\n"
    assert verifier.score(stateful, [fenced(counter)])[0].verdict == Verdict.CORRECT
    # the first assert fails; the call made ahead for the second one hangs: still WRONG
    hang_later = assert_task(
        "f",
        "def check(candidate):\n    assert candidate(1) == 99\n    assert candidate(2) == 2\n",
        time_limit_s=1.0,
    )
    code = "def f(x):\n    while x == 2:\n        pass\n    return x\n"
    out = verifier.score(hang_later, [fenced(code), fenced("def f(x):\n    return x\n")])
    assert [o.verdict for o in out] == [Verdict.WRONG, Verdict.WRONG]


def test_memory_hungry_test_code_hits_the_judges_limit_and_the_judge_is_replaced(verifier):
    """Test code allocating wildly gets a MemoryError in the judge (its address-space
    limit, SandboxConfig.judge_memory_mb), a clean MEMORY_LIMIT, never a crash; that
    judge process is replaced and the next completion is judged as usual."""
    judges = verifier.v._judges
    before = {p.proc.pid for p in judges._all}
    hungry = assert_task(
        "f", "def check(candidate):\n    block = bytearray(3 << 30)\n    assert candidate(1) == 1\n"
    )
    out = verifier.score(hungry, [fenced("def f(x):\n    return x")])
    assert out[0].verdict == Verdict.MEMORY_LIMIT, out
    assert "judge" in out[0].detail
    replaced = before - {p.proc.pid for p in judges._all}
    assert replaced, "the judge that ran out of memory is still in the pool"
    identity = fenced("def f(x):\n    return x")
    again = verifier.score(assert_task("f", "assert f(2) == 2"), [identity])
    assert again[0].verdict == Verdict.CORRECT, again
