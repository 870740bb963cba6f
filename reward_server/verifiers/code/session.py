"""Judges one completion inside one checked-out sandbox (blocking; runs in a worker thread).

Lifecycle: write the source -> compile once (if the language compiles) -> run every test
-> reset the container (kill everything, wipe the work dirs). Anything that suggests the
container may hold state of this run (timeout, kill, leftover process, protocol error)
marks it broken so the pool destroys it instead of reusing it.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from reward_server.api import reward_pb2
from reward_server.outcome import Outcome, Verdict
from reward_server.verifiers.code import io_tests, verdicts, warm_io
from reward_server.verifiers.code.assert_judge import step_kinds
from reward_server.verifiers.code.assert_judges import JudgePool
from reward_server.verifiers.code.compile_step import compile_detail, compile_limits
from reward_server.verifiers.code.config import SandboxConfig
from reward_server.verifiers.code.container import PROTOCOL_SLACK_S, Sandbox
from reward_server.verifiers.code.extract import PARSE_LOCK
from reward_server.verifiers.code.runtimes import Runtime, expand
from reward_server.verifiers.code.valuecodec_loader import valuecodec
from reward_server.verifiers.code.verdicts import TestResult, failed, passed

if TYPE_CHECKING:
    from reward_server.verifiers.code.checkers import Checker

BREAKS_CONTAINER = ("timeout", "output_limit", "died")
CALL_FIELDS = ("name", "args", "kwargs", "track", "guard", "refs", "assume", "keep")
LIMIT_VERDICTS = (Verdict.TIME_LIMIT, Verdict.MEMORY_LIMIT, Verdict.OUTPUT_LIMIT)


@dataclass(frozen=True)
class Job:
    code: str
    task: reward_pb2.CodeTask
    time_limit_s: float
    memory_mb: int
    tests_total: int | None = None  # count_tests(task), when the caller has it already
    checker: Checker | None = None  # the task's compiled checker (IoTests.checker)


@dataclass
class Context:
    box: Sandbox
    runtime: Runtime
    config: SandboxConfig
    judges: JudgePool

    def op(self, msg: dict, limit: float) -> dict:
        return self.ops([msg], limit)[0]

    def ops(self, msgs: list[dict], limit: float) -> list[dict]:
        """Runs ops back to back in one round trip; `limit` bounds all of them together."""
        replies = self.box.requests(msgs, timeout=limit + PROTOCOL_SLACK_S)
        for res in replies:
            self._check(res)
        return replies

    def _check(self, res: dict) -> None:
        if res.get("reason") in BREAKS_CONTAINER or res.get("leftover"):
            self.box.broken = f"run ended with {res.get('reason')}"
        elif res.get("signal") is not None:  # OOM kill, SIGXFSZ, SIGXCPU, a crash
            self.box.broken = f"run killed by signal {res.get('signal')}"
        if res.get("reason") == "bad_request":
            self.box.broken = f"supervisor rejected a request: {res.get('error')}"
            raise RuntimeError(self.box.broken)

    def reset(self) -> None:
        """Kills every candidate process and wipes the work dirs; a container the reset
        does not leave clean, or that fails it, is retired."""
        try:
            res = self.box.request({"op": "reset"}, timeout=10.0)
            if res.get("dirty") or res.get("leftover"):
                self.box.broken = f"reset found leftovers: {res}"
        except Exception as exc:  # any failure here retires the container
            self.box.broken = f"reset failed: {exc}"

    def stops_after(self, job: Job, result: TestResult) -> bool:
        """After a failure: stop, unless every test counts (partial credit, or the task
        asks for per-test results) and the container is still fit to run the next one."""
        go_on = self.config.partial_credit or job.task.report_tests
        return not result.passed and (not go_on or self.box.broken is not None)

    def zygote_args(self, mode: str, memory_mb: int, limit: float) -> dict:
        """Asks the supervisor to fork from the language's warm interpreter, if it has one
        for this kind of start (the argv in run_args stays the fallback); a zygote sized
        from the task's limits ({heap_mb}) serves tasks with those limits."""
        rt = self.runtime
        if not (rt.zygote and self.config.zygote and mode in rt.zygote_modes):
            return {}
        argv = expand(rt.zygote, memory_mb, rt.heap_percent, limit)
        return {"zygote": argv, "path": f"/work/{rt.source_file}", "mode": mode}

    def run_args(self, argv: tuple[str, ...], limit: float, memory_mb: int) -> dict:
        """A run request: argv with the limits filled in (see runtimes.expand); the same
        numbers in the environment, so a runtime can size its heap and threads from them.
        The rlimit is at least the runtime's min_memory_mb (the JVM, Node.js and Go cannot
        start under less); the runtime still sizes its heap from the task's limit."""
        rt = self.runtime
        heap_mb = max(memory_mb * rt.heap_percent // 100, 16)
        return {
            "argv": expand(argv, memory_mb, rt.heap_percent, limit),
            "time_limit": limit,
            "memory_mb": max(memory_mb, rt.min_memory_mb),
            "memory_rlimit": rt.memory_rlimit,
            "memory_markers": list(rt.memory_markers),
            "max_output": self.config.max_output_bytes,
            "stack_mb": rt.stack_mb,
            "fsize_mb": self.config.fsize_mb,
            "nofile": self.config.nofile,
            "env": {
                "PATH": "/usr/local/bin:/usr/bin:/bin",
                "HOME": "/work",
                "TMPDIR": "/tmp",
                "LANG": "C.UTF-8",
                **rt.env,
                "SANDBOX_MEMORY_MB": str(memory_mb),
                "SANDBOX_HEAP_MB": str(heap_mb),
                "SANDBOX_TIME_LIMIT_S": f"{limit:g}",
            },
        }


def count_tests(task: reward_pb2.CodeTask) -> int:
    kind = task.WhichOneof("tests")
    if kind == "io":
        return len(task.io.cases)
    if kind == "function":
        return len(task.function.cases)
    if kind == "asserts":
        with PARSE_LOCK:
            return step_kinds(task.asserts.test_code).count("test")
    return 0


def judge_completion(ctx: Context, job: Job) -> Outcome:
    """Runs every test of the task against the code; always resets the container."""
    total = count_tests(job.task) if job.tests_total is None else job.tests_total
    try:
        results = _run(ctx, job)
        hit = [r for r in results if r.verdict in LIMIT_VERDICTS]
        if hit and ctx.box.broken is None:  # a run that hit a limit retires its container
            ctx.box.broken = f"a run hit a limit: {hit[0].verdict.name}"
        return verdicts.combine(
            results, total, ctx.config.partial_credit, job.code, job.task.report_tests
        )
    finally:
        ctx.reset()


def _run(ctx: Context, job: Job) -> list[TestResult]:
    rt = ctx.runtime
    kind = job.task.WhichOneof("tests")
    write: dict | None = {"op": "write", "name": rt.source_file, "data": job.code}
    warm = kind == "io" and warm_io.enabled(ctx)
    # A warm runner's hello may stand for the compile step (io_serve_compiles); else the
    # source goes in the same round trip as the first run, or the runner's start.
    if rt.compile and not (warm and rt.io_serve_compiles):
        ctx.op(write, 5.0)
        write = None
        bad = _compile(ctx, job)
        if bad is not None:
            return [bad]
    if warm:
        return io_tests.run_io_warm(ctx, job, write, lambda: _compile(ctx, job))
    if kind == "io":
        return io_tests.run_io(ctx, job, write)
    return _run_calls(ctx, job, write, kind)


def _compile(ctx: Context, job: Job) -> TestResult | None:
    """The compile step, before any test input is in the container; temporary files go
    to /work, which the reset wipes, like everything the candidate uid can write."""
    rt = ctx.runtime
    limit, memory_mb = compile_limits(rt, ctx.config)
    req = ctx.run_args(rt.compile, limit, memory_mb)
    req["env"]["TMPDIR"] = "/work"
    res = ctx.op({"op": "exec", **req}, limit)
    if res["reason"] != "exited" or res.get("exit_code") != 0 or res.get("signal"):
        return failed(Verdict.COMPILE_ERROR, compile_detail(res))
    return None


def _run_calls(ctx: Context, job: Job, write: dict | None, kind: str) -> list[TestResult]:
    """Function and assert tests: (write the source and) start the call server, then test;
    the first calls of assert tests, when known in advance, go with the start."""
    asserts, wait = job.task.asserts, ctx.config.judge_time_limit_s
    first = ctx.judges.first_calls(asserts, wait) if kind == "asserts" else []
    names, bad, made = _spawn(ctx, job, write, first)
    if bad is not None:
        return [bad]
    if kind == "function":
        return _run_function(ctx, job, names)
    return _run_asserts(ctx, job, names, (first, made) if made else None)


def _spawn(
    ctx: Context, job: Job, write: dict | None, first: list[dict] | None = None
) -> tuple[dict | None, TestResult | None, dict | None]:
    """Starts the candidate's call server (after writing its source, and then making the
    `first` calls, in the same round trip when given); returns its top-level names or a
    failure, and the reply to the calls (None if none were made)."""
    req = {
        "op": "spawn",
        **ctx.run_args(ctx.runtime.serve, job.time_limit_s, job.memory_mb),
        **ctx.zygote_args("serve", job.memory_mb, job.time_limit_s),
    }
    ops, limit = [req], job.time_limit_s
    if write is not None:
        ops, limit = [write, req], limit + 5.0
    if first:
        ops.append(_calls_op(ctx, [_call_line(c) for c in first], job.time_limit_s, True))
        limit += job.time_limit_s
    replies = ctx.box.requests(ops, timeout=limit + PROTOCOL_SLACK_S)
    res = replies[ops.index(req)]
    for r in replies[: ops.index(req) + 1]:
        ctx._check(r)
    if res["reason"] != "ok":
        lost = failed(Verdict.RUNTIME_ERROR, "the program stopped while loading")
        return None, verdicts.run_failure(res, job.memory_mb) or lost, None
    try:
        hello = json.loads(res["line"])
        if hello.get("loaded") is True and isinstance(hello.get("names"), dict):
            made = replies[-1] if first else None
            if made is not None:  # only a loaded program's calls say anything about it
                ctx._check(made)
            return hello["names"], None, made
        detail = str(hello.get("error", "the program failed to load"))
    except (ValueError, AttributeError):
        detail = "the program wrote over the harness channel while loading"
    return None, failed(Verdict.RUNTIME_ERROR, detail), None


def _call_line(call: dict) -> str:
    """A request line for the call server (see harness.py): a call {"name", "args",
    "kwargs", "track"} (made ahead also "guard", "refs", "assume", "keep") or a read of a
    top-level value {"get"}; no other field crosses."""
    keys = ("get",) if "get" in call else CALL_FIELDS
    return json.dumps({k: call[k] for k in keys if k in call}, separators=(",", ":"))


def _calls(ctx: Context, lines: list[str], limit: float, shared: bool) -> dict:
    """Runs call lines in the call server in one round trip (see supervisor `calls`):
    the reply has "replies" (one line per answered call) and the reason it stopped."""
    return ctx.op(_calls_op(ctx, lines, limit, shared), limit if shared else limit * len(lines))


def _calls_op(ctx: Context, lines: list[str], limit: float, shared: bool) -> dict:
    return {
        "op": "calls",
        "lines": lines,
        "time_limit": limit,
        "shared": shared,
        "max_output": ctx.config.max_output_bytes,
    }


def _run_function(ctx: Context, job: Job, names: dict) -> list[TestResult]:
    """Every case in one round trip; each case still has the whole time limit."""
    spec = job.task.function
    if names.get(spec.entry_point, {}).get("kind") != "callable":
        return [failed(Verdict.WRONG, f"the program does not define {spec.entry_point}()")]
    lines = [
        _call_line(
            {
                "name": spec.entry_point,
                "args": valuecodec.to_wire(valuecodec.loads_json(c.args_json)),
            }
        )
        for c in spec.cases
    ]
    res = _calls(ctx, lines, job.time_limit_s, shared=False)
    replies, walls = res.get("replies", []), res.get("walls", [])
    results = []
    for i, case in enumerate(spec.cases):
        expected = valuecodec.loads_json(case.expected_json)
        wall = {"wall": walls[i] if i < len(walls) else 0.0}
        if i < len(replies):
            ok = {"reason": "ok", "line": replies[i]}
            results.append(verdicts.timed(_function_result(ctx, job, ok, expected), wall))
        else:  # the call that did not answer: the process is gone, later cases never ran
            results.append(verdicts.timed(_function_result(ctx, job, res, expected), wall))
            break
        if ctx.stops_after(job, results[-1]):
            break
    return results


def _function_result(ctx: Context, job: Job, res: dict, expected: object) -> TestResult:
    if res["reason"] != "ok":
        return verdicts.run_failure(res, job.memory_mb) or failed(Verdict.RUNTIME_ERROR, "died")
    try:
        reply = json.loads(res["line"])
        if "raise" in reply:
            return failed(Verdict.RUNTIME_ERROR, f"{reply['raise']}: {reply.get('msg', '')}")
        got = valuecodec.from_wire(reply["ok"])
    except (ValueError, TypeError, KeyError, RecursionError) as exc:
        return failed(Verdict.WRONG, f"unreadable return value: {exc}")
    if verdicts.plain_equal(got, expected, ctx.config.float_tolerance):
        return passed()
    return failed(Verdict.WRONG, f"returned {_short(got)}")


def _short(value: object) -> str:
    try:
        text = repr(value)
    except ValueError:  # an int over the interpreter's digit limit
        return f"a value of type {type(value).__name__} too large to show"
    return text if len(text) <= 200 else text[:200] + "..."


FAIL_VERDICTS = {"timeout": Verdict.TIME_LIMIT, "output_limit": Verdict.OUTPUT_LIMIT}


def _run_asserts(
    ctx: Context, job: Job, names: dict, made: tuple[list[dict], dict] | None = None
) -> list[TestResult]:
    """The judge process runs the test code; its proxy calls are forwarded to the call
    server, several per round trip when the judge can tell them in advance. `made`: the
    calls made with the program's start and their reply (see _run_calls)."""
    spec = job.task.asserts
    proc = ctx.judges.acquire()
    healthy = False
    limit = job.time_limit_s
    failures: list[TestResult] = []  # boundary failures seen by the host, in order
    spent: list[float] = []  # the candidate's wall time in each test so far
    run = {
        "op": "run",
        "test_code": spec.test_code,
        "entry_point": spec.entry_point,
        "names": names,
        "stop_on_fail": not (ctx.config.partial_credit or job.task.report_tests),
    }
    carry = 0.0  # the candidate's time in the calls made with the start: the first test's
    if made is not None:
        run["made"] = {"calls": made[0], **_judge_reply(made[1], job, failures)}
        carry = float(made[1].get("wall", 0.0))
    try:
        proc.send(run)
        budget = limit
        deadline = time.monotonic() + limit + ctx.config.judge_time_limit_s
        while True:
            msg = proc.recv(deadline)
            if msg["op"] == "begin":
                budget = limit - carry
                deadline = time.monotonic() + limit + ctx.config.judge_time_limit_s
                spent.append(carry)
                carry = 0.0
            elif msg["op"] == "calls":
                lines = [_call_line(c) for c in msg["calls"]]
                res = _calls(ctx, lines, max(budget, 0.001), shared=True)
                budget -= float(res.get("wall", 0.0))
                if spent:
                    spent[-1] += float(res.get("wall", 0.0))
                proc.send(_judge_reply(res, job, failures))
            elif msg["op"] == "done":
                healthy = not msg.get("retire")  # a judge that ran out of memory is replaced
                results = _assert_results(msg["results"], failures, ctx.config.judge_memory_mb)
                return [
                    verdicts.timed(r, {"wall": spent[i] if i < len(spent) else 0.0})
                    for i, r in enumerate(results)
                ]
    except (TimeoutError, ConnectionError, ValueError, KeyError) as exc:
        return [failed(Verdict.INFRA_ERROR, f"the judge failed: {exc}")]
    finally:
        ctx.judges.release(proc, healthy)


def _judge_reply(res: dict, job: Job, failures: list[TestResult]) -> dict:
    """A calls reply for the judge; a call that did not answer is kept for the verdict."""
    reply: dict = {"replies": res.get("replies", [])}
    if res["reason"] != "ok":
        failures.append(
            verdicts.run_failure(res, job.memory_mb)
            or failed(Verdict.RUNTIME_ERROR, "the program died")
        )
        reply.update(fail=res["reason"], detail=failures[-1].detail)
    return reply


def _assert_results(
    results: list[dict], failures: list[TestResult], judge_memory_mb: int
) -> list[TestResult]:
    out = []
    for r in results:
        if r.get("passed"):
            out.append(passed())
        elif r.get("kind") == "candidate_fail":
            out.append(
                failures.pop(0) if failures else failed(Verdict.RUNTIME_ERROR, r.get("detail", ""))
            )
        elif r.get("kind") == "candidate_raise":
            out.append(failed(Verdict.RUNTIME_ERROR, r.get("detail", "")))
        elif r.get("kind") == "memory":
            detail = f"{r.get('detail', '')} ({judge_memory_mb} MiB)"
            out.append(failed(Verdict.MEMORY_LIMIT, detail))
        elif r.get("kind") == "test_error":  # the test itself cannot run as written
            out.append(failed(Verdict.WRONG, r.get("detail", "")))
        else:
            out.append(failed(Verdict.WRONG, r.get("detail", "") or "a test failed"))
    return out
