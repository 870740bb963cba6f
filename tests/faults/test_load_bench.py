"""bench/load.py end to end, short: two replicas, one killed half-way, its targets met."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from conftest import REPO, requires_docker

pytestmark = [pytest.mark.docker, requires_docker]


def test_load_bench_with_a_replica_killed_meets_its_targets():
    run = subprocess.run(
        [sys.executable, "bench/load.py", "--duration-s", "15", "--kill-one"],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "killed the replica" in run.stdout
    summary = json.loads(run.stdout.strip().splitlines()[-1])
    assert summary["groups"] > 50, run.stdout
    assert summary["lost"] == 0, run.stdout
    assert summary["duplicates"] == 0, run.stdout
    assert summary["infra_error_rate"] <= 0.001, run.stdout
    assert summary["gold_correct_rate"] == 1.0, run.stdout
    assert summary["false_positive"] == 0, run.stdout
    assert summary["unexpected_verdicts"] == 0, run.stdout
    assert summary["leaked_containers"] == 0, run.stdout
