"""The in-container reset (in_sandbox/common/cleanup.py) run on the host, without Docker.

The wipe must beat what a candidate can build with its own uid: nested chmod-000
directories, a tree deeper than the open-files limit and than PATH_MAX, files in
read-only directories. These tests build such trees as an unprivileged uid in a forked
child and wipe them the way the supervisor does, so they need root (CI runs as root).
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from reward_server.verifiers.code.config import DEFAULT_SANDBOXES_DIR

sys.path.insert(0, str(Path(DEFAULT_SANDBOXES_DIR) / "common"))
import cleanup
import processes

sys.path.pop(0)

needs_root = pytest.mark.skipif(os.getuid() != 0, reason="dropping to the candidate uid needs root")


def as_candidate(fn) -> None:
    """Runs fn in a child that has become the candidate uid, as candidate code does."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            processes.drop_to_candidate()
            fn()
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0


def locked_tree(top: Path) -> None:
    (top / "vault" / "a" / "b").mkdir(parents=True)
    (top / "vault" / "a" / "b" / "secret").write_text("x")
    (top / "vault" / "a" / "b" / "link").symlink_to("/etc/passwd")
    os.mkfifo(top / "vault" / "a" / "fifo")
    for p in (top / "vault" / "a" / "b", top / "vault" / "a", top / "vault"):
        os.chmod(p, 0)


def deep_tree(top: Path, depth: int = 1500) -> None:
    os.chdir(top)
    for _ in range(depth):
        os.mkdir("d")
        os.chdir("d")
    Path("marker").write_text("x")
    os.chmod(".", 0o500)


@pytest.fixture()
def work() -> Iterator[Path]:
    # Directly under /tmp: pytest's tmp_path sits below folders only root may enter.
    path = Path(tempfile.mkdtemp(prefix="rs-wipe-"))
    path.chmod(0o1777)  # like the sandbox's tmpfs mounts
    yield path
    shutil.rmtree(path, ignore_errors=True)


@needs_root
def test_wipe_removes_locked_trees_built_by_the_candidate(work):
    as_candidate(lambda: locked_tree(work))
    assert cleanup.sweep_own((str(work),))  # not root's: left for the candidate's wipe
    assert cleanup.wipe_as_candidate((str(work),))
    assert os.listdir(work) == []
    assert Path("/etc/passwd").exists()  # links are removed, never followed


@needs_root
def test_wipe_removes_a_tree_deeper_than_nofile_and_path_max(work):
    as_candidate(lambda: deep_tree(work))
    assert cleanup.wipe_as_candidate((str(work),))
    assert os.listdir(work) == []


@needs_root
def test_root_owned_sources_need_no_candidate_wipe_and_go_with_sweep_own(work):
    (work / "main.py").write_text("print(1)")
    assert not cleanup.sweep_own((str(work),))
    assert os.listdir(work) == []


def test_leftovers_names_what_survived(work):
    (work / "x").write_text("x")
    found = cleanup.leftovers((str(work),))
    assert any("1 entries" in f for f in found)


def test_scheduling_sees_a_changed_priority_of_another_process():
    pid = os.fork()
    if pid == 0:
        os.read(os.pipe()[0], 1)  # blocks until killed
        os._exit(0)
    try:
        before = cleanup.scheduling(pid)
        assert before and "limits" in before
        os.setpriority(os.PRIO_PROCESS, pid, 5)
        assert cleanup.scheduling(pid) != before
    finally:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
