"""The Python fast path: the zygote's pre-forked spare and the one-pass reset.

The zygote is a family of two pristine root processes (in_sandbox/common/zygote.py): the
active one becomes the next candidate, the spare waits to take its place. These tests
drive the real harness and supervisor code on the host (as root, like CI) and inside
real containers: nothing of the family runs before its job, a job turns exactly the
active process into a candidate of the candidate uid, and a reset that finds only the
family's processes and root's sources skips the candidate wipe yet still removes what a
candidate left.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import platform
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from reward_server.outcome import Verdict
from reward_server.verifiers.code import owners
from reward_server.verifiers.code.config import DEFAULT_SANDBOXES_DIR

from .conftest import fenced, judge_in_process, program_ns, py_task_io, start_verifier

sys.path.insert(0, str(Path(DEFAULT_SANDBOXES_DIR) / "common"))
import cleanup
import processes
from zygote import Zygote

sys.path.pop(0)

needs_root = pytest.mark.skipif(os.getuid() != 0, reason="dropping to the candidate uid needs root")
PR_SET_CHILD_SUBREAPER = 36
SYS_READ, SYS_RECVMSG = 0, 47  # x86_64 syscall numbers, for /proc/PID/syscall


@pytest.fixture()
def sandbox_tree() -> Iterator[Path]:
    """The image's /opt/sandbox layout (common modules, python/ beside them), readable by
    the candidate uid, and a program folder it may read."""
    top = Path(tempfile.mkdtemp(prefix="rs-zygote-"))
    src = Path(DEFAULT_SANDBOXES_DIR)
    (top / "python").mkdir()
    for f in (src / "common").glob("*.py"):
        shutil.copy(f, top / f.name)
    for name in ("harness.py", "valuecodec.py"):
        shutil.copy(src / "python" / name, top / "python" / name)
    for p in (top, top / "python", *top.rglob("*")):
        p.chmod(0o755)
    yield top
    shutil.rmtree(top, ignore_errors=True)


@pytest.fixture()
def subreaper() -> Iterator[None]:
    """Orphans come back to this process, as they do to PID 1 in a container."""
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    assert prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0
    yield
    prctl(PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)


@pytest.fixture()
def program_file() -> Iterator[Callable[[str], Path]]:
    """Writes a program the candidate uid can read, in a folder of its own."""
    folder = Path(tempfile.mkdtemp(prefix="rs-prog-"))
    folder.chmod(0o755)

    def write(text: str) -> Path:
        program = folder / "main.py"
        program.write_text(text)
        program.chmod(0o644)
        return program

    yield write
    shutil.rmtree(folder, ignore_errors=True)


def _stat(pid: int) -> tuple[str, int, int]:
    """(state, parent pid, real uid) of a live process."""
    fields = Path(f"/proc/{pid}/stat").read_bytes().rsplit(b")", 1)[1].split()
    uid = int(Path(f"/proc/{pid}/status").read_text().split("Uid:")[1].split()[0])
    return fields[0].decode(), int(fields[1]), uid


def _family(z: Zygote) -> list[int]:
    """The active process and its spare, once the spare is forked and both wait for what
    they wait for: the active one on the socket, the spare on its hand-over pipe (read on
    x86_64 from /proc/PID/syscall, which shows the call a process is blocked in)."""
    want = {True: SYS_RECVMSG, False: SYS_READ}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        members = z.family(cleanup.scan())
        with contextlib.suppress(OSError, ValueError):
            asleep = len(members) == 2 and all(_stat(p)[0] == "S" for p in members)
            if asleep and (
                platform.machine() != "x86_64"
                or all(_blocked_in(p) == want[p == z.pid] for p in members)
            ):
                return members
        time.sleep(0.01)
    raise AssertionError(f"no waiting spare next to {z.pid}")


def _blocked_in(pid: int) -> int:
    return int(Path(f"/proc/{pid}/syscall").read_text().split()[0])


def _zygote(tree: Path) -> Zygote:
    """A warm interpreter family started from the sandbox tree's Python harness."""
    return Zygote([sys.executable, "-I", str(tree / "python" / "harness.py"), "zygote"])


def _run(z: Zygote, program: Path, env: dict) -> dict:
    req = {"zygote": z.argv, "path": str(program), "mode": "run", "time_limit": 20, "env": env}
    return processes.run_to_end(req, z.spawn, lambda: False)


@needs_root
def test_a_job_turns_the_active_process_into_the_candidate_and_the_spare_takes_over(
    sandbox_tree, subreaper, program_file
):
    program = program_file("import os\nprint(os.getuid(), os.getpid(), os.getppid())\n")
    z = _zygote(sandbox_tree)
    try:
        for _ in range(3):
            active, spare = sorted(_family(z), key=lambda p: p != z.pid)
            # Both pristine: root, blocked where they wait (see _family), the spare a
            # child of the active one.
            assert [_stat(p)[2] for p in (active, spare)] == [0, 0]
            assert _stat(spare)[1] == active and z.healthy(cleanup.scan()) and z.adopted()
            res = _run(z, program, {"PATH": "/usr/bin:/bin"})
            assert res["exit_code"] == 0, res
            uid, pid, ppid = map(int, res["stdout"].split())
            # The candidate was the active process itself (no fork on the job's path), as
            # the candidate uid, and this process (PID 1's stand-in) could wait for it.
            assert (uid, pid, ppid) == (processes.CANDIDATE_UID, active, os.getpid())
            assert z.pid == spare and {spare} == cleanup.KEEP
    finally:
        z.close()
    assert not z.family(cleanup.scan()) and not cleanup.KEEP


@needs_root
def test_a_running_candidate_is_the_spare_s_parent_and_a_changed_spare_is_unhealthy(
    sandbox_tree, subreaper, program_file
):
    program = program_file("import sys\nsys.stdin.read()\n")
    z = _zygote(sandbox_tree)
    try:
        _family(z)
        req = {"zygote": z.argv, "path": str(program), "mode": "run", "env": {}}
        pid, stdin, out, err = z.spawn(req)
        # The new active process is the running candidate's child: a job taken from it
        # now could not be waited for, so the supervisor execs instead (supervisor._spawn).
        _family(z)
        assert _stat(z.pid)[1] == pid and not z.adopted()
        os.close(stdin)
        os.waitpid(pid, 0)
        assert z.adopted()  # reparented here once its parent is gone
        spare = next(p for p in _family(z) if p != z.pid)
        os.setpriority(os.PRIO_PROCESS, spare, 5)  # what a reset must notice
        assert not z.healthy(cleanup.scan())
        for fd in (out, err):
            os.close(fd)
    finally:
        members = z.family(cleanup.scan())
        z.close()
    for p in members:
        with pytest.raises(ProcessLookupError):
            os.kill(p, 0)


@needs_root
def test_the_spare_ends_with_an_active_process_that_dies_without_a_job(sandbox_tree, subreaper):
    z = _zygote(sandbox_tree)
    active, spare = sorted(_family(z), key=lambda p: p != z.pid)
    os.kill(active, signal.SIGKILL)
    os.waitpid(active, 0)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with contextlib.suppress(ChildProcessError):
            if os.waitpid(spare, os.WNOHANG)[0]:  # reparented here, then reaped
                break
        time.sleep(0.01)
    else:
        raise AssertionError("the spare outlived its active process")
    cleanup.KEEP.clear()
    z.sock.close()


def test_sweep_own_removes_root_s_files_and_reports_the_candidate_s(tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    (work / "main.py").write_text("print(1)")
    assert not cleanup.sweep_own((str(work),))
    assert os.listdir(work) == []
    if os.getuid() == 0:
        (work / "left").write_text("x")
        os.chown(work / "left", processes.CANDIDATE_UID, processes.CANDIDATE_GID)
        assert cleanup.sweep_own((str(work),))
        assert os.listdir(work) == ["left"]  # the candidate's own: for its wipe


@pytest.fixture(scope="module")
def one_box(docker_client):
    yield from start_verifier(docker_client, pool_size=1)


@pytest.mark.docker
def test_in_a_sandbox_the_candidate_sees_only_root_s_pristine_family(one_box):
    program = """
import os, signal
me = os.getpid()
def stat(p):
    with open(f"/proc/{p}/stat", "rb") as f:
        return f.read().rsplit(b")", 1)[1].split()
family = []
for p in os.listdir("/proc"):
    if p.isdigit() and int(p) not in (me, 1):
        with open(f"/proc/{p}/cmdline", "rb") as f:
            assert b"zygote" in f.read(), p  # nothing else lives beside the candidate
        with open(f"/proc/{p}/status") as f:
            uid = f.read().split("Uid:")[1].split()[0]
        try:
            os.kill(int(p), signal.SIGSTOP)
            stopped = True
        except PermissionError:
            stopped = False
        family.append((uid, stopped))
print(os.getppid(), sorted(set(family)), len(family) <= 2)
"""
    task = py_task_io([("", "1 [('0', False)] True")])
    outs = one_box.score(task, [fenced(program)] * 4)
    assert [o.verdict for o in outs] == [Verdict.CORRECT] * 4, outs


@pytest.mark.docker
def test_a_file_the_candidate_left_is_wiped_and_the_container_kept(one_box, docker_client):
    leave = """
for path in ("/work/left", "/tmp/left", "/dev/shm/left"):
    with open(path, "w") as f:
        f.write("x")
print(3)
"""
    look = (
        "import os\nprint(sorted(n for d in ('/work', '/tmp', '/dev/shm') for n in os.listdir(d)))"
    )

    def boxes() -> set[str]:
        return {c.id for c in owners.list_managed(docker_client, one_box.v.owner)}

    one_box.score(py_task_io([("", "3")]), [fenced("print(3)")])  # warm the pool
    before = boxes()
    assert one_box.score(py_task_io([("", "3")]), [fenced(leave)])[0].verdict == Verdict.CORRECT
    after = one_box.score(py_task_io([("", "['main.py']")]), [fenced(look)])[0]
    assert after.verdict == Verdict.CORRECT, after
    assert boxes() == before  # wiped, not retired


def test_a_kept_look_ahead_serves_the_next_sample_without_a_copy(monkeypatch):
    from reward_server.verifiers.code import assert_lookahead as la

    monkeypatch.setattr(la, "WAIT_S", 30.0)  # a loaded machine may start the copy late
    copies = []
    real = la.look_ahead
    monkeypatch.setattr(la, "look_ahead", lambda *a: copies.append(1) or real(*a))
    test = "def check(candidate):\n    for i in range(40):\n        assert candidate(i) == 2 * i\n"
    first, trips = judge_in_process(test, program_ns("def f(x):\n    return 2 * x\n"))
    assert first["results"] == [{"passed": True, "kind": "ok", "detail": ""}]
    assert copies and trips < 10
    made = len(copies)
    again, trips_again = judge_in_process(test, program_ns("def f(x):\n    return 2 * x\n"))
    assert again == first and trips_again == trips and len(copies) == made  # no new copy
    wrong, _ = judge_in_process(test, program_ns("def f(x):\n    return 2 * x if x < 20 else 0\n"))
    assert wrong["results"][0]["passed"] is False  # other answers: other states, own copies


def test_a_look_ahead_is_kept_per_state():
    from reward_server.verifiers.code import assert_lookahead as la

    key = la.state_key(1, "f(1)", seeded=False)
    assert key == la.state_key(1, "f(1)", seeded=False)
    assert key not in {la.state_key(2, "f(1)", False), la.state_key(1, "f(2)", False)}
    import random

    random.seed(1)
    seeded = la.state_key(1, "f(1)", seeded=True)
    random.random()
    assert seeded != la.state_key(1, "f(1)", seeded=True)  # random's state counts when used
    la.remember(key, ["f(2)"])
    assert la.recall(key) == ["f(2)"]
    la.forget(key)  # the actual calls went another way
    assert la.recall(key) is None
    la.remember(key, ["x" * (la.MAX_KEPT_CHARS + 1)])
    assert la.recall(key) is None  # too big to keep


@pytest.fixture()
def recycled_box(docker_client):
    yield from start_verifier(
        docker_client, pool_size=1, max_runs_per_container=20, languages=("python",)
    )


@pytest.mark.docker
def test_a_container_s_replacement_is_made_before_its_last_run(recycled_box, docker_client):
    """max_runs_per_container=20: the replacement starts at run 18, and the old container
    leaves only after its 20th, so the pool never waits for a container start."""
    task, answer = py_task_io([("", "3")]), [fenced("print(3)")]

    def boxes() -> set[str]:
        return {c.id for c in owners.list_managed(docker_client, recycled_box.v.owner)}

    (first,) = boxes()
    for _ in range(18):
        assert recycled_box.score(task, answer)[0].verdict == Verdict.CORRECT
    deadline = time.monotonic() + 120
    while len(boxes()) < 2:  # the replacement, made while the old one still serves
        assert time.monotonic() < deadline, "no replacement was made"
        time.sleep(0.1)
    for _ in range(10):  # two containers take turns; the old one retires at 20 runs
        assert recycled_box.score(task, answer)[0].verdict == Verdict.CORRECT
    deadline = time.monotonic() + 60
    while first in boxes():
        assert time.monotonic() < deadline, "the old container was not retired"
        time.sleep(0.1)
    assert len(boxes()) == 1
