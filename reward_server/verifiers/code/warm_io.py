"""Warm io runs: one runtime process per completion runs each of its io tests in a fresh
program state (runtime.json `io_serve`), for runtimes that cannot fork from a warm process.

A JVM or Node.js start costs tens to hundreds of ms of CPU; a one-off run pays it per
test, the runner once per completion, and then runs each test in a fresh class loader
(Java) or vm context (Node.js). The runner is spawned in the candidate's container like a
call server (the candidate uid, the task's limits, its own session) and it is not trusted:
it never sees an expected output, and a candidate that took it over could only forge its
own output, which it can do by printing.

The line protocol (one "\\n"-terminated ASCII line each way; base64 with padding):

    hello, once (runner):  ready | cold <reason> | compile_error <b64 diagnostics>
    request (host):        run <b64 stdin>
    reply (runner):        done <exit_code> <flags> <b64 stdout> <b64 stderr>

flags is "-" or a comma list of `output_limit` (stdout went over SANDBOX_MAX_OUTPUT bytes;
the test ended there) and `tainted` (the runner cannot promise a fresh state for another
test; the host stops it and starts a new one). `cold` means the runner will not run this
program faithfully (e.g. it does raw fd I/O); `compile_error` only comes from a runner
whose hello does the compile step (`io_serve_compiles`). The runner keeps no time: the
host kills it when a reply is late, as it kills a one-off run.

Faithfulness: a warm reply that passes counts. A warm failure (WRONG, RUNTIME_ERROR,
MEMORY_LIMIT, a checker's rejection), a reply that cannot be read and a runner that dies
are run again the old way (one fresh process) and that result counts, so the warm path
never fails a program a real run passes. Time and output limits are final: the warm run
is the faster one, and both retire the container as a one-off run's would.
"""

from __future__ import annotations

import base64
import binascii
from typing import TYPE_CHECKING

from reward_server.api import reward_pb2
from reward_server.verifiers.code.container import PROTOCOL_SLACK_S

if TYPE_CHECKING:
    from reward_server.verifiers.code.session import Context, Job

STDERR_CAP = 16 * 1024  # what the runner keeps of one test's stderr (as a one-off run)
HELLO_WAIT_S = 10.0  # at least this long for the runtime to start, on a loaded machine
FINAL = ("timeout", "output_limit")  # warm outcomes that are not run again


def enabled(ctx: Context) -> bool:
    return bool(ctx.runtime.io_serve) and ctx.config.warm_io


class Runner:
    """The host's handle on the warm runner of one completion, in one container."""

    def __init__(self, ctx: Context, job: Job) -> None:
        self.ctx, self.job = ctx, job
        self.alive = False  # warm runs may follow
        self.spawned = False  # the supervisor holds the runner as its call server
        self.off = ""  # why the warm path is off for the rest of this completion
        self.reply_cap = (ctx.config.max_output_bytes + STDERR_CAP) * 4 // 3 + 1024

    def start(self, write: dict | None) -> str | None:
        """Spawns the runner (after the source `write`, in the same round trip); returns
        the compile diagnostics of a `compile_error` hello, else None (`alive` says
        whether warm runs may follow, `off` why not)."""
        ctx, job, rt = self.ctx, self.job, self.ctx.runtime
        req = ctx.run_args(rt.io_serve, job.time_limit_s, job.memory_mb)
        wait = max(job.time_limit_s, HELLO_WAIT_S)
        req.update(
            op="spawn",
            time_limit=wait,  # the hello's deadline; each test has its own
            cpu_limit_s=wait + job.time_limit_s * max(len(job.task.io.cases), 1),
        )
        req["env"]["SANDBOX_MAX_OUTPUT"] = str(ctx.config.max_output_bytes)
        req.update(ctx.zygote_args("io_serve", job.memory_mb, job.time_limit_s))
        ops = [write, req] if write is not None else [req]
        *written, res = ctx.box.requests(ops, timeout=wait + 5.0 + PROTOCOL_SLACK_S)
        for r in written:
            ctx._check(r)
        if res["reason"] in ("bad_request", "timeout"):
            ctx._check(res)  # a runtime that did not start in time retires the box
        if res["reason"] != "ok":
            self.off = f"the runner did not start ({res['reason']})"
            return None
        self.spawned = True
        word, _, rest = res["line"].partition(" ")
        if word == "ready":
            self.alive = True
        elif word == "compile_error" and rt.io_serve_compiles:
            self.off = "the program does not compile"
            self.stop()
            return _b64_text(rest) or "the program does not compile"
        else:
            self.off = f"the runner declined: {rest[:200]}" if word == "cold" else "bad hello"
            self.stop()
        return None

    def ready(self) -> bool:
        """Whether a warm run can go now, starting a new runner after a tainted one."""
        if not self.alive and not self.off:
            self.start(None)
        return self.alive

    def run(self, case: reward_pb2.IoCase) -> dict | None:
        """One test in the runner: a run report like a one-off run's, or None when the
        runner failed (it is then stopped; the caller runs the case the old way)."""
        ctx, job = self.ctx, self.job
        data = case.stdin.encode("utf-8", "surrogateescape")
        msg = {
            "op": "call",
            "line": "run " + base64.b64encode(data).decode("ascii"),
            "time_limit": job.time_limit_s,
            "max_output": self.reply_cap,
        }
        res = ctx.box.requests([msg], timeout=job.time_limit_s + PROTOCOL_SLACK_S)[0]
        if res["reason"] in FINAL or res["reason"] == "bad_request":
            ctx._check(res)  # killed at the limit, as a one-off run would be
            self.alive = self.spawned = False
            return res
        if res["reason"] != "ok":  # died (the supervisor reaped it): run it the old way,
            self.alive = self.spawned = False  # and the rest too
            self.off = "the runner died"
            return None
        report = _parse_reply(res, ctx.config.max_output_bytes, ctx.runtime.memory_markers)
        if report is None:
            self.off = "the runner sent an unreadable reply"
            self.stop()
        elif report.pop("tainted"):
            self.stop()
        return report

    def stop(self) -> None:
        """Ends the runner (before a one-off run: nothing else may be left running)."""
        if self.spawned:
            self.ctx.op({"op": "stop"}, 5.0)
        self.alive = self.spawned = False


def _b64_text(text: str) -> str | None:
    try:
        return base64.b64decode(text, validate=True).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return None


def _parse_reply(res: dict, max_output: int, markers: tuple[str, ...]) -> dict | None:
    """A `done` reply as a one-off run's report (see processes.run_to_end), or None."""
    parts = res["line"].split(" ")
    if len(parts) != 5 or parts[0] != "done" or not parts[1].isdigit():
        return None
    flags = set() if parts[2] == "-" else set(parts[2].split(","))
    out, err = _b64_text(parts[3]), _b64_text(parts[4])
    code = int(parts[1])
    if out is None or err is None or code > 255 or not flags <= {"output_limit", "tainted"}:
        return None
    over = "output_limit" in flags or len(out.encode("utf-8", "surrogateescape")) > max_output
    err = err[:STDERR_CAP]
    return {
        "reason": "output_limit" if over else "exited",
        "exit_code": code,
        "signal": None,
        "stdout": out,
        "stderr": err,
        "wall": res.get("wall", 0.0),
        "out_of_memory": any(m in err for m in markers),
        "tainted": "tainted" in flags or over,
    }
