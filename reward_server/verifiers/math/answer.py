"""Parses one final answer string into a small tree (tree.py): value, list/set/tuple,
intervals (intervals.py), equation, chain or matrix. No sympy here; the tree only says
what shape the answer has.
"""

from __future__ import annotations

import re
from dataclasses import replace

from reward_server.verifiers.math import bases, labels, relations
from reward_server.verifiers.math.guard import blocked_reason
from reward_server.verifiers.math.intervals import VARIABLE, inequality, interval
from reward_server.verifiers.math.markup import Interpreted, interpret
from reward_server.verifiers.math.normalize import basic
from reward_server.verifiers.math.numbers import parse_number, words_to_int
from reward_server.verifiers.math.scan import is_enclosed, split_top
from reward_server.verifiers.math.tree import (
    Chain,
    Equation,
    Intervals,
    Items,
    Matrix,
    Node,
    Scalar,
    scalar,
)

_MATRIX = re.compile(r"\\begin\{([pbBvV]?matrix|array)\}(?:\{[^{}]*\})?(.*?)\\end\{\1\}", re.DOTALL)
_SYSTEM = re.compile(
    r"\\begin\{(cases|aligned|align\*?|gathered|split|array)\}(?:\{[^{}]*\})?(.*?)\\end\{\1\}",
    re.DOTALL,
)
_MEMBERSHIP = re.compile(r"[A-Za-z]\s*\\in\s*(.+)", re.DOTALL)
_SET_BUILDER = re.compile(
    r"\\\{\s*[A-Za-z](?:\s*\\in\s*\\mathbb\s*\{?[RZNQ]\}?)?\s*(?::|\\mid|\|)\s*(.+)\\\}", re.DOTALL
)
_REALS = re.compile(r"\\mathbb\s*\{?\s*R\s*\}?|\\R(?![a-zA-Z])|\\Reals")
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
    if (rows := _system(text)) is not None:
        return _items(rows, "")  # "\\begin{cases} x = 1 \\\\ y = 2 \\end{cases}": a solution
    # One matrix only: "A + B" also starts with \\begin and ends with \\end (compare.py
    # evaluates such an expression).
    for body in (text, text[1:-1].strip() if text[:1] in "([" else ""):
        # The second: "\\left[\\begin{array}..\\end{array}\\right]".
        if (m := _MATRIX.fullmatch(body)) and "\\end{" not in m.group(2):
            return _matrix(m.group(2))
    if m := _MEMBERSHIP.fullmatch(text):
        return _parse(m.group(1))  # "x \in [1, 2]" is the interval
    if m := _SET_BUILDER.fullmatch(text):
        return _parse(m.group(1))  # "\{x : x > 3\}" is the condition
    parts = [p for p in split_top(text, ("\\cup",)) if p]
    if len(parts) > 1 and (union := [interval(p, True) for p in parts]) and all(union):
        return Intervals(tuple(i for i in union if i is not None))
    if (one := interval(text)) is not None:
        return Intervals((one,))
    if (relation := inequality(text)) is not None:
        return relation
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


def _system(text: str) -> list[str] | None:
    """The lines of a system of equations: a cases / aligned / gathered block (also an
    array of equations after "\\{"), or lines broken by "\\\\" outside any block."""
    body = text[2:].strip() if text.startswith("\\{") else text
    body = body.removesuffix(".").strip()
    m = _SYSTEM.fullmatch(body)
    if m is not None and "\\end{" not in m.group(2):
        lines = m.group(2)
    elif "\\begin" not in text and "\\\\" in text:
        lines = text
    else:
        return None
    rows = [r.replace("&", "").strip() for r in split_top(lines, ("\\\\",))]
    rows = [r.rstrip(",;").strip() for r in rows if r.strip()]
    # Every line an equation: a piecewise definition or a matrix is not a system.
    return rows if len(rows) > 1 and all("=" in r for r in rows) else None


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
    if len(segments) > 1 and VARIABLE.fullmatch(segments[0]) and segments[0] not in _CONSTANTS:
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
        # "x = 5", "AB = 4", "T(10) = 2"; "S = \\{1, 2\\}" names a set.
        return _named(_equality(value) if len(sides) > 2 else _parse(value), name)
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


def _matrix(body: str) -> Matrix | None:
    rows = [r for r in re.split(r"\\\\", body) if r.strip()]
    cells = [[_parse(c.strip()) for c in r.split("&")] for r in rows]
    if not cells or any(c is None for row in cells for c in row):
        return None
    if len({len(row) for row in cells}) != 1:
        return None
    return Matrix(tuple(tuple(c for c in row if c is not None) for row in cells))
