"""Data parallel is exact: torchrun with 2 gloo ranks on CPU, holding uneven shares of
the rows, takes the optimizer steps one process takes on all the rows.

Both runs execute tests/trainer/dp_update_worker.py (the trainer's real advantages and
update on a float64 scratch GPT-2): dapo's token count and the row count summed over the
ranks, batch-std scaling over every rank's rewards, gradients averaged before clipping,
a rank without rows joining the others' steps.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import pytest
import torch

REPO = Path(__file__).resolve().parents[2]
WORKER = Path(__file__).with_name("dp_update_worker.py")
TOL = 1e-10


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run(command: list[str], out: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    for key in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(key, None)
    proc = subprocess.run(
        [*command, str(WORKER), str(out)],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return torch.load(out)


def _max_diff(a: list[torch.Tensor], b: list[torch.Tensor]) -> float:
    assert len(a) == len(b)
    return max(float((x - y).abs().max()) for x, y in zip(a, b, strict=True))


def test_two_ranks_take_the_single_process_steps(tmp_path):
    torchrun = shutil.which("torchrun") or str(Path(sys.executable).parent / "torchrun")
    if not Path(torchrun).exists():
        pytest.skip("torchrun is not installed")
    two = _run(
        [torchrun, "--nproc_per_node", "2", "--master_port", str(_free_port())],
        tmp_path / "two.pt",
    )
    one = _run([sys.executable], tmp_path / "one.pt")
    assert sorted(two) == sorted(one)
    for case in one:
        steps_one, steps_two = one[case]["grads"], two[case]["grads"]
        assert len(steps_one) == len(steps_two) >= 1, case
        for g1, g2 in zip(steps_one, steps_two, strict=True):
            assert max(float(g.abs().max()) for g in g1) > 1e-6, case  # a real update
            assert _max_diff(g1, g2) <= TOL, (case, _max_diff(g1, g2))
        assert _max_diff(one[case]["weights"], two[case]["weights"]) <= TOL, case
