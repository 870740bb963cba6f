"""OpenRLHF's --remote_rm_url convention, over a real socket, against a live reward server."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from stub_reward_server import BAD_GOLD, stub_server

from reward_server.integrations.openrlhf import (
    BadRequest,
    EndpointConfig,
    score_request,
    split_response,
)
from reward_server.integrations.unjudged import InfraError

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def endpoint(tmp_path) -> Iterator:
    """Starts `python -m reward_server.integrations.openrlhf --port 0 ...`; yields its URL."""
    started: list[subprocess.Popen] = []

    def start(*flags: str) -> str:
        log = open(tmp_path / f"endpoint{len(started)}.log", "w")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "-m", "reward_server.integrations.openrlhf", "--port", "0", *flags],
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
            cwd=REPO,
        )
        started.append(proc)
        line = proc.stdout.readline()
        assert "listening on http://" in line, (tmp_path / "endpoint0.log").read_text()
        return line.split("listening on ", 1)[1].split()[0]

    yield start
    for proc in started:
        proc.terminate()
        assert proc.wait(10) == 0


def post(url: str, body: object, raw: bytes | None = None) -> tuple[int, dict]:
    """What OpenRLHF's request_api_wrapper sends: a JSON POST."""
    data = raw if raw is not None else json.dumps(body).encode()
    request = urllib.request.Request(
        url, data=data, headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def test_openrlhf_request_is_scored_by_the_server(server, endpoint):
    url = endpoint("--targets", server.address, "--format-weight", "0.5")
    prompt_a = "<|im_start|>user\nWhat is 6*7?<|im_end|>\n<|im_start|>assistant\n"
    prompt_b = "<|im_start|>user\nWhat is 1/2 + 1/4?<|im_end|>\n<|im_start|>assistant\n"
    responses = [
        "<think>6*7=42</think> \\boxed{42}<|im_end|>",
        "\\boxed{41}<|im_end|><|endoftext|><|endoftext|>",
        "<think>sum</think> The answer is \\frac34.<|im_end|>",
        "It is 0.75",
    ]
    prompts = [prompt_a, prompt_a, prompt_b, prompt_b]
    body = {
        # OpenRLHF decodes prompt + response with special tokens kept; left padding too.
        "query": [
            "<|endoftext|>" * (i % 2) + p + r
            for i, (p, r) in enumerate(zip(prompts, responses, strict=True))
        ],
        "prompts": prompts,
        "labels": ["42", "42", "\\frac{3}{4}", "\\frac{3}{4}"],
    }
    status, reply = post(url, body)
    assert status == 200, reply
    assert reply["rewards"] == [1.5, 0.0, 1.5, 1.0]
    assert reply["scores"] == [1.0, 0.0, 1.0, 1.0]
    assert reply["extra_logs"] == {
        "correct": [1.0, 0.0, 1.0, 1.0],
        "infra_error": [0.0] * 4,
        "group_error": [0.0] * 4,
    }
    # Served on "/" too, and a health check says where it forwards to.
    assert post(url.rsplit("/", 1)[0] + "/", body)[0] == 200
    with urllib.request.urlopen(url.rsplit("/", 1)[0] + "/health", timeout=10) as response:
        assert json.loads(response.read())["target"] == server.address


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ([1, 2], "must be a JSON object"),
        ({"query": ["a"], "prompts": ["a"]}, "missing field(s) ['labels']"),
        ({"query": ["ab"], "prompts": ["a", "b"], "labels": ["1"]}, "same length"),
        ({"query": [1], "prompts": ["a"], "labels": ["1"]}, "query must be a list of strings"),
        ({"query": ["xy"], "prompts": ["z"], "labels": ["1"]}, "does not occur in its query"),
        ({"query": ["a1"], "prompts": ["a"], "labels": ['{"tests": {"x": 1}}']}, "bad label"),
    ],
)
def test_bad_input_is_400_with_a_json_message(server, endpoint, body, message):
    url = endpoint("--targets", server.address)
    status, reply = post(url, body)
    assert status == 400
    assert message in reply["error"]


def test_body_that_is_not_json_is_400(server, endpoint):
    status, reply = post(endpoint("--targets", server.address), None, raw=b"{not json")
    assert status == 400 and "not valid JSON" in reply["error"]


def test_unreachable_reward_server_is_a_5xx_not_a_reward(endpoint):
    url = endpoint("--targets", "127.0.0.1:1", "--timeout", "2")
    status, reply = post(url, {"query": ["a1"], "prompts": ["a"], "labels": ["1"]})
    assert status in (503, 504)
    assert "reward server" in reply["error"]


def test_bad_flags_refuse_to_start():
    proc = subprocess.run(
        [sys.executable, "-m", "reward_server.integrations.openrlhf", "--on-infra-error", "nan"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert proc.returncode == 2 and "invalid choice" in proc.stderr


async def test_infra_errors_are_neutral_and_flagged(async_infra_error_client):
    body = {
        "query": ["p1", "p0", "pbroken", "qbroken"],
        "prompts": ["p", "p", "p", "q"],
        "labels": ["1", "1", "1", "1"],
    }
    reply = await score_request(async_infra_error_client, EndpointConfig(), body)
    assert reply["rewards"] == [1.0, 0.0, 0.5, 0.0]
    assert reply["extra_logs"]["infra_error"] == [0.0, 0.0, 1.0, 1.0]
    with pytest.raises(InfraError, match="could not judge"):
        await score_request(async_infra_error_client, EndpointConfig(on_infra_error="raise"), body)


def test_split_response():
    assert split_response("<pad><pad>Q: 1+1?A: 2</s><pad>", "Q: 1+1?", ["</s>", "<pad>"]) == "A: 2"
    with pytest.raises(BadRequest):
        split_response("abc", "x")


def test_a_label_the_server_cannot_judge_is_neutral_and_flagged(endpoint):
    body = {
        "query": ["p7", "p8", "q7", "q8"],
        "prompts": ["p", "p", "q", "q"],
        "labels": ["7", "7", BAD_GOLD, BAD_GOLD],
    }
    with stub_server() as (address, _):
        url = endpoint("--targets", address, "--infra-error-reward", "-1")
        status, reply = post(url, body)
        assert status == 200, reply
        assert reply["rewards"] == [1.0, 0.0, -1.0, -1.0]
        assert reply["scores"] == [1.0, 0.0, 0.0, 0.0]
        assert reply["extra_logs"]["group_error"] == [0.0, 0.0, 1.0, 1.0]
        assert reply["extra_logs"]["infra_error"] == [0.0] * 4
        strict = endpoint("--targets", address, "--on-group-error", "raise")
        status, reply = post(strict, body)
        assert status == 400  # retrying cannot help
        assert "INVALID_ARGUMENT: gold 'bad' is not an answer" in reply["error"]


def test_labels_the_live_server_cannot_judge_are_flagged_or_refused(server, endpoint):
    # An empty gold, and a code task on a server started without --code: each is a group
    # the server answers with an error, while the other group of the request is scored.
    code = '{"tests": {"io": [["", "1"]]}}'
    body = {
        "query": ["a42", "a41", "b1", "c1"],
        "prompts": ["a", "a", "b", "c"],
        "labels": ["42", "42", "", code],
    }
    status, reply = post(endpoint("--targets", server.address), body)
    assert status == 200, reply
    assert reply["rewards"] == [1.0, 0.0, 0.0, 0.0]
    assert reply["extra_logs"]["group_error"] == [0.0, 0.0, 1.0, 1.0]
    strict = endpoint("--targets", server.address, "--on-group-error", "raise")
    status, reply = post(strict, body)
    assert status == 400
    assert "INVALID_ARGUMENT" in reply["error"] and "gold answer is empty" in reply["error"]
    assert "UNIMPLEMENTED" in reply["error"] and "--code" in reply["error"]
