"""Per-task output comparison (IoTests.compare) in every sandbox language, through a real
server that serves all of them, and a checker written in each of them; the comparison
rules themselves; bad options as group errors.

Each language's "sum two numbers" program (hostile_corpus.CORRECT) is judged against
expected outputs that only a given option accepts. A new language folder with its
correct/<language>_add_io program joins the parametrisation by itself.
"""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from conftest import requires_docker, start_server

from reward_server.api import reward_pb2, reward_pb2_grpc
from reward_server.launch import ServerHandle
from reward_server.verifiers.code.verdicts import CompareRule, compare_rule, output_matches

from .hostile_corpus import CORRECT, RUNTIMES

V = reward_pb2.Verdict
LANGUAGES = sorted(RUNTIMES)

# (name, stdin, expected stdout, compare options or None, verdict). The program prints the
# sum of the two numbers and a newline.
CASES = [
    ("default_exact", "1 2\n", "3\n", None, V.CORRECT),
    ("default_no_tolerance", "1 2\n", "3.0000001\n", None, V.WRONG),
    ("abs_within", "1 2\n", "3.0000001\n", {"abs_tolerance": 1e-3}, V.CORRECT),
    ("abs_outside", "1 2\n", "3.01\n", {"abs_tolerance": 1e-3}, V.WRONG),
    ("rel_within", "1000000 2000000\n", "3000001\n", {"rel_tolerance": 1e-6}, V.CORRECT),
    ("rel_outside", "1000000 2000000\n", "3000001\n", {"rel_tolerance": 1e-8}, V.WRONG),
    (
        "abs_or_rel",
        "1000000 2000000\n",
        "3000001\n",
        {"abs_tolerance": 2.0, "rel_tolerance": 1e-9},
        V.CORRECT,
    ),
    ("whitespace_on", "40 2\n", "\n\n  42 \n", {"ignore_whitespace": True}, V.CORRECT),
    ("whitespace_off", "40 2\n", "\n\n  42 \n", None, V.WRONG),
    ("case_is_not_tolerance", "1 2\n", "3.5\n", {"ignore_case": True}, V.WRONG),
]


# A checker per language: accepts when it got three arguments and the output's first token
# is the answer's first token.
SAME_FIRST_TOKEN = {
    "python": """import sys
if len(sys.argv) != 4:
    sys.exit(2)
out, ans = (open(p).read().split()[:1] for p in sys.argv[2:])
sys.exit(0 if out == ans else 1)
""",
    "c": """#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
    char a[64] = "", b[64] = "";
    FILE *o, *e;
    if (argc != 4 || !(o = fopen(argv[2], "r")) || !(e = fopen(argv[3], "r"))) return 2;
    if (fscanf(o, "%63s", a) != 1 || fscanf(e, "%63s", b) != 1) return 1;
    return strcmp(a, b) != 0;
}
""",
    "cpp": """#include <fstream>
#include <string>
int main(int argc, char **argv) {
    if (argc != 4) return 2;
    std::ifstream o(argv[2]), e(argv[3]);
    std::string a, b;
    return (o >> a) && (e >> b) && a == b ? 0 : 1;
}
""",
    "java": """import java.nio.file.*;
public class Main {
    static String first(String path) throws Exception {
        String[] t = new String(Files.readAllBytes(Paths.get(path))).trim().split("\\s+");
        return t[0];
    }
    public static void main(String[] a) throws Exception {
        if (a.length != 3) System.exit(2);
        System.exit(first(a[1]).equals(first(a[2])) ? 0 : 1);
    }
}
""",
    "javascript": r"""const fs = require("fs");
const args = process.argv.slice(2);
if (args.length !== 3) process.exit(2);
const first = (p) => fs.readFileSync(p, "utf8").trim().split(/\s+/)[0];
process.exit(first(args[1]) === first(args[2]) ? 0 : 1);
""",
    "go": """package main

import (
	"os"
	"strings"
)

func first(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		os.Exit(2)
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return ""
	}
	return f[0]
}

func main() {
	if len(os.Args) != 4 {
		os.Exit(2)
	}
	if first(os.Args[2]) != first(os.Args[3]) {
		os.Exit(1)
	}
}
""",
    "rust": """use std::fs;
fn first(path: &str) -> String {
    fs::read_to_string(path).unwrap_or_default().split_whitespace().next().unwrap_or("").to_string()
}
fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.len() != 4 {
        std::process::exit(2);
    }
    std::process::exit(if first(&args[2]) == first(&args[3]) { 0 } else { 1 });
}
""",
}


def add_program(language: str) -> str:
    program = CORRECT.get(f"{language}_add_io") or (
        CORRECT.get("add_io") if language == "python" else None
    )
    if program is None:
        pytest.fail(f"no correct/{language}_add_io program: add one for the new language")
    return program


@pytest.fixture(scope="module")
def all_languages_server() -> Iterator[ServerHandle]:
    flags = ("--code", "--sandbox-pool-size", "1", "--sandbox-languages", ",".join(LANGUAGES))
    server = start_server(*flags, timeout=900)
    yield server
    assert server.stop() == 0


@requires_docker
@pytest.mark.parametrize("language", LANGUAGES)
def test_compare_options_in_every_language(all_languages_server, language):
    program = add_program(language)
    groups = []
    for name, stdin, expected, options, _ in CASES:
        code = reward_pb2.CodeTask(language=language, limits=reward_pb2.Limits(time_limit_s=5))
        code.io.cases.add(stdin=stdin, expected_stdout=expected)
        if options is not None:
            code.io.compare.CopyFrom(reward_pb2.Compare(**options))
        groups.append(
            reward_pb2.Group(group_id=name, task=reward_pb2.Task(code=code), completions=[program])
        )
    stub = reward_pb2_grpc.RewardServiceStub(grpc.insecure_channel(all_languages_server.address))
    results = stub.Score(reward_pb2.ScoreRequest(groups=groups), timeout=600).results
    got = {r.group_id: (r.scores[0].verdict, r.scores[0].detail) for r in results}
    want = {name: verdict for name, _, _, _, verdict in CASES}
    assert {k: v for k, (v, _) in got.items()} == want, got


@requires_docker
def test_bad_compare_options_are_group_errors(code_server):
    program = add_program("python")
    bad = [
        {"abs_tolerance": -1.0},
        {"rel_tolerance": float("nan")},
        {"abs_tolerance": float("inf")},
    ]
    groups = []
    for i, options in enumerate([*bad, {"rel_tolerance": 1e-6}]):
        code = reward_pb2.CodeTask(language="python")
        code.io.cases.add(stdin="1 2\n", expected_stdout="3\n")
        code.io.compare.CopyFrom(reward_pb2.Compare(**options))
        groups.append(
            reward_pb2.Group(
                group_id=str(i), task=reward_pb2.Task(code=code), completions=[program]
            )
        )
    stub = reward_pb2_grpc.RewardServiceStub(grpc.insecure_channel(code_server.address))
    results = {
        r.group_id: r
        for r in stub.Score(reward_pb2.ScoreRequest(groups=groups), timeout=120).results
    }
    for i, options in enumerate(bad):
        error = results[str(i)].error
        assert error.code == "INVALID_ARGUMENT" and not results[str(i)].scores
        assert f"io.compare.{next(iter(options))}" in error.message
    assert results["3"].scores[0].verdict == V.CORRECT


def test_compare_rules():
    exact = CompareRule()
    assert output_matches("1 2  \n3\n\n", "1 2\n3", exact)
    assert not output_matches("1  2\n3", "1 2\n3", exact)  # inner whitespace counts
    assert not output_matches("YES", "yes", exact)
    assert output_matches("YES\nNo", "yes\nno", CompareRule(ignore_case=True))
    assert output_matches("1  2\n\n3", "1 2 3", CompareRule(ignore_whitespace=True))
    assert not output_matches("1 2", "1 2 3", CompareRule(ignore_whitespace=True))
    rel = CompareRule(rel_tolerance=1e-6)
    assert output_matches("1000000.5", "1000000", rel)
    assert not output_matches("0.0000011", "0.000001", rel)  # 10% off: rel only
    assert output_matches("0.0000011", "0.000001", CompareRule(abs_tolerance=1e-6))
    assert not output_matches("abc 1.0", "abd 1.0", rel)  # words stay exact
    assert output_matches("ABC 1.0000001", "abc 1", CompareRule(1e-6, 0, ignore_case=True))
    assert not output_matches("nan", "1", CompareRule(abs_tolerance=1e9))
    # Unset compare: the server-wide --float-tolerance, as absolute and relative tolerance.
    assert compare_rule(None, 1e-6) == CompareRule(1e-6, 1e-6)
    set_ = compare_rule(reward_pb2.Compare(ignore_case=True), 1e-6)
    assert set_ == CompareRule(ignore_case=True)  # a task's own options replace the default


@requires_docker
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_checker_in_every_language(all_languages_server, language):
    source = SAME_FIRST_TOKEN.get(language)
    if source is None:
        pytest.fail(f"no checker in {language} here: add one to SAME_FIRST_TOKEN")
    code = reward_pb2.CodeTask(language="python")
    code.io.cases.add(stdin="1 2\n", expected_stdout="3 and anything after\n")
    code.io.checker.CopyFrom(reward_pb2.Checker(language=language, source=source))
    completions = [add_program("python"), "```python\nprint(4)\n```"]
    group = reward_pb2.Group(
        group_id=language, task=reward_pb2.Task(code=code), completions=completions
    )
    stub = reward_pb2_grpc.RewardServiceStub(grpc.insecure_channel(all_languages_server.address))
    [result] = stub.Score(reward_pb2.ScoreRequest(groups=[group]), timeout=600).results
    assert not result.HasField("error"), result.error.message
    assert [s.verdict for s in result.scores] == [V.CORRECT, V.WRONG], result.scores
