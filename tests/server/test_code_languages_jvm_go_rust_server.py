"""Java, Go and Rust through the gRPC contract: a real server started with
--sandbox-languages java,go,rust and real containers.

For each language one group holds a right, a wrong, a non-compiling, a looping and a
network-probing program; each must get its own verdict. GetServerInfo describes the
three languages (toolchain, image, test kinds, compile limits, fence tags), and a test
kind they do not support is the group's INVALID_ARGUMENT with a clear message.
"""

from __future__ import annotations

from collections.abc import Iterator

import docker
import grpc
import pytest
from conftest import requires_docker, start_server
from verifiers.code.test_languages_jvm_go_rust import LANGUAGES, PROGRAMS

from reward_server.api import reward_pb2, reward_pb2_grpc
from reward_server.client import RewardClient, code_group
from reward_server.launch import ServerHandle
from reward_server.verifiers.code.owners import list_managed

pytestmark = [requires_docker, pytest.mark.slow]
V = reward_pb2.Verdict
KINDS = {
    "right": V.CORRECT,
    "wrong": V.WRONG,
    "broken": V.COMPILE_ERROR,
    "loop": V.TIME_LIMIT,
    "network": V.WRONG,
}
CASES = [("1 2\n", "3\n"), ("40 2\n", "42\n")]


@pytest.fixture(scope="module")
def jgr_server() -> Iterator[ServerHandle]:
    server = start_server(
        "--code",
        "--sandbox-languages",
        ",".join(LANGUAGES),
        "--sandbox-pool-size",
        "1",
        timeout=900,
    )
    yield server
    assert server.stop() == 0
    assert not list_managed(docker.from_env(), pid=server.process.pid)


def fenced(code: str, tag: str) -> str:
    return f"My solution:\n```{tag}\n{code}\n```\n"


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_kind_of_program_gets_its_verdict(jgr_server, language):
    completions = [fenced(PROGRAMS[language][kind], language) for kind in KINDS]
    group = code_group(language, completions, io_cases=CASES, time_limit_s=3.0, group_id=language)
    with RewardClient(jgr_server.address, timeout=300) as client:
        [result] = list(client.score_stream([group]))
    assert not result.HasField("error"), result.error
    got = {kind: s.verdict for kind, s in zip(KINDS, result.scores, strict=True)}
    assert got == KINDS, result.scores
    right = result.scores[0]
    assert right.tests_passed == right.tests_total == len(CASES)


def test_server_info_describes_the_three_languages(jgr_server):
    info = RewardClient(jgr_server.address).info()
    assert sorted(info.languages) == sorted(LANGUAGES)
    by_name = {li.name: li for li in info.language_info}
    assert "OpenJDK 17" in by_name["java"].version
    assert "Go 1.19" in by_name["go"].version
    assert "rustc" in by_name["rust"].version and "2021" in by_name["rust"].version
    assert set(by_name["go"].fence_tags) == {"go", "golang"}
    assert set(by_name["rust"].fence_tags) == {"rust", "rs"}
    for li in by_name.values():
        assert list(li.test_kinds) == ["io"]
        assert li.image.startswith(f"reward-sandbox-{li.name}:")
        assert li.compile_time_limit_s > 0 and li.compile_memory_mb >= 512


@pytest.mark.parametrize("language", LANGUAGES)
def test_function_tests_are_invalid_for_these_languages(jgr_server, language):
    stub = reward_pb2_grpc.RewardServiceStub(grpc.insecure_channel(jgr_server.address))
    group = code_group(
        language, [fenced(PROGRAMS[language]["right"], language)],
        function=("add", [([1, 2], 3)]), group_id="fn",
    )  # fmt: skip
    [result] = stub.Score(reward_pb2.ScoreRequest(groups=[group]), timeout=60).results
    assert result.error.code == "INVALID_ARGUMENT" and not result.scores, result
    assert language in result.error.message and "io" in result.error.message
