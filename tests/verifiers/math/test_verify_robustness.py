"""Hostile and degenerate inputs: verify() must answer quickly and never raise."""

from __future__ import annotations

import pickle
import random
import time

import pytest

from reward_server.outcome import Outcome, Verdict
from reward_server.verifiers.math import verify as verify_module
from reward_server.verifiers.math.verify import Gold, parse_gold, verify

# The worker pool kills a verification after its wall-clock limit; everything here must
# finish far below that, so a hostile completion costs the pool nothing.
BUDGET_S = 1.0


@pytest.fixture(scope="module", autouse=True)
def _warm_up() -> None:
    # The first call pays for importing sympy/math-verify grammar; that is not per-answer.
    verify(parse_gold(r"\sqrt{2}"), r"\boxed{2^{1/2}}")


def _timed(gold: Gold | str, completion: str) -> Outcome:
    start = time.perf_counter()
    parsed = parse_gold(gold) if isinstance(gold, str) else gold
    outcome = verify(parsed, completion)
    elapsed = time.perf_counter() - start
    assert elapsed < BUDGET_S, f"took {elapsed:.2f}s"
    assert isinstance(outcome, Outcome)
    assert len(outcome.extracted_answer) <= 200
    return outcome


def _megabyte_of_prose(seed: int = 0) -> str:
    rng = random.Random(seed)
    words = ["the", "apples", "cost", "so", "we", "add", "and", "get", "total", "then"]
    chunks = []
    size = 0
    while size < 1_000_000:
        chunk = f"{rng.choice(words)} {rng.randint(0, 10_000)} "
        chunks.append(chunk)
        size += len(chunk)
    return "".join(chunks)


def test_megabyte_completion_with_final_box() -> None:
    outcome = _timed("42", _megabyte_of_prose() + r"\boxed{42}")
    assert outcome.verdict == Verdict.CORRECT


def test_megabyte_completion_of_numbers_has_no_answer() -> None:
    assert _timed("42", _megabyte_of_prose()).verdict == Verdict.NO_ANSWER


def test_megabyte_reasoning_block() -> None:
    completion = "<think>" + _megabyte_of_prose() + r"\boxed{41}</think>The answer is 42."
    assert _timed("42", completion).verdict == Verdict.CORRECT


def test_megabyte_inside_a_box() -> None:
    outcome = _timed("42", r"\boxed{" + "1+" * 500_000 + "1}")
    assert outcome.verdict == Verdict.WRONG
    assert "too long" in outcome.detail  # its start lies before the last 64 KiB
    outcome = _timed("42", r"\boxed{" + "1+" * 30_000 + "1}")
    assert outcome.verdict == Verdict.WRONG
    assert "too complex" in outcome.detail


def test_megabyte_of_boxes_is_hedged() -> None:
    completion = "".join(rf"\boxed{{{i}}}" for i in range(100_000))
    outcome = _timed("42", completion)
    assert outcome.verdict == Verdict.WRONG
    assert "hedged" in outcome.detail


def test_megabyte_of_open_braces() -> None:
    assert _timed("42", r"\boxed{" * 150_000).verdict == Verdict.NO_ANSWER
    assert _timed("42", "{" * 1_000_000 + "42").verdict == Verdict.NO_ANSWER


@pytest.mark.parametrize(
    ("completion", "verdict"),
    [
        ("".join(f"Answer: {i}\n" for i in range(90_000)), Verdict.WRONG),
        ("".join(f"#### {i}\n" for i in range(120_000)), Verdict.WRONG),
        ("answer:" * 150_000, Verdict.WRONG),
        ("The answer is 5.\n" * 60_000, Verdict.CORRECT),
        (r"\boxed{5}" * 110_000, Verdict.CORRECT),
        ("$" * 1_000_000, Verdict.NO_ANSWER),
        ("\\(" * 500_000, Verdict.NO_ANSWER),
        ("5 " * 500_000, Verdict.NO_ANSWER),
        (r"\boxed{" + r"\frac{" * 100_000 + "}", Verdict.NO_ANSWER),
        ("x" * 1_000_000 + r"\boxed 5", Verdict.CORRECT),
        (r"\boxed{" + "1," * 400_000 + "}", Verdict.WRONG),
        (r"\boxed{" + "[" * 300_000 + "}", Verdict.WRONG),
        ("The answer is " + r"\text{" * 100_000, Verdict.WRONG),
    ],
    ids=lambda v: v.name if isinstance(v, Verdict) else repr(v[:24]),
)
def test_megabyte_spam(completion: str, verdict: Verdict) -> None:
    assert _timed("5", completion).verdict == verdict


@pytest.mark.parametrize("depth", [1_000, 20_000])
def test_deeply_nested_braces(depth: int) -> None:
    completion = r"\boxed{" + "{" * depth + "1" + "}" * depth + "}"
    outcome = _timed("1", completion)
    assert outcome.verdict == Verdict.WRONG
    assert outcome.detail.startswith("too complex")


def test_deeply_nested_braces_as_gold() -> None:
    gold = "{" * 20_000 + "1" + "}" * 20_000
    assert _timed(gold, r"\boxed{2}").verdict == Verdict.WRONG
    assert _timed(gold, rf"\boxed{{{gold}}}").verdict == Verdict.CORRECT


@pytest.mark.parametrize("depth", [50, 5_000])
def test_deeply_nested_commands(depth: int) -> None:
    answer = r"\sqrt{" * depth + "2" + "}" * depth
    assert _timed("2", rf"\boxed{{{answer}}}").verdict == Verdict.WRONG
    assert _timed("2", "(" * depth + "2" + ")" * depth).verdict in (
        Verdict.WRONG,
        Verdict.NO_ANSWER,
    )


@pytest.mark.parametrize(
    ("gold", "answer", "verdict"),
    [
        (r"5^{5^{5^{5^5}}}", r"5^{5^{5^{5^5}}}", Verdict.CORRECT),
        (r"5^{5^{5^{5^5}}}", r"5^{5^{5^{5^6}}}", Verdict.WRONG),
        (r"5^{5^{5^{5^5}}}", "3125", Verdict.WRONG),
        ("3125", r"5^{5^{5^{5^5}}}", Verdict.WRONG),
        (r"10^{10^{10}}", r"10^{10^{10}}+1", Verdict.WRONG),
        (r"10^{10^{10}}+1", r"10^{10^{10}}", Verdict.WRONG),
        (r"10^{10^{10}}", r"10^{10^{10}}", Verdict.CORRECT),
        ("2", r"2^{10^{9}}", Verdict.WRONG),
        ("2", r"2^{999999999}", Verdict.WRONG),
        ("2", "2**999999999", Verdict.WRONG),
        ("2", r"(10^{100})^{10^{100}}", Verdict.WRONG),
        ("2", r"9999999!", Verdict.WRONG),
        ("2", r"10 \uparrow\uparrow 10", Verdict.WRONG),
        ("x^{99999999}", r"x^{99999999}", Verdict.CORRECT),
        ("1" * 5_000, "1" * 5_000, Verdict.CORRECT),
        ("1" * 5_000, "1" * 4_999, Verdict.WRONG),
        ("5", "1" * 100_000, Verdict.WRONG),
        (r"\frac{1}{3}", "0." + "3" * 5_000, Verdict.WRONG),
        (r"\frac{1}{3}", "0." + "3" * 300, Verdict.CORRECT),
    ],
)
def test_huge_values_are_never_evaluated(gold: str, answer: str, verdict: Verdict) -> None:
    outcome = _timed(gold, rf"\boxed{{{answer}}}")
    assert outcome.verdict == verdict, outcome


def test_too_large_detail() -> None:
    outcome = _timed(r"10^{10^{10}}", r"\boxed{10^{10^{10}}+1}")
    assert outcome.detail.startswith("too large")


@pytest.mark.parametrize(
    "garbage",
    [
        r"\frac{",
        r"\frac{1}{",
        r"\sqrt[",
        "}}}{{{",
        r"\begin{pmatrix}",
        r"\begin{pmatrix}1&2\\3\end{pmatrix}",
        "^^^^",
        r"\left(",
        "$$$$",
        "\\\\\\\\",
        r"\int_0^\infty",
        r"\frac{1}{0}",
        "1/0",
        r"\infty - \infty",
        r"0^0",
        r"\log 0",
        r"[1,",
        r"(,)",
        r"\{\}",
        r"< < >",
        r"\le x \le",
        r"\text{",
        r"\%",
        r"\$",
        "---",
        "...",
        r"\cup\cup",
        r"\begin{array}{c}1\end{array}",
        r"\mathbb{R}",
        r"\emptyset",
    ],
)
def test_garbage_latex_does_not_raise(garbage: str) -> None:
    gold = parse_gold("3")
    for completion in (rf"\boxed{{{garbage}}}", garbage, f"The answer is {garbage}."):
        outcome = _timed(gold, completion)
        assert outcome.verdict in (Verdict.WRONG, Verdict.NO_ANSWER), (completion, outcome)


@pytest.mark.parametrize(
    "garbage_gold",
    [r"\frac{1}{0}", r"\mathbb{R}", r"\emptyset", r"\text{Monday}", "(,)", "x = = 3", "^^^^"],
)
def test_garbage_gold_parses_and_judges(garbage_gold: str) -> None:
    gold = parse_gold(garbage_gold)
    assert _timed(gold, rf"\boxed{{{garbage_gold}}}").verdict == Verdict.CORRECT
    assert _timed(gold, r"\boxed{7}").verdict == Verdict.WRONG


@pytest.mark.parametrize("gold", ["", "   ", "\n\t", "#### ", "Work.\n####", "$$", r"\boxed{}"])
def test_unusable_gold_raises_value_error(gold: str) -> None:
    with pytest.raises(ValueError, match=r"\w"):
        parse_gold(gold)


@pytest.mark.parametrize(
    "completion", ["", " ", "\n", "\x00", "<think>", "</think>", "<think></think>"]
)
def test_empty_completions(completion: str) -> None:
    assert _timed("5", completion).verdict == Verdict.NO_ANSWER


def test_non_text_completion_is_no_answer() -> None:
    outcome = verify(parse_gold("5"), None)  # type: ignore[arg-type]
    assert outcome.verdict == Verdict.NO_ANSWER


@pytest.mark.parametrize(
    ("completion", "verdict"),
    [
        (r"答案是 \boxed{5}", Verdict.CORRECT),
        (r"Ответ: \boxed{5} 🎉", Verdict.CORRECT),
        ("الجواب هو 5", Verdict.CORRECT),
        (r"\boxed{５}", Verdict.CORRECT),  # a Unicode decimal digit is that digit
        (r"\boxed{5}" + "\u202e\u200f", Verdict.CORRECT),
        ("\x00" + r"\boxed{5}" + "\x00", Verdict.CORRECT),
        (r"\boxed{5" + "\x00" + "}", Verdict.CORRECT),
        (r"\boxed{\x00\x01\x02}", Verdict.WRONG),
        ("\ud800" + r"\boxed{5}", Verdict.CORRECT),
        (r"\boxed{−5}", Verdict.WRONG),
    ],
)
def test_non_ascii_and_null_bytes(completion: str, verdict: Verdict) -> None:
    assert _timed("5", completion).verdict == verdict


def test_non_ascii_minus_is_a_minus() -> None:
    assert _timed("-5", r"\boxed{−5}").verdict == Verdict.CORRECT


def test_internal_errors_are_not_judged(monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*_args: object) -> None:
        raise RecursionError("boom")

    monkeypatch.setattr(verify_module, "equivalent", explode)
    outcome = verify(parse_gold("5"), r"\boxed{5}")
    assert outcome.verdict == Verdict.INFRA_ERROR  # a bug, not a wrong answer
    assert outcome.correctness == 0.0
    assert outcome.detail.startswith("internal error: RecursionError: boom (at ")


@pytest.mark.parametrize(
    "gold",
    [
        "42",
        "#### 1,000",
        r"\frac{\sqrt{3}}{2}",
        "[2, 5)",
        r"(-\infty, 1) \cup (3, \infty)",
        r"\{1, 2, 3\}",
        "y = 2x + 1",
        r"\begin{pmatrix}1&2\\3&4\end{pmatrix}",
        r"10^{10^{10}}",
        r"90^\circ",
        r"e^{i\pi}",
        r"x^2 + 2x + 1",
    ],
)
def test_gold_survives_pickling(gold: str) -> None:
    parsed = parse_gold(gold)
    copy = pickle.loads(pickle.dumps(parsed))
    assert copy.answer == parsed.answer
    completion = rf"\boxed{{{parsed.answer}}}"
    assert verify(copy, completion).verdict == Verdict.CORRECT
    assert verify(copy, r"\boxed{7}").verdict == Verdict.WRONG


def test_only_the_last_64_kib_of_the_answer_are_read():
    # The final answer is at the end: a box further back than the window is not read, so
    # it does not hedge; found only there, it is an answer too far from the end (WRONG).
    filler = "Let me double-check this once more. " * 2000  # 72 KB
    gold = parse_gold("42")
    assert verify(gold, "\\boxed{41} " + filler + " So \\boxed{42}").verdict == Verdict.CORRECT
    far = verify(gold, "\\boxed{42} " + filler)
    assert far.verdict == Verdict.WRONG and "too far" in far.detail
    assert verify(gold, filler + filler).verdict == Verdict.NO_ANSWER
    assert verify(gold, filler + "\\boxed{41} or \\boxed{42}").verdict == Verdict.WRONG
