"""The loop a math worker process runs: receive a job, verify, send plain results back.

It runs in its own process so that the parent can enforce a hard wall-clock limit by
killing it: neither signals nor threads can interrupt sympy stuck in C-level work.
"""

from __future__ import annotations

import resource
import signal
from multiprocessing.connection import Connection

from reward_server.math.verify import parse_gold, verify
from reward_server.outcome import Outcome, Verdict


def _limit_memory(memory_mb: int) -> None:
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def worker_main(conn: Connection, memory_mb: int) -> None:
    """Serves ("parse", gold) and ("verify", (gold, completions)) jobs until EOF.

    Replies: ("gold", Gold) or ("bad_gold", message) to a parse job; one
    ("result", index, Outcome) per completion to a verify job, in order.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when workers stop
    _limit_memory(memory_mb)
    while True:
        try:
            kind, payload = conn.recv()
        except (EOFError, OSError):
            return
        if kind == "parse":
            try:
                conn.send(("gold", parse_gold(payload)))
            except ValueError as err:
                conn.send(("bad_gold", str(err)))
            except Exception as err:  # includes RecursionError, MemoryError
                conn.send(("bad_gold", f"gold answer could not be parsed ({type(err).__name__})"))
        elif kind == "verify":
            gold, completions = payload
            for index, completion in enumerate(completions):
                try:
                    outcome = verify(gold, completion)
                except Exception as err:  # includes RecursionError, MemoryError
                    # verify() is meant never to raise; if it does, the answer is not judged
                    # correct, and the reason is kept.
                    outcome = Outcome(Verdict.WRONG, detail=f"verifier error: {type(err).__name__}")
                conn.send(("result", index, outcome))
