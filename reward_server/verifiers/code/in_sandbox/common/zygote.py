"""A pre-started interpreter that becomes candidates instead of starting a new one.

Python's start-up and imports cost ~15 ms per program; a warm, pristine process costs
~1 ms. The zygote is a fresh exec that never runs candidate code or sees a job's data
before its job (only the pipe fds and limits, over a private socketpair); it runs as
root like the supervisor, so a candidate (another uid) can neither signal it nor change
its limits, and it drops to the candidate uid when it becomes one
(processes.child_setup).

It is a family of two (see python/harness.py): the active process reads the socket and
has forked a spare copy of itself beforehand. A job turns the active process itself into
the candidate and hands the socket to the spare, which becomes the active one and forks
its own spare while the job runs. So no fork is on a job's path and no intermediate
process lives and dies per job. The candidate is the supervisor's child, or is
reparented to it once its parent (the candidate before it) is stopped, so the supervisor
waits for it like any other; the active process reports the new active one's pid with
every job it takes. After every reset both must still be alive (not stopped) and
scheduled as they were started, else the family is replaced.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket

import cleanup
from processes import WORK, limits, pipes

LIVE_STATES = (b"S", b"R", b"D")


class Zygote:
    def __init__(self, argv: list[str]) -> None:
        self.argv = argv
        ours, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            try:
                devnull = os.open(os.devnull, os.O_RDWR)
                for fd in (0, 1, 2):
                    os.dup2(devnull, fd)
                os.dup2(theirs.fileno(), 3)
                os.closerange(4, 1 << 16)
                os.set_inheritable(3, True)
                os.chdir(WORK)
                env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"}
                os.execvpe(argv[0], [*argv, "3"], env)
            finally:
                os._exit(127)
        theirs.close()
        self.pid, self.sock = pid, ours  # pid: the active process (0: none is left)
        self.sock.settimeout(2.0)  # a slow zygote costs the candidate's time, never a hang
        self.started = cleanup.scheduling(pid)
        cleanup.KEEP.add(pid)

    def spawn(self, req: dict) -> tuple[int, int, int, int]:
        theirs, ours = pipes()
        job = {
            "limits": limits(req),
            "env": req.get("env", {}),
            "path": req["path"],
            "mode": req.get("mode", "serve"),
            "args": [str(a) for a in req.get("args", ())],  # after the path, as sys.argv
        }
        try:
            socket.send_fds(self.sock, [json.dumps(job).encode()], list(theirs))
            reply = b""
            while not reply.endswith(b"\n"):
                chunk = self.sock.recv(256)
                if not chunk:
                    raise ConnectionError("zygote closed its socket")
                reply += chunk
            msg = json.loads(reply)
            pid, spare = int(msg["pid"]), int(msg["next"])
            if pid != self.pid:
                raise ValueError(f"job taken by {pid}, not by the active process {self.pid}")
        except BaseException:
            for fd in ours:
                os.close(fd)
            raise
        finally:
            for fd in theirs:
                os.close(fd)
        cleanup.KEEP.discard(pid)  # a candidate from now on
        self.pid = spare
        if spare:
            cleanup.KEEP.add(spare)
        return (pid, *ours)

    def waiting(self) -> bool:
        """The active process is alive and not stopped: asleep on its socket, or still
        runnable on its way to it (on a loaded machine it may not have been scheduled yet;
        replacing it then cost a whole interpreter start). Checked before each job; one
        that stopped answering fails the job by its socket timeout instead."""
        return self._state(self.pid)[0] in LIVE_STATES

    def adopted(self) -> bool:
        """The active process is this process's child, so the candidate it becomes can be
        waited for: its parent (the last candidate) is gone, or it is the first one."""
        return self._state(self.pid)[1] == os.getpid()

    def family(self, procs: dict[int, tuple[bytes, int]]) -> list[int]:
        """The active process and its spare, from a cleanup.scan()."""
        if not self.pid:
            return []
        return [p for p, (_, ppid) in procs.items() if p == self.pid or ppid == self.pid]

    def healthy(self, procs: dict[int, tuple[bytes, int]]) -> bool:
        """Both alive, not stopped, and scheduled as the first was started (checked at
        each reset: only a running candidate could have changed them, and the reset
        follows every candidate). The spare may be missing while it is being forked."""
        family = self.family(procs)
        return (
            self.pid in family
            and len(family) <= 2
            and all(procs[p][0] in LIVE_STATES for p in family)
            and all(cleanup.scheduling(p) == self.started for p in family)
        )

    def close(self) -> None:
        """Kills the spare first (else the active process's death would hand it the
        socket), then the active process; the spare is reaped once reparented here."""
        members = self.family(cleanup.scan())
        cleanup.KEEP.discard(self.pid)
        for pid in sorted(members, key=lambda p: p == self.pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        for pid in sorted(members, key=lambda p: p != self.pid):  # the active one first
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
        self.pid = 0
        self.sock.close()

    @staticmethod
    def _state(pid: int) -> tuple[bytes, int]:
        if not pid:
            return b"", 0
        try:
            fields = cleanup.read_proc(f"/proc/{pid}/stat").rsplit(b")", 1)[1].split()
            return fields[0], int(fields[1])
        except (OSError, IndexError, ValueError):
            return b"", 0
