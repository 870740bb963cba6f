"""The loop a math worker process runs: receive a chunk, verify it, send plain results back.

It runs in its own process so that the parent can enforce a hard wall-clock limit by
killing it: neither signals nor threads can interrupt sympy stuck in C-level work. Before
each completion it writes (index, start time) into shared memory, so the parent knows
which completion overran and since when without a message per completion.

Final answers that repeat within a group, or come back in later groups, are compared with
the gold once (verdict_cache.py). An exception while judging is an internal error: the
completion is INFRA_ERROR (not judged) with the error in its detail, never WRONG.
"""

from __future__ import annotations

import logging
import resource
import signal
import time
from collections import OrderedDict
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

from reward_server.outcome import Outcome, Verdict
from reward_server.reasoning import ReasoningPair, reasoning_pair
from reward_server.verifiers.math.internal_error import describe_error
from reward_server.verifiers.math.verdict_cache import Counts, Verdicts, sharing
from reward_server.verifiers.math.verify import Gold, parse_gold, verify

_GOLD_CACHE_SIZE = 256
DEFAULT_VERDICT_CACHE_SIZE = 4096

Judge = Callable[[Gold, str, ReasoningPair | None], Outcome]


def _limit_memory(memory_mb: int) -> None:
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def outcome_to_tuple(outcome: Outcome, counts: Counts | None = None) -> tuple:
    """Outcomes cross the pipe as tuples: cheaper to pickle than dataclasses. After the
    outcome's six fields come the verdict lookups its judging made (`row_counts`)."""
    counts = counts or Counts()
    return (
        int(outcome.verdict),
        outcome.correctness,
        outcome.extracted_answer,
        outcome.detail,
        outcome.tests_passed,
        outcome.tests_total,
        counts.group,
        counts.cache,
        counts.judged,
    )


def outcome_from_tuple(row: tuple) -> Outcome:
    verdict, correctness, answer, detail, passed, total = row[:6]
    return Outcome(Verdict(verdict), correctness, answer, detail, passed, total)


def row_counts(row: tuple) -> Counts:
    """The verdict lookups of one row (none for a row without them)."""
    return Counts(*row[6:9]) if len(row) >= 9 else Counts()


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


def worker_main(
    conn: Connection,
    progress: Any,
    memory_mb: int,
    verdict_cache_size: int = DEFAULT_VERDICT_CACHE_SIZE,
    judge: Judge = verify,
) -> None:
    """Serves ((gold, reasoning_open, reasoning_close), completions) jobs until EOF.

    Speaks the protocol of reward_server.procpool.pool with the gold and the group's own
    reasoning tags (both empty: the known templates) as the shared part:
    replies ("refused", message) when the gold is unusable, else ("results", [tuple]).
    `progress` is a shared double array: [index of the completion being verified (-1: the
    gold), its start time on the monotonic clock]. `verdict_cache_size`: verdicts kept
    across groups (0: none; within a group they are always shared). `judge` is verify();
    tests pass one that fails on purpose, as nothing a client sends may make it fail.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when workers stop
    # math-verify warns on every call that its own timeouts are off; this process is the
    # timeout (the parent kills it), so the warning is noise.
    logging.getLogger("math_verify").setLevel(logging.ERROR)
    _limit_memory(memory_mb)
    golds = _GoldCache()
    verdicts = Verdicts(verdict_cache_size)
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
        verdicts.new_group()
        results = []
        with sharing(verdicts):
            for index, completion in enumerate(completions):
                progress[0], progress[1] = float(index), time.monotonic()
                try:
                    outcome = judge(gold, completion, pair)
                except Exception as err:  # includes RecursionError, MemoryError
                    # verify() reports its own errors; this is the last line: not judged.
                    outcome = Outcome.infra_error(describe_error(err))
                results.append(outcome_to_tuple(outcome, verdicts.take_counts()))
        conn.send(("results", results))
