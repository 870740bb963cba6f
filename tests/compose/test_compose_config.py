"""docker-compose.yml is valid in a fresh clone, before any preparation (no build/, no
.env): `docker-compose config` needs no engine, so this runs wherever compose is installed."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from .test_compose import _compose_command

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
@pytest.mark.skipif(_compose_command() is None, reason="no docker-compose / docker compose")
def test_compose_config_is_valid_in_a_fresh_clone(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True, timeout=120)
    assert not (clone / "build").exists() and not (clone / ".env").exists()
    # The caller's compose variables would hide a default the clone relies on.
    env = {k: v for k, v in os.environ.items()
           if k not in ("BASE_IMAGE", "BUILD_NETWORK", "REWARD_IMAGE", "COMPOSE_FILE")}
    proc = subprocess.run(
        [*_compose_command(), "config"], cwd=clone, env=env, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "dockerfile: deploy/Dockerfile" in proc.stdout
    assert "BASE_IMAGE: python:3.11-slim" in proc.stdout  # the online build's base
