"""A ScoreStream client that stops reading its results: the server stops reading its
groups at --stream-max-undelivered completions, holds no more than that, and keeps
serving everyone else; what it held is given back when the stream ends."""

from __future__ import annotations

import re
import time
import urllib.request

import grpc

from reward_server.api import reward_pb2, reward_pb2_grpc
from reward_server.client import math_group

BOUND = 256
GROUP = 64
ANSWER = "7" * 190  # long judged answers: each result fills the client's window faster


def metric(srv, name: str) -> float:
    text = urllib.request.urlopen(f"http://127.0.0.1:{srv.metrics_port}/metrics").read().decode()
    m = re.search(rf"^{re.escape(name)} (\S+)$", text, re.M)
    return float(m.group(1)) if m else 0.0


def groups_forever():
    for i in range(100_000):
        group = math_group(ANSWER, [f"\\boxed{{{ANSWER}}}"] * GROUP, group_id=f"g{i}")
        yield reward_pb2.ScoreRequest(groups=[group])


def watch_until_stalled(srv, timeout: float = 60) -> float:
    """Polls the queued gauge until it stops changing and no group is scored for a second;
    returns the highest value seen."""
    queued = "reward_queued_completions"
    scored = 'reward_groups_total{verifier="math"}'
    highest, deadline = 0.0, time.monotonic() + timeout
    last, still_since = None, time.monotonic()
    while time.monotonic() < deadline:
        now = (metric(srv, queued), metric(srv, scored))
        highest = max(highest, now[0])
        if now != last:
            last, still_since = now, time.monotonic()
        elif now[0] > 0 and time.monotonic() - still_since > 1.0:
            return highest
        time.sleep(0.05)
    raise AssertionError(f"the stream never stalled (last {last})")


def test_a_stream_that_is_not_read_holds_at_most_its_bound(fresh_server):
    srv = fresh_server("--metrics-port", "0", "--stream-max-undelivered", str(BOUND))
    # No BDP probing: the client's window stays small, as it would once a big one is full.
    channel = grpc.insecure_channel(srv.address, options=[("grpc.http2.bdp_probe", 0)])
    call = reward_pb2_grpc.RewardServiceStub(channel).ScoreStream(groups_forever())
    try:
        highest = watch_until_stalled(srv)
        assert 0 < highest <= BOUND
        other = reward_pb2_grpc.RewardServiceStub(grpc.insecure_channel(srv.address))
        single = reward_pb2.ScoreRequest(groups=[math_group("1", ["\\boxed{1}"], group_id="s")])
        [scored] = other.Score(single, timeout=10).results
        [streamed] = list(other.ScoreStream(iter([single]), timeout=10))
        assert scored.scores[0].verdict == streamed.scores[0].verdict == reward_pb2.CORRECT
        assert metric(srv, "reward_queued_completions") <= BOUND
    finally:
        call.cancel()
    deadline = time.monotonic() + 10
    while metric(srv, "reward_queued_completions") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert metric(srv, "reward_queued_completions") == 0  # a cancelled stream gives all back


def test_a_slow_reader_still_gets_every_result(fresh_server):
    srv = fresh_server("--stream-max-undelivered", str(BOUND))
    requests = [
        reward_pb2.ScoreRequest(groups=[math_group("7", ["\\boxed{7}"] * GROUP, group_id=f"g{i}")])
        for i in range(40)
    ]
    channel = grpc.insecure_channel(srv.address)
    got = []
    for result in reward_pb2_grpc.RewardServiceStub(channel).ScoreStream(iter(requests)):
        got.append(result.group_id)
        time.sleep(0.01)
    assert sorted(got) == sorted(f"g{i}" for i in range(40))
