"""Compares a gold answer tree with a model's answer tree (see verify.py for the rules).

Cheapest first: equal text, then exact numbers (`Fraction`), and only then sympy.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction
from typing import Any

from reward_server.verifiers.math import bases, labels, symbolic
from reward_server.verifiers.math.intervals import open_interval
from reward_server.verifiers.math.numbers import Number, approximates, decimal_matches, rounds_to
from reward_server.verifiers.math.tree import (
    Chain,
    Equation,
    Interval,
    Intervals,
    Items,
    Matrix,
    Node,
    Scalar,
)

# How a match was decided, cheapest first; a structure reports its most expensive part.
_COST = {"exact": 0, "numeric": 1, "symbolic": 2}


@dataclass(frozen=True)
class Match:
    ok: bool
    how: str  # "exact" / "numeric" / "symbolic" when ok, else the reason it failed


def _worst(matches: list[Match]) -> Match:
    how = max((m.how for m in matches), key=lambda h: _COST.get(h, 0), default="exact")
    return Match(True, how)


def prepare_gold(node: Node) -> Node:
    """Precomputes the sympy values of a gold tree (done once per gold, in parse_gold)."""
    if isinstance(node, Scalar):
        if node.blocked or node.number is not None:
            return node
        return replace(node, sym=symbolic.to_sympy(node.text))
    if isinstance(node, Equation):
        return replace(node, sym=_equation_diff(node))
    if isinstance(node, Items):
        return replace(node, members=tuple(prepare_gold(m) for m in node.members))
    if isinstance(node, Intervals):
        return replace(node, parts=tuple(_prepare_interval(p) for p in node.parts))
    if isinstance(node, Matrix):
        return replace(node, rows=tuple(tuple(prepare_gold(c) for c in r) for r in node.rows))
    if isinstance(node, Chain):
        return replace(node, sides=tuple(prepare_gold(s) for s in node.sides))
    return node


def _prepare_interval(part: Interval) -> Interval:
    lo, hi = prepare_gold(part.lo), prepare_gold(part.hi)
    assert isinstance(lo, Scalar) and isinstance(hi, Scalar)
    return replace(part, lo=lo, hi=hi)


def equivalent(gold: Node, answer: Node) -> Match:
    """Whether `answer` states the same mathematical object as `gold`."""
    if isinstance(answer, Chain):
        return _chain(gold, answer)
    if isinstance(gold, Chain):
        # A gold chain ("\\pi \\approx 3.14") names the answer by each of its sides.
        matches = [equivalent(side, answer) for side in gold.sides]
        return next((m for m in matches if m.ok), matches[-1])
    if isinstance(gold, Items):
        return _items(gold, answer)
    if isinstance(gold, Matrix) or isinstance(answer, Matrix):
        return _matrices(gold, answer)
    if isinstance(answer, Items):
        if answer.decimal is not None:
            return equivalent(gold, answer.decimal)  # "2,74" against one value: 2.74
        if len(answer.members) == 1:
            return equivalent(gold, answer.members[0])
        if isinstance(gold, Intervals) and (interval := open_interval(answer)) is not None:
            return _intervals(gold, Intervals((interval,)))
        return Match(False, f"{len(answer.members)} values given, expected one")
    if isinstance(gold, Intervals):
        if isinstance(answer, Intervals):
            return _intervals(gold, answer)
        return Match(False, "expected an interval")
    if isinstance(gold, Equation) or isinstance(answer, Equation):
        return _equations(gold, answer)
    if isinstance(gold, Scalar) and isinstance(answer, Scalar):
        return _named_scalars(gold, answer)
    return Match(False, "different kinds of answer")


def _named_scalars(gold: Scalar, answer: Scalar) -> Match:
    """Names must agree when both sides give one ("x = 5" is not "y = 5"); a function's
    argument is a bound variable ("f(z) = z" is "f(x) = x")."""
    if gold.var and answer.var:
        if not labels.same_name(gold.var, answer.var):
            return Match(False, "different variables")
        renamed = labels.bound_rename(gold.var, answer.var, answer.text)
        if renamed is None:
            return Match(False, "the function's argument differs")
        if renamed != answer.text:
            answer = replace(answer, text=renamed, var=gold.var)
    return _scalars(gold, answer)


def _chain(gold: Node, answer: Chain) -> Match:
    """Every side of "\\frac13 \\approx 0.333" must be the answer."""
    matches = [equivalent(gold, side) for side in answer.sides]
    failed = next((m for m in matches if not m.ok), None)
    return Match(False, f"a side of the chain differs: {failed.how}") if failed else _worst(matches)


def _items(gold: Items, answer: Node) -> Match:
    if gold.decimal is not None and not isinstance(answer, Items):
        return equivalent(gold.decimal, answer)  # gold "1,22" against "1.22"
    if isinstance(answer, Intervals) and len(answer.parts) == 1:
        interval = open_interval(gold)
        if interval is not None:
            return _intervals(Intervals((interval,)), answer)
    if isinstance(answer, Matrix):
        answer = _as_items(answer) or answer
    members = _members(gold, answer)
    if not gold.ordered:
        # A solution set: a member given twice is still one member.
        members = tuple(m for i, m in enumerate(members) if m not in members[:i])
    if len(members) < len(gold.members):
        return Match(False, f"incomplete: {len(members)} of {len(gold.members)} values")
    if len(members) > len(gold.members):
        return Match(False, f"too many values: {len(members)}, expected {len(gold.members)}")
    named = all(isinstance(m, Scalar) and m.var for m in members)
    gold_named = all(isinstance(m, Scalar) and m.var for m in gold.members)
    # Names pair the members when both sides give them ("(p, q) = (3, 2)" is "q = 2, p = 3").
    if (gold.ordered and not (named and gold_named)) or (_distinct_vars(gold) and not named):
        matches = [_member(g, a) for g, a in zip(gold.members, members, strict=True)]
        failed = next((m for m in matches if not m.ok), None)
        return failed or _worst(matches)
    return _unordered(list(gold.members), list(members))


def _members(gold: Items, answer: Node) -> tuple[Node, ...]:
    """The answer's members as the gold counts them: a set of one tuple "\\{(1, 2)\\}" and
    the tuple "(1, 2)" are one member each way."""
    if not isinstance(answer, Items):
        return (answer,)
    gold_tuples = bool(gold.members) and all(isinstance(m, Items) for m in gold.members)
    answer_tuples = any(isinstance(m, Items) for m in answer.members)
    if gold_tuples and not answer_tuples and answer.bracket == "(":
        return (answer,)
    if not gold_tuples and len(answer.members) == 1 and isinstance(answer.members[0], Items):
        return answer.members[0].members
    return answer.members


def _distinct_vars(items: Items) -> bool:
    """ "x=1, y=2" is an ordered solution (x, y), unlike the solution list "x=1, x=2"."""
    names = [m.var for m in items.members if isinstance(m, Scalar)]
    if len(names) != len(items.members) or None in names:
        return False
    # "x_1 = 2, x_2 = 3" lists the roots of one unknown: any order ("a_1, a_2" keep theirs).
    return len(set(names)) > 1 and not labels.roots_of_one_unknown([n for n in names if n])


def _member(gold: Node, answer: Node) -> Match:
    return equivalent(gold, answer)


def _unordered(gold: list[Any], answer: list[Any]) -> Match:
    """Greedy one-to-one matching; fine for the handful of members an answer has."""
    used: set[int] = set()
    matches = []
    for g in gold:
        found = None
        for i, a in enumerate(answer):
            if i in used:
                continue
            m = _member(g, a) if not isinstance(g, Interval) else _interval(g, a)
            if m.ok:
                found = (i, m)
                break
        if found is None:
            return Match(False, "values differ")
        used.add(found[0])
        matches.append(found[1])
    return _worst(matches)


def _intervals(gold: Intervals, answer: Intervals) -> Match:
    if len(gold.parts) != len(answer.parts):
        return Match(False, "different number of intervals")
    return _unordered(list(gold.parts), list(answer.parts))


def _interval(gold: Interval, answer: Interval) -> Match:
    if gold.lo_closed != answer.lo_closed or gold.hi_closed != answer.hi_closed:
        return Match(False, "open/closed ends differ")
    lo, hi = _scalars(gold.lo, answer.lo), _scalars(gold.hi, answer.hi)
    if not (lo.ok and hi.ok):
        return Match(False, "interval ends differ")
    return _worst([lo, hi])


def _as_items(matrix: Matrix) -> Items | None:
    """A single row or column read as an ordered vector."""
    if len(matrix.rows) == 1:
        return Items(matrix.rows[0], "(")
    if all(len(r) == 1 for r in matrix.rows):
        return Items(tuple(r[0] for r in matrix.rows), "(")
    return None


def _matrices(gold: Node, answer: Node) -> Match:
    if isinstance(gold, Matrix) and isinstance(answer, Scalar) and "\\begin" in answer.text:
        return _matrix_expression(gold, answer)
    if isinstance(gold, Matrix) and not isinstance(answer, Matrix):
        vector = _as_items(gold)
        return _items(vector, answer) if vector else Match(False, "expected a matrix")
    if not (isinstance(gold, Matrix) and isinstance(answer, Matrix)):
        return Match(False, "did not expect a matrix")
    if [len(r) for r in gold.rows] != [len(r) for r in answer.rows]:
        return Match(False, "matrix shapes differ")
    cells = zip(_cells(gold), _cells(answer), strict=True)
    matches = [equivalent(g, a) for g, a in cells]
    failed = next((m for m in matches if not m.ok), None)
    return failed or _worst(matches)


def _matrix_expression(gold: Matrix, answer: Scalar) -> Match:
    """Matrix arithmetic in the answer ("A + B", "2A", "AB"), evaluated, then cell by cell."""
    if answer.blocked:
        return Match(False, answer.blocked)
    value = symbolic.matrix_value(answer.text)
    if value is None:
        return Match(False, "expected a matrix")
    if value.shape != (len(gold.rows), len(gold.rows[0])):
        return Match(False, "matrix shapes differ")
    for cell, entry in zip(_cells(gold), value, strict=True):
        if not isinstance(cell, Scalar) or (g := _sym_of(cell)) is None:
            return Match(False, "matrix cell does not parse")
        if not symbolic.values_equal(g, entry):
            return Match(False, "matrix cells differ")
    return Match(True, "symbolic")


def _cells(matrix: Matrix) -> list[Node]:
    return [cell for row in matrix.rows for cell in row]


def _equation_diff(node: Equation | Scalar) -> Any:
    if isinstance(node, Equation):
        lhs, rhs = node.lhs, node.rhs
    else:
        lhs, rhs = node.var or "", node.text
    left, right = symbolic.to_sympy(lhs), symbolic.to_sympy(rhs)
    if left is None or right is None:
        return None
    try:
        return left - right
    except TypeError:
        return None


def _equations(gold: Node, answer: Node) -> Match:
    if isinstance(gold, Scalar) and not gold.var:
        return Match(False, "expected a value, got an equation")
    if isinstance(answer, Scalar) and not answer.var:
        return Match(False, "expected an equation")
    if not isinstance(gold, (Scalar, Equation)) or not isinstance(answer, (Scalar, Equation)):
        return Match(False, "different kinds of answer")
    g = gold.sym if isinstance(gold, Equation) and gold.sym is not None else _equation_diff(gold)
    a = _equation_diff(answer)
    if g is None or a is None:
        return Match(False, "equation does not parse")
    if symbolic.proportional(g, a):
        return Match(True, "symbolic")
    return Match(False, "equations differ")


def _scalars(gold: Scalar, answer: Scalar) -> Match:
    if gold.text == answer.text:
        return Match(True, "exact")
    if gold.blocked or answer.blocked:
        return Match(False, gold.blocked or answer.blocked or "")
    if gold.text.casefold() == answer.text.casefold() and gold.text.isalpha():
        return Match(True, "exact")
    if gold.numeral is not None and gold.numeral.base != 10:
        return _in_base(gold.numeral, answer)
    if gold.number is not None and answer.number is not None:
        ok = _numbers_match(gold, answer)
        return Match(ok, "numeric" if ok else "values differ")
    return _symbolic(gold, answer)


def _in_base(gold: bases.Numeral, answer: Scalar) -> Match:
    """A gold written in a base asks for that base: "1010_2" or its digits "1010", not 10."""
    if answer.numeral is not None:
        ok = answer.numeral.base == gold.base and answer.numeral.value == gold.value
    else:
        # Bare digits are read in the gold's base ("FF" for "FF_{16}"); a value in another
        # base ("10" for "1010_2") skips the conversion the question asked for.
        ok = not answer.percent and bases.read(answer.text, gold.base) == gold.value
    return Match(ok, "numeric" if ok else f"expected the base-{gold.base} numeral")


def _percent_variants(number: Number, percent: bool) -> list[Number]:
    if not percent:
        return [number]
    decimals = None if number.decimals is None else number.decimals + 2
    return [number, Number(number.value / 100, decimals)]


def _numbers_match(gold: Scalar, answer: Scalar) -> bool:
    assert gold.number is not None and answer.number is not None
    golds = [g.value for g in _percent_variants(gold.number, gold.percent)]
    answers = _percent_variants(answer.number, answer.percent)
    if any(decimal_matches(g, a) for g in golds for a in answers):
        return True
    # A decimal gold is a rounded value: an exact answer that rounds to it is right.
    return answer.number.decimals is None and rounds_to(answer.number.value, gold.number)


def _sym_variants(value: Any, scalar: Scalar) -> list[Any]:
    variants = [value]
    if scalar.percent:
        variants.append(value / 100)
    if scalar.degrees:
        variants.append(symbolic.degrees_to_radians(value))
    return variants


def _sym_of(scalar: Scalar) -> Any:
    if scalar.number is not None:
        return symbolic.from_fraction(scalar.number.value)
    return scalar.sym if scalar.sym is not None else symbolic.to_sympy(scalar.text)


def _symbolic(gold: Scalar, answer: Scalar) -> Match:
    g, a = _sym_of(gold), _sym_of(answer)
    if g is None:
        return Match(False, "gold is not a parsable value")
    if a is None:
        return Match(False, "answer does not parse")
    golds, answers = _sym_variants(g, gold), _sym_variants(a, answer)
    written = answer.number
    if written is not None and written.decimals is not None:
        # A decimal the model wrote for an irrational gold: the rounding rule, not a float
        # tolerance (see numbers.decimal_matches).
        for value in golds:
            if _decimal_for(value, written.decimals, answer):
                return Match(True, "numeric")
    for gv in golds:
        for av in answers:
            if symbolic.values_equal(gv, av):
                return Match(True, "symbolic")
    if gold.number is not None and written is None and _rounds_to_gold(a, gold.number):
        return Match(True, "numeric")
    return Match(False, "values differ")


def _rounds_to_gold(value: Any, gold: Number) -> bool:
    """An exact answer (\\sqrt{17}) for a gold that is a rounded decimal (4.1231)."""
    if gold.decimals is None:
        return False
    if getattr(value, "is_Rational", False):
        return rounds_to(Fraction(int(value.p), int(value.q)), gold)
    approx = symbolic.rational_approximation(value, gold.decimals + 20)
    return approx is not None and rounds_to(approx, gold, terminating_ok=True)


def _decimal_for(value: Any, decimals: int, answer: Scalar) -> bool:
    assert answer.number is not None
    variants = _percent_variants(answer.number, answer.percent)
    if getattr(value, "is_Rational", False):
        exact = Fraction(int(value.p), int(value.q))
        return any(decimal_matches(exact, n) for n in variants)
    approx = symbolic.rational_approximation(value, decimals)
    return approx is not None and any(approximates(approx, n) for n in variants)
