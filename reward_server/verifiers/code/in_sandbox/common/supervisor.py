"""PID 1 of every sandbox container: runs candidate processes on request, returns plain data.

The host talks to this process over a Unix socket it listens on in a read-only mounted
folder (`--connect PATH`; unlinked as soon as we are connected) or, under gVisor, over the
container's attached stdin/stdout: one JSON object per line each way, every reply carrying
the request's nonce. The supervisor is *not* the judge: it never receives expected
outputs, so even a candidate that took it over could only forge its own output.

It runs as root with only CAP_SETUID, CAP_SETGID and CAP_KILL, and every candidate runs
as another uid (processes.py), so no candidate can signal, renice, re-limit or ptrace it;
it also ignores the terminating signals a candidate might try, and is non-dumpable.

Ops (field "op"): ping, write, exec (run to completion), spawn + call / calls (a
long-lived process answering one line per request; used for function calls and warm io
runs), stop (end that process, e.g. before a one-off exec), reset (kill every
process, wipe the writable dirs, report whether anything was left behind).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sys

# Isolated mode (-I) leaves this folder off sys.path; the sibling modules live here.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import cleanup
import processes
from zygote import Zygote

# The channel to the host: a Unix socket the host listens on (`--connect PATH`, the fast
# path: no dockerd relay) or else the attached stdin/stdout. Either way private fds >= 3
# that every candidate process has closed before it runs.
_proto = {"in": -1, "out": -1}


def _open_channel(argv: list[str]) -> None:
    if len(argv) == 3 and argv[1] == "--connect":
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(argv[2])
        fd = sock.detach()
        _proto["in"], _proto["out"] = fd, fd
    else:
        _proto["in"], _proto["out"] = os.dup(0), os.dup(1)


def _send(msg: dict) -> None:
    data = memoryview(json.dumps(msg, separators=(",", ":")).encode() + b"\n")
    while data:
        data = data[os.write(_proto["out"], data) :]


class _LineReader:
    """Buffered line reader on fd 0 (os.read in big chunks; requests arrive one at a time)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.buf = bytearray()

    def readline(self) -> bytes | None:
        while True:
            i = self.buf.find(b"\n")
            if i >= 0:
                line = bytes(self.buf[:i])
                del self.buf[: i + 1]
                return line
            chunk = os.read(self.fd, 1 << 16)
            if not chunk:
                return None
            self.buf += chunk


def _write_source(name: str, data: str) -> None:
    """Writes a fresh file owned by root (the candidate may read it, never replace it);
    O_EXCL|O_NOFOLLOW: a name that exists after a verified reset is an error, not a
    file to follow or overwrite."""
    path = os.path.join(processes.WORK, os.path.basename(name))
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    fd = os.open(path, flags, 0o644)
    with open(fd, "w", encoding="utf-8", errors="surrogateescape") as f:
        f.write(data)


class Supervisor:
    def __init__(self) -> None:
        self.server: processes.Server | None = None
        self.zygote: Zygote | None = None
        self.started = cleanup.scheduling(os.getpid())

    def handle(self, req: dict) -> dict:
        op = req.get("op")
        if op == "ping":
            return {
                "reason": "ok",
                "pid": os.getpid(),
                "uid": os.getuid(),
                "candidate_uid": processes.CANDIDATE_UID,
            }
        if op == "write":
            _write_source(str(req["name"]), req["data"])
            return {"reason": "ok"}
        if op == "exec":
            return processes.run_to_end(req, self._spawn, cleanup.kill_strays)
        if op == "spawn":
            self._stop_server()
            self.server = processes.Server(*self._spawn(req), req=req)
            res = self.server.read_line(
                float(req.get("time_limit", 5.0)), int(req.get("max_output", 1 << 20))
            )
            if res["reason"] != "ok":
                self._stop_server()
            return res
        if op == "call":
            return self._call(req["line"], float(req.get("time_limit", 5.0)), req)
        if op == "calls":
            return self._calls(req)
        if op == "stop":
            self._stop_server()
            return {"reason": "ok"}
        if op == "reset":
            return self._reset()
        return {"reason": "bad_request", "error": f"unknown op {op!r}"}

    def _call(self, line: str, limit: float, req: dict) -> dict:
        if self.server is None:
            return {"reason": "died", "stderr": "no process"}
        res = self.server.call(line, limit, int(req.get("max_output", 1 << 20)))
        if res["reason"] != "ok":
            self._stop_server()
        return res

    def _calls(self, req: dict) -> dict:
        """Several calls in one round trip. Each line is written only after the previous
        reply arrived, so the candidate sees exactly what separate calls would show it.
        With "shared" the calls share one time budget (the calls of one assert test),
        else each call has the whole limit (one function-test case each). Stops at the
        first call that does not answer; the replies before it are returned with it.
        "walls" holds each call's own wall time, the one that did not answer included."""
        limit = float(req.get("time_limit", 5.0))
        shared = bool(req.get("shared"))
        replies: list[str] = []
        walls: list[float] = []
        wall = 0.0
        for line in req["lines"]:
            res = self._call(str(line), max(limit - wall, 0.001) if shared else limit, req)
            walls.append(float(res.get("wall", 0.0)))
            wall += walls[-1]
            if res["reason"] != "ok":
                res.update(replies=replies, wall=round(wall, 4), walls=walls)
                return res
            replies.append(res["line"])
        return {"reason": "ok", "replies": replies, "wall": round(wall, 4), "walls": walls}

    def _spawn(self, req: dict) -> tuple[int, int, int, int]:
        """Takes the zygote's active process when the request names a zygote, else forks
        and execs."""
        argv = req.get("zygote")
        if not argv:
            return processes.start(req)
        if self.zygote is not None and (self.zygote.argv != argv or not self.zygote.waiting()):
            self.zygote.close()
            self.zygote = None
        if self.zygote is not None and not self.zygote.adopted():
            # Its parent, the last candidate, still runs (a one-off exec beside a serving
            # process): the candidate it would become could not be waited for.
            return processes.start(req)
        try:
            if self.zygote is None:
                self.zygote = Zygote([str(a) for a in argv])
            return self.zygote.spawn(req)
        except (OSError, ValueError, KeyError):  # a broken zygote: exec this one instead
            if self.zygote is not None:
                self.zygote.close()
                self.zygote = None
            return processes.start(req)

    def _stop_server(self) -> None:
        if self.server is not None:
            self.server.close()
            self.server = None

    def _reset(self) -> dict:
        self._stop_server()
        cleanup.reap_zombies()
        procs = cleanup.scan()  # one /proc pass for the survivors and the zygote's health
        if self.zygote is not None and not self.zygote.healthy(procs):
            self.zygote.close()  # stopped, killed or re-limited: start a fresh one later
            self.zygote = None
            procs = cleanup.scan()
        strays = cleanup.strays(procs)
        survivors = [p for p in strays if procs[p][0] not in (b"Z", b"X")]
        gone = cleanup.kill_all() if strays else True
        problems = []
        if cleanup.sweep_own() and not cleanup.wipe_as_candidate():
            problems.append("the wipe failed or overran its budget")
        problems[:0] = cleanup.leftovers()
        if cleanup.scheduling(os.getpid()) != self.started:
            problems.append("the supervisor's limits, priority or affinity changed")
        ipc = cleanup.ipc_objects()
        return {
            "reason": "ok",
            "leftover": len(survivors),
            "ipc": ipc,
            "files": problems,
            "dirty": bool(ipc) or bool(problems) or not gone,
        }


def main() -> None:
    processes.make_undumpable()
    processes.ignore_signals()
    _open_channel(sys.argv)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)  # the protocol uses private dups; nothing else may touch it
    os.dup2(devnull, 1)
    sup = Supervisor()
    reader = _LineReader(_proto["in"])
    while True:
        line = reader.readline()
        if line is None:
            return
        req_id = None
        try:
            req = json.loads(line)
            req_id = req.get("id")
            res = sup.handle(req)
        except Exception as exc:  # report, never die on a bad request
            res = {"reason": "bad_request", "error": f"{type(exc).__name__}: {exc}"}
        res["id"] = req_id  # the host matches replies to requests by this nonce
        _send(res)


if __name__ == "__main__":
    sys.exit(main())
