"""The real server on loopback: RPCs, errors, health, reflection, metrics, shutdown.
Per-group errors in a full batch and on a stream: test_group_errors.py."""

from __future__ import annotations

import math
import signal
import subprocess
import sys
import threading
import time
import urllib.request

import grpc
import pytest
from conftest import symbolic_group
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from reward_server.api import reward_pb2, reward_pb2_grpc
from reward_server.client import RetryPolicy, RewardClient, code_group, math_group, reward_spec

V = reward_pb2.Verdict


def stub(address: str) -> reward_pb2_grpc.RewardServiceStub:
    return reward_pb2_grpc.RewardServiceStub(grpc.insecure_channel(address))


def test_score_batch(server):
    with RewardClient(server.address, retry=RetryPolicy(attempts=1)) as client:
        results = client.score(
            [
                math_group(
                    "42", ["<think>6*7</think> \\boxed{42}", "\\boxed{41}", "no idea"], group_id="a"
                ),
                math_group(
                    "Janet sells 9 eggs.\n#### 1,234", ["The answer is 1,234."], group_id="b"
                ),
            ]
        )
    a, b = results
    assert [s.verdict for s in a.scores] == [V.CORRECT, V.WRONG, V.NO_ANSWER]
    assert [s.reward for s in a.scores] == [1.0, 0.0, 0.0]
    assert a.reward_mean == pytest.approx(1 / 3)
    assert a.reward_std == pytest.approx(math.sqrt(2 / 9))
    assert a.scores[0].extracted_answer == "42"
    assert b.scores[0].verdict == V.CORRECT


def test_reward_spec_components(server):
    spec = reward_spec(format_weight=0.5, max_length=40, overlong_buffer=10)
    [result] = RewardClient(server.address).score(
        [math_group("4", ["<think>2+2</think> \\boxed{4}", "\\boxed{4}" + " " * 60], reward=spec)]
    )
    good, long = result.scores
    assert dict(good.components) == {"correctness": 1.0, "format": 1.0, "length": 0.0}
    assert good.reward == pytest.approx(1.5)
    assert long.components["length"] == -1.0 and long.components["format"] == 0.0
    assert long.reward == pytest.approx(0.0)


def test_completion_lengths_in_tokens_drive_overlong_shaping(server):
    spec = reward_spec(max_length=100, overlong_buffer=20)
    group = math_group("4", ["\\boxed{4}", "\\boxed{4}"], reward=spec, completion_lengths=[50, 90])
    [result] = RewardClient(server.address).score([group])
    assert [s.components["length"] for s in result.scores] == [0.0, pytest.approx(-0.5)]


def test_stream_sends_each_group_when_ready(server):
    # The slow group needs symbolic work on many completions; the fast one is one number.
    slow = symbolic_group(200, "slow")
    fast = math_group("7", ["\\boxed{7}"], group_id="fast")
    with RewardClient(server.address) as client:
        order = [r.group_id for r in client.score_stream(iter([slow, fast]))]
    assert order == ["fast", "slow"]


def test_stream_results_are_all_delivered(server):
    groups = [
        math_group(str(i), [f"\\boxed{{{i}}}", "\\boxed{-1}"], group_id=f"g{i}") for i in range(50)
    ]
    with RewardClient(server.address) as client:
        results = {r.group_id: r for r in client.score_stream(groups)}
    assert set(results) == {f"g{i}" for i in range(50)}
    assert all(r.reward_mean == 0.5 for r in results.values())


@pytest.mark.parametrize(
    ("group", "message"),
    [
        (reward_pb2.Group(group_id="x", completions=["1"]), "has no task (set task.math or"),
        (math_group("1", [], group_id="x"), "has no completions"),
        (math_group("  ", ["1"], group_id="x"), "math gold answer is empty"),
        (math_group("1", ["1"] * 300, group_id="x"), "at most 256"),
        (math_group("1", ["x" * (3 << 20)], group_id="x"), "bytes; at most"),
        (math_group("1", ["1"], group_id="x", completion_lengths=[1, 2]), "completion_lengths"),
        (
            math_group(
                "1", ["1"], group_id="x", reward=reward_spec(max_length=5, overlong_buffer=9)
            ),
            "exceeds max_length",
        ),
    ],
)
def test_bad_group_gets_its_own_error(server, group, message):
    good = math_group("2", ["\\boxed{2}"], group_id="good")
    response = stub(server.address).Score(reward_pb2.ScoreRequest(groups=[group, good]), timeout=30)
    bad, scored = response.results
    assert bad.group_id == "x" and not bad.scores
    assert bad.error.code == "INVALID_ARGUMENT"
    assert message in bad.error.message and "group 'x'" in bad.error.message
    assert not scored.HasField("error") and scored.scores[0].verdict == V.CORRECT


def test_bad_requests_as_a_whole_get_invalid_argument(server):
    s = stub(server.address)
    with pytest.raises(grpc.RpcError, match="no groups") as err:
        s.Score(reward_pb2.ScoreRequest(), timeout=10)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    g = math_group("1", ["1"], group_id="same")
    with pytest.raises(grpc.RpcError, match="appears twice") as err:
        s.Score(reward_pb2.ScoreRequest(groups=[g, g]), timeout=10)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    no_id = reward_pb2.Group(
        completions=["1"], task=reward_pb2.Task(math=reward_pb2.MathTask(gold="1"))
    )
    with pytest.raises(grpc.RpcError, match="empty group_id") as err:
        s.Score(reward_pb2.ScoreRequest(groups=[g, no_id]), timeout=10)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    many = [math_group("1", ["1"], group_id=f"g{i}") for i in range(1025)]
    with pytest.raises(grpc.RpcError, match="at most 1024") as err:
        s.Score(reward_pb2.ScoreRequest(groups=many), timeout=10)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT


def test_unusable_gold_is_a_group_error(server):
    response = stub(server.address).Score(
        reward_pb2.ScoreRequest(
            groups=[math_group("Solution: it is 4.\n#### ", ["1"], group_id="x")]
        ),
        timeout=30,
    )
    [result] = response.results
    assert result.error.code == "INVALID_ARGUMENT" and not result.scores
    assert "gold" in result.error.message


def test_code_task_without_sandbox_is_unimplemented(server):
    group = code_group("python", ["print(1)"], io_cases=[("", "1\n")], group_id="c")
    response = stub(server.address).Score(reward_pb2.ScoreRequest(groups=[group]), timeout=10)
    [result] = response.results
    assert result.error.code == "UNIMPLEMENTED" and not result.scores
    assert "is a code task" in result.error.message and "--code" in result.error.message


def test_stream_error_keeps_results_already_scored(server):
    good = math_group("3", ["\\boxed{3}"], group_id="good")
    bad = reward_pb2.Group(  # no group_id: it cannot be answered on its own
        completions=["3"], task=reward_pb2.Task(math=reward_pb2.MathTask(gold="3"))
    )
    call = stub(server.address).ScoreStream(
        iter([reward_pb2.ScoreRequest(groups=[good]), reward_pb2.ScoreRequest(groups=[bad])]),
        timeout=30,
    )
    got = []
    with pytest.raises(grpc.RpcError) as err:
        for result in call:
            got.append(result.group_id)
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "empty group_id" in err.value.details()
    assert got == ["good"]


def test_server_info(server):
    info = RewardClient(server.address).info()
    assert info.version
    assert list(info.verifiers) == ["math"]
    assert info.limits.max_completions_per_group == 256
    assert info.limits.math_timeout_s == 3.0


def test_health_and_reflection(server):
    channel = grpc.insecure_channel(server.address)
    health = health_pb2_grpc.HealthStub(channel)
    for name in ("", "reward.v1.RewardService"):
        reply = health.Check(health_pb2.HealthCheckRequest(service=name), timeout=10)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
    reflection = reflection_pb2_grpc.ServerReflectionStub(channel)
    requests = [
        reflection_pb2.ServerReflectionRequest(list_services=""),
        reflection_pb2.ServerReflectionRequest(file_containing_symbol="reward.v1.RewardService"),
    ]
    listed, files = list(reflection.ServerReflectionInfo(iter(requests), timeout=10))
    names = {s.name for s in listed.list_services_response.service}
    assert {"reward.v1.RewardService", "grpc.health.v1.Health"} <= names
    assert files.file_descriptor_response.file_descriptor_proto  # enough for grpcurl


def test_admission_control_refuses_beyond_the_queue(fresh_server):
    srv = fresh_server("--max-queued-completions", "256", "--math-workers", "1")
    s = stub(srv.address)
    slow = symbolic_group(256, "fills-the-queue")
    future = s.Score.future(reward_pb2.ScoreRequest(groups=[slow]), timeout=120)
    time.sleep(0.5)
    with pytest.raises(grpc.RpcError) as err:
        s.Score(reward_pb2.ScoreRequest(groups=[math_group("1", ["1"], group_id="x")]), timeout=10)
    assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "at capacity" in err.value.details()
    assert len(future.result().results[0].scores) == 256
    # Room again once the first request is done.
    s.Score(reward_pb2.ScoreRequest(groups=[math_group("1", ["1"], group_id="x")]), timeout=30)


def test_metrics_endpoint(fresh_server):
    srv = fresh_server("--metrics-port", "0")
    RewardClient(srv.address).score([math_group("2", ["\\boxed{2}", "\\boxed{3}"])])
    text = urllib.request.urlopen(f"http://127.0.0.1:{srv.metrics_port}/metrics").read().decode()
    assert 'reward_completions_total{verdict="CORRECT",verifier="math"} 1.0' in text
    assert 'reward_completions_total{verdict="WRONG",verifier="math"} 1.0' in text
    assert 'reward_requests_total{code="OK",method="Score"} 1.0' in text
    assert "reward_group_latency_seconds_bucket" in text
    assert "reward_queued_completions 0.0" in text


def test_environment_configures_the_server(fresh_server):
    srv = fresh_server(env={"REWARD_SERVER_MAX_COMPLETIONS_PER_GROUP": "8"})
    assert RewardClient(srv.address).info().limits.max_completions_per_group == 8


def test_bad_option_stops_the_server_with_a_message():
    proc = subprocess.run(
        [sys.executable, "-m", "reward_server", "serve", "--port", "-3"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 2
    assert "port must be in 0..65535" in proc.stderr


def test_sigterm_finishes_in_flight_groups_then_exits(fresh_server):
    srv = fresh_server("--math-workers", "1")
    slow = symbolic_group(120, "in-flight")
    future = stub(srv.address).Score.future(reward_pb2.ScoreRequest(groups=[slow]), timeout=120)
    time.sleep(0.5)
    srv.process.send_signal(signal.SIGTERM)
    result = future.result()
    assert len(result.results[0].scores) == 120
    assert all(s.verdict == V.CORRECT for s in result.results[0].scores)
    assert srv.process.wait(timeout=30) == 0
    with pytest.raises(grpc.RpcError) as err:
        stub(srv.address).Score(reward_pb2.ScoreRequest(groups=[math_group("1", ["1"])]), timeout=5)
    assert err.value.code() == grpc.StatusCode.UNAVAILABLE


def client_cli(*args: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "reward_server.client.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=60)


def test_client_cli(server):
    good = client_cli(
        "--target",
        server.address,
        "score",
        "--math-gold",
        "42",
        "<think>6*7</think> \\boxed{42}",
        "41",
    )
    assert good.returncode == 0, good.stderr
    lines = good.stdout.splitlines()
    assert "CORRECT" in lines[1] and "answer='42'" in lines[1]
    assert "WRONG" in lines[2] and "answer='41'" in lines[2]
    # The group's error reaches the user (printed as JSON here, whatever the client makes
    # of it besides).
    bad = client_cli("--target", server.address, "score", "--json", "--math-gold", "", "x")
    assert "INVALID_ARGUMENT" in bad.stdout + bad.stderr
    assert "gold answer is empty" in bad.stdout + bad.stderr


def test_unavailable_is_retried_until_the_server_comes_up(fresh_server):
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()

    def late_start() -> None:
        time.sleep(1.5)
        fresh_server("--port", str(port))

    thread = threading.Thread(target=late_start)
    thread.start()
    try:
        client = RewardClient(f"127.0.0.1:{port}", retry=RetryPolicy(attempts=10, max_backoff_s=1))
        [result] = client.score([math_group("5", ["\\boxed{5}"])], timeout=60)
        assert result.scores[0].verdict == V.CORRECT
    finally:
        thread.join()


def test_every_rpc_callable_from_reflection_alone(server):
    """What grpcurl does: learn the schema from the server, then call each RPC."""
    from google.protobuf import descriptor_pool, json_format, message_factory
    from grpc_reflection.v1alpha.proto_reflection_descriptor_database import (
        ProtoReflectionDescriptorDatabase,
    )

    channel = grpc.insecure_channel(server.address)
    pool = descriptor_pool.DescriptorPool(ProtoReflectionDescriptorDatabase(channel))
    service = pool.FindServiceByName("reward.v1.RewardService")
    assert {m.name for m in service.methods} == {"Score", "ScoreStream", "GetServerInfo"}

    def call(method_name: str, body: dict, streaming: bool = False):
        method = service.methods_by_name[method_name]
        request_cls = message_factory.GetMessageClass(method.input_type)
        response_cls = message_factory.GetMessageClass(method.output_type)
        request = json_format.ParseDict(body, request_cls())
        path = f"/{service.full_name}/{method.name}"
        if streaming:
            rpc = channel.stream_stream(
                path,
                request_serializer=request_cls.SerializeToString,
                response_deserializer=response_cls.FromString,
            )
            return [json_format.MessageToDict(r) for r in rpc(iter([request]), timeout=30)]
        rpc = channel.unary_unary(
            path,
            request_serializer=request_cls.SerializeToString,
            response_deserializer=response_cls.FromString,
        )
        return json_format.MessageToDict(rpc(request, timeout=30))

    assert "math" in call("GetServerInfo", {})["verifiers"]
    group = {"groupId": "r", "task": {"math": {"gold": "7"}}, "completions": ["\\boxed{7}"]}
    scored = call("Score", {"groups": [group]})
    assert scored["results"][0]["scores"][0]["verdict"] == "CORRECT"
    streamed = call("ScoreStream", {"groups": [group]}, streaming=True)
    assert streamed[0]["groupId"] == "r" and streamed[0]["scores"][0]["verdict"] == "CORRECT"


def test_oversized_message_is_refused(fresh_server):
    srv = fresh_server("--max-message-bytes", "100000")
    group = math_group("1", ["x" * 60_000, "y" * 60_000], group_id="big")
    with pytest.raises(grpc.RpcError) as err:
        stub(srv.address).Score(reward_pb2.ScoreRequest(groups=[group]), timeout=10)
    assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "100000" in err.value.details() or "larger than max" in err.value.details()
