"""The base install of the wheel is the client: no server dependencies, and it scores."""

from __future__ import annotations

import json
import subprocess

import pytest
from wheel_installs import CLEAN_ENV, build_wheel, distributions, make_venv, run_in

from reward_server.api import reward_pb2

pytestmark = pytest.mark.slow

V = reward_pb2.Verdict

SERVER_DISTRIBUTIONS = {
    "docker",
    "sympy",
    "torch",
    "math-verify",
    "prometheus-client",
    "grpcio-health-checking",
    "grpcio-reflection",
}


@pytest.fixture(scope="module")
def client_python(tmp_path_factory):
    wheel = build_wheel(tmp_path_factory)
    return make_venv(tmp_path_factory.mktemp("client-venv") / "venv", str(wheel))


def test_the_client_install_pulls_no_server_dependency(client_python):
    installed = distributions(client_python)
    assert {"reward-server", "grpcio", "protobuf"} <= installed
    assert not installed & SERVER_DISTRIBUTIONS, installed & SERVER_DISTRIBUTIONS


def test_the_client_install_scores_against_a_server(client_python, server, tmp_path):
    code = f"""
import json
from reward_server.client import RewardClient, math_group
import reward_server.integrations.trl, reward_server.integrations.verl
with RewardClient({server.address!r}) as client:
    [result] = client.score([math_group("42", ["\\\\boxed{{42}}", "41"])], timeout=60)
print(json.dumps([[s.verdict for s in result.scores], reward_server.client.__file__]))
"""
    run = run_in(client_python, code, tmp_path)
    assert run.returncode == 0, run.stderr
    verdicts, path = json.loads(run.stdout)
    assert verdicts == [V.CORRECT, V.WRONG]
    assert path.startswith(str(client_python.parents[1]))  # the wheel's code, not the checkout's


def test_serve_without_the_server_extra_says_what_to_install(client_python, tmp_path):
    run = subprocess.run(
        [str(client_python.parent / "reward-server"), "serve"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=CLEAN_ENV | {"PATH": "/usr/bin:/bin"},
        timeout=60,
    )
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr, run.stderr
    assert "pip install 'reward-server[server]'" in run.stderr
