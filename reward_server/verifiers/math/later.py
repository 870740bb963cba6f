"""Answers stated after the final answer: "\\boxed{42}. Wait, actually the answer is 43."

extract.py returns the answers of the first form present (boxes, else answer phrases,
else "####"). Text after the last of them may still state an answer in a later form: an
answer phrase or a "####" line after the last box, or a "####" line after the last answer
phrase. verify.py judges those too, so that one that differs is a hedge. Answers before the
final box stay ignored: the final box is the last word.

This reuses extract.py's finders and does not change what they extract.
"""

from __future__ import annotations

from collections import deque

from reward_server.verifiers.math.extract import (
    _BARE_BOX,
    _BOX,
    _NUMBER,
    _PHRASE,
    _gsm8k,
    _has_prose,
    _phrases,
)
from reward_server.verifiers.math.scan import matching_braces

# Words between "the answer is" and its value that do not change it ("is actually 43").
_FILLER = frozenset({
    "actually", "really", "indeed", "just", "simply", "then", "therefore", "thus", "so",
    "still", "definitely", "clearly", "now", "exactly", "precisely", "obviously", "probably",
    "likely", "maybe", "perhaps", "instead", "rather", "correctly",
})  # fmt: skip


def later_answers(text: str, source: str) -> list[str]:
    """The values stated after the last answer of the winning form `source` (see above)."""
    if source == "boxed":
        rest = text[_last_box_end(text) :]
        stated = [_stated_value(a) for a in _phrases(rest)]
        return [a for a in stated if a] + _markers(rest)
    if source == "answer phrase":
        tail = deque(_PHRASE.finditer(text), maxlen=1)
        return _markers(text[tail[0].end() :]) if tail else []
    return []


def _markers(text: str) -> list[str]:
    # "#### 2. Verification" is a markdown heading, not a GSM8K answer line.
    return [a for a in _gsm8k(text) if not _has_prose(a)]


def _last_box_end(text: str) -> int:
    """Where the last closed box ends (0 when none is closed)."""
    first = _BOX.search(text)
    if first is None:
        return 0
    pairs = matching_braces(text, first.start())
    end = 0
    for m in _BOX.finditer(text, first.start()):
        start = m.end()
        if start < len(text) and text[start] == "{":
            close = pairs.get(start)
            if close is not None:
                end = max(end, close + 1)
        elif (bare := _BARE_BOX.match(text, start)) is not None:
            end = max(end, bare.end())
    return end


def _stated_value(answer: str) -> str | None:
    """The value an answer phrase states, or None when it states none ("is correct")."""
    if not _has_prose(answer):
        return answer
    words = answer.split()
    while words and words[0].lower().strip(",") in _FILLER:
        words.pop(0)
    rest = " ".join(words)
    if not _has_prose(rest):
        return rest
    m = _NUMBER.match(rest)
    return m.group(0) if m else None  # "43 apples", "43 because ...", else prose
