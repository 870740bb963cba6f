"""The checker cache against a real verifier: a checker is compiled once for every group
that uses it (kept by the hash of its source), in a container no candidate ever had."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from reward_server.api import reward_pb2
from reward_server.outcome import Verdict
from reward_server.verifiers.base import UnusableTask

from .conftest import fenced, py_task_io

ACCEPT_SQUARE_CPP = r"""
#include <fstream>
int main(int argc, char** argv) {
    std::ifstream in(argv[1]), out(argv[2]);
    long long n, got;
    in >> n;
    return (out >> got) && got == n * n ? 0 : 1;
}
"""


def checked_task(source: str) -> reward_pb2.CodeTask:
    task = py_task_io([("3\n", "ignored\n"), ("5\n", "ignored\n")])
    task.io.checker.CopyFrom(reward_pb2.Checker(language="cpp", source=source))
    task.report_tests = True
    return task


def test_one_compile_for_every_group_of_a_checker(verifier):
    task = checked_task(ACCEPT_SQUARE_CPP)
    right = fenced("n = int(input())\nprint(n * n)")
    wrong = fenced("n = int(input())\nprint(n * n if n == 3 else 0)")
    batches = [(task, [right, wrong])] * 3  # three groups at once
    for outcomes in verifier.score_many(batches):
        assert [o.verdict for o in outcomes] == [Verdict.CORRECT, Verdict.WRONG]
        assert [t.verdict for t in outcomes[1].tests] == [Verdict.CORRECT, Verdict.WRONG]
    again = verifier.score(task, [right])  # a later group
    assert again[0].verdict == Verdict.CORRECT

    cache = verifier.v._checkers
    [entry] = [e for e in cache._entries.values() if e.checker.source == ACCEPT_SQUARE_CPP]
    assert entry.checker.compiles == 1 and entry.users == 0
    # Its container is its own: not one of the language pools' warm containers.
    box = entry.checker._box
    assert box is not None and box.runs == 0
    assert all(box not in pool._live for pool in verifier.v._pools.values())


def test_a_checker_that_does_not_compile_is_refused_without_compiling_again(verifier):
    task = checked_task("int main() { return undefined_name; }\n")
    for _ in range(2):
        with pytest.raises(UnusableTask, match="undefined_name"):
            verifier.score(task, [fenced("print(9)")])
    assert len(verifier.v._checkers._bad) >= 1


def test_a_checker_whose_container_died_gets_a_fresh_one(verifier):
    task = checked_task(ACCEPT_SQUARE_CPP)
    right = fenced("n = int(input())\nprint(n * n)")
    assert verifier.score(task, [right])[0].verdict == Verdict.CORRECT
    cache = verifier.v._checkers
    [entry] = [e for e in cache._entries.values() if e.checker.source == ACCEPT_SQUARE_CPP]
    before = entry.checker.compiles
    entry.checker._box.container.kill()  # the engine lost it while idle
    outcomes = verifier.score(task, [right, right])
    assert [o.verdict for o in outcomes] == [Verdict.CORRECT, Verdict.CORRECT]
    assert entry.checker.compiles == before + 1


def test_a_group_cancelled_while_its_checker_compiles_leaves_it_cached(verifier):
    source = ACCEPT_SQUARE_CPP + "// cancelled while compiling\n"
    task = checked_task(source)
    right = fenced("n = int(input())\nprint(n * n)")

    async def cancel_then_score():
        first = asyncio.ensure_future(verifier.v.score(task, [right]))
        await asyncio.sleep(0.2)  # the container is being made or the checker compiled
        first.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await first
        return await verifier.v.score(task, [right])

    [outcome] = verifier.lt.run(cancel_then_score())
    assert outcome.verdict == Verdict.CORRECT
    [entry] = [e for e in verifier.v._checkers._entries.values() if e.checker.source == source]
    assert entry.checker.compiles == 1
