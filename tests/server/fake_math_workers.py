"""Stand-in worker loops for pool tests: they sleep, crash or answer on command.

They speak the real worker's protocol (see reward_server.verifiers.math.worker)."""

from __future__ import annotations

import os
import time
from multiprocessing.connection import Connection
from typing import Any

from reward_server.outcome import Verdict


def worker_main(conn: Connection, progress: Any, memory_mb: int) -> None:
    while True:
        try:
            shared, completions = conn.recv()
        except EOFError:
            return
        progress[0], progress[1] = -1.0, time.monotonic()
        # The math verifier sends (gold, reasoning_open, reasoning_close); pool tests a gold.
        gold = shared[0] if isinstance(shared, tuple) else shared
        if gold == "hang":
            time.sleep(3600)
        if gold == "bad":
            conn.send(("refused", "bad gold"))
            continue
        results = []
        for index, completion in enumerate(completions):
            progress[0], progress[1] = float(index), time.monotonic()
            if completion == "hang":
                time.sleep(3600)
            if completion == "crash":
                os._exit(3)
            if completion.startswith("sleep "):
                time.sleep(float(completion.split()[1]))
            verdict = Verdict.CORRECT if completion == gold else Verdict.WRONG
            correctness = 1.0 if verdict == Verdict.CORRECT else 0.0
            results.append((int(verdict), correctness, completion, str(os.getpid()), 0, 0))
        conn.send(("results", results))
