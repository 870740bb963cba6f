"""Every sandbox language through a real server with --code --sandbox-languages all.

Each language folder under in_sandbox/ must have a program of each kind in
language_programs/<language>/ (a new language without them fails here): right (sums two
numbers), wrong, broken (does not compile or parse), loop (never ends) and network (sums
only when it could connect out, else prints that it is offline). They must score CORRECT,
WRONG, COMPILE_ERROR, TIME_LIMIT and WRONG. GetServerInfo describes every language, and
assert tests, which only Python runs, are a clear INVALID_ARGUMENT group error elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import docker
import pytest
from conftest import requires_docker, start_server

from reward_server.api import reward_pb2
from reward_server.client import RewardClient, code_group
from reward_server.verifiers.code.config import DEFAULT_SANDBOXES_DIR
from reward_server.verifiers.code.owners import list_managed
from reward_server.verifiers.code.runtimes import available_languages, load_runtimes

pytestmark = [requires_docker, pytest.mark.docker, pytest.mark.slow]

PROGRAMS = Path(__file__).parent / "language_programs"
LANGUAGES = available_languages(DEFAULT_SANDBOXES_DIR)
RUNTIMES = load_runtimes(DEFAULT_SANDBOXES_DIR, tuple(LANGUAGES))
V = reward_pb2.Verdict
EXPECTED = {
    "right": V.CORRECT,
    "wrong": V.WRONG,
    "broken": V.COMPILE_ERROR,
    "loop": V.TIME_LIMIT,
    "network": V.WRONG,
}
CASES = [("1 2", "3"), ("40 2", "42")]
# What each image's version_argv prints, as GetServerInfo shows it after "; installed: ".
INSTALLED = {
    "python": r"Python 3\.\d+\.\d+",
    "c": r"gcc \(Debian [\d.]+-\S+\) 12\.\d+\.\d+",
    "cpp": r"g\+\+ \(Debian [\d.]+-\S+\) 12\.\d+\.\d+",
    "go": r"compile version go1\.19\.\d+",
    "rust": r"rustc 1\.\d+\.\d+",
    "java": r'openjdk version "17\.\d+\.\d+" \d{4}-\d\d-\d\d',
    "javascript": r"v18\.\d+\.\d+",
}


@pytest.fixture(scope="module")
def all_languages_server() -> Iterator:
    """One server serving every language (one warm container each); images missing on
    the engine are built at start."""
    proc = start_server(
        "--code", "--sandbox-languages", "all", "--sandbox-pool-size", "1", timeout=1800
    )
    yield proc
    assert proc.stop() == 0
    assert not list_managed(docker.from_env(), pid=proc.process.pid)


def program(language: str, kind: str) -> str:
    found = sorted((PROGRAMS / language).glob(f"{kind}.*"))
    if not found:
        pytest.fail(f"no {kind} program for {language} in {PROGRAMS / language}")
    return found[0].read_text()


def test_server_info_describes_every_language(all_languages_server):
    info = RewardClient(all_languages_server.address).info()
    assert sorted(info.languages) == LANGUAGES
    assert {"python", "cpp", "c", "javascript"} <= set(LANGUAGES)
    for li in info.language_info:
        rt = RUNTIMES[li.name]
        assert li.version.startswith(rt.version)
        assert li.image.startswith(f"reward-sandbox-{li.name}:")
        # The version the built image reports, read at start.
        assert re.fullmatch(f"; installed: {INSTALLED[li.name]}", li.version[len(rt.version) :])
        assert list(li.test_kinds) == list(rt.test_kinds)
        assert list(li.fence_tags) == list(rt.fence_tags)
        if rt.compile:
            assert li.compile_time_limit_s > 0 and li.compile_memory_mb > 0
        else:
            assert li.compile_time_limit_s == 0 and li.compile_memory_mb == 0
    kinds = {li.name: set(li.test_kinds) for li in info.language_info}
    assert {n for n, k in kinds.items() if "asserts" in k} == {"python"}
    assert "function" in kinds["javascript"]


@pytest.mark.parametrize("language", LANGUAGES)
def test_language_scores_right_wrong_broken_loop_and_network(all_languages_server, language):
    tag = RUNTIMES[language].fence_tags[0]
    completions = [f"```{tag}\n{program(language, kind)}\n```" for kind in EXPECTED]
    group = code_group(language, completions, io_cases=CASES, time_limit_s=2.0, memory_mb=256)
    client = RewardClient(all_languages_server.address, timeout=600)
    (result,) = client.score([group])
    assert not result.HasField("error"), result.error
    got = {kind: s.verdict for kind, s in zip(EXPECTED, result.scores, strict=True)}
    why = [(k, V.Name(s.verdict), s.detail[:300]) for k, s in zip(EXPECTED, result.scores)]  # noqa: B905
    assert got == EXPECTED, why
    broken = result.scores[list(EXPECTED).index("broken")]
    assert broken.detail.strip(), "a compile error names the diagnostics"


def test_assert_tests_elsewhere_than_python_are_a_clear_group_error(all_languages_server):
    group = code_group(
        "javascript",
        ["```js\nfunction f(x) { return x; }\n```"],
        asserts=("f", "assert f(1) == 1"),
        group_id="js-asserts",
    )
    (result,) = RewardClient(all_languages_server.address, timeout=60).score([group])
    assert result.error.code == "INVALID_ARGUMENT", result
    assert "javascript supports io and function tests, not asserts tests" in result.error.message
    assert "asserts tests for: python" in result.error.message


def test_javascript_function_tests_compare_json_values_in_the_server(all_languages_server):
    good = "```js\nfunction merge(a, b) { return { ...a, ...b, n: Object.keys(a).length }; }\n```"
    wrong = "```javascript\nconst merge = (a, b) => ({ ...a });\n```"
    throws = "```node\nfunction merge() { throw new RangeError('nope'); }\n```"
    group = code_group(
        "javascript",
        [good, wrong, throws, "no code at all"],
        function=("merge", [([{"x": 1}, {"y": [1, 2.5]}], {"x": 1, "y": [1, 2.5], "n": 1})]),
    )
    (result,) = RewardClient(all_languages_server.address, timeout=120).score([group])
    verdicts = [s.verdict for s in result.scores]
    assert verdicts == [V.CORRECT, V.WRONG, V.RUNTIME_ERROR, V.NO_ANSWER], result
    assert "RangeError: nope" in result.scores[2].detail
