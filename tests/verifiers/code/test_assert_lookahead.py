"""Assert tests whose calls are decided at run time (loops over generated inputs): the
judge's look-ahead copy batches them, and verdicts are those of one call at a time.

Through the real verifier and sandbox; the round trips are counted on the real channel.
The module-level tests run the look-ahead's pieces in this process (a real fork).
"""

from __future__ import annotations

import os

import pytest

from reward_server.outcome import Verdict
from reward_server.verifiers.code import assert_lookahead as la

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


def test_a_chain_through_the_candidate_makes_each_call_once(verifier, monkeypatch):
    # HumanEval 38/50's shape: each check needs the result of the call before it, so a
    # look-ahead could report one call at most; after LOOK_MISSES such copies the judge
    # stops forking them (a copy costs more than the round trip it saves).
    trips = SandboxTraffic(monkeypatch)
    code = "def enc(s):\n    return s[::-1]\ndef f(s):\n    return s[::-1]"
    test = (
        "def check(candidate):\n"
        "    import random, string\n"
        "    for _ in range(30):\n"
        "        s = ''.join(random.choice(string.ascii_letters) for _ in range(8))\n"
        "        assert candidate(enc(s)) == s\n"
    )
    out = verifier.score(asserts_task(test), [fenced(code), fenced(code.replace("[::-1]", "", 1))])
    assert [o.verdict for o in out] == [Verdict.CORRECT, Verdict.WRONG]
    assert trips.lines <= 60 + 3  # the wrong one stops at its first check
    assert trips.calls_ops <= 2 * 30 + 2  # never more round trips than calls


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
    assert trips.lines == 30 + 10 + 30 + 30  # exactly the calls of a one-by-one run


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


def test_plain_values_are_the_ones_a_call_cannot_change():
    assert la.plain((1, 2.5, "s", b"b", None, True, 1j, (1, (2, frozenset({3})))))
    assert not la.plain(([1],))
    assert not la.plain(((1, {2: 3}),))
    assert not la.plain((object(),))
    assert not la.plain(tuple(range(1000)))  # past the budget: not looked at, not plain


def test_the_copy_reports_calls_until_a_result_is_used(monkeypatch):
    monkeypatch.setattr(la, "WAIT_S", 30.0)  # a loaded machine may start the copy late

    def encode(name, args, kwargs):
        if any(a is la.PENDING for a in args):
            raise TypeError("pending")
        return f"{name}{args}"

    ahead = la.look_ahead()
    if ahead is None:  # the copy: this process's own code from here on, then it ends
        try:
            la.record("f", (1,), {}, encode)
            r = la.record("f", (2,), {}, encode)
            assert la.assert_value(r == 3) is True
            la.record("g", (r,), {}, encode)  # built on a result: ends the copy here
            la.record("never", (3,), {}, encode)
        finally:
            os._exit(0)
    assert ahead == ["f(1,)", "f(2,)"]


def test_the_copy_ends_when_it_branches_on_a_result(monkeypatch):
    monkeypatch.setattr(la, "WAIT_S", 30.0)  # a loaded machine may start the copy late
    ahead = la.look_ahead()
    if ahead is None:
        try:
            r = la.record("f", (1,), {}, lambda n, a, k: f"{n}{a}")
            if r:  # truth of a result: ends the copy
                la.record("f", (2,), {}, lambda n, a, k: f"{n}{a}")
        finally:
            os._exit(0)
    assert ahead == ["f(1,)"]


def test_the_copy_keeps_the_random_state_of_the_judge(monkeypatch):
    monkeypatch.setattr(la, "WAIT_S", 30.0)  # a loaded machine may start the copy late
    import random

    random.seed(1234)
    ahead = la.look_ahead()
    if ahead is None:
        try:
            la.record("f", (random.random(),), {}, lambda n, a, k: repr(a[0]))
        finally:
            os._exit(0)
    assert ahead == [repr(random.random())]
