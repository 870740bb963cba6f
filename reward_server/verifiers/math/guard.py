"""Decides, from the text alone, whether an answer is safe to hand to sympy.

sympy evaluates integer powers eagerly: `10^{10^{10}}` would try to build a ten-billion
digit integer and never come back. Such answers are compared as text only.
"""

from __future__ import annotations

import math
import re

from reward_server.verifiers.math.scan import group_at, max_depth

MAX_SYMBOLIC_CHARS = 400  # gold answers are short; longer "answers" are compared as text
MAX_SYMBOLIC_DEPTH = 24
MAX_EXPONENT = 10_000
MAX_FACTORIAL = 1_000
MAX_DIGIT_RUN = 400
MAX_WORDS = 10

_CARET = re.compile(r"\^|\*\*")
_PLAIN_EXPONENT = re.compile(r"\s*([-+]?\d+(?:\.\d+)?)")
_SMALL_POWER = re.compile(r"\s*(\d+)\s*\^\s*\{?\s*(\d+)\s*\}?\s*")
_FACTORIAL = re.compile(r"(\d+)\s*!")
_DIGIT_RUN = re.compile(rf"\d{{{MAX_DIGIT_RUN + 1},}}")
_WORD = re.compile(r"(?<![\\A-Za-z])[A-Za-z]{2,}")
_HYPER = re.compile(r"\\uparrow|↑")


def blocked_reason(text: str) -> str | None:
    """ "too large" / "too complex" when `text` must not reach sympy, else None."""
    if len(text) > MAX_SYMBOLIC_CHARS or max_depth(text) > MAX_SYMBOLIC_DEPTH:
        return "too complex"
    if len(_WORD.findall(text)) > MAX_WORDS:
        return "prose, not a value"  # the parser would multiply every letter of it
    if _HYPER.search(text) or _DIGIT_RUN.search(text):
        return "too large"
    if any(int(m.group(1)) > MAX_FACTORIAL for m in _FACTORIAL.finditer(text)):
        return "too large"
    for m in _CARET.finditer(text):
        if not _exponent_is_small(_exponent_text(text, m.end())):
            return "too large"
    return None


def _exponent_text(text: str, index: int) -> str:
    """The exponent after a caret: a brace group, else the next token."""
    while index < len(text) and text[index] == " ":
        index += 1
    group = group_at(text, index)
    if group is not None:
        return group[0]
    m = re.compile(r"[-+]?\d+(?:\.\d+)?|\\?[A-Za-z]+|.").match(text, index)
    return m.group(0) if m else ""


def _exponent_is_small(exponent: str) -> bool:
    """Only exponents we can bound are allowed: a plain number, a small power, no tower."""
    if m := _PLAIN_EXPONENT.fullmatch(exponent):
        return abs(float(m.group(1))) <= MAX_EXPONENT
    if m := _SMALL_POWER.fullmatch(exponent):
        base, power = int(m.group(1)), int(m.group(2))
        return base <= 1 or power * math.log10(base) <= math.log10(MAX_EXPONENT)
    # Symbols, fractions and sums in exponents are fine as long as they hold no power of
    # their own and no big literal (x^{n+1}, e^{i\pi}, 2^{\frac{1}{2}}).
    if _CARET.search(exponent):
        return False
    return all(int(d) <= MAX_EXPONENT for d in re.findall(r"\d+", exponent))
