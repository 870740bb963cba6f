"""A group whose content cannot be judged gets its own GroupResult.error (and no scores);
every other group of the request or stream is scored as usual, and the bad group costs
no admission. Problems of the call as a whole keep their RPC status (test_server.py,
test_error_messages.py).

Groups are built from protobuf here, not with the client's builders, so that they can be
as bad as a client may send them."""

from __future__ import annotations

import re
import time
import urllib.request

import grpc
import pytest
from conftest import requires_docker

from reward_server.api import reward_pb2, reward_pb2_grpc

V = reward_pb2.Verdict
INVALID, UNIMPLEMENTED = "INVALID_ARGUMENT", "UNIMPLEMENTED"


def stub(address: str) -> reward_pb2_grpc.RewardServiceStub:
    return reward_pb2_grpc.RewardServiceStub(grpc.insecure_channel(address))


def group(group_id: str, completions: list[str], gold: str | None = "1", **fields):
    task = reward_pb2.Task() if gold is None else reward_pb2.Task(math={"gold": gold})
    return reward_pb2.Group(group_id=group_id, task=task, completions=completions, **fields)


def io_task(language="python", cases=(("", "1\n"),), limits=None, **tests) -> reward_pb2.Task:
    """A code task: io tests of `cases`, unless other tests are given."""
    io = reward_pb2.IoTests(cases=[{"stdin": i, "expected_stdout": o} for i, o in cases])
    code = reward_pb2.CodeTask(language=language, limits=limits, **(tests or {"io": io}))
    return reward_pb2.Task(code=code)


# group_id -> (group, the code of its error, words its message must hold)
BAD = {
    "no-task": (group("no-task", ["1"], gold=None), INVALID, "has no task (set task.math"),
    "no-completions": (group("no-completions", []), INVALID, "has no completions"),
    "too-many": (group("too-many", ["1"] * 300), INVALID, "300 completions; at most 256"),
    "oversized": (group("oversized", ["x" * (3 << 20)]), INVALID, "bytes; at most"),
    "lengths": (
        group("lengths", ["1"], completion_lengths=[1, 2]),
        INVALID,
        "2 completion_lengths for 1 completions",
    ),
    "spec": (
        group("spec", ["1"], reward={"max_length": 5, "overlong_buffer": 9}),
        INVALID,
        "overlong_buffer (9) exceeds max_length (5)",
    ),
    "nan-weight": (
        group("nan-weight", ["1"], reward={"format_weight": float("nan")}),
        INVALID,
        "reward.format_weight must be a finite number",
    ),
    "unknown-language": (
        group("unknown-language", ["1"], reward={"language": "xx", "language_weight": 1}),
        INVALID,
        "reward.language 'xx' is not a language this server detects",
    ),
    "nan-language-weight": (
        group("nan-language-weight", ["1"], reward={"language": "en", "language_weight": 1e9}),
        INVALID,
        "reward.language_weight must be a finite number",
    ),
    "weight-no-language": (
        group("weight-no-language", ["1"], reward={"language_weight": 0.5}),
        INVALID,
        "reward.language_weight needs reward.language",
    ),
    "empty-gold": (group("empty-gold", ["1"], gold="  "), INVALID, "gold answer is empty"),
    # Usable-looking until the math workers parse it: refused at scoring time.
    "unclosed-box": (
        group("unclosed-box", ["\\boxed{4}"], gold="so it is \\boxed{4"),
        INVALID,
        "empty or unclosed box: 'so it is \\\\boxed{4'",
    ),
    "hash-no-answer": (
        group("hash-no-answer", ["4"], gold="Solution: 4.\n#### "),
        INVALID,
        "'####' but no answer after it",
    ),
    "code": (
        reward_pb2.Group(group_id="code", task=io_task(), completions=["print(1)"]),
        UNIMPLEMENTED,
        "is a code task, and this server does not run code; start it with --code",
    ),
}


def good(i: int) -> reward_pb2.Group:
    return group(f"g{i}", [f"\\boxed{{{i}}}", "\\boxed{-1}"], gold=str(i))


def batch(size: int = 255) -> list[reward_pb2.Group]:
    """`size` groups, the bad ones spread among the good (the first and the last are bad)."""
    bad = iter(entry[0] for entry in BAD.values())
    at = {round(k * (size - 1) / (len(BAD) - 1)) for k in range(len(BAD))}
    return [next(bad) if i in at else good(i) for i in range(size)]


def check(results: list[reward_pb2.GroupResult], sent: list[reward_pb2.Group]) -> None:
    assert sorted(r.group_id for r in results) == sorted(g.group_id for g in sent)
    for result in results:
        if result.group_id in BAD:
            _group, code, words = BAD[result.group_id]
            assert result.error.code == code, (result.group_id, result.error)
            assert words in result.error.message, (result.group_id, result.error.message)
            assert f"group {result.group_id!r}" in result.error.message
            assert not result.scores and result.reward_mean == 0
        else:
            assert not result.HasField("error"), (result.group_id, result.error)
            assert [s.verdict for s in result.scores] == [V.CORRECT, V.WRONG]
            assert result.reward_mean == 0.5


def test_score_batch_with_bad_groups_scores_every_good_one(server):
    groups = batch()
    assert len(groups) == 255 and groups[0].group_id in BAD and groups[-1].group_id in BAD
    response = stub(server.address).Score(reward_pb2.ScoreRequest(groups=groups), timeout=120)
    assert [r.group_id for r in response.results] == [g.group_id for g in groups]  # in order
    check(list(response.results), groups)


def test_stream_with_bad_groups_goes_on(server):
    groups = batch()
    # Bad and good groups in the same requests and alone; the stream does not end at a bad
    # one, and the groups after it are scored.
    requests = [reward_pb2.ScoreRequest(groups=groups[i : i + 3]) for i in range(0, 60, 3)]
    requests += [reward_pb2.ScoreRequest(groups=[g]) for g in groups[60:]]
    results = list(stub(server.address).ScoreStream(iter(requests), timeout=120))
    check(results, groups)


def metric(srv, name: str) -> float:
    text = urllib.request.urlopen(f"http://127.0.0.1:{srv.metrics_port}/metrics").read().decode()
    m = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M)
    return float(m.group(1)) if m else 0.0


def test_bad_groups_cost_no_admission_and_are_counted(fresh_server):
    # The queue holds one full group: a bad 300-completion group next to it must not count.
    srv = fresh_server("--metrics-port", "0", "--max-queued-completions", "256")
    full = group("full", ["\\boxed{1}"] * 256)
    too_many, _, _ = BAD["too-many"]
    code, _, _ = BAD["code"]
    request = reward_pb2.ScoreRequest(groups=[too_many, full, code])
    bad, scored, unserved = stub(srv.address).Score(request, timeout=60).results
    assert bad.error.code == INVALID and unserved.error.code == UNIMPLEMENTED
    assert len(scored.scores) == 256 and scored.reward_mean == 1.0
    streamed = list(stub(srv.address).ScoreStream(iter([request]), timeout=60))
    assert sorted(r.group_id for r in streamed) == ["code", "full", "too-many"]
    assert metric(srv, 'reward_group_errors_total{code="INVALID_ARGUMENT"}') == 2
    assert metric(srv, 'reward_group_errors_total{code="UNIMPLEMENTED"}') == 2
    assert metric(srv, 'reward_requests_total{code="OK",method="Score"}') == 1
    assert metric(srv, "reward_queued_completions") == 0


def test_a_stream_of_bad_groups_that_is_not_read_is_held_at_a_bound(fresh_server):
    """Refused groups take no room in the queue, but their results wait for the client
    like any other: a stream whose client does not read stops being read."""
    srv = fresh_server("--metrics-port", "0", "--stream-max-undelivered", "256")

    def bad_groups():
        for i in range(200_000):
            yield reward_pb2.ScoreRequest(groups=[group(f"b{i}", ["1"], gold=" ")])

    channel = grpc.insecure_channel(srv.address, options=[("grpc.http2.bdp_probe", 0)])
    call = reward_pb2_grpc.RewardServiceStub(channel).ScoreStream(bad_groups())
    name = 'reward_group_errors_total{code="INVALID_ARGUMENT"}'
    try:
        last, still_since, deadline = -1.0, time.monotonic(), time.monotonic() + 60
        while time.monotonic() - still_since < 1.5:
            assert time.monotonic() < deadline, f"the stream was never held ({last} errors)"
            now = metric(srv, name)
            if now != last:
                last, still_since = now, time.monotonic()
            time.sleep(0.05)
        # The bound plus what fits in the transport's window; never the whole stream.
        assert 256 <= last < 5000
        assert metric(srv, "reward_queued_completions") == 0
    finally:
        call.cancel()


CODE_BAD = {  # on a server with --code
    "cobol": (io_task("cobol"), "unknown language 'cobol'; valid:"),
    "no-tests": (reward_pb2.Task(code={"language": "python"}), "has no tests"),
    "no-cases": (io_task(cases=()), "io tests need at least one case"),
    "bad-json": (
        io_task(
            function={"entry_point": "f", "cases": [{"args_json": "[1", "expected_json": "2"}]}
        ),
        "function.cases[0]: bad JSON",
    ),
    "bad-asserts": (
        io_task(asserts={"entry_point": "f", "test_code": "assert f(1) =="}),
        "asserts.test_code does not parse",
    ),
    "cpp-function": (
        io_task("cpp", function={"entry_point": "f", "cases": [{"args_json": "[1]"}]}),
        "cpp supports io tests, not function tests; this server runs function tests for: python",
    ),
    "time-limit": (io_task(limits={"time_limit_s": 1000}), "limits.time_limit_s=1000"),
}


@requires_docker
@pytest.mark.parametrize("streaming", [False, True])
def test_bad_code_tasks_are_group_errors_next_to_good_groups(code_server, streaming):
    program = "```python\nprint(1)\n```"
    groups = [reward_pb2.Group(group_id="good-code", task=io_task(), completions=[program])]
    groups += [
        reward_pb2.Group(group_id=gid, task=task, completions=[program])
        for gid, (task, _words) in CODE_BAD.items()
    ]
    groups.append(good(7))
    s = stub(code_server.address)
    if streaming:
        requests = iter([reward_pb2.ScoreRequest(groups=[g]) for g in groups])
        results = {r.group_id: r for r in s.ScoreStream(requests, timeout=120)}
    else:
        response = s.Score(reward_pb2.ScoreRequest(groups=groups), timeout=120)
        results = {r.group_id: r for r in response.results}
    assert set(results) == {g.group_id for g in groups}
    assert results["good-code"].scores[0].verdict == V.CORRECT
    assert [s.verdict for s in results["g7"].scores] == [V.CORRECT, V.WRONG]
    for gid, (_task, words) in CODE_BAD.items():
        error = results[gid].error
        assert error.code == INVALID and words in error.message, (gid, error.message)
        assert not results[gid].scores
