"""Stand-in worker loops for pool tests: they sleep, crash or answer on command."""

from __future__ import annotations

import os
import time
from multiprocessing.connection import Connection

from reward_server.outcome import Outcome, Verdict


def worker_main(conn: Connection, memory_mb: int) -> None:
    while True:
        try:
            kind, payload = conn.recv()
        except EOFError:
            return
        if kind == "parse":
            if payload == "hang":
                time.sleep(3600)
            conn.send(("gold", payload) if payload != "bad" else ("bad_gold", "bad gold"))
            continue
        gold, completions = payload
        for index, completion in enumerate(completions):
            if completion == "hang":
                time.sleep(3600)
            if completion == "crash":
                os._exit(3)
            if completion.startswith("sleep "):
                time.sleep(float(completion.split()[1]))
            verdict = Verdict.CORRECT if completion == gold else Verdict.WRONG
            conn.send(
                (
                    "result",
                    index,
                    Outcome(verdict, extracted_answer=completion, detail=str(os.getpid())),
                )
            )
