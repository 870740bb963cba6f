"""The JavaScript warm io runner (in_sandbox/javascript/iorunner.js) through a real verifier
and real containers: the usual ways contest programs read stdin and end, what a test leaves
behind not reaching the next one, and the limits.

Which path a program took shows in the sandbox ops: a program judged warm is one `spawn` of
the runner and one `call` per test with no `exec` (its hello did the syntax check); a
failure the runner reports is run again in a fresh process (an `exec`), as is every test of
a program the runner declines.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from reward_server.api import reward_pb2
from reward_server.outcome import Verdict

from .conftest import SyncVerifier, fenced, start_verifier
from .test_warm_io import Ops

pytestmark = [pytest.mark.docker, pytest.mark.slow]

SUMS = [("1 2\n", "3"), ("40 2\n", "42"), ("-5 5\n", "0")]


@pytest.fixture(scope="module")
def js(docker_client) -> Iterator[SyncVerifier]:
    yield from start_verifier(docker_client, pool_size=1, languages=("javascript",))


@pytest.fixture
def ops(monkeypatch) -> Ops:
    return Ops(monkeypatch)


def judge(js: SyncVerifier, code: str, cases=SUMS, **limits):
    limits = {"time_limit_s": 2.0, "memory_mb": 256, **limits}
    task = reward_pb2.CodeTask(
        language="javascript",
        report_tests=True,
        io=reward_pb2.IoTests(
            cases=[reward_pb2.IoCase(stdin=i, expected_stdout=o) for i, o in cases]
        ),
        limits=reward_pb2.Limits(**limits),
    )
    return js.score(task, [fenced(code, "javascript")])[0]


def warm_only(ops: Ops, tests: int) -> bool:
    return (ops.kinds["spawn"], ops.kinds["call"], ops.kinds["exec"]) == (1, tests, 0)


SUM = "const [a, b] = {}.trim().split(/\\s+/).map(Number);\nconsole.log(a + b);"
READERS = {
    "readFileSync-0": SUM.format("require('fs').readFileSync(0, 'utf8')"),
    "readFileSync-dev-stdin": SUM.format("require('fs').readFileSync('/dev/stdin').toString()"),
    "readSync-chunks": (
        "const fs = require('fs'); const buf = Buffer.alloc(4); let s = '', n;\n"
        "while ((n = fs.readSync(0, buf, 0, 4, null)) > 0) s += buf.toString('utf8', 0, n);\n"
        + SUM.format("s")
    ),
    "stdin-data-end": (
        "let s = ''; process.stdin.setEncoding('utf8');\n"
        "process.stdin.on('data', (d) => (s += d));\n"
        "process.stdin.on('end', () => {\n" + SUM.format("s") + "\n});"
    ),
    "readline-line-close": (
        "const rl = require('readline').createInterface({ input: process.stdin });\n"
        "const lines = []; rl.on('line', (l) => lines.push(l));\n"
        "rl.on('close', () => {\n" + SUM.format("lines[0]") + "\n});"
    ),
    "readline-for-await": (
        "const readline = require('readline');\n(async () => {\n"
        "  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });\n"
        "  for await (const line of rl) {\n" + SUM.format("line") + "\n  }\n})();"
    ),
    "setTimeout-output": (
        "const input = require('fs').readFileSync(0, 'utf8');\n"
        "setTimeout(() => {\n" + SUM.format("input") + "\n}, 20);\nsetImmediate(() => {});"
    ),
    "exit-0-early": (
        "const rl = require('readline').createInterface({ input: process.stdin });\n"
        "rl.on('line', (l) => {\n"
        + SUM.format("l")
        + "\n  process.exit(0);\n});\nrl.on('close', () => console.log('not reached'));"
    ),
    "exit-listener-prints": (
        "const input = require('fs').readFileSync(0, 'utf8');\n"
        "process.on('exit', () => {\n" + SUM.format("input") + "\n});"
    ),
}


@pytest.mark.parametrize("code", READERS.values(), ids=READERS.keys())
def test_usual_programs_pass_warm_in_one_runner(js, ops, code):
    out = judge(js, code)
    assert out.verdict == Verdict.CORRECT, out
    assert warm_only(ops, len(SUMS)), ops.kinds


def test_globals_and_builtins_a_test_changes_do_not_reach_the_next(js, ops):
    """An implicit global, a property of globalThis, a method added to a builtin
    prototype and a replaced builtin are each new on every test."""
    code = (
        "counter = (typeof counter === 'undefined' ? 0 : counter) + 1;\n"
        "globalThis.seen = (globalThis.seen || 0) + 1;\n"
        "Array.prototype.mark = Array.prototype.mark ? 'leaked' : 'fresh';\n"
        "const max = Math.max; Math.max = () => 'patched';\n"
        "console.log(counter, seen, [].mark, max === Math.max ? 'leaked' : 'fresh');"
    )
    cases = [("", "1 1 fresh fresh")] * 4
    out = judge(js, code, cases)
    assert out.verdict == Verdict.CORRECT, out
    assert warm_only(ops, len(cases)), ops.kinds


def test_timers_a_test_leaves_never_fire_in_the_next(js, ops):
    """An unref'ed timer does not keep node alive: the test ends without it, and it must
    not fire (and print) during a later test of the same runner."""
    code = (
        "const input = require('fs').readFileSync(0, 'utf8');\n"
        "setTimeout(() => console.log('late'), 60).unref();\n"
        "setTimeout(() => {\n" + SUM.format("input") + "\n}, 30);"
    )
    out = judge(js, code)
    assert out.verdict == Verdict.CORRECT, out
    assert warm_only(ops, len(SUMS)), ops.kinds


def test_work_cut_short_by_exit_gets_a_new_runner_for_the_next_test(js, ops):
    """process.exit with a timer still pending: the runner reports itself tainted and the
    host starts a new one for each next test (still no process per test)."""
    code = (
        "setTimeout(() => {}, 5000);\n"
        + SUM.format("require('fs').readFileSync(0, 'utf8')")
        + "\nprocess.exit(0);"
    )
    out = judge(js, code)
    assert out.verdict == Verdict.CORRECT, out
    assert (ops.kinds["spawn"], ops.kinds["call"], ops.kinds["exec"]) == (3, 3, 0), ops.kinds


@pytest.mark.parametrize(
    "code",
    [
        "console.log(3);\nprocess.exit(2);",
        "console.log(3);\nthrow new Error('boom');",
        "Promise.reject(new Error('nope'));\nsetTimeout(() => console.log(3), 50);",
    ],
    ids=["exit-2", "uncaught-throw", "unhandled-rejection"],
)
def test_failures_are_runtime_errors_as_in_a_fresh_process(js, ops, code):
    out = judge(js, code, [("", "3")])
    assert out.verdict == Verdict.RUNTIME_ERROR, out
    assert "exit code" in out.detail, out.detail
    # the warm failure was run again in a fresh process, and that result counts
    assert (ops.kinds["call"], ops.kinds["exec"]) == (1, 1), ops.kinds


def test_syntax_error_is_compile_error_with_node_check_message(js, ops):
    out = judge(js, "let x = 1;\nfunction f( {\n  return 2;\n}\n")
    assert out.verdict == Verdict.COMPILE_ERROR, out
    lines = out.detail.splitlines()
    assert lines[:5] == [
        "/work/main.js:3",
        "  return 2;",
        "         ^",
        "",
        "SyntaxError: Unexpected number",
    ]
    assert (ops.kinds["spawn"], ops.kinds["exec"]) == (1, 0), ops.kinds


def test_a_program_the_runner_declines_runs_the_old_way(js, ops):
    code = "require('child_process');\n" + SUM.format("require('fs').readFileSync(0, 'utf8')")
    out = judge(js, code)
    assert out.verdict == Verdict.CORRECT, out
    # the syntax check, then one fresh process per test
    assert (ops.kinds["call"], ops.kinds["exec"]) == (0, 1 + len(SUMS)), ops.kinds


@pytest.mark.parametrize(
    ("code", "verdict"),
    [
        ("setInterval(() => {}, 10);", Verdict.TIME_LIMIT),
        (
            "const s = 'x'.repeat(1000) + '\\n';\nfor (;;) process.stdout.write(s);",
            Verdict.OUTPUT_LIMIT,
        ),
        (
            "const keep = [];\nfor (;;) keep.push(new Array(1 << 16).fill(1.5));",
            Verdict.MEMORY_LIMIT,
        ),
    ],
    ids=["interval-never-cleared", "output-flood", "memory-bomb"],
)
def test_limits(js, code, verdict):
    out = judge(js, code, [("", "3")], time_limit_s=1.0, memory_mb=128)
    assert out.verdict == verdict, out
