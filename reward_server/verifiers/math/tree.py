"""The answer tree: one node type per shape of answer (value, chain of approximations,
equation, intervals, list / set / tuple, matrix), and `scalar`, which builds a value.
No sympy here; the tree only says what shape the answer has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Union

from reward_server.verifiers.math import bases
from reward_server.verifiers.math.normalize import clean
from reward_server.verifiers.math.numbers import Number, parse_number
from reward_server.verifiers.math.scan import remove_group_commas

_INNER_DEGREES = re.compile(r"(\d+(?:\.\d+)?)\s*\^\s*\{?\s*\\circ\s*\}?")
_TRIG = re.compile(r"\\(?:sin|cos|tan|cot|sec|csc)(?![a-zA-Z])")


@dataclass(frozen=True)
class Scalar:
    """One value. `var` is set for an assignment ("x = 5" has var "x", text "5")."""

    text: str
    number: Number | None = None
    percent: bool = False
    degrees: bool = False
    var: str | None = None
    blocked: str | None = None  # "too large" / "too complex": compared as text only
    sym: Any = None  # sympy value, precomputed for the gold only
    numeral: bases.Numeral | None = None  # written in a base: "101_2"


@dataclass(frozen=True)
class Chain:
    """ "\\frac{1}{3} \\approx 0.333": an approximation; each side states the answer."""

    sides: tuple[Node, ...]


@dataclass(frozen=True)
class Equation:
    """A relation that is not a plain assignment, e.g. "2x - y + 1 = 0"."""

    lhs: str
    rhs: str
    blocked: str | None = None
    sym: Any = None  # sympy (lhs - rhs), precomputed for the gold only


@dataclass(frozen=True)
class Interval:
    lo: Scalar
    hi: Scalar
    lo_closed: bool
    hi_closed: bool


@dataclass(frozen=True)
class Intervals:
    """A union of intervals (one or more); order of the parts does not matter."""

    parts: tuple[Interval, ...]


@dataclass(frozen=True)
class Items:
    """Several values. `bracket` is "(" for a tuple, "[" for a list, "{" for a set and ""
    for a bare comma list ("1, 2" or "x=1, x=2", a list of solutions)."""

    members: tuple[Node, ...]
    bracket: str
    # "2,74" may be a list or a decimal comma: the one value it reads as (compare.py uses
    # it only against a gold or an answer of one value).
    decimal: Scalar | None = None

    @property
    def ordered(self) -> bool:
        return self.bracket in ("(", "[")


@dataclass(frozen=True)
class Matrix:
    rows: tuple[tuple[Node, ...], ...]


Node = Union[Scalar, Equation, Intervals, Items, Matrix, Chain]  # noqa: UP007 (runtime alias)


def scalar(text: str) -> Scalar | None:
    """A single value with its percent / degree marks and, when plain, its number."""
    if numeral := bases.whole(text):
        return Scalar(text=numeral.text, number=Number(numeral.value), numeral=numeral)
    converted = bases.to_decimal(text)
    if converted.refused:
        return Scalar(text=text, blocked=converted.refused)
    cleaned = clean(converted.text)
    body = remove_group_commas(cleaned.text)
    if not body:
        return None
    degrees = cleaned.degrees
    if degrees and _TRIG.search(body):
        body, degrees = body + "^\\circ", False  # "\\sin 60^\\circ": the angle's mark
    # Degrees inside an expression ("\\sin 60^\\circ") are radians to the parser.
    body = _INNER_DEGREES.sub(r"(\1 \\pi / 180)", body)
    return Scalar(
        text=body,
        number=parse_number(body),
        percent=cleaned.percent,
        degrees=degrees,
    )
