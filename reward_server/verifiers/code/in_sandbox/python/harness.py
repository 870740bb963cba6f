"""Candidate-side call server: loads the candidate's program, then calls its functions.

Runs as the unprivileged candidate, in the candidate's process: nothing here is trusted.
It only turns "call f with these arguments" into "f returned this value" as tagged JSON
(see valuecodec.py); the judge, on the other side of the sandbox boundary, decides what
the value means. Usage: `python3 -I harness.py serve /work/main.py`.

Protocol on private copies of stdin/stdout (the candidate's own prints go to stderr):
first line {"loaded": true, "names": {...}} or {"loaded": false, "error": ...}, where each
top-level name is {"kind": "callable"}, {"kind": "module", "module"}, {"kind": "value",
"v": wire} (small plain data) or {"kind": "value", "lazy": true} (read on demand); then one
reply per request. A call {"name", "args": [wire...], "kwargs": {name: wire}, "track":
bool} answers {"ok": wire} | {"raise": type, "msg"}, plus with "track" "mutated": [[index or
keyword, wire], ...] for the arguments whose contents the call changed; a read {"get":
name} answers {"ok": wire} with that top-level value | {"raise": ...}.

Calls the judge made ahead (see the judge's assert_lookahead.py) carry "guard": true: they
assume no call since the last unguarded one changed an argument the test may read again,
and that earlier results equal what the test compared them with, "assume": [[back, wire],
...] (the value returned `back` calls before this one). After a call that changed an
argument, or at an assumption that does not hold, the rest are answered {"skipped":
true} without running. A guarded call may take an earlier call's result as an argument,
"refs": [[index or keyword, back], ...], so a chain like `candidate(encode(s))` needs no
round trip per call. Only results of calls sent with "keep": true are kept for either;
a call whose result is not kept (it raised) cannot be assumed or referred to.
"""

from __future__ import annotations

import json
import os
import sys
import types
from dataclasses import dataclass, field

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import valuecodec

sys.path.pop(0)

# A top-level value sent with the names at load: at most this many nodes each, this many
# in all; bigger ones (a million-item table) are read only if the test code names them.
EAGER_NODES = 256
EAGER_TOTAL = 4096
_SCALARS = (type(None), bool, int, float, complex, str, bytes)
_IMMUTABLE = (type(None), bool, int, float, complex, str, bytes, range)
KEPT_RESULTS = 256  # how far back a ref may reach (the judge's batches are shorter)
_MISSING = object()


@dataclass
class Calls:
    """What the calls answered so far mean for the ones made ahead after them."""

    n: int = 0  # requests answered
    kept: dict = field(default_factory=dict)  # request index -> its result's wire
    spoiled: bool = False  # since the last unguarded call: one changed an argument


def _describe(ns: dict) -> dict:
    """Top-level names the judge may use: callables become proxies, small plain data is
    copied, other values are only named (the judge reads them with {"get"} if needed)."""
    names = {}
    total = [EAGER_TOTAL]
    for key, value in list(ns.items()):
        if key.startswith("__"):
            continue
        if isinstance(value, types.ModuleType):
            names[key] = {"kind": "module", "module": getattr(value, "__name__", "")}
        elif callable(value):
            names[key] = {"kind": "callable"}
        else:
            names[key] = _value_entry(value, total)
    return names


def _value_entry(value: object, total: list[int]) -> dict:
    room = [min(EAGER_NODES, total[0])]
    before = room[0]
    small = _small(value, room, 0)
    total[0] -= before - max(room[0], 0)
    if small:
        try:
            return {"kind": "value", "v": valuecodec.to_wire(value)}
        except (TypeError, ValueError, RecursionError):
            pass
    return {"kind": "value", "lazy": True}


def _small(value: object, room: list[int], depth: int) -> bool:
    """True for a tree of exact builtins within `room` nodes. Nothing else is encoded at
    load: encoding may run the program's code (an iterator would be drained)."""
    t = type(value)
    cost = 1
    if t is str or t is bytes:
        cost += len(value) >> 6
    elif t is int:
        cost += value.bit_length() >> 9
    room[0] -= cost
    if room[0] < 0 or depth > 20:
        return False
    if t in _SCALARS:
        return True
    if t in (list, tuple, set, frozenset):
        return all(_small(x, room, depth + 1) for x in value)
    if t is dict:
        return all(
            _small(k, room, depth + 1) and _small(v, room, depth + 1) for k, v in value.items()
        )
    return False


def _text(msg: dict) -> tuple[str, bool]:
    """A reply's line, and False when it could not be sent as it is (a TypeError goes)."""
    try:
        return json.dumps(msg, separators=(",", ":"), allow_nan=False), True
    except (TypeError, ValueError, RecursionError) as exc:
        return json.dumps({"raise": "TypeError", "msg": f"unsendable reply: {exc}"}), False


def serve(path: str) -> None:
    proto_in = os.fdopen(os.dup(0), "r", encoding="utf-8")
    proto_out = os.fdopen(os.dup(1), "w", encoding="utf-8")
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.dup2(2, 1)  # the candidate's prints must not interleave with replies
    ns: dict = {"__name__": "solution", "__file__": path, "__builtins__": __builtins__}
    try:
        with open(path, encoding="utf-8", errors="surrogateescape") as f:
            source = f.read()
        exec(compile(source, path, "exec"), ns)
    except BaseException as exc:  # SystemExit included: loading failed
        error = {"loaded": False, "error": f"{type(exc).__name__}: {exc}"[:2000]}
        proto_out.write(_text(error)[0] + "\n")
        proto_out.flush()
        return
    proto_out.write(_text({"loaded": True, "names": _describe(ns)})[0] + "\n")
    proto_out.flush()
    calls = Calls()
    for line in proto_in:
        proto_out.write(answer(ns, line, calls) + "\n")
        proto_out.flush()


def answer(ns: dict, line: str, calls: Calls) -> str:
    """The reply line to one request line; `calls` is what the ones before it left."""
    req, reply = _answer(ns, line, calls)
    text, sent = _text(reply)
    if "mutated" in reply or "skipped" in reply:
        calls.spoiled = True
    elif sent and "ok" in reply and req.get("keep"):
        calls.kept[calls.n] = reply["ok"]
        calls.kept.pop(calls.n - KEPT_RESULTS, None)
    calls.n += 1
    return text


def _answer(ns: dict, line: str, calls: Calls) -> tuple[dict, dict]:
    """One request and its reply: a call of a top-level function, or a read of a
    top-level value; a call made ahead that no longer applies is skipped."""
    req: dict = {}
    try:
        parsed = json.loads(line)
        if not isinstance(parsed, dict):
            raise TypeError("a request is a JSON object")
        req = parsed
        if not req.get("guard"):
            calls.spoiled = False
        elif calls.spoiled or not _resolve(req, calls):
            return req, {"skipped": True}
        return req, _run(ns, req)
    except BaseException as exc:  # a malformed request: answered, never fatal
        return req, _raised(exc)


def _resolve(req: dict, calls: Calls) -> bool:
    """Puts the results a call refers to in its arguments; False if one is not kept or
    an assumption does not hold."""
    for back, wire in req.get("assume", ()):
        if type(back) is not int or calls.kept.get(calls.n - back, _MISSING) != wire:
            return False
    for where, back in req.get("refs", ()):
        wire = calls.kept.get(calls.n - back, _MISSING) if type(back) is int else _MISSING
        if wire is _MISSING:
            return False
        req["args" if type(where) is int else "kwargs"][where] = wire
    return True


def _run(ns: dict, req: dict) -> dict:
    try:
        if "get" in req:
            return {"ok": valuecodec.to_wire(ns[req["get"]])}
        fn = ns[req["name"]]
        args = valuecodec.from_wire(req["args"])
        kwargs = {str(k): valuecodec.from_wire(v) for k, v in req.get("kwargs", {}).items()}
    except BaseException as exc:  # a malformed request: answered, never fatal
        return _raised(exc)
    try:
        reply = {"ok": valuecodec.to_wire(fn(*args, **kwargs))}
    except BaseException as exc:  # every failure is the candidate's
        reply = _raised(exc)
    if req.get("track"):
        mutated = _mutated(req, args, kwargs)
        if mutated:
            reply["mutated"] = mutated
    return reply


def _raised(exc: BaseException) -> dict:
    try:
        msg = str(exc)[:2000]
    except BaseException:  # the program's own __str__
        msg = ""
    return {"raise": type(exc).__name__, "msg": msg}


def _mutated(req: dict, args: list, kwargs: dict) -> list:
    """[index or keyword, wire] for every argument whose contents differ from what was
    sent, so the judge can change the test's own object the same way."""
    sent = list(enumerate(req["args"])) + list(req.get("kwargs", {}).items())
    now = list(enumerate(args)) + list(kwargs.items())
    out = []
    for (where, before), (_, value) in zip(sent, now, strict=False):
        if type(value) in _IMMUTABLE:
            continue
        try:
            after = valuecodec.to_wire(value)
        except BaseException:  # the call stored something that is not data: not sendable
            continue
        if after != before:
            out.append([where, after])
    return out


def run_main(path: str) -> None:
    """Runs the program as `python3 -I path` would (as __main__, exit status, atexit
    hooks, non-daemon threads joined), then ends the process."""
    import atexit
    import threading
    import traceback

    code = 0
    try:
        # What runpy.run_path does for a plain file, without its per-call imports: a fresh
        # __main__ module (so pickle and friends find the program's classes).
        main = types.ModuleType("__main__")
        main.__file__ = path
        sys.modules["__main__"] = main
        with open(path, "rb") as f:
            source = f.read()
        exec(compile(source, path, "exec"), main.__dict__)
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            code = exc.code or 0
        else:
            print(exc.code, file=sys.stderr)
            code = 1
    except BaseException:  # the uncaught exception of the program, as the interpreter
        traceback.print_exc()
        code = 1
    for finish in (threading._shutdown, atexit._run_exitfuncs):
        try:
            finish()
        except BaseException:  # hooks are the program's own code
            traceback.print_exc()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:
            code = code or 120  # what the interpreter returns when the final flush fails
    os._exit(code & 0xFF)


def zygote(fd: int) -> None:
    """Becomes one candidate per request received on socket `fd` (see common/zygote.py).

    The process that reads the socket (the active one) never runs candidate code before
    its request: it imports what serving needs once, forks a spare copy of itself, then
    waits. A request turns the active process itself into the candidate, set up exactly
    like the supervisor's own children (processes.child_setup: limits, then the candidate
    uid), and hands the socket to the spare, which forks its own spare and waits in turn.
    So the fork is never on a request's path and there is no intermediate process: the
    candidate is the supervisor's child (the first active process) or was reparented to
    it when its parent, the candidate before it, was stopped.
    """
    # Imported once here so forked programs do not pay for them: what serving needs, and
    # standard modules programs commonly import (pure code with no state of their own, so
    # a program cannot tell them from a fresh import; `typing` alone costs ~4 ms of CPU).
    import atexit  # noqa: F401
    import bisect  # noqa: F401
    import copy  # noqa: F401
    import functools  # noqa: F401
    import gc
    import heapq  # noqa: F401
    import itertools  # noqa: F401
    import math  # noqa: F401
    import socket
    import string  # noqa: F401
    import threading  # noqa: F401
    import traceback  # noqa: F401
    import typing  # noqa: F401

    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    import processes

    sys.path.pop(0)
    processes.make_undumpable()
    processes.ignore_signals()
    sock = socket.socket(fileno=fd)
    # Children would otherwise have their first garbage collection walk (and so copy) every
    # object inherited from this process.
    gc.collect()
    gc.freeze()
    while True:
        spare, handover = _fork_spare()
        if spare == 0:
            continue  # handed the socket: now the active process
        msg, fds, _flags, _addr = socket.recv_fds(sock, 1 << 16, 3)
        if not msg or len(fds) != 3:
            return  # the supervisor closed the socket: the spare sees EOF and ends too
        job = json.loads(msg)
        if spare > 0 and os.waitpid(spare, os.WNOHANG)[0]:
            spare = -1  # it died (e.g. the OOM killer): the supervisor starts a new zygote
        code = 1
        try:
            sock.sendall(json.dumps({"pid": os.getpid(), "next": max(spare, 0)}).encode() + b"\n")
            if spare > 0:
                os.write(handover, b"go")
            processes.child_setup(*fds, [tuple(x) for x in job["limits"]])
            os.environ.clear()
            os.environ.update({str(k): str(v) for k, v in job["env"].items()})
            sys.argv = [job["path"], *map(str, job.get("args", ()))]
            if job.get("mode") == "run":
                run_main(job["path"])  # never returns
            serve(job["path"])
            code = 0
        finally:
            os._exit(code)


def _fork_spare() -> tuple[int, int]:
    """Forks the spare: (0, -1) in the spare once the socket is handed to it (it exits if
    its parent dies without handing it over), (spare pid or -1 if the fork failed, the
    write end of the hand-over pipe) in the parent."""
    r, w = os.pipe()
    try:
        pid = os.fork()
    except OSError:  # e.g. the pids limit: this request is served, the next needs a zygote
        os.close(r)
        return -1, w
    if pid:
        os.close(r)
        return pid, w
    os.close(w)
    if os.read(r, 2) != b"go":
        os._exit(0)
    os.close(r)
    return 0, -1


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "serve":
        serve(sys.argv[2])
    elif len(sys.argv) == 3 and sys.argv[1] == "zygote":
        zygote(int(sys.argv[2]))
    else:
        sys.exit("usage: harness.py serve PROGRAM | zygote FD")
