"""Parses one final answer string into a small tree: value, list/set/tuple, intervals,
equation, chain or matrix. No sympy here; the tree only says what shape the answer has.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any, Union

from reward_server.verifiers.math import bases, labels, relations
from reward_server.verifiers.math.guard import blocked_reason
from reward_server.verifiers.math.markup import Interpreted, interpret
from reward_server.verifiers.math.normalize import basic, clean
from reward_server.verifiers.math.numbers import Number, parse_number, words_to_int
from reward_server.verifiers.math.scan import is_enclosed, remove_group_commas, split_top


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

_RELATION = re.compile(r"\\le(?![a-zA-Z])|\\ge(?![a-zA-Z])|<|>")
_VARIABLE = re.compile(r"[A-Za-z](?:_\{?\w+\}?)?|\\[A-Za-z]+|[A-Za-z]\s*\(\s*[A-Za-z]\s*\)")
_INFINITY = re.compile(r"([-+]?)\s*\\infty|([-+]?)\s*\\inf(?![a-z])|([-+]?)\s*inf(?:inity)?")
_MATRIX = re.compile(r"\\begin\{([pbBvV]?matrix|array)\}(?:\{[^{}]*\})?(.*?)\\end\{\1\}", re.DOTALL)
_MEMBERSHIP = re.compile(r"[A-Za-z]\s*\\in\s*(.+)", re.DOTALL)
_SET_BUILDER = re.compile(
    r"\\\{\s*[A-Za-z](?:\s*\\in\s*\\mathbb\s*\{?[RZNQ]\}?)?\s*(?::|\\mid|\|)\s*(.+)\\\}", re.DOTALL
)
_REALS = re.compile(r"\\mathbb\s*\{?\s*R\s*\}?|\\R(?![a-zA-Z])|\\Reals")
_ABSOLUTE = re.compile(
    r"\|\s*([A-Za-z])\s*(?:([-+])\s*(\d+(?:\.\d+)?))?\s*\|\s*(<|>|\\le|\\ge)\s*(\d+(?:\.\d+)?|\\frac\{\d+\}\{\d+\})"
)
_INNER_DEGREES = re.compile(r"(\d+(?:\.\d+)?)\s*\^\s*\{?\s*\\circ\s*\}?")
_TRIG = re.compile(r"\\(?:sin|cos|tan|cot|sec|csc)(?![a-zA-Z])")
_DECIMAL_COMMA = re.compile(r"[-+]?\d+,\d+")
_LETTERS = re.compile(r"\\[A-Za-z]+|[A-Za-z]")
_ARITHMETIC_COMMANDS = {"\\frac", "\\sqrt", "\\cdot", "\\times", "\\div", "\\pi"}
_CONSTANTS = {"\\pi", "\\infty", "\\inf"}  # values, not names: "\\pi \\approx 3.14" has two sides
_MAX_MEMBERS = 64


def shown(text: str) -> Interpreted:
    """An answer as a reader sees it: basic clean-up, relation symbols as commands, and the
    commands that hide or decorate content interpreted or refused (markup.py)."""
    interpreted = interpret(relations.normalize(basic(text)))
    return Interpreted(re.sub(r"\s+", " ", interpreted.text).strip(), interpreted.refused)


def parse_answer(text: str) -> Node | None:
    """The tree for one answer, or None when nothing is left after clean-up."""
    answer = shown(text)
    text = answer.text
    if not text:
        return None
    if blocked := answer.refused or blocked_reason(text):
        return Scalar(text=text, blocked=blocked)
    return _parse(text)


def _parse(text: str) -> Node | None:
    if _REALS.fullmatch(text):
        text = "(-\\infty, \\infty)"  # the whole real line
    if m := _MATRIX.fullmatch(text):
        return _matrix(m.group(2))
    if text[:1] in "([" and (m := _MATRIX.fullmatch(text[1:-1].strip())):
        return _matrix(m.group(2))  # "\\left[\\begin{array}..\\end{array}\\right]"
    if m := _MEMBERSHIP.fullmatch(text):
        return _parse(m.group(1))  # "x \in [1, 2]" is the interval
    if m := _SET_BUILDER.fullmatch(text):
        return _parse(m.group(1))  # "\{x : x > 3\}" is the condition
    parts = [p for p in split_top(text, ("\\cup",)) if p]
    if len(parts) > 1 and (intervals := [_interval(p, True) for p in parts]) and all(intervals):
        return Intervals(tuple(i for i in intervals if i is not None))
    if (interval := _interval(text)) is not None:
        return Intervals((interval,))
    if (inequality := _inequality(text)) is not None:
        return inequality
    for left, right, bracket in (("\\{", "\\}", "{"), ("(", ")", "("), ("[", "]", "["),
                                 ("\\langle", "\\rangle", "(")):  # fmt: skip
        if is_enclosed(text, left, right):
            inner = text[len(left) : len(text) - len(right)]
            members = split_top(inner, (",", ";"))
            if bracket == "{" or len(members) > 1:
                return _items(members, bracket)
    if len(plus_minus := split_top(text, ("\\pm",))) == 2:
        return _plus_minus(*plus_minus)
    if words_to_int(text) is not None:
        return scalar(text)  # "one hundred and five" is one number, not a list
    groups = split_top(text, (";",))
    if len(groups) > 1 and any("," in g for g in groups):
        return _items(groups, "")  # "p=5, q=2; p=7, q=2": solutions of several unknowns
    members = split_top(text, (",", ";", " and ", " or "), thousands=True)
    if len(members) > 1:
        items = _items(members, "")
        if isinstance(items, Items) and _DECIMAL_COMMA.fullmatch(text):
            return replace(items, decimal=scalar(text.replace(",", ".")))
        return items
    return _relation_or_value(text)


def _plus_minus(base: str, offset: str) -> Node | None:
    """ "\\pm 2" is the list {2, -2}; "1 \\pm \\sqrt{2}" is {1+\\sqrt{2}, 1-\\sqrt{2}}."""
    if not offset:
        return None
    minus = f"-{offset}" if parse_number(offset) is not None else f"-({offset})"
    if base:
        return _items([f"{base}+{offset}", f"{base}{minus}"], "")
    return _items([offset, minus], "")


def _items(members: list[str], bracket: str) -> Node | None:
    if len(members) > _MAX_MEMBERS:
        return Scalar(text=",".join(members), blocked="too complex")
    nodes = [_parse(m) for m in members if m]
    if bracket == "{" and len(nodes) == 1 and nodes[0] is not None:
        return Items((nodes[0],), "{")
    return Items(tuple(n for n in nodes if n is not None), bracket)


def _relation_or_value(text: str) -> Node | None:
    segments = split_top(text, (relations.APPROX,))
    if len(segments) == 1:
        return _equality(text)
    if not segments[0]:
        segments = segments[1:]  # "\\approx 3.14"
    name = None
    if len(segments) > 1 and _VARIABLE.fullmatch(segments[0]) and segments[0] not in _CONSTANTS:
        name, segments = segments[0].replace(" ", ""), segments[1:]
    if not all(segments):
        return scalar(text)  # "3 \\approx" will not parse
    # "\\frac{1}{3} \\approx 0.333" states the answer twice, exactly and rounded: both must be
    # right ("42 \\approx 1000" is not 42). Each part may be an "=" chain ("x = \\frac13").
    nodes = [_named(_equality(s), name) for s in segments]
    if len(nodes) == 1:
        return nodes[0]
    return Chain(tuple(n for n in nodes if n is not None)) if all(nodes) else None


def _equality(text: str) -> Node | None:
    sides = split_top(text, ("=",))
    if len(sides) == 1 or not all(sides):
        return scalar(text)  # "x = = 3" is not an equation; it will not parse either
    lhs, value = sides[0], sides[-1]
    if (names := labels.tuple_names(lhs)) is not None:
        return _named_tuple(names, value)  # "(p, q) = (3, 2)"
    if (name := labels.label_name(lhs)) is not None:
        return _named(_equality(value), name)  # "x = 5", "AB = 4", "T(10) = 2"
    if len(sides) == 2 and not _has_variable(lhs) and _has_variable(value):
        # "7 = 11a + c" states an equation, not the value 11a + c.
        return Equation(lhs=lhs, rhs=value)
    if len(sides) > 2 or not _has_variable(lhs):
        # "2+3=5" or "a = b = 5": the last side is the value the writer arrived at.
        return _equality(value)
    converted = [bases.to_decimal(side) for side in (lhs, value)]
    refused = next((c.refused for c in converted if c.refused), None)
    return Equation(lhs=converted[0].text, rhs=converted[1].text, blocked=refused)


def _named(node: Node | None, name: str | None) -> Node | None:
    if isinstance(node, Scalar) and name is not None:
        return replace(node, var=name)
    return node


def _named_tuple(names: list[str], value: str) -> Node | None:
    """ "(p, q) = (3, 2)" is the tuple (3, 2) whose members are named p and q."""
    node = _parse(value)
    if isinstance(node, Items) and len(node.members) == len(names):
        members = tuple(_named(m, n) or m for m, n in zip(node.members, names, strict=True))
        return replace(node, members=members)
    return node


def _has_variable(text: str) -> bool:
    return any(t not in _ARITHMETIC_COMMANDS for t in _LETTERS.findall(text))


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


def _bound(text: str) -> Scalar | None:
    m = _INFINITY.fullmatch(text.strip())
    if m:
        sign = next((g for g in m.groups() if g is not None), "")
        return Scalar(text="-\\infty" if sign == "-" else "\\infty")
    return scalar(text)


def _interval(text: str, in_union: bool = False) -> Interval | None:
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
    lo, hi = _bound(ends[0]), _bound(ends[1])
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
    return Interval(_bound(lo.text) or lo, _bound(hi.text) or hi, False, False)


def _inequality(text: str) -> Intervals | None:
    """ "2 \\le x < 5", "x > 3", "x < 1 or x > 3" as a union of intervals over one variable."""
    if not _RELATION.search(text):
        return None
    if (absolute := _absolute(text)) is not None:
        return absolute
    pieces = split_top(text, (" or ", "\\cup", "\\lor"))
    parts = [_chain(p) for p in pieces]
    if not all(parts):
        return None
    return Intervals(tuple(p for p in parts if p is not None))


def _absolute(text: str) -> Intervals | None:
    """ "|x| < 2" is (-2, 2) and "|x - 1| \\ge 3" is (-\\infty, -2] \\cup [4, \\infty)."""
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


def _value_scalar(value: Fraction) -> Scalar:
    text = (
        f"{value.numerator}" if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    )
    return Scalar(text=text, number=Number(value))


def _chain(text: str) -> Interval | None:
    tokens = _RELATION.split(text)
    ops = _RELATION.findall(text)
    if len(ops) not in (1, 2) or len(tokens) != len(ops) + 1:
        return None
    tokens = [t.strip() for t in tokens]
    if len(ops) == 1:
        return _one_sided(tokens[0], ops[0], tokens[1])
    # a < x < b (or a > x > b): the variable sits in the middle.
    if not _VARIABLE.fullmatch(tokens[1]):
        return None
    lo_op, hi_op = ops
    if _direction(lo_op) != _direction(hi_op):
        return None
    lo_text, hi_text = tokens[0], tokens[2]
    if _direction(lo_op) == ">":
        lo_text, hi_text = hi_text, lo_text
        lo_op, hi_op = hi_op, lo_op
    lo, hi = _bound(lo_text), _bound(hi_text)
    if lo is None or hi is None:
        return None
    return Interval(lo, hi, _inclusive(lo_op), _inclusive(hi_op))


def _one_sided(left: str, op: str, right: str) -> Interval | None:
    for side in (left, right):
        if side.startswith("-") and _VARIABLE.fullmatch(side[1:].strip()):
            # "-x > -1" is "x < 1": negate both sides and turn the relation around.
            flipped = {"<": ">", ">": "<", "\\le": "\\ge", "\\ge": "\\le"}[op]
            return _one_sided(_negate(left), flipped, _negate(right))
    if _VARIABLE.fullmatch(left):
        value, var_is_less = right, _direction(op) == "<"
    elif _VARIABLE.fullmatch(right):
        value, var_is_less = left, _direction(op) == ">"
    else:
        return None
    bound = _bound(value)
    if bound is None:
        return None
    if var_is_less:
        return Interval(Scalar(text="-\\infty"), bound, False, _inclusive(op))
    return Interval(bound, Scalar(text="\\infty"), _inclusive(op), False)


def _negate(text: str) -> str:
    text = text.strip()
    if text.startswith("-"):
        return text[1:].strip()
    plain = parse_number(text) is not None or _VARIABLE.fullmatch(text)
    return f"-{text}" if plain else f"-({text})"


def _direction(op: str) -> str:
    return "<" if op in ("<", "\\le") else ">"


def _inclusive(op: str) -> bool:
    return op in ("\\le", "\\ge")


def _matrix(body: str) -> Matrix | None:
    rows = [r for r in re.split(r"\\\\", body) if r.strip()]
    cells = [[_parse(c.strip()) for c in r.split("&")] for r in rows]
    if not cells or any(c is None for row in cells for c in row):
        return None
    if len({len(row) for row in cells}) != 1:
        return None
    return Matrix(tuple(tuple(c for c in row if c is not None) for row in cells))
