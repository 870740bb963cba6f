"""Not judged is not wrong: a math verifier failure is INFRA_ERROR (reward NaN), counted
and logged; a timeout stays WRONG. Real worker processes, real scoring; the failure is
forced by a test-only judge (failing_math_judges.py). And the verdict cache's metrics
through a real server."""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
import re
import urllib.request

import failing_math_judges
import pytest

from reward_server.api import reward_pb2
from reward_server.client import math_group
from reward_server.client.aio import AsyncRewardClient
from reward_server.config import ServerConfig
from reward_server.metrics import Metrics
from reward_server.procpool.pool import WorkerPool
from reward_server.scoring import score_group
from reward_server.verifiers.math.verifier import CHUNK_SIZE, MathVerifier, math_spec
from reward_server.verifiers.math.worker import worker_main
from reward_server.verifiers.registry import REGISTRY, Verifiers

COMPLETIONS = [r"\boxed{\frac{1}{2}}", r"\boxed{fail}", r"\boxed{0.5}", r"\boxed{3}"]


async def score_with(judge, metrics: Metrics, timeout_s: float = 5.0) -> reward_pb2.GroupResult:
    spec = math_spec(ServerConfig(), metrics)
    spec = dataclasses.replace(spec, worker=functools.partial(worker_main, judge=judge))
    pool = WorkerPool(
        spec,
        2,
        timeout_s,
        on_restart=lambda reason: metrics.worker_restarts.labels(reason).inc(),
        chunk_size=CHUNK_SIZE,
    )
    await pool.start()
    verifiers = Verifiers(running={"math": MathVerifier(pool, metrics)}, registry=REGISTRY)
    try:
        return await score_group(math_group(r"\frac{1}{2}", COMPLETIONS), verifiers, metrics)
    finally:
        await verifiers.close()


def sample(metrics: Metrics, name: str, **labels: str) -> float:
    return metrics.registry.get_sample_value(name, labels) or 0.0


def check_others_judged(result: reward_pb2.GroupResult) -> None:
    verdicts = [s.verdict for s in result.scores]
    assert verdicts[0] == verdicts[2] == reward_pb2.CORRECT and verdicts[3] == reward_pb2.WRONG
    assert [result.scores[i].reward for i in (0, 2, 3)] == [1.0, 1.0, 0.0]


async def test_internal_error_is_infra_error_with_nan_reward_counted_and_logged(caplog):
    metrics = Metrics()
    with caplog.at_level(logging.ERROR, logger="reward_server.verifiers.math.verifier"):
        result = await score_with(failing_math_judges.raises_on_fail_box, metrics)
    failed = result.scores[1]
    assert failed.verdict == reward_pb2.INFRA_ERROR and math.isnan(failed.reward)
    assert re.fullmatch(
        r"internal error: KeyError: 'forced for the test' "
        r"\(at failing_math_judges\.py:\d+ in raises_on_fail_box\)",
        failed.detail,
    )
    check_others_judged(result)
    assert result.infra_errors == 1 and result.reward_mean == pytest.approx(2 / 3)
    assert sample(metrics, "reward_math_unjudged_total", reason="error") == 1
    assert sample(metrics, "reward_math_unjudged_total", reason="crash") == 0
    assert any(failed.detail in r.getMessage() for r in caplog.records)


async def test_worker_crash_is_infra_error(caplog):
    metrics = Metrics()
    with caplog.at_level(logging.ERROR, logger="reward_server.verifiers.math.verifier"):
        result = await score_with(failing_math_judges.dies_on_fail_box, metrics)
    failed = result.scores[1]
    assert failed.verdict == reward_pb2.INFRA_ERROR and math.isnan(failed.reward)
    assert failed.detail == "verifier crashed on answer"
    check_others_judged(result)
    assert sample(metrics, "reward_math_unjudged_total", reason="crash") == 1
    # Retried once on a fresh worker (a worker may die for reasons of its own), then given up.
    assert sample(metrics, "reward_worker_restarts_total", reason="crash") == 2
    assert any("verifier crashed on answer" in r.getMessage() for r in caplog.records)


async def test_timeout_stays_wrong():
    metrics = Metrics()
    result = await score_with(failing_math_judges.hangs_on_fail_box, metrics, timeout_s=3.0)
    timed_out = result.scores[1]
    assert timed_out.verdict == reward_pb2.WRONG and timed_out.detail == "timeout"
    assert timed_out.reward == 0.0 and result.infra_errors == 0
    check_others_judged(result)
    assert sample(metrics, "reward_math_unjudged_total", reason="error") == 0
    assert sample(metrics, "reward_worker_restarts_total", reason="timeout") == 1


def cache_metrics(server) -> dict[str, float]:
    url = f"http://127.0.0.1:{server.metrics_port}/metrics"
    text = urllib.request.urlopen(url).read().decode()
    found = re.findall(r'^reward_math_verdict_cache_total\{result="(\w+)"\} (\S+)$', text, re.M)
    return {result: float(value) for result, value in found}


def repeated_group(group_id: str) -> reward_pb2.Group:
    """16 completions, reasoning different in each, three distinct final answers."""
    answers = [r"\frac{3+\sqrt{5}}{2}", r"\dfrac{3 + \sqrt{5}}{2}", r"\frac{3-\sqrt{5}}{2}", "2"]
    completions = [
        f"<think>attempt {i}: {i} * {i} = {i * i}</think> So $\\boxed{{{answers[i % 4]}}}$."
        for i in range(16)
    ]
    return math_group(r"\frac{3+\sqrt{5}}{2}", completions, group_id=group_id)


@pytest.mark.parametrize("cache", [4096, 0])
async def test_verdict_cache_metrics_through_a_real_server(fresh_server, cache):
    server = fresh_server("--metrics-port", "0", "--math-verdict-cache", str(cache))
    async with AsyncRewardClient(server.address, timeout=60) as client:
        await client.wait_ready()
        results = [await client.score([repeated_group(f"epoch-{i}")]) for i in range(2)]
    for [result] in results:
        verdicts = [s.verdict for s in result.scores]
        assert verdicts == [reward_pb2.CORRECT, reward_pb2.CORRECT, reward_pb2.WRONG,
                            reward_pb2.WRONG] * 4  # fmt: skip
    # Per group: 3 different answers once ("\dfrac{3 + ..." is "\frac{3+..."), 13 shared.
    # The second group is on the worker that judged the first, or on the other one.
    counts = cache_metrics(server)
    assert counts.get("shared") == 26
    if cache:
        assert counts.get("miss", 0) + counts.get("hit", 0) == 6 and counts.get("miss") in (3, 6)
    else:
        assert counts.get("miss") == 6 and not counts.get("hit")
