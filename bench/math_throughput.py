"""Math scoring throughput: the reward server vs serial in-process math-verify.

Default workload: groups of 16 R1-style completions (long reasoning, then an answer in one
of several styles; correct, wrong, hedged, left inside the reasoning, cut off) for GSM8K
test problems, with pathological completions mixed in.

--hard: groups of 16 whose gold answers are symbolic (fractions with radicals,
polynomials, interval unions, tuples, matrices, trigonometric constants; see
bench/hard_math_groups.py), reasoning different in every completion, final answers
repeating as in real RL groups. Every group has a gold of its own unless --epochs > 1
(the same problems again, with new completions, as the next epoch samples them).

The same inputs go (a) through a real reward server over gRPC, a bounded number of groups
in flight as a trainer would keep, and (b) through math-verify serially in this process
(gold parsed once per group, every completion parsed). The ratio of the two rates is
printed with the group latencies and the load average of the machine during each run.

    python bench/math_throughput.py [--hard] [--groups 256] [--target HOST:PORT]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench.hard_math_groups import HardProblem, hard_group, hard_problem  # noqa: E402
from reward_server.api import reward_pb2  # noqa: E402
from reward_server.client.aio import AsyncRewardClient  # noqa: E402
from reward_server.client.groups import math_group  # noqa: E402
from reward_server.launch import ServerHandle, launch_server  # noqa: E402
from reward_server.outcome import Verdict  # noqa: E402
from reward_server.samples import (  # noqa: E402
    load_problems,
    pathological_samples,
    sample_group,
    with_long_reasoning,
)

GSM8K_TEST = REPO.parent / "shared" / "data" / "gsm8k" / "test.jsonl"


@dataclass(frozen=True)
class Group:
    gold: str  # as the server receives it
    mv_gold: str  # as math-verify parses it
    completions: list[str]
    expected: list[Verdict]


def gsm8k_workload(args: argparse.Namespace) -> list[Group]:
    path = Path(args.data) if args.data else (GSM8K_TEST if GSM8K_TEST.exists() else None)
    problems = load_problems(path)
    rng = random.Random(args.seed)
    bad = pathological_samples()
    workload = []
    for i in range(args.groups):
        problem = problems[i % len(problems)]
        samples = [
            with_long_reasoning(s, rng, rng.randint(1000, 6000))
            for s in sample_group(problem, args.group_size, rng)
        ]
        if args.pathological_every and i % args.pathological_every == 0:
            samples[0] = bad[(i // args.pathological_every) % len(bad)]
        workload.append(_group(problem.solution, problem.solution, samples))
    return workload


def hard_workload(args: argparse.Namespace) -> list[Group]:
    rng = random.Random(args.seed)
    problems: dict[str, HardProblem] = {}  # by gold: a gold comes back only with --epochs
    while len(problems) < max(1, args.groups // args.epochs):
        problem = hard_problem(rng)
        problems.setdefault(problem.gold, problem)
    workload = []
    distinct = list(problems.values())
    for i in range(args.groups):
        problem = distinct[i % len(distinct)]
        samples = hard_group(problem, args.group_size, rng)
        workload.append(_group(problem.gold, f"${problem.gold}$", samples))
    return workload


def _group(gold: str, mv_gold: str, samples: list) -> Group:
    completions = [s.completion for s in samples]
    return Group(gold, mv_gold, completions, [s.expected for s in samples])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def run_server(target: str, workload, in_flight: int) -> tuple[float, list[float], list]:
    requests = [
        math_group(g.gold, g.completions, group_id=str(i)) for i, g in enumerate(workload)
    ]
    sent_at: dict[str, float] = {}
    latencies: list[float] = []
    verdicts: dict[str, list[int]] = {}
    window = asyncio.Semaphore(in_flight)

    async def feed():
        for group in requests:
            await window.acquire()
            sent_at[group.group_id] = time.perf_counter()
            yield group

    async with AsyncRewardClient(target, timeout=600) as client:
        await client.wait_ready()
        started = time.perf_counter()
        async for result in client.score_stream(feed()):
            latencies.append(time.perf_counter() - sent_at[result.group_id])
            verdicts[result.group_id] = [s.verdict for s in result.scores]
            window.release()
        elapsed = time.perf_counter() - started
    ordered = [verdicts[str(i)] for i in range(len(workload))]
    return elapsed, latencies, ordered


def tree_cpu_seconds(pid: int) -> float:
    """User + system CPU of a process and its live descendants (the server and its
    workers; a worker replaced during the run takes its share with it)."""
    root = psutil.Process(pid)
    total = 0.0
    for process in [root, *root.children(recursive=True)]:
        with contextlib.suppress(psutil.Error):
            times = process.cpu_times()
            total += times.user + times.system
    return total


def run_math_verify(workload) -> tuple[float, list[float], list]:
    import logging

    from math_verify import parse, verify

    logging.getLogger("math_verify").setLevel(logging.CRITICAL)  # it logs every timeout
    latencies: list[float] = []
    correct: list[list[bool]] = []
    started = time.perf_counter()
    for group in workload:
        t0 = time.perf_counter()
        gold = parse(group.mv_gold)
        row = []
        for completion in group.completions:
            try:
                row.append(bool(verify(gold, parse(completion))))
            except Exception:
                row.append(False)
        correct.append(row)
        latencies.append(time.perf_counter() - t0)
    return time.perf_counter() - started, latencies, correct


def start_server(args: argparse.Namespace) -> ServerHandle:
    flags = ["--no-log-json", "--log-level", "WARNING", "--math-timeout-s", str(args.timeout)]
    if args.math_workers:
        flags += ["--math-workers", str(args.math_workers)]
    return launch_server(*flags, cwd=REPO, echo=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--groups", type=int, default=256)
    parser.add_argument("--group-size", type=int, default=16)
    parser.add_argument("--in-flight", type=int, default=32, help="groups in flight at once")
    parser.add_argument(
        "--pathological-every",
        type=int,
        default=16,
        help="replace one completion of every Nth group by a pathological one",
    )
    parser.add_argument("--timeout", type=float, default=3.0, help="server math timeout (s)")
    parser.add_argument("--math-workers", type=int, default=0)
    parser.add_argument("--target", help="an already running server (default: start one)")
    parser.add_argument("--data", help="GSM8K-style JSONL (default: ../shared/data/gsm8k)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--hard", action="store_true", help="symbolic answers (see above)")
    parser.add_argument(
        "--epochs", type=int, default=1, help="--hard: each problem comes back this often"
    )
    args = parser.parse_args()

    workload = hard_workload(args) if args.hard else gsm8k_workload(args)
    n = sum(len(g.completions) for g in workload)
    chars = sum(len(c) for g in workload for c in g.completions)
    kind = (
        f"hard symbolic answers, {len({g.gold for g in workload})} different golds"
        if args.hard
        else f"GSM8K, 1 pathological completion every {args.pathological_every} groups"
    )
    print(f"workload: {len(workload)} groups, {n} completions, mean {chars / n:,.0f} chars, {kind}")

    server = None if args.target else start_server(args)
    target = args.target or server.address
    try:
        load_before = os.getloadavg()[0]
        cpu_before = tree_cpu_seconds(server.pid) if server else math.nan
        elapsed, latencies, verdicts = asyncio.run(run_server(target, workload, args.in_flight))
        server_cpu = (tree_cpu_seconds(server.pid) if server else math.nan) - cpu_before
        server_load = (load_before + os.getloadavg()[0]) / 2
    finally:
        if server is not None:
            server.stop()
    load_before, cpu_before = os.getloadavg()[0], time.process_time()
    mv_elapsed, mv_latencies, mv_correct = run_math_verify(workload)
    mv_cpu = time.process_time() - cpu_before
    mv_load = (load_before + os.getloadavg()[0]) / 2

    expected = [g.expected for g in workload]
    ours_agree = sum(
        v == e
        for vs, es in zip(verdicts, expected, strict=True)
        for v, e in zip(vs, es, strict=True)
    )
    mv_agree = sum(
        (c == (e == reward_pb2.CORRECT))
        for cs, es in zip(mv_correct, expected, strict=True)
        for c, e in zip(cs, es, strict=True)
    )
    server_rate, mv_rate = n / elapsed, n / mv_elapsed
    print(
        f"reward server : {server_rate:8.0f} completions/s  group latency p50 "
        f"{percentile(latencies, 0.5) * 1000:7.1f} ms  p99 "
        f"{percentile(latencies, 0.99) * 1000:7.1f} ms  max {max(latencies) * 1000:7.1f} ms"
        f"  ({args.in_flight} groups in flight; load average ~{server_load:.1f})"
    )
    print(
        f"math-verify   : {mv_rate:8.0f} completions/s  group latency p50 "
        f"{percentile(mv_latencies, 0.5) * 1000:7.1f} ms  p99 "
        f"{percentile(mv_latencies, 0.99) * 1000:7.1f} ms  (serial, one process; load "
        f"average ~{mv_load:.1f})"
    )
    print(
        f"ratio         : {server_rate / mv_rate:8.1f}x  on {os.cpu_count()} cores (the load "
        "averages include this benchmark: 1 for math-verify, about 2 for the server)"
    )
    print(
        f"CPU per completion: server {server_cpu / n * 1000:.1f} ms (all its processes), "
        f"math-verify {mv_cpu / n * 1000:.1f} ms: {mv_cpu / server_cpu:.1f}x less CPU, the "
        "ratio on one free core"
    )
    print(
        f"agreement with expected verdicts: server {ours_agree}/{n} "
        f"({ours_agree / n:.1%}), math-verify correct/incorrect {mv_agree}/{n} ({mv_agree / n:.1%})"
    )
    print(
        f"mean latency {statistics.mean(latencies) * 1000:.1f} ms; "
        f"p99 bounded by the timeout ({args.timeout:g}s): "
        f"{percentile(latencies, 0.99) <= args.timeout}"
    )


if __name__ == "__main__":
    main()
