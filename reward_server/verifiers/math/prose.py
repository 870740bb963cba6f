"""The value a short prose sentence states: "The volume of $ABCD$ is 120" states 120.

Used for an answer phrase whose text is prose ("Final Answer: The largest $n$ is 34.") and
for a bare one-line answer ("so the number is 10 which is 1,000.99"). Only two shapes are
read, so that a sentence listing candidates still has no answer:
- "... is X" / "... it's X" / "... equals X": X, the text after the last such verb, when it
  is one value (a math span, or one number with at most a unit word after it);
- a sentence without any of them that holds exactly one number and no math span
  ("Jane started growing Sphere 3 hours ago": 3), or one math span and no number
  ("the $15^{th}$ day").
A number inside a word ("AZYUK2A") is no number. Several clauses "<name> is <value>"
state a labelled list (`stated_labels`).
"""

from __future__ import annotations

import re

_VERB = re.compile(
    r"\s(?:is|it's|it is|equals|are|was|be)\s+(?:(?:exactly|then|now|thus|equal to)\s+)*",
    re.IGNORECASE,
)
_SPAN = re.compile(r"\$\$(.+?)\$\$|\$(.+?)\$|\\\((.+?)\\\)|\\\[(.+?)\\\]", re.DOTALL)
# A number standing alone: not glued to letters on the left, at most an ordinal suffix or
# a unit after it ("15th", "1,000.99m²", "40 candies").
_NUMBER = re.compile(
    r"(?<![\w.,])[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?:\s*/\s*\d+)?%?(?![\d,.]\d)"
    r"(?=(?:st|nd|rd|th)?(?:[^\w]|$)|\s*[A-Za-z€$£]|[A-Za-z²³€]+(?:[^\w]|$))"
)
_UNIT_TAIL = re.compile(r"\s*(?:[A-Za-z€$£²³%]+\.?\s*){0,3}$")
MAX_SENTENCE_CHARS = 200
_CLAUSE_SPLIT = re.compile(r",?\s+and\s+|,\s+|;\s+")
_CLAUSE = re.compile(
    r"(?:(?:so|thus|hence|therefore|then|and),?\s+)?(?:the\s+)?"
    r"([A-Za-z]+(?:\s+[A-Za-z]+){0,2}|\$[^$]{1,20}\$)\s+(?:is|equals)\s+(.+)",
    re.IGNORECASE,
)


def stated_value(sentence: str) -> str | None:
    """The value the sentence states (see above), or None."""
    sentence = sentence.strip().rstrip(".;!")
    if not sentence or len(sentence) > MAX_SENTENCE_CHARS or "\n" in sentence:
        return None
    verbs = list(_VERB.finditer(sentence))
    if verbs:
        return _one_value(sentence[verbs[-1].end() :])
    spans = list(_SPAN.finditer(sentence))
    if spans:
        # "the $15^{th}$ day": one math span and no number beside it.
        outside = _SPAN.sub(" ", sentence)
        if len(spans) == 1 and not _NUMBER.search(outside):
            return next(g for g in spans[0].groups() if g is not None)
        return None
    numbers = _NUMBER.findall(sentence)
    return numbers[0] if len(numbers) == 1 else None


def stated_labels(sentence: str) -> str | None:
    """ "The maximum is $2$ and the minimum is $1$" states "maximum = 2, minimum = 1": two or
    more clauses "<name> is <one value>" joined by "and" or commas, each name at most three
    words."""
    sentence = sentence.strip().rstrip(".;!")
    if len(sentence) > MAX_SENTENCE_CHARS or "\n" in sentence:
        return None
    clauses = [c for c in _CLAUSE_SPLIT.split(sentence) if c.strip()]
    if len(clauses) < 2:
        return None
    stated = []
    for clause in clauses:
        m = _CLAUSE.fullmatch(clause.strip())
        value = _one_value(m.group(2)) if m else None
        if m is None or value is None:
            return None
        stated.append(f"{m.group(1).strip('$')} = {value}")
    return ", ".join(stated)


def _one_value(tail: str) -> str | None:
    """The tail when it is one value: a math span alone, or one number plus unit words."""
    tail = tail.strip().rstrip(".;!")
    if span := _SPAN.fullmatch(tail):
        return next(g for g in span.groups() if g is not None)
    m = _NUMBER.match(tail)
    if m and _UNIT_TAIL.fullmatch(tail[m.end() :]):
        return m.group(0)
    return None
