"""Groups of completions with hard symbolic answers, for bench/math_throughput.py --hard.

Each problem has a gold answer of one kind (a fraction with radicals, a polynomial, an
interval union, a tuple, a matrix, a trigonometric constant) with random parameters, a
few ways of writing it right and a few plausible wrong answers. A group is `size`
completions for one problem, as an RL sampler gives them: the reasoning differs in every
completion, the final answers repeat (the gold's own form most often, then equivalent
forms, then a couple of wrong answers), written in varying LaTeX (spacing commands,
`\\left( \\right)`, `\\dfrac`) and phrased as a box or an answer sentence.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass

from reward_server.outcome import Verdict
from reward_server.samples import reasoning_filler


@dataclass(frozen=True)
class HardProblem:
    kind: str
    gold: str
    right: tuple[str, ...]  # right[0] is the gold's own form
    wrong: tuple[str, ...]


@dataclass(frozen=True)
class HardSample:
    completion: str
    expected: Verdict


def _nonsquare(rng: random.Random) -> int:
    while True:
        n = rng.randint(2, 60)
        if math.isqrt(n) ** 2 != n:
            return n


def _radical(rng: random.Random) -> HardProblem:
    a, b, c = rng.randint(1, 9), _nonsquare(rng), rng.randint(2, 9)
    return HardProblem(
        "radical fraction",
        f"\\frac{{{a}+\\sqrt{{{b}}}}}{{{c}}}",
        (
            f"\\frac{{{a}+\\sqrt{{{b}}}}}{{{c}}}",
            f"\\frac{{\\sqrt{{{b}}}+{a}}}{{{c}}}",
            f"\\frac{{{2 * a}+2\\sqrt{{{b}}}}}{{{2 * c}}}",
            f"\\frac{{{a}}}{{{c}}}+\\frac{{\\sqrt{{{b}}}}}{{{c}}}",
        ),
        (
            f"\\frac{{{a}-\\sqrt{{{b}}}}}{{{c}}}",
            f"\\frac{{{a}+\\sqrt{{{b}}}}}{{{2 * c}}}",
            f"\\frac{{{a + 1}+\\sqrt{{{b}}}}}{{{c}}}",
        ),
    )


def _poly_text(coeffs: list[int]) -> str:
    """x^3 + c2 x^2 + c1 x + c0 as LaTeX."""
    terms = ["x^3"]
    for power, c in zip((2, 1, 0), coeffs, strict=True):
        if c == 0:
            continue
        sign = "-" if c < 0 else "+"
        mag = abs(c)
        body = {2: "x^2", 1: "x", 0: ""}[power]
        terms.append(f"{sign}{'' if mag == 1 and body else mag}{body}")
    return "".join(terms)


def _expand(roots: list[int]) -> list[int]:
    r1, r2, r3 = roots
    return [-(r1 + r2 + r3), r1 * r2 + r1 * r3 + r2 * r3, -r1 * r2 * r3]


def _factored(roots: list[int]) -> str:
    return "".join(f"(x{'-' if r > 0 else '+'}{abs(r)})" for r in roots)


def _polynomial(rng: random.Random) -> HardProblem:
    roots = rng.sample([r for r in range(-7, 8) if r != 0], 3)
    coeffs = _expand(roots)
    flipped = [-roots[0], *roots[1:]]
    off = [*coeffs[:2], coeffs[2] + rng.choice([-2, -1, 1, 2])]
    return HardProblem(
        "polynomial",
        _poly_text(coeffs),
        (_poly_text(coeffs), _factored(roots), _factored(roots[::-1])),
        (_factored(flipped), _poly_text(_expand(flipped)), _poly_text(off)),
    )


def _intervals(rng: random.Random) -> HardProblem:
    a = rng.randint(-9, 3)
    b = a + rng.randint(1, 8)
    return HardProblem(
        "interval union",
        f"(-\\infty,{a})\\cup[{b},\\infty)",
        (
            f"(-\\infty,{a})\\cup[{b},\\infty)",
            f"[{b},\\infty)\\cup(-\\infty,{a})",
            f"x<{a} \\text{{ or }} x\\ge {b}",
        ),
        (
            f"(-\\infty,{a}]\\cup[{b},\\infty)",
            f"(-\\infty,{a})\\cup({b},\\infty)",
            f"({a},{b}]",
        ),
    )


def _tuple(rng: random.Random) -> HardProblem:
    p, q = rng.sample(range(2, 10), 2)  # p != q: q/p is a wrong answer
    r = _nonsquare(rng)
    return HardProblem(
        "tuple",
        f"\\left(\\frac{{{p}}}{{{q}}},-\\sqrt{{{r}}}\\right)",
        (
            f"\\left(\\frac{{{p}}}{{{q}}},-\\sqrt{{{r}}}\\right)",
            f"(\\frac{{{2 * p}}}{{{2 * q}}}, -\\sqrt{{{r}}})",
            f"\\left(\\frac{{{p}}}{{{q}}}, -{r}^{{1/2}}\\right)",
        ),
        (
            f"\\left(-\\sqrt{{{r}}},\\frac{{{p}}}{{{q}}}\\right)",
            f"\\left(\\frac{{{p}}}{{{q}}},\\sqrt{{{r}}}\\right)",
            f"\\left(\\frac{{{q}}}{{{p}}},-\\sqrt{{{r}}}\\right)",
        ),
    )


def _matrix(rng: random.Random) -> HardProblem:
    a, b, c, d = (rng.randint(-9, 9) for _ in range(4))
    if b == c:
        c += 1

    def m(env: str, w: int, x: int, y: int, z: int) -> str:
        return f"\\begin{{{env}}}{w}&{x}\\\\{y}&{z}\\end{{{env}}}"

    return HardProblem(
        "matrix",
        m("pmatrix", a, b, c, d),
        (m("pmatrix", a, b, c, d), m("bmatrix", a, b, c, d)),
        (m("pmatrix", a, c, b, d), m("pmatrix", a, b, c, d + 1)),
    )


def _trig(rng: random.Random) -> HardProblem:
    k = rng.randint(2, 9)
    return HardProblem(
        "trigonometric constant",
        f"\\frac{{{k}\\sqrt{{3}}}}{{2}}",
        (
            f"\\frac{{{k}\\sqrt{{3}}}}{{2}}",
            f"{k}\\sin\\left(\\frac{{\\pi}}{{3}}\\right)",
            f"\\frac{{{k}}}{{2}}\\sqrt{{3}}",
        ),
        (
            f"\\frac{{{k}\\sqrt{{2}}}}{{2}}",
            f"{k}\\cos\\left(\\frac{{\\pi}}{{3}}\\right)",
            f"\\frac{{{k}\\sqrt{{3}}}}{{3}}",
        ),
    )


KINDS: tuple[Callable[[random.Random], HardProblem], ...] = (
    _radical,
    _polynomial,
    _intervals,
    _tuple,
    _matrix,
    _trig,
)

# LaTeX a model writes around the same answer: each of these normalises to the same text.
_RESTYLES: tuple[Callable[[str], str], ...] = (
    lambda s: s,
    lambda s: s.replace("\\frac", "\\dfrac"),
    lambda s: s.replace(",", ",\\,"),
    lambda s: s.replace("+", " + ").replace("-", " - "),
    lambda s: s.replace("(", "\\left(").replace(")", "\\right)") if "\\left" not in s else s,
)

_PHRASES: tuple[Callable[[str], str], ...] = (
    lambda a: f"So the final answer is $\\boxed{{{a}}}$.",
    lambda a: f"Therefore the answer is $\\boxed{{{a}}}$",
    lambda a: f"**Final Answer**\n\\[\n\\boxed{{{a}}}\n\\]",
    lambda a: f"The answer is ${a}$.",
)


def hard_problem(rng: random.Random) -> HardProblem:
    return rng.choice(KINDS)(rng)


def hard_group(problem: HardProblem, size: int, rng: random.Random) -> list[HardSample]:
    """`size` completions: answers drawn from two right and two wrong forms, weighted as
    a policy that is often but not always right writes them."""
    right = [problem.right[0], rng.choice(problem.right[1:])]
    wrong = rng.sample(problem.wrong, 2)
    forms = [(a, Verdict.CORRECT) for a in right] + [(a, Verdict.WRONG) for a in wrong]
    picks = rng.choices(forms, weights=[6, 3, 4, 2], k=size)
    samples = []
    for answer, expected in picks:
        written = rng.choice(_RESTYLES)(answer)
        filler = reasoning_filler(rng, rng.randint(1000, 6000))
        text = (
            f"<think>\n{filler}\n</think>\n\nWe simplify the result of the computation "
            f"above.\n\n{rng.choice(_PHRASES)(written)}"
        )
        samples.append(HardSample(text, expected))
    return samples
