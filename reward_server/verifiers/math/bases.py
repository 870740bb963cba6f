"""Numbers written in a base: "101_2" is 5, "FF_{16}" is 255, "(101)_2" and "101_{(2)}" too.

A subscript on a number is read as its base, never dropped: latex2sympy reads "42_{1000}"
as 42. A base is 2 to 36 written in digits; a subscript on a number that is not such a
base, or digits that are not digits of it ("42_3"), make the value unusable (the answer
is judged WRONG unless it is the gold's own text). As in LaTeX, an unbraced subscript is
one character: "42_10" is 42 with subscript 1, then 0, so it is refused.

Tokens with letters are numerals only when they have two characters or more in one case,
each a digit of the base ("FF_{16}", "ff_{16}", "1A_{12}"); otherwise "x_1", "2x_1", "A_1"
and "CO_2" stay variables.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

from reward_server.verifiers.math.numbers import MAX_DIGITS

MIN_BASE, MAX_BASE = 2, 36

_TOKEN = r"[^\W_]+(?:\.[^\W_]+)?"
# What carries the subscript: \text{..}, (..), a free {..} group, or a bare token that does
# not continue a word, a command, a script or a group ("x12_3", "\log_2", "x^2_3", "}_2").
_NUMERAL = re.compile(
    rf"(?:\\(?:text|textrm|mathrm|mbox)\s*\{{\s*(?P<text>{_TOKEN})\s*\}}"
    rf"|\(\s*(?P<paren>{_TOKEN})\s*\)"
    rf"|(?<![\\\w}}\]^_])\{{\s*(?P<group>{_TOKEN})\s*\}}"
    rf"|(?<![\\\w.^_}}])(?P<bare>{_TOKEN}))"
    r"\s*_\s*(?:\{(?P<sub>[^{}]*)\}|(?P<one>\\[A-Za-z]+|[^\s{}]))"
)
_BASE_TEXT = re.compile(r"\(?\s*(?:\\text\s*\{\s*(\d+)\s*\}|(\d+))\s*\)?")
_DIGITS_ONLY = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True)
class Numeral:
    """A number written in a base; `digits` in upper case, as written."""

    digits: str
    base: int
    value: Fraction

    @property
    def text(self) -> str:
        return f"{self.digits}_{{{self.base}}}"


@dataclass(frozen=True)
class Converted:
    """Text with every base numeral replaced by its value, or why that is impossible."""

    text: str
    refused: str | None = None


def whole(text: str) -> Numeral | None:
    """The numeral when `text` is exactly one base numeral ("101_2", "\\text{FF}_{16}")."""
    m = _NUMERAL.fullmatch(text.strip())
    if m is None:
        return None
    numeral = _numeral(m)
    return numeral if isinstance(numeral, Numeral) else None


def to_decimal(text: str) -> Converted:
    """Replaces every base numeral by its value in parentheses ("101_2 + 1" -> "(5) + 1")."""
    if "_" not in text:
        return Converted(text)
    pieces: list[str] = []
    last = 0
    for m in _NUMERAL.finditer(text):
        numeral = _numeral(m)
        if isinstance(numeral, str):
            return Converted(text, numeral)
        if numeral is None:
            continue  # a variable with an index, not a number
        pieces.append(text[last : m.start()])
        pieces.append(f"({_value_text(numeral.value)})")
        last = m.end()
    pieces.append(text[last:])
    return Converted("".join(pieces))


def read(text: str, base: int) -> Fraction | None:
    """The value of bare digits read in `base` ("1010" in base 2 is 10), else None."""
    text = text.strip()
    if not re.fullmatch(_TOKEN, text) or len(text) > MAX_DIGITS:
        return None
    return _value(text, base)


def _numeral(m: re.Match[str]) -> Numeral | str | None:
    """A Numeral; a refusal reason for a number with a bad subscript; None for a variable."""
    wrapped = m.group("text") or m.group("paren") or m.group("group")
    digits = wrapped or m.group("bare")
    is_number = bool(_DIGITS_ONLY.fullmatch(digits))
    one_case = digits.isupper() or digits.islower()
    if not is_number and wrapped is None and not (one_case and len(digits) >= 2):
        return None  # "x_1", "A_1", "Ab_{12}": a variable with an index
    base = _base(m.group("sub"), m.group("one"))
    value = None if base is None or len(digits) > MAX_DIGITS else _value(digits, base)
    if value is None:
        if is_number:
            return f"subscript on a number is not a base: {m.group(0).strip()[:40]}"
        return None
    assert base is not None
    return Numeral(digits=digits.upper(), base=base, value=value)


def _base(sub: str | None, one: str | None) -> int | None:
    text = sub if sub is not None else one or ""
    m = _BASE_TEXT.fullmatch(text.strip())
    if m is None:
        return None
    base = int(m.group(1) or m.group(2))
    return base if MIN_BASE <= base <= MAX_BASE else None


def _value(digits: str, base: int) -> Fraction | None:
    whole_part, _, fraction_part = digits.partition(".")
    try:
        value = Fraction(int(whole_part, base))
        if fraction_part:
            value += Fraction(int(fraction_part, base), base ** len(fraction_part))
    except ValueError:  # a character that is no digit of this base
        return None
    return value


def _value_text(value: Fraction) -> str:
    if value.denominator == 1:
        return str(value.numerator)
    return f"\\frac{{{value.numerator}}}{{{value.denominator}}}"
