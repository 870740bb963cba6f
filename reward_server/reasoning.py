"""Splits a completion into its reasoning block and the answer a user should be shown.

R1-style completions think inside `<think>...</think>` and answer after it. Only the text
after the reasoning block counts as the answer: an answer that appears only while the
model is still thinking is not an answer.
"""

from __future__ import annotations

import collections
import re
from dataclasses import dataclass

_OPEN = re.compile(r"<think>", re.IGNORECASE)
_CLOSE = re.compile(r"</think>", re.IGNORECASE)


@dataclass(frozen=True)
class Split:
    """`reasoning` is None when the completion has no reasoning block at all.

    `closed` is False when a block was opened and never closed (the model was cut off
    while thinking); then `answer` is empty.
    """

    reasoning: str | None
    answer: str
    closed: bool


def split_reasoning(text: str) -> Split:
    """Returns the reasoning block and the answer that follows it.

    The answer is everything after the last `</think>`; the reasoning is what lies between
    the first `<think>` (or the start, for templates that open the block in the prompt) and
    that close tag.
    """
    tail = collections.deque(_CLOSE.finditer(text), maxlen=1)  # the last tag, not a list
    if tail:
        last = tail[0]
        opened = _OPEN.search(text, 0, last.start())
        start = opened.end() if opened else 0
        return Split(reasoning=text[start : last.start()], answer=text[last.end() :], closed=True)
    opened = _OPEN.search(text)
    if opened:
        return Split(reasoning=text[opened.end() :], answer="", closed=False)
    return Split(reasoning=None, answer=text, closed=True)


def visible_answer(text: str) -> str:
    """What a user should be shown: the text after the reasoning block, stripped."""
    return split_reasoning(text).answer.strip()
