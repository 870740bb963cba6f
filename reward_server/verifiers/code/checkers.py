"""Checker programs (IoTests.checker): task code that decides whether an output is right.

A checker never runs in a candidate's container or process. Each one gets a sandbox
container of its own (same image and hardening as the candidates', created for it and
never lent to a candidate), where it is compiled once and then run per test as
`checker <input> <output> <answer>` (testlib's order). Only plain text crosses: the
candidate's captured output, the input and the answer are written as files by the
checker container's supervisor (readable, not writable, by the checker), each named by
its content; when they fill half the work folder, a fresh container takes over.

Whatever the candidate printed, a check ends in a pass or a WRONG: a checker that
crashes, loops past its time limit or floods its own output on a hostile output makes
the test WRONG with a detail saying so, and its container is replaced before the next
check. Blocking; called from the sandbox worker threads, one check at a time per checker.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable

from reward_server.outcome import TestResult, Verdict
from reward_server.verifiers.code.config import SandboxConfig
from reward_server.verifiers.code.container import PROTOCOL_SLACK_S, Sandbox, stale
from reward_server.verifiers.code.runtimes import Runtime
from reward_server.verifiers.code.session import Context, compile_detail, compile_limits

CHECKER_TIME_FLOOR_S = 2.0  # a checker reading a large output may need more than the run
WRITE_SLACK_S = 10.0  # for writing the test's files, in the same round trip as the run


class CheckerUnusable(Exception):
    """The checker cannot be used (it does not compile); the message says why."""


class Checker:
    """One compiled checker in its own container; `check` is safe to call from any thread."""

    def __init__(
        self,
        runtime: Runtime,
        config: SandboxConfig,
        make_box: Callable[[], Sandbox],
        destroy_box: Callable[[Sandbox], object],
        source: str,
    ) -> None:
        self.runtime, self.config, self.source = runtime, config, source
        self._make_box, self._destroy_box = make_box, destroy_box
        self._lock = threading.Lock()
        self._box: Sandbox | None = None
        self._files: set[str] = set()  # input/answer files already in the container
        self._bytes = 0
        self.compiles = 0  # how often the source was compiled (a fresh container each)

    def prepare(self) -> None:
        """Creates the container and compiles the checker; CheckerUnusable with the
        compiler's message when it does not compile."""
        with self._lock:
            self._ensure_box()

    def close(self) -> None:
        with self._lock:
            self._drop_box()

    def check(
        self, stdin: str, output: str, answer: str, time_limit_s: float, memory_mb: int
    ) -> TestResult:
        """Runs the checker on one test's input, the candidate's output and the answer."""
        limit = max(time_limit_s, CHECKER_TIME_FLOOR_S)
        with self._lock:
            try:
                texts = (stdin, output, answer)
                box = self._ensure_box()
                if not self._room_for(texts):  # keep the work folder from filling up
                    self._drop_box()
                    box = self._ensure_box()
                writes, names = self._writes(texts)
                argv = (*self.runtime.run, *names)
                run = self._exec(box, argv, limit, memory_mb, warm_args=names)
                replies = box.requests(
                    [*writes, run],
                    timeout=limit + PROTOCOL_SLACK_S + WRITE_SLACK_S,
                )
                self._written(writes, replies)
                res = replies[-1]
            except Exception as exc:  # the engine, the container, a full work folder
                self._drop_box()
                return TestResult(False, Verdict.INFRA_ERROR, f"the checker could not run: {exc}")
            if _dirty(res):  # killed, timed out or left processes: a fresh one next time
                self._drop_box()
        return _verdict(res, limit)

    def _ensure_box(self) -> Sandbox:
        if self._box is not None and (self._box.broken or stale(self._box)):
            self._drop_box()
        if self._box is None:
            box = self._make_box()
            try:
                self._compile(box)
            except BaseException:
                self._destroy_box(box)
                raise
            self._box = box
        return self._box

    def _compile(self, box: Sandbox) -> None:
        rt = self.runtime
        box.request({"op": "write", "name": rt.source_file, "data": self.source}, timeout=10.0)
        self.compiles += 1
        if not rt.compile:
            return
        limit, memory_mb = compile_limits(rt, self.config)  # the candidates' compile step
        req = self._exec(box, rt.compile, limit, memory_mb)
        req["env"]["TMPDIR"] = "/work"
        res = box.request(req, timeout=limit + PROTOCOL_SLACK_S)
        if res.get("reason") != "exited" or res.get("exit_code") != 0 or res.get("signal"):
            raise CheckerUnusable(f"the checker does not compile: {compile_detail(res)}")

    def _room_for(self, texts: tuple[str, ...]) -> bool:
        new = {_name(t): len(t.encode("utf-8", "surrogatepass")) for t in texts}
        size = sum(n for name, n in new.items() if name not in self._files)
        return not self._files or self._bytes + size <= (self.config.tmpfs_mb << 20) // 2

    def _writes(self, texts: tuple[str, ...]) -> tuple[list[dict], list[str]]:
        """Write ops for the texts not yet in the container (named by their content, so
        equal outputs of several completions are written once) and every text's path."""
        writes, names = [], []
        for text in texts:
            name = _name(text)
            if name not in self._files and all(w["name"] != name for w in writes):
                writes.append({"op": "write", "name": name, "data": text})
            names.append(f"/work/{name}")
        return writes, names

    def _written(self, writes: list[dict], replies: list[dict]) -> None:
        for write, res in zip(writes, replies, strict=False):
            if res.get("reason") != "ok":
                raise RuntimeError(f"could not write a test file: {res.get('error')}")
            self._files.add(write["name"])
            self._bytes += len(write["data"].encode("utf-8", "surrogatepass"))

    def _exec(
        self,
        box: Sandbox,
        argv: tuple[str, ...],
        limit: float,
        memory_mb: int,
        warm_args: list[str] | None = None,
    ) -> dict:
        """An exec request built as the candidates' are (the language's argv placeholders,
        limits and environment), so every sandbox language runs checkers too. With
        `warm_args` the run is forked from the language's warm interpreter when it has one
        (a Python checker then starts in ~1 ms instead of ~40); `argv` stays the fallback."""
        ctx = Context(box=box, runtime=self.runtime, config=self.config, judges=None)
        req = {"op": "exec", **ctx.run_args(argv, limit, memory_mb)}
        warm = ctx.zygote_args("run", memory_mb, limit) if warm_args is not None else {}
        return {**req, **warm, "args": warm_args} if warm else req

    def _drop_box(self) -> None:
        box, self._box = self._box, None
        self._files, self._bytes = set(), 0
        if box is not None:
            self._destroy_box(box)


def _name(text: str) -> str:
    return "t" + hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:24]


def _dirty(res: dict) -> bool:
    return (
        res.get("reason") != "exited" or res.get("signal") is not None or bool(res.get("leftover"))
    )


def _verdict(res: dict, limit: float) -> TestResult:
    """Exit 0 accepts; anything else is WRONG, with what the checker said or why it ended."""
    reason = res.get("reason")
    if reason == "exited" and res.get("exit_code") == 0 and res.get("signal") is None:
        return TestResult(True, Verdict.CORRECT)
    said = (res.get("stderr") or res.get("stdout") or "").strip()
    said = said.splitlines()[-1][:300] if said else ""
    if reason == "timeout":
        detail = f"the checker exceeded its time limit ({limit}s) on this output"
    elif reason == "output_limit":
        detail = "the checker's own output exceeded the limit on this output"
    elif res.get("signal") is not None:
        detail = f"the checker was killed by signal {res.get('signal')} on this output"
    else:
        detail = f"rejected by the checker (exit code {res.get('exit_code')})"
    return TestResult(False, Verdict.WRONG, f"{detail}: {said}" if said else detail)
