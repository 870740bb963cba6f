"""Candidate processes inside a sandbox: started with their limits as the candidate uid,
run to completion or kept serving, killed as a group.

The supervisor (PID 1) and the warm interpreter run as root with only CAP_SETUID,
CAP_SETGID and CAP_KILL; every candidate process drops to CANDIDATE_UID before it runs
anything of the candidate's. A different uid is what keeps the candidate away from the
long-lived processes: prlimit, setpriority, sched_setaffinity, signals and ptrace all
need a matching uid (or a capability the candidate never has, since setuid from root
clears them and no-new-privileges keeps them cleared).
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import os
import resource
import select
import signal
import time

WORK = "/work"
CANDIDATE_UID = 10001
CANDIDATE_GID = 10001
STDERR_CAP = 16 * 1024
EXIT_GRACE_S = 0.05  # how long to drain pipes held open by a child's descendants
# Signals the long-lived processes ignore (a candidate may send them to anything it can
# see); their children get the default action back before the candidate runs.
IGNORED_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)
_RESET_SIGNALS = (signal.SIGPIPE, signal.SIGCHLD, *IGNORED_SIGNALS)
PR_SET_DUMPABLE = 4


def make_undumpable() -> None:
    """For the long-lived processes: no ptrace, no /proc/PID/mem or fd access by others.
    Failure (exotic libc) leaves uid separation and the container as the protection."""
    with contextlib.suppress(OSError):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def ignore_signals() -> None:
    """For the long-lived processes. SIG_IGN, not a handler: a handler would make PID 1
    killable by these signals from inside its namespace."""
    for sig in IGNORED_SIGNALS:
        signal.signal(sig, signal.SIG_IGN)


def limits(req: dict) -> list[tuple[int, int]]:
    """The rlimits of one candidate process. Memory is RLIMIT_AS, or RLIMIT_DATA for
    runtimes (V8, the JVM, Go) that reserve far more address space than they use
    ("memory_rlimit": "data"); the container's cgroup bounds both."""
    mem = int(req.get("memory_mb", 256)) << 20
    # A process that runs several tests (a warm io runner) gets their summed CPU budget.
    cpu = math.ceil(float(req.get("cpu_limit_s") or req.get("time_limit", 5.0))) + 1
    kind = resource.RLIMIT_DATA if req.get("memory_rlimit") == "data" else resource.RLIMIT_AS
    return [
        (kind, mem),
        (resource.RLIMIT_CPU, cpu),
        (resource.RLIMIT_CORE, 0),
        (resource.RLIMIT_STACK, int(req.get("stack_mb", 8)) << 20),
        (resource.RLIMIT_FSIZE, int(req.get("fsize_mb", 16)) << 20),
        (resource.RLIMIT_NOFILE, int(req.get("nofile", 256))),
    ]


def drop_to_candidate() -> None:
    """Becomes the candidate uid for good (no supplementary groups, no capabilities).
    Fails closed: a process that could not drop must not run candidate code."""
    if os.getuid() == 0 or os.geteuid() == 0:
        os.setgroups([])
        os.setresgid(CANDIDATE_GID, CANDIDATE_GID, CANDIDATE_GID)
        os.setresuid(CANDIDATE_UID, CANDIDATE_UID, CANDIDATE_UID)
    if 0 in os.getresuid() or 0 in os.getresgid():
        os._exit(126)


def child_setup(in_r: int, out_w: int, err_w: int, lims: list) -> None:
    """In a freshly forked candidate: own session, the given stdio, limits, the candidate
    uid, nothing else.

    Shared with the Python zygote (in_sandbox/python/harness.py), whose active process
    sets itself up exactly like the children forked here when it becomes a candidate.
    """
    os.setsid()
    os.dup2(in_r, 0)
    os.dup2(out_w, 1)
    os.dup2(err_w, 2)
    os.closerange(3, 1 << 16)
    for sig in _RESET_SIGNALS:
        signal.signal(sig, signal.SIG_DFL)
    try:
        with open("/proc/self/oom_score_adj", "w") as f:
            f.write("1000")  # the OOM killer takes the candidate, not PID 1
    except OSError:
        pass
    for res, value in lims:
        try:
            resource.setrlimit(res, (value, value))
        except (ValueError, OSError):
            resource.setrlimit(res, (min(value, resource.getrlimit(res)[1]),) * 2)
    drop_to_candidate()
    os.chdir(WORK)


def pipes() -> tuple[tuple[int, int, int], tuple[int, int, int]]:
    """(child ends: stdin_r, stdout_w, stderr_w), (our ends: stdin_w, stdout_r, stderr_r)."""
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    for fd in (in_r, out_w, err_w):
        # Pipes made by root are mode 0600: the candidate uid could use the fds it is
        # given but not reopen them, so open("/dev/stdin") (common in judge solutions)
        # would fail. Only the candidate's own processes can reach its fds. gVisor
        # refuses fchmod on a pipe (EPERM): there the pipes keep their mode.
        with contextlib.suppress(PermissionError):
            os.fchmod(fd, 0o666)
    return (in_r, out_w, err_w), (in_w, out_r, err_r)


def start(req: dict) -> tuple[int, int, int, int]:
    """Forks and execs the candidate with its limits; returns (pid, stdin_w, stdout_r,
    stderr_r)."""
    theirs, ours = pipes()
    argv = [str(a) for a in req["argv"]]
    env = {str(k): str(v) for k, v in req.get("env", {}).items()}
    lims = limits(req)
    pid = os.fork()
    if pid == 0:  # child: set up, then exec; never return into the supervisor
        try:
            child_setup(*theirs, lims)
            os.execvpe(argv[0], argv, env)
        finally:
            os._exit(127)
    for fd in theirs:
        os.close(fd)
    return (pid, *ours)


def status(st: int) -> dict:
    if os.WIFSIGNALED(st):
        return {"exit_code": None, "signal": os.WTERMSIG(st)}
    return {"exit_code": os.WEXITSTATUS(st), "signal": None}


def kill_group(pid: int) -> None:
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            target()


def run_to_end(req: dict, spawn, others_alive) -> dict:
    """Runs one process to completion under a wall-clock deadline with capped output.
    `spawn(req)` starts it; `others_alive()` says whether anything else is left running."""
    limit = float(req.get("time_limit", 5.0))
    max_out = int(req.get("max_output", 1 << 20))
    data = req.get("stdin", "").encode("utf-8", "surrogateescape")
    t0 = time.monotonic()
    deadline = t0 + limit
    pid, in_w, out_r, err_r = spawn(req)
    os.set_blocking(in_w, False)
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        pidfd = None
    out, err = bytearray(), bytearray()
    open_fds = {out_r: out, err_r: err}
    if not data:
        os.close(in_w)
        in_w = -1
    st = None
    rusage = None
    reason = None
    exit_at = 0.0
    while True:
        now = time.monotonic()
        if st is None:
            wpid, wst, ru = os.wait4(pid, os.WNOHANG)
            if wpid:
                st, rusage, exit_at = wst, ru, now
        if st is not None and (not open_fds or now > exit_at + EXIT_GRACE_S):
            break
        if st is None and now >= deadline:
            reason = "timeout"
            break
        timeout = deadline - now if st is None else exit_at + EXIT_GRACE_S - now
        if pidfd is None and st is None:
            timeout = min(timeout, 0.005)
        rlist = list(open_fds) + ([pidfd] if pidfd is not None and st is None else [])
        wlist = [in_w] if in_w >= 0 else []
        try:
            r, w, _ = select.select(rlist, wlist, [], max(timeout, 0))
        except InterruptedError:
            continue
        if w:
            try:
                data = data[os.write(in_w, data[:65536]) :]
            except BlockingIOError:
                pass
            except BrokenPipeError:  # the program stopped reading its input: fine
                data = b""
            if not data:
                os.close(in_w)
                in_w = -1
        for fd in r:
            if fd == pidfd:
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                del open_fds[fd]
                os.close(fd)
                continue
            buf = open_fds[fd]
            cap = max_out if fd == out_r else STDERR_CAP
            buf += chunk[: max(cap + 1 - len(buf), 0)]
            if fd == out_r and len(buf) > max_out:
                reason = "output_limit"
        if reason:
            break
    wall = time.monotonic() - t0
    if st is None:
        kill_group(pid)
        _, st, rusage = os.wait4(pid, 0)
    for fd in list(open_fds) + ([in_w] if in_w >= 0 else []) + ([pidfd] if pidfd else []):
        os.close(fd)
    result = {
        "reason": reason or "exited",
        "wall": round(min(wall, limit + 0.001) if reason == "timeout" else wall, 4),
        "cpu": round(rusage.ru_utime + rusage.ru_stime, 4),
        "maxrss_kb": rusage.ru_maxrss,
        "stdout": bytes(out[:max_out]).decode("utf-8", "replace"),
        "stderr": bytes(err[:STDERR_CAP]).decode("utf-8", "replace"),
        "leftover": others_alive(),
    }
    result.update(status(st))
    result["out_of_memory"] = out_of_memory(result["stderr"], req)
    return result


def out_of_memory(stderr: str, req: dict) -> bool:
    """The runtime said it ran out of memory (runtime.json memory_markers). Only ever
    turns a failure into MEMORY_LIMIT: a candidate printing a marker gains nothing."""
    return any(str(m) in stderr for m in req.get("memory_markers", ()))


class Server:
    """A spawned long-lived process that answers one line per request line."""

    def __init__(
        self, pid: int, in_w: int, out_r: int, err_r: int, req: dict | None = None
    ) -> None:
        self.pid, self.in_w, self.out_r, self.err_r = pid, in_w, out_r, err_r
        self.req = req or {}  # the spawn request (its memory_markers)
        self.buf = bytearray()
        self.err = bytearray()

    def read_line(self, limit: float, max_out: int) -> dict:
        t0 = time.monotonic()
        deadline = t0 + limit
        while True:
            i = self.buf.find(b"\n")
            if i >= 0:
                line = bytes(self.buf[:i])
                del self.buf[: i + 1]
                return {
                    "reason": "ok",
                    "line": line.decode("utf-8", "replace"),
                    "wall": round(time.monotonic() - t0, 4),
                }
            if len(self.buf) > max_out:
                return self.fail("output_limit", t0)
            now = time.monotonic()
            if now >= deadline:
                return self.fail("timeout", t0)
            fds = [self.out_r] + ([self.err_r] if self.err_r >= 0 else [])
            r, _, _ = select.select(fds, [], [], min(deadline - now, 0.05))
            if self.err_r in r:
                chunk = os.read(self.err_r, 1 << 16)
                if chunk:
                    self.err += chunk[: max(STDERR_CAP - len(self.err), 0)]
                else:
                    os.close(self.err_r)
                    self.err_r = -1
            if self.out_r in r:
                chunk = os.read(self.out_r, 1 << 16)
                if not chunk:
                    return self.fail("died", t0)
                self.buf += chunk
            elif not r:
                pid, st, _ = os.wait4(self.pid, os.WNOHANG)
                if pid:
                    return self.fail("died", t0, st=st)

    def call(self, line: str, limit: float, max_out: int) -> dict:
        try:
            os.write(self.in_w, line.encode() + b"\n")
            return self.read_line(limit, max_out)
        except BrokenPipeError:
            return self.fail("died", time.monotonic())

    def fail(self, reason: str, t0: float, st: int | None = None) -> dict:
        wall = time.monotonic() - t0
        killed = False
        if st is None and reason == "died":  # closed its output: give it time to exit
            for _ in range(50):
                pid, wst, _ = os.wait4(self.pid, os.WNOHANG)
                if pid:
                    st = wst
                    break
                time.sleep(0.002)
        if st is None:
            kill_group(self.pid)
            killed = True  # so a SIGKILL status is not mistaken for the OOM killer's
            _, st, _ = os.wait4(self.pid, 0)
        result = {
            "reason": reason,
            "wall": round(wall, 4),
            "killed": killed,
            "stderr": bytes(self.err).decode("utf-8", "replace"),
        }
        result.update(status(st))
        result["out_of_memory"] = out_of_memory(result["stderr"], self.req)
        self.pid = -1
        return result

    def close(self) -> None:
        if self.pid > 0:
            kill_group(self.pid)
            with contextlib.suppress(ChildProcessError):
                os.wait4(self.pid, 0)  # reap now, so reset does not count it as a stray
            self.pid = -1
        for fd in (self.in_w, self.out_r, self.err_r):
            if fd >= 0:
                os.close(fd)
