"""The host side of warm io runs (warm_io.py), through a real verifier and real containers.

The Python runtime is given a stand-in runner (warm_runner_fixture.py, run by the image's
own python3) as its `io_serve`, so these tests show what the host does with a runner that
works, declines, lies, dies, floods or sends garbage. The Java and JavaScript runners have
their own tests.
"""

from __future__ import annotations

import dataclasses
import threading
from collections import Counter
from pathlib import Path

import pytest

from reward_server.api import reward_pb2
from reward_server.outcome import Verdict
from reward_server.verifiers.code import container
from reward_server.verifiers.code import verifier as verifier_module
from reward_server.verifiers.code.runtimes import load_runtimes

from .conftest import fenced, py_task_io, start_verifier

RUNNER = (Path(__file__).with_name("warm_runner_fixture.py")).read_text()
SUM = "a, b = map(int, input().split())\nprint(a + b)\n"
CASES = [(f"{i} {i + 1}", str(2 * i + 1)) for i in range(5)]


def with_warm_runner(sandboxes_dir, names):
    runtimes = load_runtimes(sandboxes_dir, names)
    py = runtimes["python"]
    runtimes["python"] = dataclasses.replace(py, io_serve=("python3", "-I", "-c", RUNNER))
    return runtimes


@pytest.fixture(scope="module")
def warm(docker_client):
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(verifier_module, "load_runtimes", with_warm_runner)
        yield from start_verifier(docker_client, pool_size=1)


class Ops:
    """Counts the ops the verifier sends to its sandboxes, by kind, and keeps the spawn
    requests (which say whether a zygote was asked for)."""

    def __init__(self, monkeypatch) -> None:
        self.kinds: Counter[str] = Counter()
        self.spawns: list[dict] = []
        self._lock = threading.Lock()
        real = container.Sandbox.requests

        def counted(box, msgs, timeout):
            with self._lock:
                self.kinds.update(m["op"] for m in msgs)
                self.spawns += [m for m in msgs if m["op"] == "spawn"]
            return real(box, msgs, timeout)

        monkeypatch.setattr(container.Sandbox, "requests", counted)


@pytest.fixture
def ops(monkeypatch) -> Ops:
    return Ops(monkeypatch)


def judge(warm, code: str, cases=CASES, **task_fields) -> reward_pb2.CodeTask:
    task = py_task_io(cases, time_limit_s=2.0)
    for key, value in task_fields.items():
        setattr(task, key, value)
    return warm.score(task, [fenced(code)])[0]


def test_every_test_of_a_passing_program_runs_in_one_runner(warm, ops):
    out = judge(warm, SUM, report_tests=True)
    assert out.verdict == Verdict.CORRECT, out.detail
    assert (ops.kinds["spawn"], ops.kinds["call"], ops.kinds["exec"]) == (1, 5, 0)
    assert len(out.tests) == 5 and all(t.passed and 0 <= t.time_s < 2 for t in out.tests)


def test_state_a_runner_leaks_between_tests_cannot_fail_a_right_program(warm, ops):
    code = "import builtins\nn = getattr(builtins, 'seen', 0)\nbuiltins.seen = n + 1\n" + SUM
    # The stand-in runner shares builtins between tests (a real runner must not): a
    # runner's second test fails warm and passes when run again cold, and a new runner
    # follows each confirmation, so tests 2 and 4 run twice.
    out = judge(warm, code + "assert n == 0\n")
    assert out.verdict == Verdict.CORRECT, out.detail
    assert (ops.kinds["spawn"], ops.kinds["exec"]) == (3, 2)


def test_a_failure_is_confirmed_in_a_fresh_process(warm, ops):
    out = judge(warm, "print(0)\n")
    assert out.verdict == Verdict.WRONG
    assert (ops.kinds["call"], ops.kinds["exec"]) == (1, 1)  # stops at the first failure


def test_a_lying_runner_cannot_fail_a_right_program(warm, ops):
    out = judge(warm, SUM + "#warm-lie\n")
    assert out.verdict == Verdict.CORRECT, out.detail
    assert ops.kinds["exec"] == 5  # every warm failure was run again


def test_a_runner_that_declines_leaves_every_test_to_fresh_processes(warm, ops):
    out = judge(warm, SUM + "#warm-cold\n")
    assert out.verdict == Verdict.CORRECT, out.detail
    assert (ops.kinds["call"], ops.kinds["exec"], ops.kinds["stop"]) == (0, 5, 1)


@pytest.mark.parametrize("marker", ["#warm-garbage", "#warm-die"])
def test_a_broken_runner_is_not_used_again(warm, ops, marker):
    out = judge(warm, SUM + marker + "\n")
    assert out.verdict == Verdict.CORRECT, out.detail
    assert (ops.kinds["spawn"], ops.kinds["call"], ops.kinds["exec"]) == (1, 1, 5)


def test_a_tainted_runner_is_replaced_before_the_next_test(warm, ops):
    out = judge(warm, SUM + "#warm-taint\n")
    assert out.verdict == Verdict.CORRECT, out.detail
    assert (ops.kinds["spawn"], ops.kinds["call"], ops.kinds["exec"]) == (5, 5, 0)


def test_output_limit_reported_by_the_runner_is_final(warm, ops):
    out = judge(warm, SUM + "#warm-flood\n")
    assert out.verdict == Verdict.OUTPUT_LIMIT
    assert ops.kinds["exec"] == 0


def test_time_limit_in_the_runner_is_final(warm, ops):
    out = judge(warm, "while True:\n    pass\n")
    assert out.verdict == Verdict.TIME_LIMIT
    assert ops.kinds["exec"] == 0


def test_errors_and_exit_codes_are_judged_as_in_a_fresh_process(warm):
    raised = judge(warm, "raise ValueError('boom')\n")
    assert raised.verdict == Verdict.RUNTIME_ERROR and "ValueError: boom" in raised.detail
    exited = judge(warm, "import sys\nprint(1)\nsys.exit(3)\n")
    assert exited.verdict == Verdict.RUNTIME_ERROR and "exit code 3" in exited.detail
    early = judge(warm, SUM + "import sys\nsys.exit(0)\nprint('never')\n")
    assert early.verdict == Verdict.CORRECT, early.detail


def test_partial_credit_runs_every_test_after_a_failure(warm, ops):
    code = "a, b = map(int, input().split())\nprint(a + b if a % 2 == 0 else 0)\n"
    out = judge(warm, code, report_tests=True)
    assert [t.passed for t in out.tests] == [True, False, True, False, True]
    assert ops.kinds["exec"] == 2  # only the two failures ran again
    assert ops.kinds["spawn"] == 3  # a new runner after each confirmation


def test_warm_io_off_runs_every_test_in_a_fresh_process(docker_client, monkeypatch, ops):
    monkeypatch.setattr(verifier_module, "load_runtimes", with_warm_runner)
    for v in start_verifier(docker_client, pool_size=1, warm_io=False):
        ops.kinds.clear()  # what starting it sent (the toolchain probe) does not count
        out = v.score(py_task_io(CASES), [fenced(SUM)])[0]
        assert out.verdict == Verdict.CORRECT
    assert (ops.kinds["spawn"], ops.kinds["exec"]) == (0, 5)
