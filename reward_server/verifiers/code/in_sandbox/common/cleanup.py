"""The reset between two completions: kill every candidate process, wipe the writable
dirs as the candidate's uid, then verify from root that nothing at all is left.

A wipe can be fought (chmod 000 directories, trees deeper than the open-files limit or
than PATH_MAX, files held open); the verification cannot: each tmpfs must be empty and
use no blocks and no inode but its root, else the container is reported dirty and the
host destroys it. The long-lived processes are checked too: their resource limits,
priority and CPU affinity must be what they were at start.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time

from processes import drop_to_candidate

WIPE_DIRS = ("/work", "/tmp", "/dev/shm")
WIPE_BUDGET_S = 5.0  # a wipe slower than this leaves the container dirty (and retired)

# Pids that survive a reset: the zygote, which never runs candidate code.
KEEP: set[int] = set()


def other_pids() -> list[int]:
    skip = KEEP | {os.getpid()}
    return [int(p) for p in os.listdir("/proc") if p.isdigit() and int(p) not in skip]


def is_zombie(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[0] in (b"Z", b"X")
    except OSError:
        return True


def reap_zombies() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_all() -> None:
    """Kills every process but this one (and the zygote); kill(-1) from PID 1 reaches the
    whole namespace, so it is used whenever there is no zygote to spare."""
    for _ in range(500):
        reap_zombies()
        pids = other_pids()
        if not pids:
            return
        if not KEEP:
            with contextlib.suppress(ProcessLookupError):
                os.kill(-1, signal.SIGKILL)
        for pid in pids:  # a killed process cannot fork, so repeated passes converge
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.002)


def kill_strays() -> bool:
    """After a run: True (and everything killed) when any process outlived it."""
    if not other_pids():
        return False
    kill_all()
    return True


def wipe_tree(top: str) -> None:
    """Empties `top` without recursion and with at most two descriptors open: it walks
    down with relative chdir (no path grows, so depth is unbounded), making each
    directory searchable before entering it, and removes directories on the way up."""
    os.chdir(top)
    path: list[str] = []  # names of the directories entered below `top`
    stuck: set[tuple[int, int]] = set()  # directories that would not go: do not loop
    while True:
        entered = False
        with os.scandir(".") as it:
            for entry in it:
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                if not entry.is_dir(follow_symlinks=False):
                    with contextlib.suppress(OSError):
                        os.unlink(entry.name)
                    continue
                if (st.st_dev, st.st_ino) in stuck:
                    continue
                with contextlib.suppress(OSError):
                    os.rmdir(entry.name)
                    continue
                with contextlib.suppress(OSError):
                    os.chmod(entry.name, 0o700)
                try:
                    os.chdir(entry.name)
                except OSError:
                    stuck.add((st.st_dev, st.st_ino))
                    continue
                path.append(entry.name)
                entered = True
                break
        if entered:
            continue
        if not path:
            return
        here = os.stat(".")
        os.chdir("..")
        try:
            os.rmdir(path.pop())
        except OSError:
            stuck.add((here.st_dev, here.st_ino))


def wipe_as_candidate(dirs: tuple[str, ...] = WIPE_DIRS) -> bool:
    """Runs the wipe in a child that becomes the candidate uid: the candidate's files are
    its own, so it may chmod and remove every one of them without any capability. False
    when the child failed or overran its budget."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            drop_to_candidate()
            for d in dirs:
                with contextlib.suppress(OSError):
                    wipe_tree(d)
            code = 0
        finally:
            os._exit(code)
    deadline = time.monotonic() + WIPE_BUDGET_S
    while time.monotonic() < deadline:
        done, st = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.WIFEXITED(st) and os.WEXITSTATUS(st) == 0
        time.sleep(0.001)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return False


def wipe_own(dirs: tuple[str, ...] = WIPE_DIRS) -> None:
    """Removes what root wrote (the sources): in a sticky dir only the owner may."""
    for d in dirs:
        with contextlib.suppress(OSError), os.scandir(d) as it:
            for entry in it:
                with contextlib.suppress(OSError):
                    if entry.is_dir(follow_symlinks=False):
                        os.rmdir(entry.path)
                    else:
                        os.unlink(entry.path)


def needs_candidate_wipe(dirs: tuple[str, ...] = WIPE_DIRS) -> bool:
    """Whether any entry is not root's own (a plain run leaves only the source behind)."""
    for d in dirs:
        with contextlib.suppress(OSError), os.scandir(d) as it:
            for entry in it:
                try:
                    if entry.stat(follow_symlinks=False).st_uid != os.getuid():
                        return True
                except OSError:
                    return True
    return False


def leftovers(dirs: tuple[str, ...] = WIPE_DIRS) -> list[str]:
    """What survived the wipe: entries, or space or inodes still in use (a file can be
    hidden from the listing but not from the filesystem's own counters)."""
    found = []
    for d in dirs:
        try:
            names = os.listdir(d)
            vfs = os.statvfs(d)
        except OSError as exc:
            found.append(f"{d}: {exc.strerror}")
            continue
        if names:
            found.append(f"{d}: {len(names)} entries")
        if vfs.f_blocks and vfs.f_bfree != vfs.f_blocks:
            found.append(f"{d}: {vfs.f_blocks - vfs.f_bfree} blocks in use")
        if vfs.f_files and vfs.f_files - vfs.f_ffree > 1:
            found.append(f"{d}: {vfs.f_files - vfs.f_ffree - 1} inodes in use")
    return found


def ipc_objects() -> int:
    """SysV IPC objects and POSIX queues outlive processes; a container holding any is dirty."""
    count = 0
    for name in ("shm", "msg", "sem"):
        try:
            with open(f"/proc/sysvipc/{name}") as f:
                count += max(len(f.read().splitlines()) - 1, 0)
        except OSError:
            pass
    with contextlib.suppress(OSError):
        count += len(os.listdir("/dev/mqueue"))
    return count


def scheduling(pid: int) -> dict:
    """What a candidate could try to change in another process: its resource limits,
    priority and CPU affinity (all readable from here for any pid)."""
    state: dict = {}
    with contextlib.suppress(OSError), open(f"/proc/{pid}/limits") as f:
        state["limits"] = f.read()
    with contextlib.suppress(OSError):
        state["nice"] = os.getpriority(os.PRIO_PROCESS, pid)
    with contextlib.suppress(OSError):
        state["affinity"] = sorted(os.sched_getaffinity(pid))
    return state
