"""The sympy side: LaTeX to sympy through math-verify, and exact comparisons.

Only called for answers that `guard.blocked_reason` let through. math-verify's own
timeouts are disabled (they use SIGALRM): the caller runs us in a worker process that it
kills on a wall-clock limit.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any

import sympy
from math_verify import LatexExtractionConfig, parse
from math_verify import verify as mv_verify

_LATEX_ONLY = [LatexExtractionConfig()]
# Digits for the numeric fallback when sympy cannot prove two constants equal. Constants
# that agree to 50 digits but differ (1/2^99 vs 1/2^98 differ at the 30th) are not a
# concern for answers short enough to pass the guard.
_DIGITS = 60
_TOLERANCE = sympy.Float(10) ** -50
_APART = sympy.Float(10) ** -20
_MAX_EXPANDED_POWER = 16
_APPROX = re.compile(r"\\approx(?![a-zA-Z])")
# A number, a blank, a number; group 1 is a command or script the first number belongs to.
_SPACED_NUMBERS = re.compile(r"(\\[A-Za-z]+\s*|[_^]\s*)?\d+\s+\.?\d")


def to_sympy(text: str) -> Any | None:
    """The sympy value of one LaTeX answer, or None when it does not parse."""
    if _misread(text):
        return None
    results = parse(
        "$\\boxed{" + text + "}$",
        extraction_config=_LATEX_ONLY,
        fallback_mode="no_fallback",
        parsing_timeout=None,
    )
    if not results:
        return None
    value = results[0]
    # latex2sympy keeps "i" a plain symbol; answers mean the imaginary unit by it.
    units = [s for s in getattr(value, "free_symbols", ()) if s.name == "i"]
    return value.subs({s: sympy.I for s in units}) if units else value


def _misread(text: str) -> bool:
    """Text the parser would misread rather than refuse: it keeps one side of
    "(42 \\approx 1000)" and adds "4 2" (two numbers with only a blank between them, as
    "4\\phantom{+}2" shows) to 6. A blank after a command's or a script's argument is fine
    ("\\frac 1 2", "\\log_2 8")."""
    if _APPROX.search(text):
        return True
    return any(m.group(1) is None for m in _SPACED_NUMBERS.finditer(text))


def from_fraction(value: Fraction) -> Any:
    return sympy.Rational(value.numerator, value.denominator)


def degrees_to_radians(value: Any) -> Any:
    return value * sympy.pi / 180


def is_constant(value: Any) -> bool:
    return isinstance(value, sympy.Expr) and not value.free_symbols and bool(value.is_number)


def constants_equal(a: Any, b: Any) -> bool:
    """Exact for rationals; else 60-digit numerics, and sympy's simplification only when
    those cannot tell (it decides what they do, at ten times their cost)."""
    if (a.is_Rational and b.is_Rational) or a == b:
        return bool(a == b)
    if not (a.is_finite and b.is_finite):
        # oo - oo is nan, and zoo (1/0) would pass any tolerance: infinities and
        # undefined values are only equal to themselves (checked above).
        return False
    va, vb = a.evalf(_DIGITS), b.evalf(_DIGITS)
    if va.is_finite and vb.is_finite:
        gap = abs(va - vb) / max(sympy.Integer(1), abs(va), abs(vb))
        if gap <= _TOLERANCE:
            return True
        if gap > _APART:  # simplify cannot prove these equal: they differ at digit 20
            return False
    return bool(sympy.simplify(a - b) == 0)


def values_equal(gold: Any, answer: Any) -> bool:
    """Equality of two parsed values (constants exactly, expressions via math-verify)."""
    if is_constant(gold) and is_constant(answer):
        return constants_equal(gold, answer)
    exprs = isinstance(gold, sympy.Expr) and isinstance(answer, sympy.Expr)
    if exprs and _rational_polynomials(gold, answer):
        # Equal exactly when their difference expands to 0: what simplify and math-verify
        # decide for these, at a fraction of their cost.
        return bool(sympy.expand(gold - answer) == 0)
    if exprs and sympy.simplify(gold - answer) == 0:
        return True
    return bool(
        mv_verify(gold, answer, float_rounding=12, numeric_precision=40, timeout_seconds=None)
    )


def _rational_polynomials(*values: Any) -> bool:
    """Polynomials with rational coefficients in at least one variable, none a lone
    variable (math-verify compares those as names): "x^3-3x+1", "(x-1)(x+2)". No power
    above _MAX_EXPANDED_POWER: "(x^2+2x+1)^{500}" is cheaper to factor than to expand."""
    names = set().union(*(v.free_symbols for v in values))
    return bool(names) and all(
        v.free_symbols
        and not isinstance(v, sympy.Symbol)
        and all(isinstance(a, (sympy.Symbol, sympy.Rational)) for a in v.atoms())
        and all(p.exp.is_Integer and p.exp <= _MAX_EXPANDED_POWER for p in v.atoms(sympy.Pow))
        and v.is_polynomial(*names)
        for v in values
    )


def proportional(gold_diff: Any, answer_diff: Any) -> bool:
    """Whether lhs - rhs of two equations differ by a nonzero constant factor."""
    if not (isinstance(gold_diff, sympy.Expr) and isinstance(answer_diff, sympy.Expr)):
        return False
    if answer_diff == 0 or gold_diff == 0:
        return bool(gold_diff == answer_diff)
    ratio = sympy.simplify(gold_diff / answer_diff)
    return bool(not ratio.free_symbols and ratio.is_number and ratio != 0 and ratio.is_finite)


def rational_approximation(value: Any, digits: int) -> Fraction | None:
    """A Fraction within 10^-(digits) of a real constant, for the decimal rounding rule."""
    if not is_constant(value):
        return None
    approx = value.evalf(digits + 20)
    if not approx.is_real or approx.has(sympy.nan, sympy.zoo):
        return None
    return Fraction(str(sympy.Float(approx, digits + 20)))


def matrix_value(text: str) -> Any | None:
    """The explicit matrix of an expression of matrices ("A + B", "2A", "AB"), else None."""
    value = to_sympy(text)
    if value is None:
        return None
    try:
        value = value.doit() if hasattr(value, "doit") else value
        return value if isinstance(value, sympy.MatrixBase) else None
    except (TypeError, ValueError, sympy.ShapeError):
        return None  # shapes that do not add or multiply
