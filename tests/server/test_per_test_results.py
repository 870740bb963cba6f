"""Per-test results (CodeTask.report_tests -> CompletionScore.tests) through a real server:
one TestResult per test, in order, for io, function and assert tests; tests that did not
run are VERDICT_UNSPECIFIED with the reason; without report_tests the list stays empty."""

from __future__ import annotations

from conftest import requires_docker

from reward_server.api import reward_pb2
from reward_server.client import RewardClient, code_group

V = reward_pb2.Verdict
pytestmark = requires_docker

# Case n: 1 and 3 right, 2 wrong, 4 raises.
MIXED_IO = """```python
n = int(input())
if n == 4:
    raise ValueError("four")
print(n * n + (1 if n == 2 else 0))
```"""
IO_CASES = [(f"{n}\n", f"{n * n}\n") for n in (1, 2, 3, 4)]


def score(address: str, groups: list[reward_pb2.Group]) -> dict[str, reward_pb2.GroupResult]:
    with RewardClient(address) as client:
        results = {r.group_id: r for r in client.score_stream(groups)}
    for r in results.values():
        assert not r.HasField("error"), r.error.message
    return results


def test_io_tests_report_each_case_in_order(code_server):
    groups = [
        code_group("python", [MIXED_IO], io_cases=IO_CASES, report_tests=True, group_id="on"),
        code_group("python", [MIXED_IO], io_cases=IO_CASES, group_id="off"),
    ]
    results = score(code_server.address, groups)
    [on], [off] = results["on"].scores, results["off"].scores
    assert [t.verdict for t in on.tests] == [V.CORRECT, V.WRONG, V.CORRECT, V.RUNTIME_ERROR]
    assert all(t.time_s > 0 for t in on.tests)
    assert "ValueError" in on.tests[3].detail and "differs" in on.tests[1].detail
    # Every test ran for the report; the completion's own verdict is still the first failure.
    assert on.verdict == V.WRONG and on.tests_passed == 2 and on.tests_total == 4
    assert on.reward == 0.0
    assert not off.tests and off.verdict == V.WRONG  # the response stays as small as before


def test_function_and_assert_tests_report_each_test(code_server):
    fn = """```python
import time
def f(x):
    if x == 3:
        return 1 / 0
    if x == 4:
        time.sleep(0.2)
    return x + 1 if x != 2 else 0
```"""
    cases = [([1], 2), ([2], 3), ([3], 4), ([4], 5)]
    tests = "assert f(1) == 2\nassert f(2) == 3\nassert f(4) == 5\n"
    groups = [
        code_group("python", [fn], function=("f", cases), report_tests=True, group_id="fn"),
        code_group("python", [fn], asserts=("f", tests), report_tests=True, group_id="as"),
    ]
    results = score(code_server.address, groups)
    [fn_score], [as_score] = results["fn"].scores, results["as"].scores
    assert [t.verdict for t in fn_score.tests] == [
        V.CORRECT,
        V.WRONG,
        V.RUNTIME_ERROR,
        V.CORRECT,
    ]
    assert "ZeroDivisionError" in fn_score.tests[2].detail
    # Each case's own wall time (the supervisor's clock, to 0.1 ms): only the last one slept.
    assert fn_score.tests[3].time_s >= 0.2 and all(t.time_s < 0.2 for t in fn_score.tests[:3])
    # Each top-level assert is one test.
    assert [t.verdict for t in as_score.tests] == [V.CORRECT, V.WRONG, V.CORRECT]
    assert as_score.tests_passed == 2 and as_score.tests_total == 3
    assert as_score.tests[2].time_s >= 0.2 and as_score.tests[0].time_s < 0.2


def test_tests_that_did_not_run_say_why(code_server):
    looping = "```python\nn = int(input())\nwhile n == 2:\n    pass\nprint(n * n)\n```"
    broken_cpp = "```cpp\nint main( {\n```"
    groups = [
        code_group(
            "python",
            [looping, "no code at all"],
            io_cases=IO_CASES[:3],
            time_limit_s=1.0,
            report_tests=True,
            group_id="tle",
        ),
        code_group("cpp", [broken_cpp], io_cases=IO_CASES, report_tests=True, group_id="cc"),
    ]
    results = score(code_server.address, groups)
    timed_out, no_code = results["tle"].scores
    # A run that hit a limit retires its container: the tests after it are not run.
    assert [t.verdict for t in timed_out.tests] == [V.CORRECT, V.TIME_LIMIT, 0]
    assert timed_out.tests[2].detail.startswith("not run")
    assert [t.verdict for t in no_code.tests] == [0, 0, 0]
    assert "NO_ANSWER" in no_code.tests[0].detail
    [cc] = results["cc"].scores
    assert cc.verdict == V.COMPILE_ERROR
    assert len(cc.tests) == 4 and all(t.verdict == 0 for t in cc.tests)
    assert "did not compile" in cc.tests[0].detail
