"""Sandbox throughput: HumanEval canonical solutions through the code verifier.

    python bench/sandbox_throughput.py                 # verifier in-process
    python bench/sandbox_throughput.py --target localhost:50051   # through the gRPC server
    python bench/sandbox_throughput.py --runtime runc,runsc       # runc and gVisor, one run
    python bench/sandbox_throughput.py --language javascript     # one language's programs

Runs 164 problems x --samples (default 16 = 2,624 programs) as GRPO-style groups, all
submitted at once, and in the same run two references on the same programs:
  (a) a fresh `docker run --rm` per program (same image, hardening and limits, via the
      Docker SDK) on a --docker-run-subset of programs; its rate is extrapolated;
  (b) a plain unsandboxed `python3` subprocess per program (the floor), all programs,
      with the same concurrency as the pool.
Then it prints programs/s, the ratios, and the per-execution latency of the warm pool
(sequential, end to end, of a trivial program: an upper bound of the sandbox overhead).
With several --runtime values the warm pool runs once per runtime (the references once,
under runc); --json adds a last line with every row as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import json
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from reward_server.api import reward_pb2  # noqa: E402
from reward_server.outcome import Verdict  # noqa: E402

DATA = [
    REPO / "tests" / "fixtures" / "HumanEval.jsonl.gz",
    REPO.parent / "shared" / "data" / "humaneval" / "HumanEval.jsonl.gz",
]


def load_problems() -> list[dict]:
    path = next(p for p in DATA if p.exists())
    with gzip.open(path, "rt") as f:
        return [json.loads(line) for line in f]


def completion(problem: dict, sample: int) -> str:
    code = problem["prompt"] + problem["canonical_solution"]
    return f"<think>sample {sample}</think>\n```python\n{code}\n```"


def standalone(problem: dict) -> str:
    """The whole program with its tests, as an unsandboxed harness would run it."""
    return (
        problem["prompt"]
        + problem["canonical_solution"]
        + "\n"
        + problem["test"]
        + f"\ncheck({problem['entry_point']})\n"
    )


def task_of(problem: dict) -> reward_pb2.CodeTask:
    return reward_pb2.CodeTask(
        language="python",
        asserts=reward_pb2.AssertTests(
            entry_point=problem["entry_point"], test_code=problem["test"]
        ),
    )


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


async def run_verifier(args, problems: list[dict], runtime: str) -> tuple[float, int, int]:
    from reward_server.verifiers.code.config import SandboxConfig
    from reward_server.verifiers.code.verifier import CodeVerifier

    verifier = await CodeVerifier.start(
        SandboxConfig(pool_size=args.pool_size, languages=("python",), runtime=runtime)
    )
    try:
        groups = [(task_of(p), [completion(p, s) for s in range(args.samples)]) for p in problems]
        t0 = time.perf_counter()
        results = await asyncio.gather(*(verifier.score(t, c) for t, c in groups))
        elapsed = time.perf_counter() - t0
        outcomes = [o for group in results for o in group]
        correct = sum(o.verdict == Verdict.CORRECT for o in outcomes)
        overhead = await pool_overhead(verifier, args.overhead_runs) if args.overhead_runs else None
    finally:
        await verifier.close()
    return elapsed, correct, len(outcomes), overhead


async def pool_overhead(verifier, runs: int) -> dict:
    """Sequential end-to-end latency of one execution of `print(1)` through the pool.

    It includes starting the program (forked from the warm interpreter), so it bounds the
    sandbox's own overhead from above; a bare `python3 -c 'print(1)'` is shown next to it.
    """
    task = reward_pb2.CodeTask(
        language="python",
        io=reward_pb2.IoTests(cases=[reward_pb2.IoCase(stdin="", expected_stdout="1")]),
    )
    sandboxed = []
    for _ in range(runs):
        t0 = time.perf_counter()
        out = await verifier.score(task, ["```python\nprint(1)\n```"])
        sandboxed.append(time.perf_counter() - t0)
        assert out[0].verdict == Verdict.CORRECT, out
    bare = []
    for _ in range(min(runs, 100)):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-I", "-c", "print(1)"], capture_output=True, check=True)
        bare.append(time.perf_counter() - t0)
    return {
        "p50": pct(sandboxed, 0.5),
        "p99": pct(sandboxed, 0.99),
        "bare_p50": statistics.median(bare),
    }


def run_grpc(args, problems: list[dict]) -> tuple[float, int, int]:
    import grpc

    from reward_server.api import reward_pb2_grpc

    channel = grpc.insecure_channel(
        args.target,
        options=[
            ("grpc.max_receive_message_length", 64 << 20),
            ("grpc.max_send_message_length", 64 << 20),
        ],
    )
    stub = reward_pb2_grpc.RewardServiceStub(channel)
    groups = [
        reward_pb2.Group(
            group_id=p["task_id"],
            task=reward_pb2.Task(code=task_of(p)),
            completions=[completion(p, s) for s in range(args.samples)],
        )
        for p in problems
    ]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=16) as ex:  # 16 requests in flight, 1 group each
        responses = list(
            ex.map(lambda g: stub.Score(reward_pb2.ScoreRequest(groups=[g]), timeout=3600), groups)
        )
    elapsed = time.perf_counter() - t0
    scores = [s for r in responses for res in r.results for s in res.scores]
    correct = sum(s.verdict == reward_pb2.CORRECT for s in scores)
    return elapsed, correct, len(scores), None


def run_docker_per_program(args, problems: list[dict]) -> tuple[float, int, int]:
    """Reference (a): a new hardened container per program, same limits as the pool."""
    import docker
    from docker_reference import run_hardened

    from reward_server.verifiers.code.config import SandboxConfig
    from reward_server.verifiers.code.images import image_tag
    from reward_server.verifiers.code.runtimes import load_runtimes

    config = SandboxConfig()
    rt = load_runtimes(config.sandboxes_dir, ("python",))["python"]
    image, client = image_tag(rt), docker.from_env()
    subset = [problems[i % len(problems)] for i in range(args.docker_run_subset)]

    def one(problem: dict) -> bool:
        with tempfile.TemporaryDirectory() as tmp:
            Path(tmp).chmod(0o755)  # the sandbox uid must be able to read the program
            Path(tmp, "main.py").write_text(standalone(problem))
            Path(tmp, "main.py").chmod(0o644)
            try:
                run_hardened(
                    client,
                    image,
                    ["python3", "-I", "/src/main.py"],
                    config=config,
                    memory_mb=512,
                    volumes={tmp: {"bind": "/src", "mode": "ro"}},
                )
                return True
            except docker.errors.ContainerError:
                return False

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.pool_size) as ex:
        ok = sum(ex.map(one, subset))
    return time.perf_counter() - t0, ok, len(subset), None


def run_subprocess(args, problems: list[dict]) -> tuple[float, int, int]:
    """Reference (b): each program as a bare python3 subprocess, no sandbox at all."""
    programs = [standalone(p) for p in problems for _ in range(args.samples)]

    def one(code: str) -> bool:
        proc = subprocess.run([sys.executable, "-I", "-c", code], capture_output=True, timeout=60)
        return proc.returncode == 0

    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.pool_size) as ex:
        ok = sum(ex.map(one, programs))
    return time.perf_counter() - t0, ok, len(programs), None


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--target", default=None, help="host:port of a running reward server")
    parser.add_argument("--samples", type=int, default=16, help="completions per problem")
    parser.add_argument("--problems", type=int, default=164)
    parser.add_argument(
        "--pool-size", type=int, default=2, help="warm containers (and reference concurrency)"
    )
    parser.add_argument("--overhead-runs", type=int, default=300, help="0: skip")
    parser.add_argument("--docker-run-subset", type=int, default=64, help="0: skip")
    parser.add_argument(
        "--runtime",
        default="runc",
        help="OCI runtimes of the warm pool, comma-separated: runc, runsc (gVisor) or both",
    )
    parser.add_argument("--json", action="store_true", help="end with the rows as JSON")
    parser.add_argument(
        "--language",
        default=None,
        help="instead of HumanEval: a small stdin program of this sandbox language through "
        "a real server and through docker run --rm per program (bench/language_throughput.py)",
    )
    parser.add_argument("--programs", type=int, default=200, help="with --language")
    parser.add_argument("--docker-runs", type=int, default=200, help="with --language")
    parser.add_argument(
        "--compile-samples", type=int, default=20, help="with --language, compiled ones"
    )
    parser.add_argument("--extra-cases", type=int, default=50, help="with --language")
    args = parser.parse_args()
    if args.language:
        from language_throughput import run as run_language

        return run_language(args)
    problems = load_problems()[: args.problems]

    rows, overheads = [], {}
    if args.target:
        t, ok, n, overheads["server"] = run_grpc(args, problems)
        rows.append((f"reward server {args.target}", t, ok, n))
    else:
        for runtime in args.runtime.split(","):
            t, ok, n, overheads[runtime] = asyncio.run(run_verifier(args, problems, runtime))
            rows.append((f"warm pool ({args.pool_size} containers, {runtime})", t, ok, n))
    if args.docker_run_subset:
        t, ok, n, _ = run_docker_per_program(args, problems)
        rows.append((f"docker run --rm per program ({n}-program subset)", t, ok, n))
    t, ok, n, _ = run_subprocess(args, problems)
    rows.append(("bare subprocess (no sandbox)", t, ok, n))
    report(rows, overheads)
    if args.json:
        print(
            json.dumps(
                [{"name": r[0], "seconds": r[1], "correct": r[2], "programs": r[3]} for r in rows]
            )
        )
    return 0


def report(rows: list[tuple], overheads: dict) -> None:
    """The table, the ratios against the first warm pool, and the per-execution latency."""
    rates = {name: n / t for name, t, _ok, n in rows}
    print(f"\n{'':52s} {'programs':>9s} {'correct':>8s} {'seconds':>8s} {'prog/s':>8s}")
    for name, t, ok, n in rows:
        print(f"{name:52s} {n:9d} {ok:8d} {t:8.1f} {n / t:8.1f}")
    ours, floor = rates[rows[0][0]], rates[rows[-1][0]]
    for name, _t, _ok, _n in rows[1:-1]:
        if name.startswith("warm pool"):
            print(f"{rows[0][0]} vs {name}: {ours / rates[name]:6.2f}x")
        else:
            print(
                f"\nwarm pool vs docker run --rm : {ours / rates[name]:6.1f}x faster "
                "(docker run rate extrapolated from its subset)"
            )
    print(f"bare subprocess vs warm pool : {floor / ours:6.2f}x (1.0 = no sandbox cost)")
    for runtime, overhead in overheads.items():
        if overhead:
            print(
                f"per-execution latency through the warm pool ({runtime}; print(1), "
                f"sequential, end to end, an upper bound of the overhead): "
                f"p50 {overhead['p50'] * 1000:.1f} ms, p99 {overhead['p99'] * 1000:.1f} ms; "
                f"a bare python3 subprocess takes {overhead['bare_p50'] * 1000:.1f} ms"
            )


if __name__ == "__main__":
    sys.exit(main())
