"""Bracket-aware scanning without recursion (answers may nest braces 20,000 deep)."""

from __future__ import annotations

import re

_OPEN = "([{"
_CLOSE = ")]}"
_BRACE = re.compile(r"\\?[{}]")
_GROUPED = re.compile(r"(?<![\d,])[1-9]\d{0,2}(?:,\d{3})+(?![\d])")


def matching_braces(text: str, start: int = 0) -> dict[int, int]:
    """Maps the index of every balanced `{` at or after `start` to its `}`, in one pass.

    Escaped braces (`\\{`, `\\}`) are set delimiters, not groups, and are skipped.
    """
    stack: list[int] = []
    pairs: dict[int, int] = {}
    for m in _BRACE.finditer(text, start):
        token = m.group(0)
        if token[0] == "\\":
            continue
        if token == "{":
            stack.append(m.start())
        elif stack:
            pairs[stack.pop()] = m.start()
    return pairs


def group_at(text: str, index: int) -> tuple[str, int] | None:
    """The content of the brace group opening at `index` and the index after it."""
    if index >= len(text) or text[index] != "{":
        return None
    depth = 0
    for m in _BRACE.finditer(text, index):
        token = m.group(0)
        if token[0] == "\\":
            continue
        depth += 1 if token == "{" else -1
        if depth == 0:
            return text[index + 1 : m.start()], m.end()
    return None


def max_depth(text: str) -> int:
    """Deepest bracket nesting of any kind."""
    depth = deepest = 0
    for ch in text:
        if ch in _OPEN:
            depth += 1
            deepest = max(deepest, depth)
        elif ch in _CLOSE:
            depth = max(depth - 1, 0)
    return deepest


def split_top(text: str, separators: tuple[str, ...], thousands: bool = False) -> list[str]:
    """Splits on any separator that is outside every bracket.

    Brackets are counted without matching their kinds, so that half-open intervals such as
    "[1,3)" still count as one group. With `thousands`, a comma between a digit and a group
    of exactly three digits ("1,000") is a thousands separator, not a split point.
    """
    parts: list[str] = []
    depth = 0
    last = 0
    i = 0
    n = len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n and text[i + 1] in "{}":
            depth += 1 if text[i + 1] == "{" else -1
            i += 2
            continue
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
        elif depth == 0:
            sep = next((s for s in separators if text.startswith(s, i)), None)
            if sep is not None and not (thousands and sep == "," and _is_group_comma(text, i)):
                parts.append(text[last:i])
                i += len(sep)
                last = i
                continue
        i += 1
    parts.append(text[last:])
    return [p.strip() for p in parts]


def _is_group_comma(text: str, i: int) -> bool:
    return (
        i > 0
        and text[i - 1].isdigit()
        and not _leading_zero(text, i)
        and text[i + 1 : i + 4].isdigit()
        and len(text[i + 1 : i + 4]) == 3
        and not text[i + 4 : i + 5].isdigit()
    )


def _leading_zero(text: str, i: int) -> bool:
    """Whether the number before index i starts with 0 ("0,111" has no thousands)."""
    j = i
    while j > 0 and (text[j - 1].isdigit() or text[j - 1] == ","):
        j -= 1
    return text[j] == "0"


def remove_group_commas(text: str) -> str:
    """ "1,000,000" -> "1000000"; "1,2", "1, 234" and "0,111" are left alone."""
    return _GROUPED.sub(lambda m: m.group(0).replace(",", ""), text)


def is_enclosed(text: str, left: str, right: str) -> bool:
    """True when `text` is one bracket group from its first to its last character."""
    if not (text.startswith(left) and text.endswith(right)) or len(text) < len(left) + len(right):
        return False
    depth = 0
    for i, ch in enumerate(text):
        if ch in _OPEN:
            depth += 1
        elif ch in _CLOSE:
            depth -= 1
            if depth == 0 and i < len(text) - 1:
                return False
    return depth == 0
