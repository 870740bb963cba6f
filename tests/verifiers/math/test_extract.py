"""Final-answer extraction: which text of a completion is judged."""

from __future__ import annotations

import pytest
from pathological import SHAPES, cpu_seconds, text_of

from reward_server.reasoning import split_reasoning
from reward_server.shaping import format_score
from reward_server.verifiers.math.extract import extract_final_answers
from reward_server.verifiers.math.scan import matching_braces, split_top
from reward_server.verifiers.math.verify import parse_gold, verify


@pytest.mark.parametrize(
    ("text", "answers", "source"),
    [
        (r"so \boxed{42}.", ("42",), "boxed"),
        (r"\boxed{\frac{1}{2}}", (r"\frac{1}{2}",), "boxed"),
        (r"\boxed{a{b}c} then \boxed{d}", ("a{b}c", "d"), "boxed"),
        (r"\fbox{7}", ("7",), "boxed"),
        (r"$\boxed 5$", ("5",), "boxed"),
        (r"\boxed{\boxed{5}}", ("5",), "boxed"),
        (r"\boxed{\{1,2\}}", (r"\{1,2\}",), "boxed"),
        (r"The answer is 3 but \boxed{4}", ("4",), "boxed"),
        ("The answer is 42.", ("42",), "answer phrase"),
        ("The answer is $x = 3$ and more text", ("x = 3",), "answer phrase"),
        ("Final Answer: 12", ("12",), "answer phrase"),
        ("final answer is: 12", ("12",), "answer phrase"),
        ("**Answer:** 3.5", ("3.5",), "answer phrase"),
        ("Answer: 3.5. Next sentence.", ("3.5",), "answer phrase"),
        ("The final answer is\n\n$$\\frac{1}{2}$$", (r"\frac{1}{2}",), "answer phrase"),
        ("The answer is 2. The answer is 3.", ("2", "3"), "answer phrase"),
        ("work\n#### 1,000", ("1,000",), "####"),
        ("work\n#### 5\nmore\n#### 6", ("5", "6"), "####"),
        ("42", ("42",), "fallback"),
        ("So there are 42 apples.", ("42",), "fallback"),
        (r"We get $\sqrt{2}$ here.", (r"\sqrt{2}",), "fallback"),
        (r"x = \frac{1}{2}", (r"x = \frac{1}{2}",), "fallback"),
        # A heading phrase followed by the real one is one answer, not a hedge.
        ("Final Answer: The final answer is $28$. I hope", ("28",), "answer phrase"),
        ("Final Answer: The largest $n$ is 34.", ("34",), "answer phrase"),  # prose states 34
        ("The answer is $x = 3$ and $y = 4$.", ("x = 3, y = 4",), "answer phrase"),
        ("so the number is 10 which is 1,000.99", ("1,000.99",), "fallback"),
        ("Answer \\[ \n 9 \n \\]", (" \n 9 \n ",), "fallback"),  # display spans lines
        ("It is .4", (".4",), "fallback"),
        ("Soucis : 2,74 $ a..", ("2,74",), "fallback"),
        # A bare line of mathematics is judged whole, however many tokens it has.
        ("x = 1, y = 2", ("x = 1, y = 2",), "fallback"),
        ("y = 2x + 1", ("y = 2x + 1",), "fallback"),  # not the number 1 picked out of it
        (
            r"\text{Maximum} = 2, \text{Minimum} = 1",
            (r"\text{Maximum} = 2, \text{Minimum} = 1",),
            "fallback",
        ),
        ("AB = 4, CD = 5", ("AB = 4, CD = 5",), "fallback"),
        ("So $x = 1$ and $y = 2$.", ("x = 1, y = 2",), "fallback"),  # spans joined
        ("So $2$ or $3$.", ("2 or 3",), "fallback"),  # alternatives: a hedge
    ],
)
def test_extracts(text: str, answers: tuple[str, ...], source: str) -> None:
    extraction = extract_final_answers(text)
    assert extraction.answers == answers
    assert extraction.source == source


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "1 2 3 4 5",
        "Maybe 3, maybe 4, maybe 5.",
        "I don't know",
        r"\boxed{}",
        r"\boxed{5",
        "It could be 3 or perhaps 4, or even 5.",
        "Line one has 4.\nLine two has 5.",
        "x" * 101,
        "A long explanation " * 10 + "42",
        "AZYUK2A",  # a number inside a word
        "Answer $ \n 9 \n $",  # inline math stays on one line
        "we tried 3 and then 5",
        "We get $2$ and then $3$ hmm",  # spans not joined one to the next
    ],
)
def test_finds_nothing(text: str) -> None:
    assert extract_final_answers(text).answers == ()


def test_box_beats_phrase_and_marker() -> None:
    text = "The answer is 1.\n#### 2\n\\boxed{3}"
    assert extract_final_answers(text).answers == ("3",)


def test_phrase_beats_marker() -> None:
    assert extract_final_answers("#### 2\nThe answer is 1.").answers == ("1",)


def test_deeply_nested_box_is_scanned_without_recursion() -> None:
    depth = 20_000
    text = r"\boxed{" + "{" * depth + "1" + "}" * depth + "}"
    (answer,) = extract_final_answers(text).answers
    assert len(answer) == 2 * depth + 1


def test_many_unclosed_boxes_stay_linear() -> None:
    text = r"\boxed{" * 50_000
    assert extract_final_answers(text).answers == ()


def test_matching_braces_skips_escaped_braces() -> None:
    text = r"{\{1\}}"
    assert matching_braces(text) == {0: 6}


@pytest.mark.parametrize(
    ("text", "parts"),
    [
        ("1, 2", ["1", "2"]),
        ("1,000", ["1,000"]),
        ("1,000,000, 2", ["1,000,000", "2"]),
        ("1,2", ["1", "2"]),
        ("12,34", ["12", "34"]),
        ("0,111", ["0", "111"]),  # no thousands after a leading 0
        ("12,000,023", ["12,000,023"]),
        ("[1,3), 4", ["[1,3)", "4"]),
        (r"\{1,2\}, 3", [r"\{1,2\}", "3"]),
        (r"\frac{1,2}{3}, 4", [r"\frac{1,2}{3}", "4"]),
    ],
)
def test_split_top_respects_brackets_and_thousands(text: str, parts: list[str]) -> None:
    assert split_top(text, (",",), thousands=True) == parts


@pytest.mark.parametrize(
    ("text", "answers"),
    [
        ("The answer" + " " * 50 + "is 7.", ("7",)),
        ("The answer ** is: ** 7", ("7",)),
        ("work\n\n\n   #### 8   \n\n", ("8",)),
        ("work\n####\n9", ("9",)),
        ("\\boxed{ \\boxed{5}}", ("5",)),
        ("\\boxed{\\boxed{5} + 1}", (r"\boxed{5} + 1",)),
    ],
)
def test_blank_runs_and_nesting_keep_their_meaning(text: str, answers: tuple[str, ...]) -> None:
    assert extract_final_answers(text).answers == answers


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_math_extraction_and_verification_are_linear(shape: str) -> None:
    text = text_of(shape)
    gold = parse_gold("42")
    assert cpu_seconds(lambda: extract_final_answers(text)) < 1.0
    assert cpu_seconds(lambda: verify(gold, text)) < 1.0
    assert cpu_seconds(lambda: (split_reasoning(text), format_score(text))) < 1.0
