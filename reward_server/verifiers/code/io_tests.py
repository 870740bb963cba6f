"""Io tests (stdin in, stdout judged in the server): each in a fresh process, or through
the language's warm runner (warm_io.py) where it has one; the output judged by the task's
comparison rule or its checker."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from reward_server.api import reward_pb2
from reward_server.outcome import Verdict
from reward_server.verifiers.code import verdicts, warm_io
from reward_server.verifiers.code.verdicts import TestResult, failed, passed

if TYPE_CHECKING:
    from reward_server.verifiers.code.session import Context, Job


def run_io(ctx: Context, job: Job, write: dict | None) -> list[TestResult]:
    """Each io test in a fresh process (after the source `write`, in the first round
    trip, when given)."""
    rule = _rule(ctx, job)
    results = []
    for case in job.task.io.cases:
        res = _run_case(ctx, job, case, write)
        write = None
        results.append(verdicts.timed(_io_result(ctx, job, case, res, rule), res))
        if ctx.stops_after(job, results[-1]):
            break
    return results


def run_io_warm(
    ctx: Context, job: Job, write: dict | None, compile_step: Callable[[], TestResult | None]
) -> list[TestResult]:
    """Every io test through the language's warm runner (warm_io.py), after the source
    `write` when given; `compile_step` runs when the runner's hello would have stood for
    it but the runner did not start. A test the runner does not pass, or cannot run, is
    run in a fresh process as run_io runs it, and that result counts; time and output
    limits in the runner are final."""
    rule = _rule(ctx, job)
    runner = warm_io.Runner(ctx, job)
    diagnostics = runner.start(write)
    if diagnostics is not None:
        return [failed(Verdict.COMPILE_ERROR, diagnostics)]
    if not runner.alive and ctx.runtime.io_serve_compiles:
        bad = compile_step()
        if bad is not None:
            return [bad]
    results: list[TestResult] = []
    for case in job.task.io.cases:
        res = runner.run(case) if runner.ready() else None
        warm = res is not None
        if res is None:
            runner.stop()
            res = _run_case(ctx, job, case, None)
        result = _io_result(ctx, job, case, res, rule)
        if warm and not result.passed and res["reason"] not in warm_io.FINAL:
            runner.stop()  # a failure counts only as a fresh process shows it
            res = _run_case(ctx, job, case, None)
            result = _io_result(ctx, job, case, res, rule)
        results.append(verdicts.timed(result, res))
        if ctx.stops_after(job, results[-1]):
            break
    return results


def _rule(ctx: Context, job: Job) -> verdicts.CompareRule:
    """How the task's outputs are compared (IoTests.compare, else the server's default)."""
    io = job.task.io
    return verdicts.compare_rule(
        io.compare if io.HasField("compare") else None, ctx.config.float_tolerance
    )


def _run_case(ctx: Context, job: Job, case: reward_pb2.IoCase, write: dict | None) -> dict:
    """One io test in a fresh process: the supervisor's run report."""
    req = {
        "op": "exec",
        "stdin": case.stdin,
        **ctx.run_args(ctx.runtime.run, job.time_limit_s, job.memory_mb),
        **ctx.zygote_args("run", job.memory_mb, job.time_limit_s),
    }
    if write is None:
        return ctx.op(req, job.time_limit_s)
    return ctx.ops([write, req], job.time_limit_s + 5.0)[1]


def _io_result(
    ctx: Context, job: Job, case: reward_pb2.IoCase, res: dict, rule: verdicts.CompareRule
) -> TestResult:
    """The result of one io test's run report: its failure, or the output's judgement."""
    bad = verdicts.run_failure(res, job.memory_mb)
    peak_kb = res.get("maxrss_kb", 0)  # one-off runs report it; warm runs do not
    if bad is None and _held_by_peak_rss(ctx, job) and peak_kb > job.memory_mb * 1024:
        detail = f"peak memory {peak_kb >> 10} MiB, over the limit ({job.memory_mb} MiB)"
        bad = failed(Verdict.MEMORY_LIMIT, detail)
    if bad is None:
        bad = _judge_output(ctx, job, case, res["stdout"], rule)
    return bad or passed()


def _held_by_peak_rss(ctx: Context, job: Job) -> bool:
    """The task's memory limit is below what the runtime can start under (runtime.json
    min_memory_mb), so the run's rlimit is the minimum (Context.run_args), and the runtime
    only has a soft limit of its own (Go's GOMEMLIMIT, min_memory_check "rss"): its peak
    resident memory is held to the task's limit instead."""
    rt = ctx.runtime
    return job.memory_mb < rt.min_memory_mb and rt.min_memory_check == "rss"


def _judge_output(
    ctx: Context, job: Job, case: reward_pb2.IoCase, output: str, rule: verdicts.CompareRule
) -> TestResult | None:
    """The failure of a clean run's output, or None: by the task's checker (in its own
    container) when it has one, else by comparison under the task's rule."""
    if job.checker is not None:
        memory_mb = max(job.memory_mb, ctx.config.default_memory_mb)
        res = job.checker.check(
            case.stdin, output, case.expected_stdout, job.time_limit_s, memory_mb
        )
        return None if res.passed else res
    if verdicts.output_matches(output, case.expected_stdout, rule):
        return None
    return failed(Verdict.WRONG, "output differs from the expected output")
