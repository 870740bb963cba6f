"""Verdicts on (gold, final answer) pairs, judged once and shared.

In an RL group the G completions reason differently but their final answers repeat, and
the same golds come back every epoch. Extraction still runs per completion (the text
around the answer, hedges and later answers differ); only the comparison of one final
answer with the gold, the part that may reach sympy, is shared:

- within a group: completions whose answers are equal after `answer_key` get the verdict
  of the first one judged (always on, whatever the cache size);
- across groups: a bounded LRU of verdicts keyed by (gold text, answer key, the judging
  function's other arguments), `size` entries (0 turns it off).

verify.py marks its comparison function with `@shared_verdicts`; a worker opens a scope
with `sharing(verdicts)` around the completions of one group. Outside such a scope (unit
tests, direct calls) every comparison runs, exactly as without this module. A comparison
that raises is not stored: the error reaches the caller each time.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import re
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, TypeVar

from reward_server.verifiers.math.guard import blocked_reason

T = TypeVar("T")

_MAX_KEPT_CHARS = 512  # longer key texts are kept as a digest (_compact)

# In a formula, blanks next to an operator or an opening bracket never change how it
# reads: "x^3 - 3x" is "x^3-3x". Blanks after a closing bracket or around a comma can
# ("(1,2) (3,4)"; "1, 234" is two values, "1,234" one), and an escaped blank "\ " is a
# command: all kept. In words they can too ("twenty - three" is not "twenty-three"), so
# an answer holding a word (two letters that are not a command's name) keeps its blanks.
# So does an answer too large for sympy: the judge compares it as text (guard.py).
_BLANK_BEFORE = re.compile(r"(?<!\\)\s+(?=[-+=^_)\]<>])")
_BLANK_AFTER = re.compile(r"(?<=[-+=^_(\[<>])\s+")
_WORD = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{2,}")


def answer_key(answer: str) -> str:
    """The text two answers share when they are the same formula but for blanks.

    Applied to answers as the judge receives them (verify.py has already dropped LaTeX
    spacing commands, `\\left`/`\\right` and `\\dfrac`/`\\tfrac`, and collapsed blanks)."""
    answer = answer.strip()
    if _WORD.search(answer) or blocked_reason(answer):
        return answer
    return _BLANK_AFTER.sub("", _BLANK_BEFORE.sub("", answer))


def _compact(text: str) -> str | bytes:
    """Long texts (a worked gold solution, a 64 KiB answer compared as text) are kept by a
    128-bit digest, so that a full cache holds kilobytes per entry at most."""
    if len(text) <= _MAX_KEPT_CHARS:
        return text
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


@dataclass
class Counts:
    """Lookups since the last `take_counts`: shared within the group, found in the LRU,
    judged."""

    group: int = 0
    cache: int = 0
    judged: int = 0


@dataclass
class Verdicts:
    """The verdicts of one worker process: the current group's, and an LRU across groups."""

    size: int  # verdicts kept across groups; 0: none
    _lru: OrderedDict[Hashable, Any] = field(default_factory=OrderedDict, init=False)
    _group: dict[Hashable, Any] = field(default_factory=dict, init=False)
    _counts: Counts = field(default_factory=Counts, init=False)

    def __post_init__(self) -> None:
        if self.size < 0:
            raise ValueError(f"verdict cache size must be >= 0, got {self.size}")

    def new_group(self) -> None:
        self._group.clear()

    def take_counts(self) -> Counts:
        counts, self._counts = self._counts, Counts()
        return counts

    def __len__(self) -> int:
        return len(self._lru)

    def get_or_judge(self, key: Hashable, judge: Callable[[], T]) -> T:
        if key in self._group:
            self._counts.group += 1
            return self._group[key]
        if key in self._lru:
            self._counts.cache += 1
            self._lru.move_to_end(key)
            verdict = self._lru[key]
        else:
            self._counts.judged += 1
            verdict = judge()  # may raise: then nothing is stored
            if self.size:
                self._lru[key] = verdict
                if len(self._lru) > self.size:
                    self._lru.popitem(last=False)
        self._group[key] = verdict
        return verdict


_ACTIVE: ContextVar[Verdicts | None] = ContextVar("math_verdicts", default=None)


@contextlib.contextmanager
def sharing(verdicts: Verdicts) -> Iterator[Verdicts]:
    """Comparisons marked `@shared_verdicts` inside this scope use `verdicts`."""
    token = _ACTIVE.set(verdicts)
    try:
        yield verdicts
    finally:
        _ACTIVE.reset(token)


def shared_verdicts(judge: Callable[..., T]) -> Callable[..., T]:
    """Marks `judge(gold, answer, *options)`: a pure function of the gold (identified by
    its text, `gold.raw`), the answer text and hashable options."""

    @functools.wraps(judge)
    def shared(gold: Any, answer: str, *options: Hashable) -> T:
        verdicts = _ACTIVE.get()
        if verdicts is None:
            return judge(gold, answer, *options)
        key = (_compact(gold.raw), _compact(answer_key(answer)), options)
        return verdicts.get_or_judge(key, lambda: judge(gold, answer, *options))

    return shared
