"""Plain numbers without sympy: integers, decimals, fractions, mixed numbers, number words.

Everything here is exact (`fractions.Fraction`); a decimal remembers how many digits the
writer gave so that the comparison can tell "0.333" (a rounded 1/3) from "0.5" (exactly 1/2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from fractions import Fraction

# Longer digit strings are compared as text only: int() of a huge literal is slow and
# Python refuses more than 4300 digits anyway.
MAX_DIGITS = 400

_INT = r"\d+"
_DEC = r"(?:\d+\.\d*|\.\d+)"
_SIGN = r"[-+]?"
_PLAIN = re.compile(rf"({_SIGN})({_DEC}|{_INT})")
_SLASH = re.compile(rf"({_SIGN})(\d+)\s*/\s*(\d+)")
_FRAC_ARG = r"(?:\{\s*(\d+)\s*\}|(\d))"
_FRAC = re.compile(rf"({_SIGN})\\frac{_FRAC_ARG}{_FRAC_ARG}")
_MIXED_LATEX = re.compile(rf"({_SIGN})(\d+)\s*\\frac{_FRAC_ARG}{_FRAC_ARG}")
_MIXED_PLAIN = re.compile(rf"({_SIGN})(\d+)\s+(\d+)\s*/\s*(\d+)")
_REPEATING = re.compile(
    rf"({_SIGN})(\d*)\.(\d*)\\(?:overline|bar|dot)\s*\{{?\s*(\d{{1,20}})\s*\}}?"
)
_E_NOTATION = re.compile(rf"({_SIGN})({_DEC}|{_INT})[eE]([-+]?\d{{1,3}})")
_SCI = re.compile(
    rf"({_SIGN})({_DEC}|{_INT})\s*(?:\\times|\\cdot|\*|x)\s*10\^\{{?([-+]?\d{{1,3}})\}}?"
)


@dataclass(frozen=True)
class Number:
    """An exact value as written.

    `decimals` is the number of digits after the point when the writer used a decimal
    point, else None (integers and fractions are exact claims).
    """

    value: Fraction
    decimals: int | None = None

    @property
    def significant_digits(self) -> int:
        """Significant digits of a written decimal (leading zeros do not count)."""
        if self.value == 0:
            return 0
        scaled = abs(self.value) * 10 ** (self.decimals or 0)
        digits = str(scaled.numerator // scaled.denominator)
        return len(digits.lstrip("0"))


def _sign(text: str) -> int:
    return -1 if text == "-" else 1


def _too_long(text: str) -> bool:
    return sum(ch.isdigit() for ch in text) > MAX_DIGITS


def parse_number(text: str) -> Number | None:
    """Parses a string that is exactly one plain number, or returns None.

    Accepts "42", "-3.50", ".5", "3/4", "\\frac{3}{4}", "\\frac34", mixed numbers
    "2\\frac{1}{2}" and "2 1/2" (meaning 5/2, not 2*1/2), "1.5 \\times 10^{3}" and
    number words ("twenty-three"). Thousands separators must already be removed.
    """
    text = text.strip()
    if not text or _too_long(text):
        return None
    if m := _PLAIN.fullmatch(text):
        return _decimal(m.group(1), m.group(2))
    if m := _SLASH.fullmatch(text):
        return _fraction(_sign(m.group(1)), 0, m.group(2), m.group(3))
    if m := _FRAC.fullmatch(text):
        return _fraction(_sign(m.group(1)), 0, m.group(2) or m.group(3), m.group(4) or m.group(5))
    if m := _MIXED_LATEX.fullmatch(text):
        num, den = m.group(3) or m.group(4), m.group(5) or m.group(6)
        return _mixed(_sign(m.group(1)), m.group(2), num, den)
    if m := _MIXED_PLAIN.fullmatch(text):
        return _mixed(_sign(m.group(1)), m.group(2), m.group(3), m.group(4))
    if m := _E_NOTATION.fullmatch(text):
        return _scientific(_decimal(m.group(1), m.group(2)), int(m.group(3)))
    if m := _SCI.fullmatch(text):
        return _scientific(_decimal(m.group(1), m.group(2)), int(m.group(3)))
    if m := _REPEATING.fullmatch(text):
        return _repeating(m)
    value = words_to_int(text)
    return None if value is None else Number(Fraction(value))


def _repeating(m: re.Match[str]) -> Number:
    """ "0.\\overline{3}" is 1/3 and "1.2\\overline{45}" is 1.2454545...: exact values."""
    whole, fixed, period = m.group(2) or "0", m.group(3), m.group(4)
    value = Fraction(int(whole)) + Fraction(int(fixed or "0"), 10 ** len(fixed))
    value += Fraction(int(period), 10 ** len(fixed) * (10 ** len(period) - 1))
    return Number(_sign(m.group(1)) * value)


def _scientific(base: Number, exponent: int) -> Number:
    # The written digits times a power of ten is still an exact claim of the same
    # precision; the digits after the point shift with the exponent.
    decimals = None if base.decimals is None else max(base.decimals - exponent, 0)
    return Number(base.value * Fraction(10) ** exponent, decimals)


def _decimal(sign: str, digits: str) -> Number:
    if "." not in digits:
        return Number(Fraction(_sign(sign) * int(digits)))
    decimals = len(digits.split(".", 1)[1])
    return Number(_sign(sign) * Fraction(digits if digits[0] != "." else "0" + digits), decimals)


def _fraction(sign: int, whole: int, num: str, den: str) -> Number | None:
    if int(den) == 0:
        return None
    return Number(sign * (whole + Fraction(int(num), int(den))))


def _mixed(sign: int, whole: str, num: str, den: str) -> Number | None:
    # A mixed number has a proper fraction part; "2 3/2" is not one, so refuse it.
    if int(den) == 0 or int(num) >= int(den):
        return None
    return _fraction(sign, int(whole), num, den)


_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60,
    "seventy": 70, "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
NUMBER_WORDS = frozenset({*_UNITS, "hundred", *_SCALES})


def words_to_int(text: str) -> int | None:
    """ "twenty-three" -> 23, "one hundred and five" -> 105, "two million" -> 2000000."""
    tokens = [t for t in re.split(r"[\s\-]+", text.strip().lower()) if t and t != "and"]
    negative = bool(tokens) and tokens[0] in ("minus", "negative")
    if negative:
        tokens = tokens[1:]
    if not tokens or any(t not in NUMBER_WORDS for t in tokens):
        return None
    total, current, last_scale = 0, 0, None
    previous = None  # kind of the previous token: "unit", "teen", "ten", "hundred", "scale"
    for token in tokens:
        if token in _UNITS:
            kind = _kind(_UNITS[token])
            # "one two" or "twenty thirty" is a list of numbers, not one number.
            if previous in ("unit", "teen") or (previous == "ten" and kind != "unit"):
                return None
            current += _UNITS[token]
            previous = kind
        elif token == "hundred":
            if previous in ("hundred", "scale") or current >= 100:
                return None
            current = (current or 1) * 100
            previous = "hundred"
        else:
            scale = _SCALES[token]
            # "thousand million" is not how people write numbers; refuse rather than guess.
            if last_scale is not None and scale >= last_scale:
                return None
            total += (current or 1) * scale
            current, last_scale, previous = 0, scale, "scale"
    value = total + current
    return -value if negative else value


def _kind(value: int) -> str:
    return "ten" if value >= 20 else "teen" if value >= 10 else "unit"


def number_word_prefix(text: str) -> tuple[int, str] | None:
    """Splits "five apples" into (5, "apples"); None if the text does not start with one."""
    words = text.split()
    for end in range(len(words), 0, -1):
        value = words_to_int(" ".join(words[:end]))
        if value is not None:
            return value, " ".join(words[end:])
    return None


def is_terminating(value: Fraction) -> bool:
    """True when the decimal expansion of `value` ends (its denominator is 2^a 5^b)."""
    den = value.denominator
    for p in (2, 5):
        while den % p == 0:
            den //= p
    return den == 1


def decimal_matches(exact: Fraction, written: Number) -> bool:
    """Whether a decimal the model wrote stands for the exact value `exact`.

    Equal values always match. A decimal stands for a value whose expansion does not end
    only when it has at least 3 significant digits and equals that value rounded (half
    away from zero) or truncated to the digits written: 1/3 accepts 0.333 and 0.3333 but
    not 0.33 or 0.334. A value with a finite expansion (0.125) must be written exactly.
    """
    if written.value == exact:
        return True
    if written.decimals is None or is_terminating(exact):
        return False
    return approximates(exact, written)


def approximates(exact: Fraction, written: Number) -> bool:
    """The rounding rule of `decimal_matches` for a close rational stand-in of any real."""
    if written.decimals is None or written.significant_digits < 3:
        return False
    scale = 10**written.decimals
    scaled = abs(exact) * scale
    truncated = scaled.numerator // scaled.denominator
    rounded = truncated + (1 if scaled - truncated >= Fraction(1, 2) else 0)
    sign = -1 if exact < 0 else 1
    target = written.value * scale
    return target in (sign * truncated, sign * rounded)


def rounds_to(exact: Fraction, gold: Number, terminating_ok: bool = False) -> bool:
    """Whether an exact value, rounded (half away from zero) to the places of a decimal
    gold, is that gold: gold 30.52 accepts 1587/52 (30.519...), not 30.53 or 61/2.

    The gold must have 2 significant digits or more ("0.5" may be exactly 1/2), and a
    value whose expansion ends (49/20 = 2.45) is no rounded claim: it must equal the gold.
    `terminating_ok` is for a close rational stand-in of an irrational value."""
    if gold.decimals is None or gold.decimals == 0 or gold.significant_digits < 2:
        return False
    if not terminating_ok and is_terminating(exact):
        return False
    scale = 10**gold.decimals
    scaled = abs(exact) * scale
    rounded = scaled.numerator // scaled.denominator
    if scaled - rounded >= Fraction(1, 2):
        rounded += 1
    sign = -1 if exact < 0 else 1
    return Fraction(sign * rounded, scale) == gold.value
