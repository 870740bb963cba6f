"""Warms the math judge once in the forkserver, so that every worker forked from it starts
warm. Imported only through the worker pool's preload list (verifier.SPEC).

The first comparisons in a fresh process build the LaTeX parser's tables and sympy's
caches: about 2 s of CPU spread over a worker's first answers, and again after every
restart. Done once here, before any worker is forked, it costs the server's start-up
about a second instead. A failure here only leaves the workers cold.
"""

from __future__ import annotations

import contextlib
import logging

from reward_server.verifiers.math.verify import parse_gold, verify

# A radical fraction and a polynomial, each against a wrong answer: the parser, numeric
# and symbolic comparison paths all run.
_PAIRS = (
    ("\\frac{1+\\sqrt{2}}{3}", "\\boxed{\\frac{1-\\sqrt{2}}{3}}"),
    ("x^2-1", "\\boxed{(x-1)(x+2)}"),
)


def warm_up() -> None:
    logging.getLogger("math_verify").setLevel(logging.ERROR)  # as in the workers
    for gold, completion in _PAIRS:
        with contextlib.suppress(Exception):
            verify(parse_gold(gold), completion)


warm_up()
