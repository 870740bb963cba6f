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

# The zygote's active process, which never runs candidate code; it and its children (its
# spare, see zygote.py) survive a reset. A candidate's process can never be a child of
# it: orphans are reparented to PID 1, and the active process forks only its spare.
KEEP: set[int] = set()


def read_proc(path: str) -> bytes:
    """A small /proc file in three syscalls (open() adds a stat, an ioctl and seeks)."""
    fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        return os.read(fd, 1 << 16)
    finally:
        os.close(fd)


def scan() -> dict[int, tuple[bytes, int]]:
    """Every process but this one: pid -> (state letter, parent pid), in one /proc pass."""
    me = os.getpid()
    procs = {}
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == me:
            continue
        try:
            fields = read_proc(f"/proc/{name}/stat").rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        procs[int(name)] = (fields[0], int(fields[1]))
    return procs


def strays(procs: dict[int, tuple[bytes, int]]) -> list[int]:
    """The pids in a scan that are not the zygote's (zombies included)."""
    return [p for p, (_, ppid) in procs.items() if p not in KEEP and ppid not in KEEP]


def other_pids() -> list[int]:
    return strays(scan())


def reap_zombies() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_all() -> bool:
    """Kills every process but this one (and the zygote's); kill(-1) from PID 1 reaches
    the whole namespace, so it is used whenever there is no zygote to spare. False when
    processes were still there after every pass."""
    for _ in range(500):
        reap_zombies()
        pids = other_pids()
        if not pids:
            return True
        if not KEEP:
            with contextlib.suppress(ProcessLookupError):
                os.kill(-1, signal.SIGKILL)
        for pid in pids:  # a killed process cannot fork, so repeated passes converge
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.002)
    return False


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


def sweep_own(dirs: tuple[str, ...] = WIPE_DIRS) -> bool:
    """Removes what root wrote (the sources: in a sticky dir only the owner may) in one
    pass over the dirs; True when anything else is there, which the candidate's wipe
    must remove (a plain run leaves only its source behind, so usually no wipe runs)."""
    others = False
    me = os.getuid()
    for d in dirs:
        with contextlib.suppress(OSError), os.scandir(d) as it:
            for entry in it:
                try:
                    st = entry.stat(follow_symlinks=False)
                except OSError:
                    others = True
                    continue
                if st.st_uid != me:
                    others = True
                    continue
                with contextlib.suppress(OSError):
                    if entry.is_dir(follow_symlinks=False):
                        os.rmdir(entry.path)
                    else:
                        os.unlink(entry.path)
    return others


def leftovers(dirs: tuple[str, ...] = WIPE_DIRS) -> list[str]:
    """What survived the wipe: entries, or space or inodes still in use (a file can be
    hidden from the listing but not from the filesystem's own counters). An empty tmpfs
    shows in its counters alone (its root is its only inode); a dir whose counters cannot
    tell (not a mount of its own, or no inode accounting) is also listed."""
    found = []
    for d in dirs:
        try:
            vfs = os.statvfs(d)
            inodes = vfs.f_files - vfs.f_ffree - 1 if vfs.f_files else -1
            blocks = vfs.f_blocks - vfs.f_bfree if vfs.f_blocks else 0
            names = os.listdir(d) if inodes != 0 or blocks else []
        except OSError as exc:
            found.append(f"{d}: {exc.strerror}")
            continue
        if names:
            found.append(f"{d}: {len(names)} entries")
        if blocks:
            found.append(f"{d}: {blocks} blocks in use")
        if inodes > 0:
            found.append(f"{d}: {inodes} inodes in use")
    return found


def ipc_objects() -> int:
    """SysV IPC objects and POSIX queues outlive processes; a container holding any is dirty."""
    count = 0
    for name in ("shm", "msg", "sem"):
        with contextlib.suppress(OSError):
            count += max(read_proc(f"/proc/sysvipc/{name}").count(b"\n") - 1, 0)
    with contextlib.suppress(OSError):
        count += len(os.listdir("/dev/mqueue"))
    return count


def scheduling(pid: int) -> dict:
    """What a candidate could try to change in another process: its resource limits,
    priority and CPU affinity (all readable from here for any pid)."""
    state: dict = {}
    with contextlib.suppress(OSError):
        state["limits"] = read_proc(f"/proc/{pid}/limits")
    with contextlib.suppress(OSError):
        state["nice"] = os.getpriority(os.PRIO_PROCESS, pid)
    with contextlib.suppress(OSError):
        state["affinity"] = sorted(os.sched_getaffinity(pid))
    return state
