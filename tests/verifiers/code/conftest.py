"""Fixtures for the sandbox tests: a real Docker engine, a real verifier, no mocks.

The verifier lives on an event loop in a background thread so one warm pool serves a
whole test module (sync tests call `score` through it). Every fixture removes what it
created in its finalizer, failures included.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import docker
import docker.errors
import pytest

from reward_server.api import reward_pb2
from reward_server.outcome import Outcome
from reward_server.verifiers.code import container, owners
from reward_server.verifiers.code.config import DEFAULT_SANDBOXES_DIR, SandboxConfig
from reward_server.verifiers.code.verifier import CodeVerifier

HUMANEVAL = [
    Path(__file__).resolve().parents[2] / "fixtures" / "HumanEval.jsonl.gz",
    Path(__file__).resolve().parents[4] / "shared" / "data" / "humaneval" / "HumanEval.jsonl.gz",
]


def load_humaneval() -> list[dict]:
    path = next((p for p in HUMANEVAL if p.exists()), None)
    if path is None:
        pytest.skip(f"HumanEval data not found at {[str(p) for p in HUMANEVAL]}")
    with gzip.open(path, "rt") as f:
        return [json.loads(line) for line in f]


class LoopThread:
    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def run(self, coro, timeout: float = 600):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)


class SyncVerifier:
    """The async verifier driven from sync tests."""

    def __init__(self, verifier: CodeVerifier, lt: LoopThread) -> None:
        self.v, self.lt = verifier, lt

    def score(self, task: reward_pb2.CodeTask, completions: list[str]) -> list[Outcome]:
        return self.lt.run(self.v.score(task, completions))

    def score_many(self, batches: list[tuple[reward_pb2.CodeTask, list[str]]]):
        async def all_of():
            return await asyncio.gather(*(self.v.score(t, c) for t, c in batches))

        return self.lt.run(all_of())


@pytest.fixture(scope="session")
def docker_client() -> docker.DockerClient:
    try:
        client = docker.from_env()
        client.ping()
    except docker.errors.DockerException as exc:
        pytest.skip(f"no Docker engine reachable ({exc}); run scripts/install_docker.sh")
    return client


def start_verifier(client: docker.DockerClient, **overrides) -> Iterator[SyncVerifier]:
    lt = LoopThread()
    verifier = None
    try:
        verifier = lt.run(CodeVerifier.start(SandboxConfig(**overrides)))
        yield SyncVerifier(verifier, lt)
    finally:
        if verifier is not None:
            lt.run(verifier.close())
            for c in owners.list_managed(client, verifier.owner):
                owners.remove(c)  # belt and braces: the test below asserts none remain
        lt.stop()


@pytest.fixture(scope="module")
def verifier(docker_client) -> Iterator[SyncVerifier]:
    yield from start_verifier(docker_client, pool_size=2)


def py_task_io(cases: list[tuple[str, str]], **limits) -> reward_pb2.CodeTask:
    return reward_pb2.CodeTask(
        language="python",
        io=reward_pb2.IoTests(
            cases=[reward_pb2.IoCase(stdin=i, expected_stdout=o) for i, o in cases]
        ),
        limits=reward_pb2.Limits(**limits),
    )


def fenced(code: str, lang: str = "python") -> str:
    return f"Here is my solution.\n```{lang}\n{code}\n```\n"


def decimal_text(n: int) -> str:
    """str(n) past the interpreter's digit limit (test data only)."""
    limit = sys.get_int_max_str_digits()
    sys.set_int_max_str_digits(0)
    try:
        return str(n)
    finally:
        sys.set_int_max_str_digits(limit)


def require_runsc(client: docker.DockerClient) -> None:
    """Skips unless dockerd has the gVisor runtime; in CI (CI=true) fails instead, so a
    broken gVisor install is noticed rather than skipped."""
    runtimes = sorted(client.info().get("Runtimes", {}))
    if "runsc" in runtimes:
        return
    reason = (
        f"runsc is not registered with dockerd (have {runtimes}); "
        "scripts/install_docker.sh installs and registers it when apt has the runsc package"
    )
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true: {reason}")
    pytest.skip(reason)


def asserts_task(test_code: str, entry: str = "f") -> reward_pb2.CodeTask:
    """A Python task of assert tests."""
    return reward_pb2.CodeTask(
        language="python",
        asserts=reward_pb2.AssertTests(entry_point=entry, test_code=test_code),
    )


SKIPPED = '{"skipped":true}'  # the call server's reply to a call made ahead in vain


class SandboxTraffic:
    """Counts what the verifier sends to its sandboxes: `requests` (round trips),
    `calls_ops` (the `calls` ops among them), `lines` (call lines in those ops) and `ran`
    (the lines the program ran: answered, and not skipped as made ahead in vain)."""

    def __init__(self, monkeypatch) -> None:
        self.requests = self.calls_ops = self.lines = self.ran = 0
        self._lock = threading.Lock()
        real = container.Sandbox.requests

        def counted(box, msgs, timeout):
            replies = real(box, msgs, timeout)
            with self._lock:
                self.requests += 1
                for m, res in zip(msgs, replies, strict=False):
                    if m.get("op") == "calls":
                        self.calls_ops += 1
                        self.lines += len(m["lines"])
                        answered = res.get("replies", [])
                        self.ran += sum(r != SKIPPED for r in answered)
            return replies

        monkeypatch.setattr(container.Sandbox, "requests", counted)


def program_ns(program: str) -> dict:
    """A program's top-level namespace, as the call server loads it."""
    ns: dict = {"__name__": "solution"}
    exec(program, ns)  # the test's own program
    return ns


def python_harness():
    """The Python call server's module (in_sandbox/python/harness.py), imported here."""
    sys.path.insert(0, str(Path(DEFAULT_SANDBOXES_DIR) / "python"))
    try:
        import harness
    finally:
        sys.path.pop(0)
    return harness


def judge_in_process(
    test_code: str, ns: dict, entry: str = "f", stop_on_fail: bool = True
) -> tuple[dict, int]:
    """assert_judge.run_job against the call server's own answering code (harness.answer)
    on the program namespace `ns`, all in this process (the look-ahead copies are real
    forks of it); returns the done message and the round trips it took."""
    from reward_server.verifiers.code import assert_judge, assert_lookahead
    from reward_server.verifiers.code.valuecodec_loader import valuecodec

    harness = python_harness()
    answered = harness.Calls()

    class Channel:  # as assert_judge.Channel, a look-ahead copy ends where it would talk
        trips = 0

        def send(self, msg: dict) -> None:
            if assert_lookahead.in_copy():
                assert_lookahead.end_copy()

        def call(self, calls: list[dict]) -> dict:
            self.send({})
            Channel.trips += 1
            return {"replies": [harness.answer(ns, json.dumps(c), answered) for c in calls]}

    job = {"test_code": test_code, "entry_point": entry, "names": harness._describe(ns)}
    done = assert_judge.run_job({**job, "stop_on_fail": stop_on_fail}, Channel(), valuecodec)
    Channel().send(done)  # as the judge's main loop: a copy that got this far ends here
    return done, Channel.trips
