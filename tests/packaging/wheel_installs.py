"""A wheel of the project and fresh venvs outside the checkout, made with real pip.

The wheel is built once per test session from a copy of the sources (pip builds in the
source tree, and a checkout's stale build/ folder could leak into the wheel). Venvs are
made without pip and installed into by this interpreter's pip (`pip --python`), with
pip's cache and no byte-compiling: dependencies come from the cache or the index.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SOURCES = ("pyproject.toml", "README.md", "reward_server", "trainer_client")
# Environment for processes of a fresh venv: nothing from this checkout on their path.
CLEAN_ENV = {"PYTHONPATH": ""}


def _pip(*args: str, timeout: float = 600) -> None:
    command = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", *args]
    env = {**os.environ, **CLEAN_ENV}  # else pip may count a checkout as installed
    run = subprocess.run(command, capture_output=True, text=True, timeout=timeout, env=env)
    if run.returncode != 0:
        pytest.fail(f"pip {' '.join(args)} failed:\n{run.stdout[-3000:]}\n{run.stderr[-3000:]}")


def build_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built once per session (the session's temp folder is the key)."""
    return _build_wheel(tmp_path_factory.getbasetemp())


@functools.cache
def _build_wheel(session_tmp: Path) -> Path:
    root = session_tmp / "wheel"
    source = root / "src"
    source.mkdir(parents=True)
    for name in SOURCES:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(path, source / name)
    _pip("wheel", "--no-deps", str(source), "-w", str(root / "dist"))
    [wheel] = (root / "dist").glob("reward_server-*.whl")
    return wheel


def make_venv(folder: Path, requirement: str) -> Path:
    """A venv in `folder` with `requirement` installed; its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    python = folder / "bin" / "python"
    _pip("--python", str(python), "install", "--no-compile", requirement)
    return python


def distributions(python: Path) -> set[str]:
    """Normalised names of the distributions installed for `python`."""
    code = (
        "import importlib.metadata as md, json\n"
        "print(json.dumps([d.metadata['Name'] for d in md.distributions()]))\n"
    )
    run = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True)
    return {name.lower().replace("_", "-") for name in json.loads(run.stdout)}


def run_in(python: Path, code: str, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    """Runs `code` with the venv's python from `cwd` (outside the checkout)."""
    return subprocess.run(
        [str(python), "-c", code],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, **CLEAN_ENV},
        timeout=timeout,
    )
