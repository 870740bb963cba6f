"""The same judging under gVisor (runtime runsc, ptrace platform, its own --network=none),
and a throughput smoke run of bench/sandbox_throughput.py under runc and runsc.

Skipped when dockerd has no runsc; under CI=true that fails instead (conftest)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reward_server.api import reward_pb2
from reward_server.outcome import Verdict

from .conftest import fenced, load_humaneval, py_task_io, require_runsc, start_verifier

pytestmark = [pytest.mark.docker, pytest.mark.slow]
HOSTILE = Path(__file__).parent / "hostile"
BENCH = Path(__file__).resolve().parents[3] / "bench" / "sandbox_throughput.py"


@pytest.fixture(scope="module")
def gvisor(docker_client):
    require_runsc(docker_client)
    yield from start_verifier(docker_client, pool_size=1, runtime="runsc", languages=("python",))


def test_io_and_asserts_under_gvisor(gvisor):
    io = py_task_io([("1 2", "3"), ("40 2", "42")], time_limit_s=2.0)
    out = gvisor.score(
        io,
        [
            fenced("a, b = map(int, input().split())\nprint(a + b)"),
            fenced("print(3)"),
            fenced("while True:\n    pass"),
        ],
    )
    assert [o.verdict for o in out] == [Verdict.CORRECT, Verdict.WRONG, Verdict.TIME_LIMIT]
    task = reward_pb2.CodeTask(
        language="python",
        asserts=reward_pb2.AssertTests(
            entry_point="inc", test_code="def check(candidate):\n    assert candidate(1) == 2\n"
        ),
    )
    # proc_snooping.py is left out: this runsc lets the candidate read PID 1's environ and
    # cmdline (nothing secret in them) and renice it; the pool retires each container
    # after one completion under runsc for that reason.
    out = gvisor.score(
        task,
        [
            fenced("def inc(x):\n    return x + 1"),
            fenced((HOSTILE / "network_probe.py").read_text()),
        ],
    )
    assert [o.verdict for o in out] == [Verdict.CORRECT, Verdict.WRONG]


def test_forged_supervisor_replies_do_not_leak_into_the_next_run(gvisor):
    io = py_task_io([("1 2", "3")], time_limit_s=2.0)
    hijack = fenced((HOSTILE / "hijack_supervisor_channel.py").read_text())
    for _ in range(3):
        out = gvisor.score(io, [hijack, fenced("print(4)")])
        assert [o.verdict for o in out] == [Verdict.WRONG, Verdict.WRONG]


def test_memory_limit_under_gvisor(gvisor):
    task = py_task_io([("", "")], time_limit_s=5.0, memory_mb=128)
    out = gvisor.score(task, [fenced((HOSTILE / "memory_bomb.py").read_text())])
    assert out[0].verdict == Verdict.MEMORY_LIMIT


def test_throughput_smoke_under_runc_and_runsc(docker_client):
    require_runsc(docker_client)
    load_humaneval()  # skips without the data
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--problems", "8", "--samples", "2",
         "--runtime", "runc,runsc", "--docker-run-subset", "0", "--overhead-runs", "0",
         "--json"],
        capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    rows = {row["name"]: row for row in json.loads(proc.stdout.strip().splitlines()[-1])}
    pools = [row for name, row in rows.items() if name.startswith("warm pool")]
    assert [name.rsplit(", ", 1)[1] for name in rows if name.startswith("warm pool")] == [
        "runc)",
        "runsc)",
    ]
    for row in pools:  # HumanEval's canonical solutions: every one passes
        assert row["programs"] == 16 and row["correct"] == 16, rows
