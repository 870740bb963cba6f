"""Data parallel: ``torchrun --nproc_per_node 2`` (gloo on CPU) runs GRPO steps."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
TINY = {
    "n_layer": 1,
    "n_embd": 32,
    "n_head": 2,
    "n_positions": 160,
    "group_size": 4,
    "prompts_per_step": 2,
    "prompts_per_generate": 2,
    "max_new_tokens": 8,
    "eval_size": 0,
    "steps": 2,
    "progress": "false",
    "threads": 1,
    "arith_max": 5,
    # rewards differ within groups (truncated or not), so ranks really update
    "truncation_penalty": 1.0,
    "temperature": 2.0,
    "learning_rate": 0.01,
}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_ranks_one_step(tmp_path, server):
    torchrun = shutil.which("torchrun") or str(Path(sys.executable).parent / "torchrun")
    if not Path(torchrun).exists():
        pytest.skip("torchrun is not installed")
    flags = [x for k, v in TINY.items() for x in (f"--{k}", str(v))]
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(
        [
            torchrun,
            "--nproc_per_node",
            "2",
            "--master_port",
            str(_free_port()),
            "-m",
            "trainer_client.cli",
            "train",
            "--server",
            server.address,
            "--out_dir",
            str(tmp_path),
            *flags,
        ],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    lines = (tmp_path / "metrics.jsonl").read_text().splitlines()
    assert len(lines) == 2  # only rank 0 writes
    metrics = json.loads(lines[0])
    assert "reward_mean_all_ranks" in metrics and "accuracy_all_ranks" in metrics
    assert (tmp_path / "checkpoint-2" / "model").is_dir()
    assert metrics.get("rows_kept", 0) > 0, "the step should have updated the policy"
    # the run ends with distributed.check_in_sync: rank weights are still identical
