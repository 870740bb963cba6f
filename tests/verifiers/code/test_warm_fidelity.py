"""Warm io runs judge like one process per test: contest programs in the idioms Java and
JavaScript solutions use for input, output, state and exit (warm_fidelity/) get the same
verdict with the warm runner as without it, and the ones that pass never needed a run
outside the runner (so the fast path really was the one taken).

Each program reads `n` and `n` numbers and prints their sum and the sorted numbers; its
first lines may say `expect: VERDICT` (default CORRECT), `time_limit_s: S` (10) and
`declined` (the runner declines it in its hello: it runs a process per test).
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from reward_server.api import reward_pb2
from reward_server.outcome import Verdict
from reward_server.verifiers.code import container

from .conftest import SyncVerifier, fenced, start_verifier

pytestmark = [pytest.mark.docker, pytest.mark.slow]

PROGRAMS = sorted((Path(__file__).parent / "warm_fidelity").iterdir())
LANGUAGE = {".java": "java", ".js": "javascript"}
CASES = [
    ("3\n3 1 2\n", "6\n1 2 3\n"),
    ("1\n-7\n", "-7\n-7\n"),
    ("5\n10 10 -3 1000000 0\n", "1000017\n-3 0 10 10 1000000\n"),
]


def expected(text: str) -> Verdict:
    m = re.search(r"expect: (\w+)", "\n".join(text.splitlines()[:2]))
    return Verdict[m.group(1)] if m else Verdict.CORRECT


def declined(text: str) -> bool:
    return "declined" in "\n".join(text.splitlines()[:3])


def time_limit(text: str) -> float:
    m = re.search(r"time_limit_s: ([\d.]+)", "\n".join(text.splitlines()[:2]))
    return float(m.group(1)) if m else 10.0


@pytest.fixture(scope="module")
def warm(docker_client) -> Iterator[SyncVerifier]:
    yield from start_verifier(docker_client, pool_size=1, languages=("java", "javascript"))


@pytest.fixture(scope="module")
def cold(docker_client) -> Iterator[SyncVerifier]:
    yield from start_verifier(
        docker_client, pool_size=1, languages=("java", "javascript"), warm_io=False
    )


def task(language: str, time_limit_s: float = 10.0) -> reward_pb2.CodeTask:
    return reward_pb2.CodeTask(
        language=language,
        io=reward_pb2.IoTests(
            cases=[reward_pb2.IoCase(stdin=i, expected_stdout=o) for i, o in CASES]
        ),
        limits=reward_pb2.Limits(time_limit_s=time_limit_s, memory_mb=256),
        report_tests=True,
    )


@pytest.mark.parametrize("path", PROGRAMS, ids=lambda p: p.name)
def test_same_verdict_warm_and_cold(warm, cold, monkeypatch, path):
    language = LANGUAGE[path.suffix]
    text = path.read_text()
    want = expected(text)
    ops: Counter[str] = Counter()
    lock = threading.Lock()
    real = container.Sandbox.requests

    def counted(box, msgs, timeout):
        with lock:
            ops.update(m["op"] for m in msgs)
        return real(box, msgs, timeout)

    monkeypatch.setattr(container.Sandbox, "requests", counted)
    got = warm.score(task(language, time_limit(text)), [fenced(text, language)])[0]
    warm_ops = dict(ops)
    monkeypatch.undo()
    ref = cold.score(task(language, time_limit(text)), [fenced(text, language)])[0]
    assert ref.verdict == want, ref.detail
    assert got.verdict == want, (got.detail, warm_ops)
    assert [t.verdict for t in got.tests] == [t.verdict for t in ref.tests]
    outside = warm_ops.get("exec", 0) - (1 if language == "java" else 0)  # javac's
    if declined(text):
        assert (warm_ops.get("call", 0), outside) == (0, len(CASES)), warm_ops
    elif want == Verdict.CORRECT:  # every test in the runner, none run again
        assert (warm_ops.get("call"), outside) == (len(CASES), 0), warm_ops
