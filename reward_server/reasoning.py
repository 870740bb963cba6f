"""Splits a completion into its reasoning block and the answer a user should be shown.

R1-style completions think inside `<think>...</think>` and answer after it. Only the text
after the reasoning block counts as the answer: an answer that appears only while the
model is still thinking is not an answer.
"""

from __future__ import annotations

import collections
import itertools
import re
from dataclasses import dataclass

_OPEN = re.compile(r"<think>", re.IGNORECASE)
_CLOSE = re.compile(r"</think>", re.IGNORECASE)
_TAG = re.compile(r"</?think>", re.IGNORECASE)
_WINDOW = 1 << 16


@dataclass(frozen=True)
class Split:
    """`reasoning` is None when the completion has no reasoning block at all.

    `closed` is False when a block was opened and never closed (the model was cut off
    while thinking); then `answer` is empty. `only_block` is True when the completion has
    a closed block and no other `<think>` or `</think>` tag: one block, not a second one
    nor a stray tag in the answer (the R1 format reward asks for that).
    """

    reasoning: str | None
    answer: str
    closed: bool
    only_block: bool = False


def split_reasoning(text: str) -> Split:
    """Returns the reasoning block and the answer that follows it.

    The answer is everything after the last `</think>`; the reasoning is what lies between
    the first `<think>` (or the start, for templates that open the block in the prompt) and
    that close tag.
    """
    last = _last_close(text)
    if last is not None:
        opened = _OPEN.search(text, 0, last.start())
        start = opened.end() if opened else 0
        # The block has 1 or 2 tags; any other tag anywhere makes more. The count stops at
        # the third tag, so a text made of tags costs no more than one that has three.
        tags = sum(1 for _ in itertools.islice(_TAG.finditer(text), 3))
        return Split(
            reasoning=text[start : last.start()],
            answer=text[last.end() :],
            closed=True,
            only_block=tags == (2 if opened else 1),
        )
    opened = _OPEN.search(text)
    if opened:
        return Split(reasoning=text[opened.end() :], answer="", closed=False)
    return Split(reasoning=None, answer=text, closed=True)


def _last_close(text: str) -> re.Match | None:
    """The last `</think>`, searched window by window from the end: a text made of tags
    costs one window of them, not a match object per tag."""
    end = len(text)
    while True:
        start = max(0, end - _WINDOW)
        tail = collections.deque(_CLOSE.finditer(text, start, end), maxlen=1)
        if tail or start == 0:
            return tail[0] if tail else None
        end = start + len("</think>") - 1  # a tag across the window's start is in the next


def visible_answer(text: str) -> str:
    """What a user should be shown: the text after the reasoning block, stripped."""
    return split_reasoning(text).answer.strip()
