"""Load test: reward-server replicas under a steady stream of mixed math and code groups.

    python bench/load.py                         # 2 replicas on loopback, 60 s
    python bench/load.py --replicas 3 --kill-one # SIGKILL one replica half-way through
    python bench/load.py --targets 10.0.0.5:50051,10.0.0.6:50051

Keeps --in-flight completions (default 256) in flight for --duration-s, spread over
several ScoreStreams (each stream is one RPC and lands on one replica; the client balances
streams round-robin over the replicas and re-sends a broken stream's unanswered groups to
another). Math groups come from the bundled GSM8K sample, each completion with the verdict
it must get; code groups are HumanEval problems whose completions are the canonical
solution (known correct) or broken variants (a wrong body, a syntax error, no code).

Prints throughput, group latency p50/p99, verdicts and errors by class, then one JSON line:
lost (groups sent and never answered), duplicates, infra_error_rate, gold_correct_rate
(known-correct completions judged CORRECT), false_positive (known-wrong judged CORRECT)
and leaked_containers (sandbox containers of the started replicas left after they stop).
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import random
import signal
import statistics
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from reward_server.api import reward_pb2  # noqa: E402
from reward_server.client import AsyncRewardClient, RetryPolicy, code_group, math_group  # noqa: E402
from reward_server.launch import ServerHandle, ServerStartError, launch_server  # noqa: E402
from reward_server.samples import load_problems, sample_group  # noqa: E402

V = reward_pb2.Verdict
HUMANEVAL = [
    REPO / "tests" / "fixtures" / "HumanEval.jsonl.gz",
    REPO.parent / "shared" / "data" / "humaneval" / "HumanEval.jsonl.gz",
]
NOT_CORRECT = "not CORRECT"  # expectation of a broken variant: any verdict but CORRECT


# ---- workload ------------------------------------------------------------------------


@dataclass
class Item:
    group: reward_pb2.Group
    kind: str  # "math" or "code"
    expected: list  # per completion: a Verdict, or NOT_CORRECT


def code_completions(problem: dict, size: int, rng: random.Random) -> tuple[list[str], list]:
    """Mostly canonical solutions (known correct), plus broken variants."""
    good = problem["prompt"] + problem["canonical_solution"]
    variants = [
        (good, V.CORRECT),
        (good, V.CORRECT),
        (good, V.CORRECT),
        (problem["prompt"] + "    return None\n", NOT_CORRECT),
        (problem["prompt"] + "    return (\n", V.COMPILE_ERROR),
        (None, V.NO_ANSWER),
    ]
    texts, expected = [], []
    for i in range(size):
        code, verdict = rng.choice(variants)
        if code is None:
            texts.append(f"<think>sample {i}</think>\nI could not write it.")
        else:
            texts.append(f"<think>sample {i}</think>\n```python\n{code}\n```")
        expected.append(verdict)
    return texts, expected


def workload(size: int, code_fraction: float, seed: int) -> Iterator[Item]:
    """An endless mix of math and code groups with known verdicts."""
    rng = random.Random(seed)
    problems = load_problems()
    path = next((p for p in HUMANEVAL if p.exists()), None)
    if path is None:
        raise SystemExit(f"HumanEval data not found at {[str(p) for p in HUMANEVAL]}")
    with gzip.open(path, "rt") as f:
        humaneval = [json.loads(line) for line in f]
    for n in range(10**12):
        gid = f"g{n}"
        if rng.random() < code_fraction:
            problem = rng.choice(humaneval)
            texts, expected = code_completions(problem, size, rng)
            group = code_group(
                "python",
                texts,
                asserts=(problem["entry_point"], problem["test"]),
                group_id=gid,
            )
            yield Item(group, "code", expected)
        else:
            problem = rng.choice(problems)
            samples = sample_group(problem, size, rng)
            group = math_group(problem.solution, [s.completion for s in samples], group_id=gid)
            yield Item(group, "math", [s.expected for s in samples])


# ---- replicas ------------------------------------------------------------------------


@dataclass
class Replica:
    server: ServerHandle

    @property
    def process(self) -> subprocess.Popen:
        return self.server.process

    @property
    def address(self) -> str:
        return self.server.address

    def groups_scored(self) -> float:
        try:
            url = f"http://127.0.0.1:{self.server.metrics_port}/metrics"
            with urllib.request.urlopen(url, timeout=5) as response:
                text = response.read().decode()
        except OSError:
            return float("nan")  # a killed replica
        return sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith("reward_groups_total{")
        )


def start_replica(args: argparse.Namespace) -> Replica:
    flags = [
        "--metrics-port", "0", "--no-log-json", "--log-level", "WARNING", "--code",
        "--sandbox-languages", "python",
        "--sandbox-pool-size", str(args.pool_size),
        "--sandbox-reap-interval-s", str(args.reap_interval_s),
    ]  # fmt: skip
    if args.math_workers:
        flags += ["--math-workers", str(args.math_workers)]
    try:  # with --code a server may first build missing sandbox images
        return Replica(launch_server(*flags, cwd=REPO, timeout=900, echo=sys.stderr))
    except ServerStartError as err:
        raise SystemExit(f"a replica did not start: {err}") from None


def containers_of(pids: list[int]) -> list:
    import docker

    from reward_server.verifiers.code.owners import list_managed

    client = docker.from_env()
    return [c for pid in pids for c in list_managed(client, pid=pid)]


# ---- the run -------------------------------------------------------------------------


@dataclass
class Tally:
    sent: dict[str, tuple[float, Item]] = field(default_factory=dict)
    answered: set[str] = field(default_factory=set)
    duplicates: int = 0
    latencies: list[float] = field(default_factory=list)
    by_kind: dict[str, list[float]] = field(default_factory=dict)  # latencies per kind
    verdicts: Counter = field(default_factory=Counter)  # (kind, verdict name)
    mismatches: Counter = field(default_factory=Counter)  # (kind, expected, got)
    gold: int = 0
    gold_correct: int = 0
    false_positive: int = 0
    completions: int = 0
    infra: int = 0
    stream_errors: Counter = field(default_factory=Counter)

    def record(self, result: reward_pb2.GroupResult) -> None:
        if result.group_id in self.answered:
            self.duplicates += 1
            return
        self.answered.add(result.group_id)
        started, item = self.sent[result.group_id]
        latency = time.perf_counter() - started
        self.latencies.append(latency)
        self.by_kind.setdefault(item.kind, []).append(latency)
        for score, want in zip(result.scores, item.expected, strict=True):
            got = score.verdict
            self.completions += 1
            self.infra += got == V.INFRA_ERROR
            self.verdicts[(item.kind, V.Name(got))] += 1
            if want == V.CORRECT:
                self.gold += 1
                self.gold_correct += got == V.CORRECT
            if want == NOT_CORRECT:
                self.false_positive += got == V.CORRECT
                ok = got not in (V.CORRECT, V.INFRA_ERROR)
            else:
                ok = got == want
            if not ok:
                name = want if want == NOT_CORRECT else V.Name(want)
                self.mismatches[(item.kind, name, V.Name(got))] += 1


async def run(args: argparse.Namespace, targets: str, kill) -> tuple[Tally, float]:
    tally = Tally()
    items = workload(args.group_size, args.code_fraction, args.seed)
    window = asyncio.Semaphore(max(1, args.in_flight // args.group_size))  # in groups
    deadline = time.perf_counter() + args.duration_s

    async def feed() -> AsyncIterator[reward_pb2.Group]:
        while True:
            await window.acquire()
            if time.perf_counter() >= deadline:
                window.release()
                return
            item = next(items)
            tally.sent[item.group.group_id] = (time.perf_counter(), item)
            yield item.group

    async def stream(client: AsyncRewardClient) -> None:
        try:
            async for result in client.score_stream(feed()):
                tally.record(result)
                window.release()
        except Exception as exc:  # counted, never hidden: its groups show up as lost
            code = getattr(exc, "code", lambda: None)()
            tally.stream_errors[str(code.name if code else type(exc).__name__)] += 1

    retry = RetryPolicy(attempts=30, max_backoff_s=1.0)
    async with AsyncRewardClient(targets, timeout=600, retry=retry) as client:
        await client.wait_ready(60)
        started = time.perf_counter()
        killer = asyncio.create_task(kill_later(args, kill)) if kill else None
        await asyncio.gather(*(stream(client) for _ in range(args.streams)))
        elapsed = time.perf_counter() - started
        if killer is not None:
            killer.cancel()
    return tally, elapsed


async def kill_later(args: argparse.Namespace, kill) -> None:
    await asyncio.sleep(args.duration_s / 2)
    kill()


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--replicas", type=int, default=2, help="servers started on loopback")
    parser.add_argument("--targets", help="comma-separated ip:port of running servers instead")
    parser.add_argument("--kill-one", action="store_true", help="SIGKILL a replica half-way")
    parser.add_argument("--duration-s", type=float, default=60.0, help="how long groups are fed")
    parser.add_argument("--in-flight", type=int, default=256, help="completions in flight")
    parser.add_argument("--group-size", type=int, default=8)
    parser.add_argument("--code-fraction", type=float, default=0.5)
    parser.add_argument("--streams", type=int, default=0, help="0 = 4 per replica")
    parser.add_argument("--pool-size", type=int, default=2, help="sandboxes per replica")
    parser.add_argument("--math-workers", type=int, default=1, help="per replica")
    parser.add_argument("--reap-interval-s", type=float, default=5.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.kill_one and args.targets:
        parser.error("--kill-one needs replicas this command starts (not --targets)")
    if args.kill_one and args.replicas < 2:
        parser.error("--kill-one needs --replicas 2 or more, or nothing is left to fail over to")
    if not 0 <= args.code_fraction <= 1 or args.group_size < 1 or args.duration_s <= 0:
        parser.error("need 0 <= --code-fraction <= 1, --group-size >= 1, --duration-s > 0")

    replicas: list[Replica] = []
    killed: list[Replica] = []
    try:
        if args.targets:
            targets = args.targets
            n_servers = len(targets.split(","))
        else:
            t0 = time.perf_counter()
            replicas = [start_replica(args) for _ in range(args.replicas)]
            targets = ",".join(r.address for r in replicas)
            n_servers = len(replicas)
            print(f"{n_servers} replicas up in {time.perf_counter() - t0:.1f}s: {targets}")
        args.streams = args.streams or 4 * n_servers

        def kill() -> None:
            victim = max(replicas, key=Replica.groups_scored)
            victim.process.send_signal(signal.SIGKILL)
            victim.process.wait()
            killed.append(victim)
            print(f"killed the replica at {victim.address} (pid {victim.process.pid})")

        tally, elapsed = asyncio.run(run(args, targets, kill if args.kill_one else None))
        per_replica = [r.groups_scored() for r in replicas]
        leaked = None
        if replicas:
            leaked = shut_down(replicas, killed, args.reap_interval_s)
    finally:
        for r in replicas:
            if r.process.poll() is None:
                r.process.kill()
                r.process.wait()
    report(args, tally, elapsed, per_replica, leaked)
    return 0


def shut_down(replicas: list[Replica], killed: list[Replica], reap_interval_s: float) -> int:
    """Stops the replicas as an operator would (SIGTERM) and counts what they left."""
    pids = [r.process.pid for r in replicas]
    if killed:  # a live replica sweeps the dead one's containers within a reap interval
        dead = [r.process.pid for r in killed]
        deadline = time.monotonic() + 3 * reap_interval_s + 10
        while containers_of(dead) and time.monotonic() < deadline:
            time.sleep(0.5)
    for r in replicas:
        if r.process.poll() is None:
            r.process.send_signal(signal.SIGTERM)
    for r in replicas:
        r.process.wait(120)
    return len(containers_of(pids))


def report(args, tally: Tally, elapsed: float, per_replica: list[float], leaked) -> None:
    lost = len(set(tally.sent) - tally.answered)
    rate = tally.completions / elapsed if elapsed else 0.0
    print(
        f"{len(tally.answered)} groups, {tally.completions} completions in {elapsed:.1f}s: "
        f"{rate:.1f} completions/s, {len(tally.answered) / elapsed:.2f} groups/s "
        f"({args.in_flight} completions in flight, {args.streams} streams)"
    )
    if tally.latencies:
        print(
            f"group latency p50 {pct(tally.latencies, 0.5) * 1000:.0f} ms, p99 "
            f"{pct(tally.latencies, 0.99) * 1000:.0f} ms, max {max(tally.latencies) * 1000:.0f}"
            f" ms, mean {statistics.mean(tally.latencies) * 1000:.0f} ms"
        )
    for kind, values in sorted(tally.by_kind.items()):
        print(
            f"  {kind} groups: {len(values)}, p50 {pct(values, 0.5) * 1000:.0f} ms, "
            f"p99 {pct(values, 0.99) * 1000:.0f} ms"
        )
    if per_replica:
        print("groups scored per replica: " + ", ".join(f"{x:.0f}" for x in per_replica))
    print("verdicts: " + ", ".join(f"{k}/{v}={n}" for (k, v), n in sorted(tally.verdicts.items())))
    print(
        "errors by class: "
        + (", ".join(f"{k}={n}" for k, n in sorted(tally.stream_errors.items())) or "none")
        + f"; lost={lost} duplicates={tally.duplicates} infra_error={tally.infra}"
    )
    if tally.mismatches:
        print(
            "unexpected verdicts: "
            + ", ".join(
                f"{k} expected {e} got {g}: {n}" for (k, e, g), n in tally.mismatches.items()
            )
        )
    summary = {
        "replicas": len(per_replica) or None,
        "killed_one": args.kill_one,
        "duration_s": round(elapsed, 2),
        "groups": len(tally.answered),
        "completions": tally.completions,
        "completions_per_s": round(rate, 2),
        "latency_p50_ms": round(pct(tally.latencies, 0.5) * 1000, 1),
        "latency_p99_ms": round(pct(tally.latencies, 0.99) * 1000, 1),
        "lost": lost,
        "duplicates": tally.duplicates,
        "stream_errors": sum(tally.stream_errors.values()),
        "infra_error_rate": round(tally.infra / max(1, tally.completions), 6),
        "gold_correct_rate": round(tally.gold_correct / max(1, tally.gold), 6),
        "gold_completions": tally.gold,
        "false_positive": tally.false_positive,
        "unexpected_verdicts": sum(tally.mismatches.values()),
        "leaked_containers": leaked,
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    sys.exit(main())
