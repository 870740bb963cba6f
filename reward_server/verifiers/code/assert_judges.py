"""A pool of assert_judge processes (host side), each used by one session at a time."""

from __future__ import annotations

import hashlib
import json
import os
import queue
import selectors
import shutil
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

WORKER = Path(__file__).with_name("assert_judge.py")
MAX_JOBS_PER_WORKER = 500
MAX_PLANS = 1024  # test codes whose first calls are remembered (one group's task each)
NOBODY = 65534
DEFAULT_MEMORY_MB = 1024


def _world_runnable(path: str) -> bool:
    """True when an unprivileged user can execute `path` (every parent dir searchable)."""
    p = Path(os.path.realpath(path))
    try:
        if not p.stat().st_mode & stat.S_IXOTH:
            return False
        return all(d.stat().st_mode & stat.S_IXOTH for d in p.parents)
    except OSError:
        return False


def judge_command(codec_dir: str, memory_mb: int = DEFAULT_MEMORY_MB) -> list[str]:
    """The judge's argv: it limits its own address space (`--memory-mb`) and drops to
    nobody itself (`--uid`) when the server is root.

    The judge only needs the standard library, so when the server's own interpreter is
    not reachable by nobody (e.g. under /root) a system python3 is used instead.
    """
    args = [str(WORKER), codec_dir, "--memory-mb", str(memory_mb)]
    if os.geteuid() != 0:
        return [sys.executable, "-I", *args]
    for exe in (sys.executable, shutil.which("python3") or "", "/usr/bin/python3"):
        if exe and _world_runnable(exe):
            return [exe, "-I", *args, "--uid", str(NOBODY)]
    return [sys.executable, "-I", *args, "--uid", str(NOBODY)]


class JudgeProcess:
    def __init__(self, codec_dir: str, memory_mb: int = DEFAULT_MEMORY_MB) -> None:
        # The judge never shares a uid with anything the candidate could reach: when the
        # server runs as root the judge drops to nobody (the candidate's uid is 10001).
        # No user/group arguments: Popen then uses vfork, never fork() of this process.
        self.proc = subprocess.Popen(
            judge_command(codec_dir, memory_mb),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd="/",
            # one BLAS thread: test code importing numpy must fit the address-space limit
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "OPENBLAS_NUM_THREADS": "1"},
        )
        self.jobs = 0
        self._buf = bytearray()
        self._sel = selectors.DefaultSelector()
        self._sel.register(self.proc.stdout, selectors.EVENT_READ)

    def send(self, msg: dict) -> None:
        try:
            self.proc.stdin.write(json.dumps(msg, separators=(",", ":")).encode() + b"\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            raise ConnectionError(f"the judge process exited ({self._status()})") from None

    def _status(self) -> str:
        try:
            code = self.proc.wait(1.0)
        except subprocess.TimeoutExpired:
            return "still running"
        return f"killed by signal {-code}" if code < 0 else f"exit status {code}"

    def recv(self, deadline: float) -> dict:
        fd = self.proc.stdout.fileno()
        while True:
            i = self._buf.find(b"\n")
            if i >= 0:
                line = bytes(self._buf[:i])
                del self._buf[: i + 1]
                return json.loads(line)
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._sel.select(remaining):
                raise TimeoutError("the judge did not finish in time")
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                raise ConnectionError(f"the judge process exited ({self._status()})")
            self._buf += chunk

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()
        self._sel.close()


class JudgePool:
    def __init__(self, codec_dir: str, memory_mb: int = DEFAULT_MEMORY_MB) -> None:
        self._codec_dir, self._memory_mb = codec_dir, memory_mb
        self._idle: queue.SimpleQueue[JudgeProcess] = queue.SimpleQueue()
        self._all: set[JudgeProcess] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._plans: dict[bytes, list[dict]] = {}  # oldest first

    def first_calls(self, spec, timeout: float) -> list[dict]:
        """The calls the first test of these AssertTests makes first, known before the
        program runs (assert_judge.first_calls); asked of a judge once per test code,
        so the samples of a group after the first cost nothing. [] when unknown."""
        test_code, entry_point = spec.test_code, spec.entry_point
        key = hashlib.sha256(f"{entry_point}\0{test_code}".encode(errors="replace")).digest()
        with self._lock:
            if key in self._plans:
                return self._plans[key]
        proc, healthy, calls = self.acquire(), False, []
        try:
            proc.send({"op": "plan", "test_code": test_code, "entry_point": entry_point})
            msg = proc.recv(time.monotonic() + timeout)
            if msg.get("op") == "plan" and isinstance(msg.get("calls"), list):
                healthy = True
                calls = [c for c in msg["calls"] if isinstance(c, dict)]
        except (TimeoutError, ConnectionError, ValueError):
            pass
        finally:
            self.release(proc, healthy)
        with self._lock:  # a failed answer too: setup that hangs is not waited for again
            self._plans[key] = calls
            while len(self._plans) > MAX_PLANS:
                del self._plans[next(iter(self._plans))]
        return calls

    def acquire(self) -> JudgeProcess:
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            proc = JudgeProcess(self._codec_dir, self._memory_mb)
            with self._lock:
                self._all.add(proc)
            return proc

    def release(self, proc: JudgeProcess, healthy: bool) -> None:
        proc.jobs += 1
        if healthy and proc.jobs < MAX_JOBS_PER_WORKER and not self._closed:
            self._idle.put(proc)
            return
        with self._lock:
            self._all.discard(proc)
        proc.kill()

    def warm(self, n: int) -> None:
        for _ in range(n):
            self.release(self.acquire(), healthy=True)

    def close(self) -> None:
        self._closed = True
        with self._lock:
            procs, self._all = list(self._all), set()
        for proc in procs:
            proc.kill()
