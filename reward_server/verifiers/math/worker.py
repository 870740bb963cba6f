"""The loop a math worker process runs: receive a chunk, verify it, send plain results back.

It runs in its own process so that the parent can enforce a hard wall-clock limit by
killing it: neither signals nor threads can interrupt sympy stuck in C-level work. Before
each completion it writes (index, start time) into shared memory, so the parent knows
which completion overran and since when without a message per completion.
"""

from __future__ import annotations

import logging
import resource
import signal
import time
from collections import OrderedDict
from multiprocessing.connection import Connection
from typing import Any

from reward_server.outcome import Outcome, Verdict
from reward_server.reasoning import reasoning_pair
from reward_server.verifiers.math.verify import parse_gold, verify

_GOLD_CACHE_SIZE = 256


def _limit_memory(memory_mb: int) -> None:
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def outcome_to_tuple(outcome: Outcome) -> tuple:
    """Outcomes cross the pipe as tuples: cheaper to pickle than dataclasses."""
    return (
        int(outcome.verdict),
        outcome.correctness,
        outcome.extracted_answer,
        outcome.detail,
        outcome.tests_passed,
        outcome.tests_total,
    )


def outcome_from_tuple(row: tuple) -> Outcome:
    verdict, correctness, answer, detail, passed, total = row
    return Outcome(Verdict(verdict), correctness, answer, detail, passed, total)


class _GoldCache:
    """Parsed gold answers by their text, so chunks of one group parse it once per worker."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, Any] = OrderedDict()

    def get(self, gold: str) -> Any:
        if gold in self._items:
            self._items.move_to_end(gold)
            return self._items[gold]
        parsed = parse_gold(gold)  # ValueError for unusable gold
        self._items[gold] = parsed
        if len(self._items) > _GOLD_CACHE_SIZE:
            self._items.popitem(last=False)
        return parsed


def worker_main(conn: Connection, progress: Any, memory_mb: int) -> None:
    """Serves ((gold, reasoning_open, reasoning_close), completions) jobs until EOF.

    Speaks the protocol of reward_server.procpool.pool with the gold and the group's own
    reasoning tags (both empty: the known templates) as the shared part:
    replies ("refused", message) when the gold is unusable, else ("results", [tuple]).
    `progress` is a shared double array: [index of the completion being verified (-1: the
    gold), its start time on the monotonic clock].
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when workers stop
    # math-verify warns on every call that its own timeouts are off; this process is the
    # timeout (the parent kills it), so the warning is noise.
    logging.getLogger("math_verify").setLevel(logging.ERROR)
    _limit_memory(memory_mb)
    golds = _GoldCache()
    while True:
        try:
            (gold_text, reasoning_open, reasoning_close), completions = conn.recv()
        except (EOFError, OSError):
            return
        progress[0], progress[1] = -1.0, time.monotonic()
        try:
            gold = golds.get(gold_text)
        except ValueError as err:
            conn.send(("refused", str(err)))
            continue
        except Exception as err:  # includes RecursionError, MemoryError
            conn.send(("refused", f"gold answer could not be parsed ({type(err).__name__})"))
            continue
        pair = reasoning_pair(reasoning_open, reasoning_close)
        results = []
        for index, completion in enumerate(completions):
            progress[0], progress[1] = float(index), time.monotonic()
            try:
                outcome = verify(gold, completion, pair)
            except Exception as err:  # includes RecursionError, MemoryError
                # verify() is meant never to raise; if it does, the answer is not judged
                # correct, and the reason is kept.
                outcome = Outcome(Verdict.WRONG, detail=f"verifier error: {type(err).__name__}")
            results.append(outcome_to_tuple(outcome))
        conn.send(("results", results))
