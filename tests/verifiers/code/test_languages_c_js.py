"""C and JavaScript through a real verifier and real containers, and the language framework
they rest on (runtime.json fields, limits handed to the runtime, compile diagnostics).

The right/wrong/broken/loop/network programs of every language run through a real server
in tests/server/test_code_languages_server.py; the hostile programs (hostile/c_*, js_*)
in test_hostile.py.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from reward_server.api import reward_pb2
from reward_server.outcome import Verdict
from reward_server.verifiers.code.compile_step import compile_detail, compile_limits
from reward_server.verifiers.code.config import SandboxConfig
from reward_server.verifiers.code.runtimes import expand, load_runtimes

from .conftest import SyncVerifier, fenced, py_task_io, start_verifier

pytestmark = [pytest.mark.docker, pytest.mark.slow]

CASES = [("1 2", "3"), ("40 2", "42"), ("-5 5", "0")]
RUNTIMES = load_runtimes(SandboxConfig().sandboxes_dir, ("c", "javascript", "python", "cpp"))


@pytest.fixture(scope="module")
def c_js(docker_client) -> Iterator[SyncVerifier]:
    yield from start_verifier(docker_client, pool_size=1, languages=("c", "javascript"))


def io_task(language: str, cases=CASES, **limits) -> reward_pb2.CodeTask:
    limits = {"time_limit_s": 3.0, "memory_mb": 256, **limits}
    return reward_pb2.CodeTask(
        language=language, io=py_task_io(cases).io, limits=reward_pb2.Limits(**limits)
    )


def fn_task(entry: str, cases: list[tuple[str, str]]) -> reward_pb2.CodeTask:
    return reward_pb2.CodeTask(
        language="javascript",
        limits=reward_pb2.Limits(time_limit_s=3.0, memory_mb=256),
        function=reward_pb2.FunctionTests(
            entry_point=entry,
            cases=[reward_pb2.FunctionCase(args_json=a, expected_json=e) for a, e in cases],
        ),
    )


def test_c_uses_c17_and_libm(c_js):
    code = (
        "#include <math.h>\n#include <stdio.h>\n"
        '_Static_assert(__STDC_VERSION__ >= 201710L, "c17");\n'
        'int main(void) { double a, b; if (scanf("%lf %lf", &a, &b) != 2) return 1;\n'
        '  printf("%.0f\\n", round(sqrt((a + b) * (a + b))) * (a + b < 0 ? -1 : 1)); }'
    )
    out = c_js.score(io_task("c"), [fenced(code, "c")])[0]
    assert out.verdict == Verdict.CORRECT, out


def test_c_compile_error_reports_the_first_diagnostics(c_js):
    code = "int main(void) {\n  int x = undefined_one;\n" + "  undefined_two();\n" * 200 + "}"
    out = c_js.score(io_task("c"), [fenced(code, "c")])[0]
    assert out.verdict == Verdict.COMPILE_ERROR, out
    assert out.detail.startswith("/work/main.c: In function") or "undefined_one" in out.detail
    assert "undefined_one" in out.detail.splitlines()[0] + out.detail.splitlines()[1]


def test_c_unfenced_program_is_found_and_cpp_fence_is_not_c(c_js):
    code = '#include <stdio.h>\nint main(void){long long a,b;scanf("%lld %lld",&a,&b);'
    code += 'printf("%lld\\n",a+b);}'
    outs = c_js.score(io_task("c"), [code, fenced(code, "cpp"), fenced(code, "C")])
    assert [o.verdict for o in outs] == [Verdict.CORRECT, Verdict.NO_ANSWER, Verdict.CORRECT]


@pytest.mark.parametrize(
    "code",
    [
        # the common ways to read stdin in Node.js
        "const rl = require('readline').createInterface({ input: process.stdin });\n"
        "rl.on('line', (l) => { const [a, b] = l.split(' ').map(Number); console.log(a + b); });",
        "let s = '';\nprocess.stdin.on('data', (d) => (s += d));\n"
        "process.stdin.on('end', () => { const [a, b] = s.trim().split(/\\s+/).map(Number);"
        " process.stdout.write(String(a + b) + '\\n'); });",
        "const [a, b] = require('fs').readFileSync('/dev/stdin', 'utf8').split(' ').map(BigInt);"
        "\nconsole.log((a + b).toString());",
    ],
    ids=["readline", "stdin-events", "dev-stdin-bigint"],
)
def test_javascript_reads_stdin_every_usual_way(c_js, code):
    out = c_js.score(io_task("javascript"), [fenced(code, "javascript")])[0]
    assert out.verdict == Verdict.CORRECT, out


def test_javascript_syntax_error_is_compile_error_with_the_message(c_js):
    out = c_js.score(io_task("javascript"), [fenced("let x = ;\nconsole.log(1)", "js")])[0]
    assert out.verdict == Verdict.COMPILE_ERROR, out
    assert "SyntaxError" in out.detail and "/work/main.js:1" in out.detail


def test_javascript_receives_the_task_memory_limit_and_stays_inside_it(c_js):
    """The heap limit follows the task's memory (SANDBOX_HEAP_MB); filling it is
    MEMORY_LIMIT, and a program using a good part of it passes."""
    report = (
        "const v8 = require('v8');\n"
        "console.log(process.env.SANDBOX_MEMORY_MB, process.env.SANDBOX_HEAP_MB,"
        " Math.round(v8.getHeapStatistics().heap_size_limit / 1048576) <= "
        "Number(process.env.SANDBOX_HEAP_MB) + 64);"
    )
    for memory in (128, 512):
        task = io_task("javascript", [("", f"{memory} {memory // 2} true")], memory_mb=memory)
        out = c_js.score(task, [fenced(report, "js")])[0]
        assert out.verdict == Verdict.CORRECT, (memory, out)
    hog = "const keep = [];\nfor (;;) keep.push(new Array(1 << 16).fill(1.5));"
    out = c_js.score(io_task("javascript", memory_mb=128), [fenced(hog, "js")])[0]
    assert out.verdict == Verdict.MEMORY_LIMIT, out
    uses = (
        "const keep = [];\nfor (let i = 0; i < 60; i++) keep.push(Buffer.alloc(1 << 20, 1));\n"
        "const [a, b] = require('fs').readFileSync(0, 'utf8').trim().split(/\\s+/).map(Number);"
        "\nconsole.log(a + b + keep.length - 60);"
    )
    out = c_js.score(io_task("javascript", memory_mb=256), [fenced(uses, "js")])[0]
    assert out.verdict == Verdict.CORRECT, out


@pytest.mark.parametrize("memory_mb", [16, 32])
def test_javascript_under_nodes_minimum_still_runs_and_holds_the_heap(c_js, memory_mb):
    """Node.js cannot start under a 48 MiB rlimit (runtime.json min_memory_mb): a smaller
    task runs under 48 MiB with the heap sized from the task's limit, so a small program
    passes and filling the heap is MEMORY_LIMIT."""
    add = "const [a, b] = require('fs').readFileSync(0, 'utf8').split(' ').map(Number);"
    hog = "const keep = [];\nfor (;;) keep.push(new Array(1 << 16).fill(1.5));"
    task = io_task("javascript", memory_mb=memory_mb)
    outs = c_js.score(task, [fenced(add + "\nconsole.log(a + b);", "js"), fenced(hog, "js")])
    assert [o.verdict for o in outs] == [Verdict.CORRECT, Verdict.MEMORY_LIMIT], outs


def test_javascript_function_tests_cross_values_as_json(c_js):
    code = (
        "function f(x) {\n"
        "  if (typeof x === 'number') return x / 2;\n"
        "  if (typeof x === 'string') return new Set([x, x.toUpperCase()]);\n"
        "  if (Array.isArray(x)) return x.map((y) => [y, y * y]);\n"
        "  if (typeof x === 'bigint') return x * 2n;\n"
        "  return { keys: Object.keys(x).sort(), n: null, ok: true };\n"
        "}\nmodule.exports = { f };"
    )
    big = 2**80
    task = fn_task(
        "f",
        [
            ("[3]", "1.5"),
            ('["a"]', '{"$": "set", "v": ["a", "A"]}'),
            ("[[1, 2]]", "[[1, 1], [2, 4]]"),
            (json.dumps([{"$": "int", "v": format(big, "x")}]), str(2 * big)),
            ('[{"b": 1, "a": 2}]', '{"keys": ["a", "b"], "n": null, "ok": true}'),
        ],
    )
    out = c_js.score(task, [fenced(code, "js")])[0]
    assert out.verdict == Verdict.CORRECT, out
    wrong = c_js.score(task, [fenced(code.replace("x / 2", "x / 3"), "js")])[0]
    assert wrong.verdict == Verdict.WRONG and "returned 1" in wrong.detail, wrong


def test_javascript_function_errors_and_missing_names(c_js):
    task = fn_task("inc", [("[1]", "2")])
    outs = c_js.score(
        task,
        [
            fenced("const inc = (x) => { throw new TypeError('no ' + x); };", "js"),
            fenced("function add(x) { return x + 1; }", "js"),
            fenced("function inc(x) { while (true) {} }", "js"),
            fenced("console.log('loaded');\nlet inc = async (x) => x + 1;", "js"),
        ],
    )
    assert [o.verdict for o in outs] == [
        Verdict.RUNTIME_ERROR,
        Verdict.WRONG,
        Verdict.TIME_LIMIT,
        Verdict.CORRECT,
    ], outs
    assert "TypeError: no 1" in outs[0].detail


def test_compile_limits_come_from_the_runtime_else_the_server():
    config = SandboxConfig(compile_time_limit_s=7.0, compile_memory_mb=300)
    assert compile_limits(RUNTIMES["javascript"], config) == (10.0, 512)
    assert compile_limits(RUNTIMES["cpp"], config) == (7.0, 300)


def test_argv_placeholders_and_compile_detail():
    argv = ("node", "--max-old-space-size={heap_mb}", "--mem={memory_mb}", "{time_limit_s}")
    assert expand(argv, 256, 50, 2.5) == ["node", "--max-old-space-size=128", "--mem=256", "2.5"]
    many = "\n".join(f"main.c:{i}: error: e{i}" for i in range(100))
    detail = compile_detail({"reason": "exited", "exit_code": 1, "stderr": many})
    assert detail.splitlines()[0] == "main.c:0: error: e0" and len(detail.splitlines()) == 20
    timeout = compile_detail({"reason": "timeout", "wall": 30.0, "stderr": ""})
    assert "time limit" in timeout
