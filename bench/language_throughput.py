"""Per-language sandbox throughput: `python bench/sandbox_throughput.py --language L`.

A small program of language L reading two numbers on stdin and printing their sum
(tests/server/language_programs/L/right.*) is judged through a real reward server
(`--code --sandbox-languages L`, started here unless --target names one) and, in the same
run, executed by a fresh hardened `docker run --rm` per program (same image, user, limits
and network isolation). Printed:

- programs/s through the server: --programs completions of one io test each, in groups
  of 8, all submitted at once (end to end: extraction, compile if any, run, compare);
- for compiled languages, runs/s through the server with --compile-samples completions
  of 1 + --extra-cases io tests each (compile amortized), run-only runs/s (those minus
  the same completions with one test: the extra runs' time alone); and compile time p50
  (a sequential completion's latency minus its run's wall time, from report_tests);
- docker run --rm per program: --docker-runs containers (for a compiled language the
  program is compiled once beforehand and each container only runs it);
- the ratios over docker's rate: of programs/s, and for languages with a compile step
  (JavaScript's is `node --check`) of run-only runs/s.
"""

from __future__ import annotations

import shlex
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from docker_reference import run_hardened  # noqa: E402

from reward_server.api import reward_pb2  # noqa: E402
from reward_server.client import RewardClient, code_group  # noqa: E402
from reward_server.verifiers.code.config import DEFAULT_SANDBOXES_DIR, SandboxConfig  # noqa: E402
from reward_server.verifiers.code.runtimes import Runtime, expand, load_runtimes  # noqa: E402

PROGRAMS = REPO / "tests" / "server" / "language_programs"
GROUP = 8
TIME_LIMIT_S = 5.0
MEMORY_MB = 256


def source(language: str) -> str:
    return next((PROGRAMS / language).glob("right.*")).read_text()


def completions(rt: Runtime, n: int, offset: int = 0) -> list[str]:
    code = source(rt.name)
    tag = rt.fence_tags[0]
    return [f"<think>sample {offset + i}</think>\n```{tag}\n{code}\n```" for i in range(n)]


def cases(n: int) -> list[tuple[str, str]]:
    return [(f"{i} {i * 7 + 1}", str(i * 8 + 1)) for i in range(n)]


def score_all(client: RewardClient, rt: Runtime, texts: list[str], n_cases: int) -> float:
    """Scores `texts` as groups of GROUP, all at once; seconds taken. Every one must be
    CORRECT (a benchmark of failures would measure the wrong thing)."""
    groups = [
        code_group(
            rt.name,
            texts[i : i + GROUP],
            io_cases=cases(n_cases),
            time_limit_s=TIME_LIMIT_S,
            memory_mb=MEMORY_MB,
            group_id=f"g{i}",
        )
        for i in range(0, len(texts), GROUP)
    ]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(max_workers=16) as ex:
        results = list(ex.map(lambda g: client.score([g])[0], groups))
    elapsed = time.perf_counter() - t0
    bad = [s for r in results for s in r.scores if s.verdict != reward_pb2.CORRECT]
    if bad or any(r.HasField("error") for r in results):
        raise RuntimeError(f"{len(bad)} programs were not CORRECT: {bad[:1]} {results[0].error}")
    return elapsed


def compile_p50(client: RewardClient, rt: Runtime, n: int) -> float:
    """Sequential completions of one test: latency minus the run's own wall time."""
    spent = []
    for text in completions(rt, n, offset=10_000):
        group = code_group(
            rt.name, [text], io_cases=cases(1), time_limit_s=TIME_LIMIT_S, report_tests=True
        )
        t0 = time.perf_counter()
        (result,) = client.score([group])
        latency = time.perf_counter() - t0
        score = result.scores[0]
        assert score.verdict == reward_pb2.CORRECT, score
        spent.append(latency - sum(t.time_s for t in score.tests))
    return statistics.median(spent)


def docker_env(rt: Runtime) -> dict[str, str]:
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": "/work",
        "TMPDIR": "/tmp",
        "LANG": "C.UTF-8",
        **rt.env,
        "SANDBOX_MEMORY_MB": str(MEMORY_MB),
        "SANDBOX_HEAP_MB": str(MEMORY_MB * rt.heap_percent // 100),
        "SANDBOX_TIME_LIMIT_S": f"{TIME_LIMIT_S:g}",
    }


def docker_runs(rt: Runtime, image: str, runs: int, workers: int) -> float:
    """runs/s of a fresh hardened container per program (compiled once beforehand)."""
    import docker

    config = SandboxConfig()
    client = docker.from_env()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        work.chmod(0o777)  # the sandbox uid writes build outputs here
        (work / rt.source_file).write_text(source(rt.name))
        (work / "input.txt").write_text("20 22\n")

        def container(argv: list[str]) -> bytes:
            return run_hardened(
                client,
                image,
                ["sh", "-c", f"exec {shlex.join(argv)} < /work/input.txt"],
                config=config,
                memory_mb=MEMORY_MB * 2 + 256,
                volumes={str(work): {"bind": "/work", "mode": "rw"}},
                working_dir="/work",
                environment=docker_env(rt),
            )

        if rt.compile:
            container(expand(rt.compile, 1024, rt.heap_percent, 30.0))
        run_argv = expand(rt.run, MEMORY_MB, rt.heap_percent, TIME_LIMIT_S)
        assert container(run_argv).strip() == b"42", "the reference program gave a wrong sum"
        t0 = time.perf_counter()
        with ThreadPoolExecutor(max_workers=workers) as ex:
            outputs = list(ex.map(lambda _i: container(run_argv), range(runs)))
        elapsed = time.perf_counter() - t0
    wrong = {o[:200] for o in outputs if o.strip() != b"42"}
    if wrong:
        raise RuntimeError(f"{len(wrong)} distinct wrong docker run outputs: {sorted(wrong)[:3]}")
    return runs / elapsed


def run(args) -> int:
    from reward_server.launch import launch_server

    rt = load_runtimes(DEFAULT_SANDBOXES_DIR, (args.language,))[args.language]
    server = None
    image = ""
    if args.target:
        address = args.target
    else:
        flags = ["--code", "--sandbox-languages", rt.name]
        flags += ["--sandbox-pool-size", str(args.pool_size)]
        server = launch_server(*flags, timeout=1800)
        address = server.address
    try:
        client = RewardClient(address, timeout=3600)
        client.wait_ready(60)
        # The image the server runs (the tag of the tree it started from).
        image = next(li.image for li in client.info().language_info if li.name == rt.name)
        score_all(client, rt, completions(rt, 2 * args.pool_size), 1)  # warm up
        t_programs = score_all(client, rt, completions(rt, args.programs), 1)
        run_rate = compile_s = None
        if rt.compile:
            k = args.compile_samples
            texts = completions(rt, k, offset=20_000)
            t_one = score_all(client, rt, texts, 1)
            t_many = score_all(client, rt, texts, 1 + args.extra_cases)
            many_rate = k * (1 + args.extra_cases) / t_many
            run_rate = k * args.extra_cases / (t_many - t_one) if t_many > t_one else None
            compile_s = compile_p50(client, rt, k)
    finally:
        if server is not None:
            server.stop()
    programs_rate = args.programs / t_programs
    print(f"\nlanguage {rt.name} ({rt.version}), {args.pool_size} warm containers")
    print(f"  server, end to end      : {args.programs} programs in {t_programs:.1f}s = "
          f"{programs_rate:.1f} programs/s")  # fmt: skip
    if rt.compile:
        n_many = k * (1 + args.extra_cases)
        each = f"{1 + args.extra_cases:3d} tests each"
        print(f"  server, {each}  : {n_many} runs = {many_rate:.1f} runs/s")
        only = f"{run_rate:.1f} runs/s" if run_rate else "not measurable (noise)"
        print(f"  server, run time only   : {k * args.extra_cases} extra runs = {only}")
        print(f"  compile time p50        : {compile_s * 1000:.0f} ms")
    sys.stdout.flush()
    docker_rate = docker_runs(rt, image, args.docker_runs, args.pool_size)
    print(f"  docker run --rm each    : {args.docker_runs} runs = {docker_rate:.2f} runs/s")
    print(f"  ratio, end to end       : {programs_rate / docker_rate:.1f}x docker run --rm")
    if rt.compile:
        ratio = many_rate / docker_rate
        print(f"  ratio, {each}   : {ratio:.1f}x docker run --rm")
        if run_rate:
            print(f"  ratio, run time only    : {run_rate / docker_rate:.1f}x docker run --rm")
    return 0
