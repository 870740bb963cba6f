"""Verdicts shared within a group and across groups (verdict_cache.py) give every
completion the outcome it gets when judged alone; the cache is bounded and counts."""

from __future__ import annotations

import re

import pytest
from test_math_cases import CASES

from reward_server.outcome import Outcome, Verdict
from reward_server.verifiers.math.verdict_cache import Verdicts, answer_key, sharing
from reward_server.verifiers.math.verify import Gold, parse_gold, verify

_TAG = re.compile(r"(<[^<>]*>)")
_OPERATOR = re.compile(r"(?<!\\)([-+=^(])")


def respaced(completion: str) -> str:
    """The completion with blanks around operators and after "(", outside <tags>."""
    parts = _TAG.split(completion)
    return "".join(p if _TAG.fullmatch(p) else _OPERATOR.sub(r" \1 ", p) for p in parts)


def judged(outcome: Outcome) -> tuple:
    """What a shared verdict must not change. The detail names how the verdict was
    reached ("exact", "symbolic"), which may be the first equal answer's way."""
    return outcome.verdict, outcome.correctness, outcome.extracted_answer


def by_gold() -> dict[str, list[str]]:
    groups: dict[str, list[str]] = {}
    for rows in CASES.values():
        for gold, completion, _ in rows:
            groups.setdefault(gold, []).extend([completion, respaced(completion)])
    return groups


def test_shared_verdicts_equal_verdicts_judged_alone_over_the_case_table():
    groups = by_gold()
    golds = {text: parse_gold(text) for text in groups}
    alone = {(text, c): verify(golds[text], c) for text, cs in groups.items() for c in cs}
    verdicts = Verdicts(size=10_000)
    for round_ in ("first", "again"):  # again: every verdict comes from the cache
        for text, completions in groups.items():
            verdicts.new_group()
            with sharing(verdicts):
                for c in completions:
                    expected = alone[(text, c)]
                    got = verify(golds[text], c)
                    assert judged(got) == judged(expected), (round_, text, c, got, expected)
                    if round_ == "first" and c == completions[0]:
                        assert got == expected  # nothing shared yet: the same detail too
    counts = verdicts.take_counts()
    # Round two finds every key of round one in the cache, once per group.
    assert counts.judged > 100 and counts.group > 50 and counts.cache == counts.judged


def test_equal_answers_are_judged_once_per_group():
    gold = parse_gold(r"\frac{3+\sqrt{5}}{2}")
    verdicts = Verdicts(size=0)  # no cache across groups: sharing within the group only
    answers = [r"\frac{3+\sqrt{5}}{2}", r"\dfrac{3 + \sqrt{5}}{2}", r"\frac{3-\sqrt{5}}{2}"]
    completions = [f"<think>try {i}</think> $\\boxed{{{answers[i % 3]}}}$" for i in range(12)]
    for _ in range(2):
        verdicts.new_group()
        with sharing(verdicts):
            outcomes = [verify(gold, c) for c in completions]
        expected = [Verdict.CORRECT, Verdict.CORRECT, Verdict.WRONG] * 4
        assert [o.verdict for o in outcomes] == expected
        counts = verdicts.take_counts()
        assert (counts.judged, counts.group, counts.cache) == (2, 10, 0)
    assert len(verdicts) == 0


def test_cache_hits_across_groups_and_stays_bounded():
    verdicts = Verdicts(size=2)
    golds = [parse_gold(g) for g in ("x^2+1", "(x-1)^3", r"\sqrt{2}")]
    for gold in golds:  # three golds through a cache of two: the first is evicted
        verdicts.new_group()
        with sharing(verdicts):
            assert verify(gold, f"\\boxed{{{gold.raw}}}").verdict == Verdict.CORRECT
    assert len(verdicts) == 2
    verdicts.take_counts()
    # Newest first: the two kept are hits; the evicted one is judged again.
    for gold, hit in zip(golds[::-1], (True, True, False), strict=True):
        verdicts.new_group()
        with sharing(verdicts):
            verify(gold, f"The answer is ${gold.raw}$.")
        counts = verdicts.take_counts()
        assert (counts.cache, counts.judged) == ((1, 0) if hit else (0, 1)), gold.raw


def test_long_golds_and_answers_are_kept_by_digest():
    verdicts = Verdicts(size=8)
    golds = [parse_gold(f"Work: {'step. ' * 200}\n#### {n}") for n in (7, 8)]
    answer = "\\boxed{" + "1" * 399 + "+" + "1" * 399 + "}"  # compared as text: too long
    for gold in (*golds, golds[0]):
        verdicts.new_group()
        with sharing(verdicts):
            assert verify(gold, r"\boxed{7}").correctness == (gold is golds[0])
            assert verify(gold, answer).verdict == Verdict.WRONG
    counts = verdicts.take_counts()
    assert (counts.judged, counts.cache) == (4, 2)  # the second gold is no hit for the first
    assert all(len(part) <= 512 for key in verdicts._lru for part in key[:2])


def test_a_failing_comparison_is_not_stored():
    broken = Gold(raw="1", answer=None, tree=parse_gold("1").tree)  # type: ignore[arg-type]
    verdicts = Verdicts(size=8)
    with sharing(verdicts):
        first = verify(broken, r"\boxed{1}")
        second = verify(broken, r"\boxed{1}")
    assert first.verdict == second.verdict == Verdict.INFRA_ERROR
    assert len(verdicts) == 0 and verdicts.take_counts().judged == 2


def test_internal_error_is_not_judged_and_says_where():
    broken = Gold(raw="1", answer=None, tree=parse_gold("1").tree)  # type: ignore[arg-type]
    outcome = verify(broken, r"\boxed{1}")
    assert outcome.verdict == Verdict.INFRA_ERROR and outcome.correctness == 0.0
    assert re.fullmatch(r"internal error: TypeError: .+ \(at \w+\.py:\d+ in \w+\)", outcome.detail)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("x^3 - 3x^2 + 3x - 1", "x^3-3x^2+3x-1", True),
        (r"\frac{3 + \sqrt{5}}{2}", r"\frac{3+\sqrt{5}}{2}", True),
        ("( 1 , 2 )", "(1 , 2)", True),
        ("1, 234", "1,234", False),  # two values, one value
        ("(1,2) (3,4)", "(1,2)(3,4)", False),
        ("twenty - three", "twenty-three", False),  # words keep their blanks
        (r"x\ -1", r"x\-1", False),  # an escaped blank is a command
        ("4 2", "42", False),
    ],
)
def test_answer_key(a: str, b: str, same: bool):
    assert (answer_key(a) == answer_key(b)) is same


def test_negative_size_is_refused():
    with pytest.raises(ValueError, match="size must be >= 0"):
        Verdicts(size=-1)

