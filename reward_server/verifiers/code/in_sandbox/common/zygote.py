"""A pre-started interpreter that forks candidates instead of starting a new one.

Python's start-up and imports cost ~15 ms per program; forking a warm, pristine process
costs ~1 ms. The zygote is a fresh exec that never runs candidate code or sees a job's
data (only the pipe fds and limits, over a private socketpair); it runs as root like the
supervisor, so a candidate (another uid) can neither signal it nor change its limits,
and its children drop to the candidate uid (processes.child_setup). After every reset it
must still be alive (not stopped) and scheduled as it was started, else it is replaced.
Its grandchildren are reparented to the supervisor, which waits for them like any other
candidate.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket

import cleanup
from processes import WORK, limits, pipes


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
        self.pid, self.sock = pid, ours
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
            pid = int(json.loads(reply)["pid"])
        except BaseException:
            for fd in ours:
                os.close(fd)
            raise
        finally:
            for fd in theirs:
                os.close(fd)
        return (pid, *ours)

    def waiting(self) -> bool:
        """Alive and not stopped: asleep on its socket, or still runnable on its way back
        to it after its last reply (on a loaded machine it may not have been scheduled
        yet; replacing it then cost a whole interpreter start). Checked before each fork;
        a zygote that stopped answering fails the fork by its socket timeout instead."""
        try:
            with open(f"/proc/{self.pid}/stat", "rb") as f:
                return f.read().rsplit(b")", 1)[1].split()[0] in (b"S", b"R", b"D")
        except OSError:
            return False

    def healthy(self) -> bool:
        """Waiting, and scheduled as it was started (checked at each reset: only a running
        candidate could have changed it, and the reset follows every candidate)."""
        return self.waiting() and cleanup.scheduling(self.pid) == self.started

    def close(self) -> None:
        cleanup.KEEP.discard(self.pid)
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)
        self.sock.close()
