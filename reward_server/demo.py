"""`reward-server demo`: start a server, stream sample GSM8K-style groups through it, and
print verdicts, agreement with the expected verdicts, and throughput."""

from __future__ import annotations

import collections
import time

from reward_server.api import reward_pb2
from reward_server.client.aio import AsyncRewardClient
from reward_server.client.groups import math_group, reward_spec
from reward_server.config import ServerConfig
from reward_server.samples import load_problems, sample_groups


async def run_demo(groups: int, group_size: int, server: str | None) -> int:
    running = None
    if server is None:
        from reward_server.server import create_server

        running = await create_server(ServerConfig(port=0, log_json=False))
        server = f"127.0.0.1:{running.port}"
        print(
            f"started a reward server on {server} ({running.service.verifiers.math.size} "
            "math workers)"
        )
    try:
        return await _score_samples(server, groups, group_size)
    finally:
        if running is not None:
            await running.stop(grace=5)


async def _score_samples(target: str, groups: int, group_size: int) -> int:
    problems = load_problems()
    expected: dict[str, list] = {}
    requests = []
    for i, (problem, samples) in enumerate(sample_groups(problems, groups, group_size)):
        group_id = f"gsm8k-{i}"
        expected[group_id] = samples
        requests.append(
            math_group(
                problem.solution,
                [s.completion for s in samples],
                group_id=group_id,
                reward=reward_spec(format_weight=0.1),
            )
        )
    verdicts: collections.Counter[str] = collections.Counter()
    agree = 0
    total = 0
    latencies = []
    started = time.perf_counter()
    async with AsyncRewardClient(target) as client:
        await client.wait_ready()
        async for result in client.score_stream(requests):
            latencies.append(time.perf_counter() - started)
            for sample, score in zip(expected[result.group_id], result.scores, strict=True):
                verdict = reward_pb2.Verdict.Name(score.verdict)
                verdicts[verdict] += 1
                total += 1
                agree += verdict == sample.expected.name
            if len(latencies) <= 3:
                first = result.scores[0]
                print(
                    f"  {result.group_id}: mean reward {result.reward_mean:.2f} "
                    f"(std {result.reward_std:.2f}); first completion "
                    f"{reward_pb2.Verdict.Name(first.verdict)} "
                    f"answer={first.extracted_answer!r} {first.detail}"
                )
    elapsed = time.perf_counter() - started
    print(
        f"scored {groups} groups x {group_size} = {total} completions in {elapsed:.2f}s "
        f"({total / elapsed:.0f} completions/s)"
    )
    print("verdicts: " + ", ".join(f"{k} {v}" for k, v in verdicts.most_common()))
    print(f"agreement with the expected verdicts: {agree}/{total} ({agree / total:.1%})")
    return 0 if agree == total else 1
