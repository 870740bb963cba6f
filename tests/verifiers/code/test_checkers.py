"""Checker programs (IoTests.checker) through a real server: real sandboxes, real checkers.

A checker is task code run as `checker <input> <output> <answer>`; exit 0 accepts. It
runs in a container of its own; hostile candidate outputs make tests WRONG, never CORRECT
and never INFRA_ERROR.
"""

from __future__ import annotations

import grpc
from conftest import requires_docker

from reward_server.api import reward_pb2, reward_pb2_grpc
from reward_server.client import code_group

V = reward_pb2.Verdict
pytestmark = requires_docker

# Accepts any permutation of 1..n, n being the test's input.
PERMUTATION_PY = """\
import sys
n = int(open(sys.argv[1]).read())
try:
    got = [int(t) for t in open(sys.argv[2]).read().split()]
except ValueError:
    print("not a list of integers", file=sys.stderr)
    sys.exit(1)
if sorted(got) != list(range(1, n + 1)):
    print(f"not a permutation of 1..{n}", file=sys.stderr)
    sys.exit(1)
"""

# Accepts one number within 1e-6 relative error of the answer (self-contained, no testlib).
RELATIVE_CPP = r"""
#include <cmath>
#include <cstdio>
int main(int argc, char** argv) {
    FILE* out = std::fopen(argv[2], "r");
    FILE* ans = std::fopen(argv[3], "r");
    double got, want;
    if (!out || std::fscanf(out, "%lf", &got) != 1) {
        std::fprintf(stderr, "no number\n");
        return 1;
    }
    if (!ans || std::fscanf(ans, "%lf", &want) != 1) return 3;
    char extra[2];
    if (std::fscanf(out, "%1s", extra) == 1) { std::fprintf(stderr, "extra output\n"); return 1; }
    if (!(std::fabs(got - want) <= 1e-6 * std::fmax(1.0, std::fabs(want)))) {
        std::fprintf(stderr, "expected %.9g, got %.9g\n", want, got);
        return 1;
    }
    return 0;
}
"""

# Loops for as long as the output's first number says: a hostile output can make it hang.
LOOPING_PY = """\
import sys
n = int(open(sys.argv[2]).read().split()[0])
i = 0
while i < n:
    i += 1
sys.exit(0 if open(sys.argv[3]).read().split() == ["ok"] else 1)
"""


def py(body: str) -> str:
    return f"```python\n{body}\n```"


def io_group(gid: str, completions, cases, checker: reward_pb2.Checker, **kw) -> reward_pb2.Group:
    group = code_group("python", completions, io_cases=cases, group_id=gid, **kw)
    group.task.code.io.checker.CopyFrom(checker)
    return group


def score(address: str, groups: list[reward_pb2.Group]) -> dict[str, reward_pb2.GroupResult]:
    stub = reward_pb2_grpc.RewardServiceStub(grpc.insecure_channel(address))
    results = stub.Score(reward_pb2.ScoreRequest(groups=groups), timeout=300).results
    return {r.group_id: r for r in results}


def verdicts(result: reward_pb2.GroupResult) -> list[int]:
    assert not result.HasField("error"), result.error.message
    return [s.verdict for s in result.scores]


def test_python_checker_accepts_any_permutation(code_server):
    checker = reward_pb2.Checker(language="python", source=PERMUTATION_PY)
    completions = [
        py("n = int(input())\nprint(*range(n, 0, -1))"),  # reversed: a valid answer
        py("n = int(input())\nprint(*range(1, n + 1))"),  # the answer file's own order
        py("n = int(input())\nprint(*([1] * n))"),  # not a permutation
        py("print('1 2 3 4 5')"),  # right for one test only
    ]
    group = io_group("perm", completions, [("5\n", "1 2 3 4 5\n"), ("3\n", "1 2 3\n")], checker)
    result = score(code_server.address, [group])["perm"]
    assert verdicts(result) == [V.CORRECT, V.CORRECT, V.WRONG, V.WRONG]
    assert "not a permutation" in result.scores[2].detail
    assert result.scores[3].tests_total == 2


def test_cpp_checker_with_relative_error(code_server):
    checker = reward_pb2.Checker(language="cpp", source=RELATIVE_CPP)
    completions = [
        py("print(1e9 / 3 + 10)"),  # 1e-8 relative off the answer: accepted
        py("print(333333333.3333333)"),
        py("print(1e9 / 3 * 1.001)"),  # 1e-3 relative: rejected
        py("print(1e9 / 3, 'and more')"),
    ]
    group = io_group("rel", completions, [("", "333333333.33333333\n")], checker)
    result = score(code_server.address, [group])["rel"]
    assert verdicts(result) == [V.CORRECT, V.CORRECT, V.WRONG, V.WRONG]
    assert "expected" in result.scores[2].detail and "extra output" in result.scores[3].detail


def test_checker_runs_in_a_container_of_its_own(code_server):
    # The candidate prints its container's host name; the checker accepts only when its own
    # differs and the /work/main.py it sees is its own source, not the candidate's.
    checker_src = (
        "import os, socket, sys\n"
        "theirs = open(sys.argv[2]).read().split()\n"
        "sys.exit(0 if theirs and theirs[0] != socket.gethostname()"
        " and 'secret' + '-marker' not in open('/work/main.py').read() else 1)\n"
    )
    checker = reward_pb2.Checker(language="python", source=checker_src)
    candidate = py("import socket\nprint(socket.gethostname())  # secret-marker")
    group = io_group("own", [candidate] * 3, [("", "x\n")], checker)
    assert verdicts(score(code_server.address, [group])["own"]) == [V.CORRECT] * 3


def test_hostile_outputs_against_a_checker(code_server):
    checker = reward_pb2.Checker(language="python", source=PERMUTATION_PY)
    completions = [
        py("import sys\nsys.stdout.write('9 ' * 400000)"),  # 800 KB of tokens
        py("import sys\nsys.stdout.buffer.write(bytes(range(256)) * 1000)"),  # binary
        py("while True:\n    print(1, 2, 3)"),  # never ends, never stops writing
        py("import sys\nsys.stdout.write('1' * 900000)"),  # one huge integer token
        py("print('\\x00 1 2 3')"),
        py("print(*range(1, 4))"),
    ]
    group = io_group("hostile", completions, [("3\n", "1 2 3\n")], checker)
    result = score(code_server.address, [group])["hostile"]
    got = verdicts(result)
    assert got[-1] == V.CORRECT
    for verdict, s in zip(got[:-1], result.scores[:-1], strict=True):
        assert verdict not in (V.CORRECT, V.INFRA_ERROR), s.detail
    assert got[2] in (V.OUTPUT_LIMIT, V.TIME_LIMIT)  # the candidate's own limit first
    assert got[0] == got[1] == got[3] == got[4] == V.WRONG


def test_a_checker_that_loops_is_stopped_by_its_limit(code_server):
    checker = reward_pb2.Checker(language="python", source=LOOPING_PY)
    completions = [py("print(10 ** 12)"), py("print(5)")]
    group = io_group("loop", completions, [("", "ok\n")], checker, time_limit_s=1.0)
    result = score(code_server.address, [group])["loop"]
    assert verdicts(result) == [V.WRONG, V.CORRECT]
    assert "checker exceeded its time limit" in result.scores[0].detail


def test_checker_that_does_not_compile_is_a_group_error(code_server):
    bad = reward_pb2.Checker(language="cpp", source="int main( { return 0; }\n")
    good = reward_pb2.Checker(language="python", source=PERMUTATION_PY)
    groups = [
        io_group("bad", [py("print(1)")], [("1\n", "1\n")], bad),
        io_group("good", [py("print(1)")], [("1\n", "1\n")], good),
        io_group("lang", [py("print(1)")], [("1\n", "1\n")], reward_pb2.Checker(language="x")),
    ]
    results = score(code_server.address, groups)
    assert results["bad"].error.code == "INVALID_ARGUMENT" and not results["bad"].scores
    assert "does not compile" in results["bad"].error.message
    assert "error" in results["bad"].error.message  # the compiler's own words
    assert verdicts(results["good"]) == [V.CORRECT]
    assert results["lang"].error.code == "INVALID_ARGUMENT"
    assert "io.checker.language" in results["lang"].error.message
