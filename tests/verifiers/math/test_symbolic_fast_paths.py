"""The cheap comparisons in symbolic.py (60-digit numerics for constants, expansion for
rational polynomials) decide what the expensive ones (simplify, then math-verify) decide."""

from __future__ import annotations

import pytest
import sympy
from math_verify import verify as mv_verify

from reward_server.verifiers.math.symbolic import _rational_polynomials, to_sympy, values_equal


def expensive(gold: sympy.Expr, answer: sympy.Expr) -> bool:
    """values_equal as it was before the cheap paths."""
    if sympy.simplify(gold - answer) == 0:
        return True
    return bool(
        mv_verify(gold, answer, float_rounding=12, numeric_precision=40, timeout_seconds=None)
    )


PAIRS = [
    (r"1-\frac{1}{e}", r"1+\frac{1}{e}"),
    (r"\frac{1}{2^{99}}", r"\frac{1}{2^{98}}"),
    (r"\sqrt{8}", r"2\sqrt{2}"),
    (r"\frac{3+\sqrt{5}}{2}", r"\frac{6+2\sqrt{5}}{4}"),
    (r"\frac{3+\sqrt{5}}{2}", r"\frac{3-\sqrt{5}}{2}"),
    (r"\sin^2(1)+\cos^2(1)", "1"),
    (r"\frac{\sqrt{3}}{2}", r"\sin\left(\frac{\pi}{3}\right)"),
    (r"e^{i\pi}", "-1"),
    ("x^3-3x^2+3x-1", "(x-1)^3"),
    ("x^3-3x^2+3x-1", "(x+1)^3"),
    ("(x-1)(x+2)(x-3)", "(x-3)(x-1)(x+2)"),
    ("x^2+2xy+y^2", "(x+y)^2"),
    ("x^2+2xy+y^2", "(x-y)^2"),
    (r"\frac{1}{2}x^2", r"\frac{x^2}{2}"),
    (r"(\sin^2(1)+\cos^2(1))x", "x"),  # not rational coefficients: simplify decides
    (r"\pi x", r"x\pi"),
    ("x^{20}-1", "(x^{10}-1)(x^{10}+1)"),  # power above the bound: simplify decides
    ("x", "x+0"),
    (r"\frac{x^2-1}{x-1}", "x+1"),
]


@pytest.mark.parametrize(("gold", "answer"), PAIRS)
def test_cheap_paths_agree_with_simplify_and_math_verify(gold: str, answer: str) -> None:
    g, a = to_sympy(gold), to_sympy(answer)
    assert g is not None and a is not None
    assert values_equal(g, a) == expensive(g, a)


def test_polynomial_path_takes_only_rational_polynomials() -> None:
    x, y = sympy.symbols("x y")
    assert _rational_polynomials((x + 1) ** 3, x**3 + 3 * x**2 + 3 * x + 1)
    assert _rational_polynomials(x * y + sympy.Rational(1, 2), y * x)
    for other in (x, x**y, x ** sympy.Rational(1, 2), 1 / x, sympy.pi * x, 1.5 * x, x**17):
        assert not _rational_polynomials(other, x + 1), other
    assert not _rational_polynomials(sympy.Integer(3), sympy.Integer(3))
