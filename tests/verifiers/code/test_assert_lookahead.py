"""Assert tests whose calls are decided at run time (loops over generated inputs): the
judge's look-ahead copy batches them, and verdicts are those of one call at a time.

Through the real verifier and sandbox; the round trips are counted on the real channel.
The module-level tests run the look-ahead's pieces in this process (a real fork).
"""

from __future__ import annotations

import json
import os

import pytest

from reward_server.outcome import Verdict
from reward_server.verifiers.code import assert_lookahead as la
from reward_server.verifiers.code.valuecodec_loader import valuecodec

from .conftest import SandboxTraffic, asserts_task, fenced

pytestmark = [pytest.mark.docker]


RANDOM_LOOP = (
    "def check(candidate):\n"
    "    import random\n"
    "    for _ in range(100):\n"
    "        x, y = random.randint(0, 1000), random.randint(0, 1000)\n"
    "        assert candidate(x, y) == x + y\n"
)


def test_a_loop_over_random_inputs_takes_a_few_round_trips(verifier, monkeypatch):
    trips = SandboxTraffic(monkeypatch)
    out = verifier.score(asserts_task(RANDOM_LOOP), [fenced("def f(a, b):\n    return a + b")])
    assert out[0].verdict == Verdict.CORRECT, out[0].detail
    assert trips.lines == 100  # every call made once: none wasted, none missing
    assert trips.calls_ops <= 100 // la.MAX_CALLS + 3


def test_a_wrong_answer_deep_in_the_loop_is_found(verifier):
    wrong_late = "n = [0]\ndef f(a, b):\n    n[0] += 1\n    return a + b + (n[0] == 57)"
    out = verifier.score(asserts_task(RANDOM_LOOP), [fenced(wrong_late)])
    assert out[0].verdict == Verdict.WRONG


def test_calls_reach_the_candidate_once_each_in_order(verifier, monkeypatch):
    trips = SandboxTraffic(monkeypatch)
    counter = "seen = []\ndef f(x):\n    seen.append(x)\n    return len(seen)"
    test = (
        "def check(candidate):\n    for i in range(80):\n        assert candidate(3 * i) == i + 1\n"
    )
    out = verifier.score(asserts_task(test), [fenced(counter)])
    assert out[0].verdict == Verdict.CORRECT, out[0].detail
    assert trips.lines == 80 and trips.calls_ops < 10


def test_a_chain_through_a_helper_goes_in_a_few_round_trips(verifier, monkeypatch):
    # HumanEval 38/50's shape: each check needs the result of the call before it. The
    # look-ahead sends the second call with a reference to the first one's result.
    trips = SandboxTraffic(monkeypatch)
    code = "def enc(s):\n    return s[::-1]\ndef f(s):\n    return s[::-1]"
    test = (
        "def check(candidate):\n"
        "    import copy, random, string\n"
        "    for _ in range(30):\n"
        "        s = ''.join(random.choice(string.ascii_letters) for _ in range(8))\n"
        "        assert candidate(copy.deepcopy(enc(s))) == s\n"
    )
    out = verifier.score(asserts_task(test), [fenced(code)])
    assert out[0].verdict == Verdict.CORRECT, out[0].detail
    assert trips.lines == trips.ran == 60 and trips.calls_ops <= 60 // la.MAX_CALLS + 3
    wrong = code.replace("[::-1]", "", 1)
    out = verifier.score(asserts_task(test), [fenced(wrong), fenced(code)])
    assert [o.verdict for o in out] == [Verdict.WRONG, Verdict.CORRECT]


def test_a_result_checked_through_another_function_and_math(verifier, monkeypatch):
    # HumanEval 32's shape: the candidate's root is checked with a helper of the program
    # and math.fabs, on inputs from a seeded generator of the test's own.
    trips = SandboxTraffic(monkeypatch)
    test = (
        "def check(candidate):\n"
        "    import copy, math, random\n"
        "    rng = random.Random(7)\n"
        "    for _ in range(40):\n"
        "        xs = [rng.randint(1, 9), rng.randint(-9, 9)]\n"
        "        root = candidate(copy.deepcopy(xs))\n"
        "        assert math.fabs(value(xs, x=root)) < 1e-9\n"
        "        assert math.isclose(value(xs, x=root), 0.0, abs_tol=1e-9)\n"
    )
    code = (
        "def value(xs, x):\n    return xs[0] * x + xs[1]\ndef f(xs):\n    return -xs[1] / xs[0]\n"
    )
    out = verifier.score(asserts_task(test), [fenced(code)])
    assert out[0].verdict == Verdict.CORRECT, out[0].detail
    assert trips.lines == trips.ran == 120 and trips.calls_ops <= 120 // la.MAX_CALLS + 4
    off_late = (
        code + "n = [0]\ndef f(xs):\n    n[0] += 1\n    return -xs[1] / xs[0] + (n[0] == 33)\n"
    )
    out = verifier.score(asserts_task(test), [fenced(off_late)])
    assert out[0].verdict == Verdict.WRONG


def test_branches_on_results_and_changed_arguments_keep_their_meaning(verifier, monkeypatch):
    trips = SandboxTraffic(monkeypatch)
    code = (
        "def f(x):\n    return x % 3\n"
        "def g(x):\n    return -x\n"
        "def srt(xs):\n    xs.sort()\n    return None\n"
    )
    test = (
        "def check(candidate):\n"
        "    for i in range(30):\n"
        "        if candidate(i) == 0:\n"  # the branch depends on the result
        "            assert g(i) == -i\n"
        "        xs = [i, 2, 1]\n"
        "        srt(xs)\n"  # changes xs in place; the next call reads it
        "        assert candidate(xs[0]) == xs[0] % 3\n"
    )
    out = verifier.score(asserts_task(test), [fenced(code)])
    assert out[0].verdict == Verdict.CORRECT, out[0].detail
    assert trips.ran == 30 + 10 + 30 + 30  # exactly the calls of a one-by-one run


def test_a_program_that_changes_its_argument_sees_the_calls_of_a_one_by_one_run(
    verifier, monkeypatch
):
    # The look-ahead copy cannot know the call grows xs; the calls it made ahead are
    # skipped in the sandbox, so the program never runs a call with the stale list.
    trips = SandboxTraffic(monkeypatch)
    code = (
        "log = []\n"
        "def f(xs):\n    log.append(list(xs))\n    xs.append(0)\n    return len(log)\n"
        "def seen():\n    return log\n"
    )
    test = (
        "def check(candidate):\n"
        "    xs = [1]\n"
        "    for i in range(12):\n"
        "        assert candidate(xs) == i + 1\n"
        "    assert seen() == [[1] + [0] * i for i in range(12)]\n"
    )
    out = verifier.score(asserts_task(test), [fenced(code)])
    assert out[0].verdict == Verdict.CORRECT, out[0].detail
    assert trips.ran == 13, (trips.lines, trips.calls_ops)
    assert trips.lines > trips.ran  # the calls made ahead went, and were skipped


def test_a_reference_to_a_call_that_raised_is_never_used(verifier, monkeypatch):
    trips = SandboxTraffic(monkeypatch)
    code = (
        "def f(x):\n    if x % 5 == 4:\n        raise ValueError(x)\n    return x\n"
        "def g(y):\n    return y + 1\n"
    )
    test = (
        "def check(candidate):\n"
        "    for i in range(20):\n"
        "        try:\n"
        "            r = candidate(i)\n"
        "        except ValueError:\n"
        "            r = -1\n"
        "        assert g(r) == r + 1\n"
    )
    out = verifier.score(asserts_task(test), [fenced(code)])
    assert out[0].verdict == Verdict.CORRECT, out[0].detail
    assert trips.ran == 40  # g(-1) after each raise, never g(<the failed result>)


def test_a_wrong_answer_runs_no_call_after_its_failed_comparison(verifier, monkeypatch):
    # The copy assumes `out == exp` holds; the sandbox checks each such assumption before
    # the calls made on it, so the program stops where a one-by-one run would.
    trips = SandboxTraffic(monkeypatch)
    test = (
        "def check(candidate):\n"
        "    for i in range(150):\n"
        "        exact = candidate(i) == 2 * i\n"
        "        if not exact:\n"
        "            assert abs(candidate(i) - 2 * i) < 1e-9\n"
    )
    wrong = "def f(x):\n    return 2 * x + (x == 90) * 0.5"
    out = verifier.score(asserts_task(test), [fenced(wrong)])
    assert out[0].verdict == Verdict.WRONG
    assert trips.ran == 92 and trips.calls_ops <= 4  # calls 0..90, then f(90) once more
    trips.ran = trips.calls_ops = 0
    out = verifier.score(asserts_task(test), [fenced("def f(x):\n    return 2.0 * x")])
    assert out[0].verdict == Verdict.CORRECT, out[0].detail
    assert trips.ran == 150 and trips.calls_ops <= 150 // la.MAX_CALLS + 3


def test_test_code_that_is_not_deterministic_still_judges_right(verifier):
    # os.urandom differs between the look-ahead copy and the real run: the look-ahead is
    # dropped at the first difference; the verdict stays what the calls say.
    test = (
        "def check(candidate):\n"
        "    import os\n"
        "    for _ in range(40):\n"
        "        x = int.from_bytes(os.urandom(2), 'big')\n"
        "        assert candidate(x) == 2 * x\n"
    )
    good = "def f(x):\n    return 2 * x"
    odd_wrong = "def f(x):\n    return 2 * x + x % 2"  # 40 even draws: 1 in 2**40
    out = verifier.score(asserts_task(test), [fenced(good), fenced(odd_wrong), fenced(good)])
    assert [o.verdict for o in out] == [Verdict.CORRECT, Verdict.WRONG, Verdict.CORRECT]


def test_a_candidate_failing_mid_batch_fails_its_test(verifier):
    code = "def f(x):\n    if x == 37:\n        while True:\n            pass\n    return x"
    test = "def check(candidate):\n    for i in range(60):\n        assert candidate(i) == i\n"
    task = asserts_task(test)
    task.limits.time_limit_s = 1.0
    out = verifier.score(task, [fenced(code), fenced(code.replace("== 37", "== -1"))])
    assert [o.verdict for o in out] == [Verdict.TIME_LIMIT, Verdict.CORRECT]


def test_a_copy_that_takes_too_long_is_stopped_and_changes_nothing(verifier, monkeypatch):
    # After each call the test sleeps past the look-ahead's wait: the copy is killed,
    # reports nothing, and the judge stops looking ahead from that proxy.
    trips = SandboxTraffic(monkeypatch)
    test = (
        "def check(candidate):\n"
        "    import time\n"
        "    for i in range(3):\n"
        f"        assert candidate(i) == i\n        time.sleep({la.WAIT_S + 0.15})\n"
    )
    out = verifier.score(asserts_task(test), [fenced("def f(x):\n    return x")])
    assert out[0].verdict == Verdict.CORRECT, out[0].detail
    assert (trips.calls_ops, trips.lines) == (3, 3)


# The pieces, in this process.


def test_instrumented_asserts_test_what_they_tested():
    ns = {la.ASSERT_HOOK: la.assert_value}
    exec(la.compile_step("assert 1 + 1 == 2\nx = [0]\nassert x, 'msg'"), ns)
    for falsy in ("0", "[]", "None", "''"):
        with pytest.raises(AssertionError):
            exec(la.compile_step(f"assert {falsy}"), ns)
    with pytest.raises(AssertionError, match="why"):
        exec(la.compile_step("def check():\n    assert 1 > 2, 'why'\ncheck()"), ns)


def _encode(name: str, args: tuple, kwargs: dict) -> dict:
    if any(isinstance(a, type(la.PENDING)) for a in (*args, *kwargs.values())):
        raise TypeError("pending")
    return {"name": name, "args": list(args), **({"kwargs": kwargs} if kwargs else {})}


def _in_copy(body) -> list[dict] | None:
    """Runs body() in a look-ahead copy of this process; the calls it reported."""
    ahead = la.look_ahead(valuecodec.to_wire)
    if ahead is None:  # the copy: this process's own code from here on, then it ends
        try:
            body()
        finally:
            os._exit(0)
    return [json.loads(line) for line in ahead]


def test_the_copy_reports_calls_until_a_result_is_used(monkeypatch):
    monkeypatch.setattr(la, "WAIT_S", 30.0)  # a loaded machine may start the copy late

    def body():
        la.record("f", (1,), {}, _encode)
        r = la.record("f", (2,), {}, _encode)
        assert la.assert_value(r == 3) is True
        la.record("g", (r + 1,), {}, _encode)  # built on a result: ends the copy here
        la.record("never", (3,), {}, _encode)

    assert _in_copy(body) == [
        {"name": "f", "args": [1], "guard": True},
        {"name": "f", "args": [2], "guard": True},
    ]


def test_a_result_passed_whole_is_a_reference(monkeypatch):
    monkeypatch.setattr(la, "WAIT_S", 30.0)
    import copy
    import math

    def body():
        first = la.forked_result()  # the call the copy was forked at: index 0
        r = la.record("enc", (copy.deepcopy(first),), {}, _encode)
        assert la.assert_value(math.fabs(r) < 1e-6) is True
        assert la.assert_value(math.isclose(r, 0.5)) is True
        la.record("g", (7, r), {"y": first}, _encode)
        la.record("h", ([r],), {}, _encode)  # inside a list: not sent, ends the copy

    assert _in_copy(body) == [
        {"name": "enc", "args": [None], "guard": True, "refs": [[0, 1]]},
        {
            "name": "g",
            "args": [7, None],
            "kwargs": {"y": None},
            "guard": True,
            "refs": [[1, 1], ["y", 2]],
        },
    ]


def test_a_result_compared_with_data_is_assumed_equal(monkeypatch):
    monkeypatch.setattr(la, "WAIT_S", 30.0)

    def body():
        r = la.forked_result()
        assert (r == [1, (2, 3)]) is True and (r != "x") is False
        assert (r == la.PENDING) is la.PENDING and (r < 3) is la.PENDING
        assert (r == "y" * la.MAX_ASSUMED_CHARS) is la.PENDING  # too big to send along
        s = la.record("f", (1,), {}, _encode)
        assert (4 == s) is True  # noqa: SIM300 (the reflected comparison)
        la.record("g", (2,), {}, _encode)
        hash(s)  # hashing a result: ends the copy
        la.record("never", (3,), {}, _encode)

    tup = valuecodec.to_wire((2, 3))
    assert _in_copy(body) == [
        {"name": "f", "args": [1], "guard": True, "assume": [[1, [1, tup]], [1, "x"]]},
        {"name": "g", "args": [2], "guard": True, "assume": [[1, 4]]},
    ]


def test_the_copy_ends_when_it_branches_on_a_result(monkeypatch):
    monkeypatch.setattr(la, "WAIT_S", 30.0)  # a loaded machine may start the copy late

    def body():
        r = la.record("f", (1,), {}, _encode)
        if r:  # truth of a result: ends the copy
            la.record("f", (2,), {}, _encode)

    assert _in_copy(body) == [{"name": "f", "args": [1], "guard": True}]


def test_the_copy_keeps_the_random_state_of_the_judge(monkeypatch):
    monkeypatch.setattr(la, "WAIT_S", 30.0)  # a loaded machine may start the copy late
    import random

    random.seed(1234)
    ahead = _in_copy(lambda: la.record("f", (random.random(),), {}, _encode))
    assert ahead == [{"name": "f", "args": [random.random()], "guard": True}]


def test_references_are_filled_in_from_the_replies():
    calls = [
        {"name": "enc", "args": ["ab"], "track": True},
        {"name": "f", "args": [None], "track": True, "guard": True, "refs": [[0, 1]]},
        {
            "name": "g",
            "args": [1],
            "track": True,
            "kwargs": {"y": None},
            "guard": True,
            "refs": [["y", 2]],
        },
        {"name": "f", "args": [None], "track": True, "guard": True, "refs": [[0, 1]]},
    ]
    la.keep_referred(calls)
    assert [c.get("keep") for c in calls] == [True, None, True, None]
    replies = [{"line": '{"ok":"ba"}'}, {"line": '{"ok":"ab"}'}, {"line": '{"raise":"E"}'}]
    entries, cut = la.expected_keys(calls, [*replies, {"line": '{"ok":1}'}])
    assert not cut
    assert [key for key, _ in entries] == [
        '{"name":"f","args":["ba"],"track":true}',
        '{"name":"g","args":[1],"track":true,"kwargs":{"y":"ba"}}',
        None,  # it refers to a call that raised: no actual call can match it
    ]
    entries, cut = la.expected_keys(calls, [*replies[:2], {"line": '{"skipped":true}'}])
    assert cut and len(entries) == 1  # the replies end at the first skipped call
