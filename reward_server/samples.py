"""Synthetic completion groups for GSM8K-style problems, each completion with the verdict
it must get. Used by the demo, the benchmark and the tests: correct answers in several
styles, wrong ones, hedged ones, answers left inside the reasoning, cut-off reasoning."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from reward_server.outcome import Verdict


@dataclass(frozen=True)
class Problem:
    question: str
    solution: str  # GSM8K solution text ending in "#### n"

    @property
    def answer(self) -> str:
        return self.solution.rsplit("####", 1)[1].strip().replace(",", "")


@dataclass(frozen=True)
class Sample:
    completion: str
    expected: Verdict
    style: str


def load_problems(path: Path | None = None, limit: int | None = None) -> list[Problem]:
    """GSM8K JSONL ({"question", "answer"}); the bundled 64-problem sample by default."""
    if path is None:
        text = resources.files("reward_server.data").joinpath("gsm8k_sample.jsonl").read_text()
    else:
        text = Path(path).read_text()
    problems = []
    for line in text.splitlines():
        if line.strip():
            row = json.loads(line)
            problems.append(Problem(row["question"], row["answer"]))
            if limit is not None and len(problems) >= limit:
                break
    return problems


def _steps(p: Problem) -> str:
    body = p.solution.rsplit("####", 1)[0]
    return re.sub(r"<<[^>]*>>", "", body).strip()


def _wrong(answer: str, rng: random.Random) -> str:
    value = int(answer) if answer.lstrip("-").isdigit() else 0
    return str(value + rng.choice([1, -1, 2, 10, value or 3]))


def _thousands(answer: str) -> str:
    return f"{int(answer):,}" if answer.lstrip("-").isdigit() else answer


# Each style: (name, expected verdict, builder).
STYLES: list[tuple[str, Verdict, Callable[[Problem, random.Random], str]]] = [
    (
        "boxed",
        Verdict.CORRECT,
        lambda p, r: f"<think>\n{_steps(p)}\n</think>\nThe answer is $\\boxed{{{p.answer}}}$.",
    ),
    (
        "answer_is",
        Verdict.CORRECT,
        lambda p, r: f"<think>\n{_steps(p)}\n</think>\nSo the answer is {p.answer}.",
    ),
    (
        "final_answer",
        Verdict.CORRECT,
        lambda p, r: f"{_steps(p)}\nFinal answer: {_thousands(p.answer)}",
    ),
    ("gsm8k", Verdict.CORRECT, lambda p, r: f"{_steps(p)}\n#### {p.answer}"),
    (
        "dollars",
        Verdict.CORRECT,
        lambda p, r: f"<think>{_steps(p)}</think>\n\\boxed{{\\${_thousands(p.answer)}}}",
    ),
    (
        "wrong",
        Verdict.WRONG,
        lambda p, r: (
            f"<think>\n{_steps(p)}\n</think>\nThe answer is $\\boxed{{{_wrong(p.answer, r)}}}$."
        ),
    ),
    (
        "wrong_plain",
        Verdict.WRONG,
        lambda p, r: f"Let me guess.\nThe answer is {_wrong(p.answer, r)}.",
    ),
    (
        "hedged",
        Verdict.WRONG,
        lambda p, r: (
            f"<think>{_steps(p)}</think>\nIt is \\boxed{{{p.answer}}} or "
            f"\\boxed{{{_wrong(p.answer, r)}}}."
        ),
    ),
    (
        "inside_reasoning",
        Verdict.NO_ANSWER,
        lambda p, r: (
            f"<think>\n{_steps(p)}\nSo the answer is \\boxed{{{p.answer}}}.\n</think>\n"
            "I could not decide."
        ),
    ),
    (
        "cut_off",
        Verdict.NO_ANSWER,
        lambda p, r: f"<think>\n{_steps(p)}\nThe answer is \\boxed{{{p.answer}}} and then",
    ),
]


def sample_group(problem: Problem, size: int, rng: random.Random) -> list[Sample]:
    """`size` completions for one problem, drawn from STYLES (correct ones more often)."""
    weights = [3 if verdict == Verdict.CORRECT else 1 for _, verdict, _ in STYLES]
    picks = rng.choices(STYLES, weights=weights, k=size)
    return [Sample(build(problem, rng), verdict, name) for name, verdict, build in picks]


def sample_groups(
    problems: list[Problem], groups: int, size: int, seed: int = 0
) -> Iterator[tuple[Problem, list[Sample]]]:
    rng = random.Random(seed)
    for i in range(groups):
        problem = problems[i % len(problems)]
        yield problem, sample_group(problem, size, rng)


def reasoning_filler(rng: random.Random, chars: int) -> str:
    """Unique, R1-looking scratch work of about `chars` characters (numbers and LaTeX)."""
    parts: list[str] = []
    size = 0
    while size < chars:
        a, b = rng.randint(2, 999), rng.randint(2, 999)
        line = rng.choice(
            [
                f"Let me check: {a} + {b} = {a + b}.",
                f"Then $\\frac{{{a}}}{{{b}}}$ of the rest, hmm, wait.",
                f"Alternatively {a} \\times {b} = {a * b}, which seems too big.",
                f"So far we have {a} items and {b} left over.",
            ]
        )
        parts.append(line)
        size += len(line) + 1
    return "\n".join(parts)


def with_long_reasoning(sample: Sample, rng: random.Random, chars: int) -> Sample:
    """The same sample with `chars` of extra scratch work in its reasoning."""
    filler = reasoning_filler(rng, chars)
    if "<think>" in sample.completion:
        text = sample.completion.replace("<think>", "<think>\n" + filler + "\n", 1)
    else:
        text = filler + "\n" + sample.completion
    return Sample(text, sample.expected, sample.style)


def pathological_samples() -> list[Sample]:
    """Inputs built to hang or crash a naive verifier; none is correct for a gold other than 1
    or 50001 (the values some of them really have)."""
    tower = "5^{5^{5^{5^5}}}"
    return [
        Sample(f"<think>big</think> \\boxed{{{tower}}}", Verdict.WRONG, "power_tower"),
        Sample(
            "\\boxed{10^{10^{10^{10}}} - 10^{10^{10^{10}}} + 9^{9^{9^9}}}",
            Verdict.WRONG,
            "tower_difference",
        ),
        Sample(
            "x" * 400_000 + " 7 " * 200_000 + "\\boxed{" + "1+" * 50_000 + "1}",
            Verdict.WRONG,
            "one_megabyte",
        ),
        Sample(
            "\\boxed{" + "{" * 20_000 + "1" + "}" * 20_000 + "}", Verdict.WRONG, "nested_braces"
        ),
        Sample(
            "\\boxed{" + "\\frac{1}{" * 3_000 + "2" + "}" * 3_000 + "}",
            Verdict.WRONG,
            "nested_fractions",
        ),
        Sample("\\boxed{(x+1)^{100000} - (x+1)^{100000} + 1}", Verdict.WRONG, "huge_expand"),
    ]
