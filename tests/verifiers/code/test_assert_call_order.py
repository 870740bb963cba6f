"""Calls made ahead never change what a program sees or what the judge decides.

Every test code below runs against every program twice in this process (the judge's
run_job, the call server's own answering code, real forks for the look-ahead copies):
once as it ships, once with look-ahead off, so that each call is its own round trip.
Each program logs every call it runs. Where the test passes one by one, the look-ahead
run must pass with the same log, call for call. Where it fails, the verdict must be the
same, and the log the same up to the failure (calls made ahead of a failing assert may
follow it: the look-ahead copy assumes its asserts pass).
"""

from __future__ import annotations

import itertools
import json

import pytest

from reward_server.verifiers.code import assert_lookahead as la

from .conftest import judge_in_process, program_ns, python_harness

TESTS = {
    "chain through a helper": (
        "def check(candidate):\n"
        "    import copy, random\n"
        "    rng = random.Random(5)\n"
        "    for _ in range(40):\n"
        "        s = ''.join(rng.choice('abcdef') for _ in range(rng.randint(1, 6)))\n"
        "        assert candidate(copy.deepcopy(enc(s))) == s\n"
    ),
    "result checked by math and a keyword": (
        "def check(candidate):\n"
        "    import math, random\n"
        "    rng = random.Random(6)\n"
        "    for _ in range(30):\n"
        "        xs = [rng.randint(1, 5), rng.randint(-5, 5)]\n"
        "        root = candidate(list(xs))\n"
        "        assert math.fabs(value(xs, x=root)) < 1e-9\n"
    ),
    "argument read again after the call": (
        "def check(candidate):\n"
        "    xs = [3, 1, 2]\n"
        "    for i in range(15):\n"
        "        candidate(xs)\n"
        "        assert g(xs[0]) == xs[0] + 1\n"
    ),
    "calls that raise, caught": (
        "def check(candidate):\n"
        "    for i in range(25):\n"
        "        try:\n"
        "            r = g(i)\n"
        "        except ValueError:\n"
        "            r = 0\n"
        "        assert candidate(str(r)) == str(r)[::-1]\n"
    ),
    "nested chains and a branch": (
        "def check(candidate):\n"
        "    for i in range(20):\n"
        "        a = enc(enc(str(i)))\n"
        "        assert candidate(a) == candidate(candidate(enc(str(i))))\n"
        "        if value([1, 0], x=i) > 10:\n"
        "            assert candidate(enc('x' * i)) == 'x' * i\n"
    ),
}

HELPERS = (
    "def enc(s):\n    return s[::-1] if isinstance(s, str) else s\n"
    "def value(xs, x):\n    return xs[0] * x + xs[1]\n"
    "def g(y):\n"
    "    if isinstance(y, int) and y % 7 == 6:\n"
    "        raise ValueError(y)\n"
    "    return y + 1 if isinstance(y, (int, float)) else y\n"
)
PROGRAMS = {
    "right": (
        "def f(v):\n"
        "    if isinstance(v, list):\n"
        "        return -v[1] / v[0] if len(v) == 2 else v.sort()\n"
        "    return enc(v)\n"
    ),
    "wrong late": (
        "n = [0]\n"
        "def f(v):\n"
        "    n[0] += 1\n"
        "    if n[0] == 17:\n"
        "        return 'wrong'\n"
        "    if isinstance(v, list):\n"
        "        return -v[1] / v[0] if len(v) == 2 else v.sort()\n"
        "    return enc(v)\n"
    ),
    "changes its argument": (
        "def f(v):\n"
        "    if isinstance(v, list):\n"
        "        r = -v[1] / v[0] if len(v) == 2 else None\n"
        "        v.append(len(v))\n"
        "        v.sort()\n"
        "        return r\n"
        "    return enc(v)\n"
    ),
    "raises on a few inputs": (
        "def f(v):\n"
        "    if isinstance(v, str) and len(v) == 3:\n"
        "        raise KeyError(v)\n"
        "    if isinstance(v, list):\n"
        "        return -v[1] / v[0] if len(v) == 2 else v.sort()\n"
        "    return enc(v)\n"
    ),
}


def _logged(program: str) -> tuple[dict, list]:
    """The program's namespace with each function logging the calls it runs."""
    ns, log = program_ns(HELPERS + program), []

    def wrap(name, fn):
        def logged(*args, **kwargs):
            log.append((name, repr(args), repr(kwargs)))
            return fn(*args, **kwargs)

        return logged

    for name in ("f", "enc", "value", "g"):
        ns[name] = wrap(name, ns[name])
    return ns, log


@pytest.mark.parametrize(("test", "program"), list(itertools.product(TESTS, PROGRAMS)))
def test_calls_made_ahead_change_nothing_the_program_or_the_judge_sees(test, program, monkeypatch):
    monkeypatch.setattr(la, "WAIT_S", 30.0)  # a loaded machine may start a copy late
    ns, ahead_log = _logged(PROGRAMS[program])
    with_ahead, trips_ahead = judge_in_process(TESTS[test], ns)
    la._kept.clear()  # no look-ahead kept from the first run may serve the second
    with monkeypatch.context() as m:
        m.setattr(la, "ahead_of", lambda *a: [])
        ns, one_log = _logged(PROGRAMS[program])
        one_by_one, trips_one = judge_in_process(TESTS[test], ns)
    la._kept.clear()
    assert with_ahead["results"] == one_by_one["results"]
    if one_by_one["results"][0]["passed"]:
        assert ahead_log == one_log
    else:
        assert ahead_log[: len(one_log)] == one_log
    assert trips_ahead <= trips_one


EVALPLUS_STYLE = (
    "def assertion(out, exp, atol):\n"
    "    exact_match = out == exp\n"
    "    if atol == 0 and isinstance(exp, float):\n"
    "        atol = 1e-6\n"
    "    if not exact_match and atol != 0:\n"
    "        assert abs(out - exp) <= atol\n"
    "    else:\n"
    "        assert exact_match, f'out: {out}, exp: {exp}'\n"
    "def check(candidate):\n"
    "    inputs = [[i, i + 1] for i in range(150)]\n"
    "    results = [2 * i + 1 for i in range(150)]\n"
    "    for inp, exp in zip(inputs, results):\n"
    "        assertion(candidate(*inp), exp, 0)\n"
)


def test_results_compared_by_a_helper_go_many_per_round_trip(monkeypatch):
    # EvalPlus's shape: `exact_match = out == exp`, then branches on it. The look-ahead
    # assumes the result equals what it is compared with; the call server checks that
    # before the calls made on the assumption, so a wrong answer runs no call after it.
    monkeypatch.setattr(la, "WAIT_S", 30.0)
    ns, log = _logged("def f(a, b):\n    return a + b\n")
    done, trips = judge_in_process(EVALPLUS_STYLE, ns)
    assert done["results"][0]["passed"] and len(log) == 150 and trips <= 150 // la.MAX_CALLS + 2
    ns, log = _logged("def f(a, b):\n    return a + b + (a == 100)\n")
    done, trips = judge_in_process(EVALPLUS_STYLE, ns)
    assert not done["results"][0]["passed"] and "out: 202, exp: 201" in done["results"][0]["detail"]
    assert len(log) == 101 and trips <= 101 // la.MAX_CALLS + 2  # none after the wrong one
    la._kept.clear()


def test_the_call_server_runs_a_call_made_ahead_only_while_its_assumptions_hold():
    harness, calls = python_harness(), None
    calls = harness.Calls()
    ns = {"f": lambda x: x + 1}

    def ask(req: dict) -> dict:
        return json.loads(harness.answer(ns, json.dumps(req), calls))

    assert ask({"name": "f", "args": [4], "keep": True}) == {"ok": 5}
    assert ask({"name": "f", "args": [1], "guard": True, "assume": [[1, 5]], "keep": True}) == {
        "ok": 2
    }
    assert ask({"name": "f", "args": [None], "guard": True, "refs": [[0, 1]]}) == {"ok": 3}
    assert ask({"name": "f", "args": [1], "guard": True, "assume": [[3, 6]]}) == {"skipped": True}
    assert ask({"name": "f", "args": [1], "guard": True}) == {"skipped": True}  # and the rest
    assert ask({"name": "f", "args": [1]}) == {"ok": 2}  # an unguarded call starts afresh
    assert ask({"name": "f", "args": [1], "guard": True, "assume": [[1, 2]]}) == {
        "skipped": True  # that result was not kept
    }
