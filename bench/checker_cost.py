"""What a checker costs: one io group judged by exact comparison, by a Python checker and
by a C++ checker, through a real server.

    python bench/checker_cost.py                       # starts a server with --code
    python bench/checker_cost.py --target localhost:50051
    python bench/checker_cost.py --completions 16 --tests 10 --rounds 3

Each group is --completions copies of a right Python program over --tests io cases (sum
of a line of numbers), so every test runs; the first round of a checker includes its
container start and compile, later rounds reuse it (the cache). Prints each round's
wall time and the time per check beyond exact comparison.
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import time
from collections.abc import Iterator

from reward_server.api import reward_pb2
from reward_server.client import RewardClient, code_group
from reward_server.launch import launch_server

PROGRAM = "```python\nprint(sum(map(int, input().split())))\n```"
PY_CHECKER = """import sys
got = open(sys.argv[2]).read().split()
want = open(sys.argv[3]).read().split()
sys.exit(0 if got == want else 1)
"""
CPP_CHECKER = r"""
#include <fstream>
#include <string>
int main(int argc, char** argv) {
    std::ifstream out(argv[2]), ans(argv[3]);
    std::string a, b;
    while (ans >> b) {
        if (!(out >> a) || a != b) return 1;
    }
    return out >> a ? 1 : 0;
}
"""


@contextlib.contextmanager
def server(target: str | None) -> Iterator[str]:
    if target:
        yield target
        return
    handle = launch_server("--no-log-json", "--code", "--sandbox-pool-size", "2", timeout=900)
    try:
        yield handle.address
    finally:
        handle.stop()


def group(n_completions: int, n_tests: int, checker: tuple[str, str] | None, gid: str):
    cases = [(" ".join(map(str, range(k))) + "\n", f"{sum(range(k))}\n") for k in range(n_tests)]
    return code_group(
        "python", [PROGRAM] * n_completions, io_cases=cases, checker=checker, group_id=gid
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--target", help="a running server (default: start one)")
    parser.add_argument("--completions", type=int, default=16)
    parser.add_argument("--tests", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    checkers = {"exact": None, "python": ("python", PY_CHECKER), "cpp": ("cpp", CPP_CHECKER)}
    checks = args.completions * args.tests
    with server(args.target) as address, RewardClient(address) as client:
        walls: dict[str, list[float]] = {}
        for name, checker in checkers.items():
            walls[name] = []
            for r in range(args.rounds):
                g = group(args.completions, args.tests, checker, f"{name}-{r}")
                started = time.perf_counter()
                [result] = client.score([g], timeout=900)
                walls[name].append(time.perf_counter() - started)
                verdicts = {reward_pb2.Verdict.Name(s.verdict) for s in result.scores}
                assert verdicts == {"CORRECT"}, (name, verdicts, result.error.message)
            print(f"{name:>6}: " + "  ".join(f"{w:.2f}s" for w in walls[name]))
        base = statistics.median(walls["exact"][1:] or walls["exact"])
        for name in ("python", "cpp"):
            warm = statistics.median(walls[name][1:] or walls[name])
            extra = (warm - base) / checks * 1000
            print(
                f"{name} checker: {extra:.1f} ms per check beyond exact comparison "
                f"({checks} checks a group; first round {walls[name][0]:.2f}s)"
            )


if __name__ == "__main__":
    main()
