"""Intervals and inequalities: "[2, 5)", "2 \\le x < 5", "x > 3", "x < 1 or x > 3",
"x \\ge 1 and x \\le 3", "-x > -1", "|x - 1| \\ge 3", each read as a union of intervals over
one variable (see verify.py for the rules).
"""

from __future__ import annotations

import re
from fractions import Fraction

from reward_server.verifiers.math.numbers import Number, parse_number
from reward_server.verifiers.math.scan import is_enclosed, split_top
from reward_server.verifiers.math.tree import Interval, Intervals, Items, Scalar, scalar

RELATION = re.compile(r"\\le(?![a-zA-Z])|\\ge(?![a-zA-Z])|<|>")
VARIABLE = re.compile(r"[A-Za-z](?:_\{?\w+\}?)?|\\[A-Za-z]+|[A-Za-z]\s*\(\s*[A-Za-z]\s*\)")
_INFINITY = re.compile(r"([-+]?)\s*\\infty|([-+]?)\s*\\inf(?![a-z])|([-+]?)\s*inf(?:inity)?")
_ABSOLUTE_BETWEEN = re.compile(
    r"([^<>|\\]*|\\frac\{\d+\}\{\d+\})\s*(<|\\le)\s*\|\s*([A-Za-z])\s*\|\s*(<|\\le)\s*(.+)"
)
_ABSOLUTE = re.compile(
    r"\|\s*([A-Za-z])\s*(?:([-+])\s*(\d+(?:\.\d+)?))?\s*\|\s*(<|>|\\le|\\ge)\s*(\d+(?:\.\d+)?|\\frac\{\d+\}\{\d+\})"
)


def bound(text: str) -> Scalar | None:
    """An end of an interval: a value, or an infinity with its sign."""
    m = _INFINITY.fullmatch(text.strip())
    if m:
        sign = next((g for g in m.groups() if g is not None), "")
        return Scalar(text="-\\infty" if sign == "-" else "\\infty")
    return scalar(text)


def interval(text: str, in_union: bool = False) -> Interval | None:
    """ "[2, 5)" -> Interval; "(1, 2)" alone is left to the tuple rule (it may be a point)."""
    if len(text) < 5 or text[0] not in "([" or text[-1] not in ")]":
        return None
    if text[0] == "(" and text[-1] == ")" and not in_union:
        return None
    if not is_enclosed(text, text[0], text[-1]):
        return None
    ends = split_top(text[1:-1], (",",))
    if len(ends) != 2:
        return None
    lo, hi = bound(ends[0]), bound(ends[1])
    if lo is None or hi is None:
        return None
    return Interval(lo, hi, text[0] == "[", text[-1] == "]")


def open_interval(items: Items) -> Interval | None:
    """Reads a 2-tuple "(a, b)" as the open interval it may also denote."""
    if items.bracket != "(" or len(items.members) != 2:
        return None
    lo, hi = items.members
    if not (isinstance(lo, Scalar) and isinstance(hi, Scalar)):
        return None
    return Interval(bound(lo.text) or lo, bound(hi.text) or hi, False, False)


def inequality(text: str) -> Intervals | None:
    """ "2 \\le x < 5", "x > 3", "x < 1 or x > 3" as a union of intervals over one variable."""
    if not RELATION.search(text):
        return None
    if (absolute := _absolute(text)) is not None:
        return absolute
    if (both := _conjunction(text)) is not None:
        return Intervals((both,))
    pieces = split_top(text, (" or ", "\\cup", "\\lor"))
    parts = [_chain(p) for p in pieces]
    if not all(parts):
        return None
    return Intervals(tuple(p for p in parts if p is not None))


def _conjunction(text: str) -> Interval | None:
    """ "x \\ge 1 and x \\le 3" (also with "," or "\\land") is [1, 3]: a lower and an upper
    bound of one variable."""
    parts = split_top(text, (" and ", "\\land", "\\wedge", ","))
    if len(parts) != 2 or any(not RELATION.search(p) for p in parts):
        return None
    names = {_one_variable(p) for p in parts}
    bounds = [_chain(p) for p in parts]
    if len(names) != 1 or None in names or None in bounds:
        return None
    lower = next((b for b in bounds if b and b.hi.text == "\\infty"), None)
    upper = next((b for b in bounds if b and b.lo.text == "-\\infty"), None)
    if lower is None or upper is None or lower is upper:
        return None
    return Interval(lower.lo, upper.hi, lower.lo_closed, upper.hi_closed)


def _one_variable(text: str) -> str | None:
    """The variable of a one-sided inequality ("x \\ge 1", "3 > y")."""
    sides = [t.strip() for t in RELATION.split(text)]
    names = [t for t in sides if VARIABLE.fullmatch(t)]
    return names[0] if len(sides) == 2 and len(names) == 1 else None


def _absolute(text: str) -> Intervals | None:
    """ "|x| < 2" is (-2, 2) and "|x - 1| \\ge 3" is (-\\infty, -2] \\cup [4, \\infty)."""
    if (m := _ABSOLUTE_BETWEEN.fullmatch(text)) is not None:
        return _absolute_between(m)
    m = _ABSOLUTE.fullmatch(text)
    if m is None:
        return None
    centre = parse_number(m.group(3).replace(" ", "")) if m.group(3) else Number(Fraction(0))
    radius = parse_number(m.group(5))
    if centre is None or radius is None:
        return None
    shift = centre.value if m.group(2) == "-" else -centre.value  # |x - c| is centred at c
    lo, hi = _value_scalar(shift - radius.value), _value_scalar(shift + radius.value)
    closed = m.group(4) in ("\\le", "\\ge")
    if m.group(4) in ("<", "\\le"):
        return Intervals((Interval(lo, hi, closed, closed),))
    low = Interval(Scalar(text="-\\infty"), lo, False, closed)
    return Intervals((low, Interval(hi, Scalar(text="\\infty"), closed, False)))


def _absolute_between(m: re.Match[str]) -> Intervals | None:
    """ "1 \\le |z| \\le \\frac{3}{2}" is [-3/2, -1] \\cup [1, 3/2]."""
    low, high = parse_number(m.group(1)), parse_number(m.group(5))
    if low is None or high is None or not 0 < low.value < high.value:
        return None
    lo_closed, hi_closed = m.group(2) == "\\le", m.group(4) == "\\le"
    a, b = low.value, high.value
    negative = Interval(_value_scalar(-b), _value_scalar(-a), hi_closed, lo_closed)
    return Intervals((negative, Interval(_value_scalar(a), _value_scalar(b), lo_closed, hi_closed)))


def _value_scalar(value: Fraction) -> Scalar:
    text = (
        f"{value.numerator}" if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    )
    return Scalar(text=text, number=Number(value))


def _chain(text: str) -> Interval | None:
    tokens = RELATION.split(text)
    ops = RELATION.findall(text)
    if len(ops) not in (1, 2) or len(tokens) != len(ops) + 1:
        return None
    tokens = [t.strip() for t in tokens]
    if len(ops) == 1:
        return _one_sided(tokens[0], ops[0], tokens[1])
    # a < x < b (or a > x > b): the variable sits in the middle.
    if not VARIABLE.fullmatch(tokens[1]):
        return None
    lo_op, hi_op = ops
    if _direction(lo_op) != _direction(hi_op):
        return None
    lo_text, hi_text = tokens[0], tokens[2]
    if _direction(lo_op) == ">":
        lo_text, hi_text = hi_text, lo_text
        lo_op, hi_op = hi_op, lo_op
    lo, hi = bound(lo_text), bound(hi_text)
    if lo is None or hi is None:
        return None
    return Interval(lo, hi, _inclusive(lo_op), _inclusive(hi_op))


def _one_sided(left: str, op: str, right: str) -> Interval | None:
    for side in (left, right):
        if side.startswith("-") and VARIABLE.fullmatch(side[1:].strip()):
            # "-x > -1" is "x < 1": negate both sides and turn the relation around.
            flipped = {"<": ">", ">": "<", "\\le": "\\ge", "\\ge": "\\le"}[op]
            return _one_sided(_negate(left), flipped, _negate(right))
    if VARIABLE.fullmatch(left):
        value, var_is_less = right, _direction(op) == "<"
    elif VARIABLE.fullmatch(right):
        value, var_is_less = left, _direction(op) == ">"
    else:
        return None
    end = bound(value)
    if end is None:
        return None
    if var_is_less:
        return Interval(Scalar(text="-\\infty"), end, False, _inclusive(op))
    return Interval(end, Scalar(text="\\infty"), _inclusive(op), False)


def _negate(text: str) -> str:
    text = text.strip()
    if text.startswith("-"):
        return text[1:].strip()
    plain = parse_number(text) is not None or VARIABLE.fullmatch(text)
    return f"-{text}" if plain else f"-({text})"


def _direction(op: str) -> str:
    return "<" if op in ("<", "\\le") else ">"


def _inclusive(op: str) -> bool:
    return op in ("\\le", "\\ge")
