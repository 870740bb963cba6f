"""Degenerate completions of about 2 MB (the default completion size limit): the repetition
RL samples fall into, and the shapes that make backtracking scans quadratic.

At this size a quadratic scan takes minutes to hours and a linear one well under a second,
so the tests that use these check complexity with a generous absolute bound.
"""

from __future__ import annotations

import time
from collections.abc import Callable

SIZE = 2_000_000


def _repeat(unit: str) -> Callable[[int], str]:
    return lambda n: unit * (n // len(unit))


SHAPES: dict[str, Callable[[int], str]] = {
    "fence openers": _repeat("```\n"),
    "tagged fence openers": _repeat("```python\n"),
    "tilde fence openers": _repeat("~~~python\n"),
    "backtick and tilde fences": _repeat("```\n~~~\n"),
    "long fences": _repeat("``````````\n"),
    "fence then blanks": lambda n: "```\n" + " " * (n - 4),
    "answer is": _repeat("answer is "),
    "answer": _repeat("answer "),
    "Answer:": _repeat("Answer: "),
    "answer then blanks": lambda n: "answer" + " " * (n - 7) + "x",
    "answer then stars": lambda n: "answer " + "*" * (n - 8) + "x",
    "answer is $": _repeat("answer is $"),
    "open boxes": _repeat("\\boxed{"),
    "nested closed boxes": lambda n: "\\boxed{" * (n // 8) + "1" + "}" * (n // 8),
    "same box": _repeat("\\boxed{1}"),
    "box then blanks": lambda n: "\\boxed" + " " * (n - 7) + "{",
    "box of dollars": lambda n: "\\boxed{" + "$" * (n - 8) + "}",
    "box of stars": lambda n: "\\boxed{" + "*" * (n - 8) + "}",
    "box of nested delimiters": lambda n: "\\boxed{" + "\\(" * (n // 4) + "\\)" * (n // 4) + "}",
    "open braces": _repeat("{"),
    "dollars": _repeat("$"),
    "double dollars": _repeat("$$"),
    "math spans": _repeat("$1$ "),
    "open think": _repeat("<think>"),
    "close think": _repeat("</think>"),
    "think pairs": _repeat("<think></think>"),
    "open redacted_thinking": _repeat("<redacted_thinking>"),
    "thought pairs": _repeat("<|begin_of_thought|><|end_of_thought|>"),
    "channel tags": _repeat("<|channel|>"),
    "analysis headers": _repeat("<|channel|>analysis<|message|>"),
    "final headers": _repeat("<|end|><|start|>assistant<|channel|>final<|message|>"),
    "harmony ends": _repeat("<|end|>"),
    "tag starts": _repeat("<|"),
    "open angles": _repeat("<"),
    "newlines": _repeat("\n"),
    "blanks": _repeat(" "),
    "long line": _repeat("x"),
    "####": _repeat("#### "),
    "#### lines": _repeat("####\n"),
    "#### then blanks": lambda n: "#### 5" + " " * (n - 8) + "x",
    "int main": _repeat("int main "),
    "int then blanks": lambda n: "int" + " " * (n - 4) + "x",
    "text commands": _repeat("\\text{"),
    "python statements": _repeat("x = 1\n"),
}


def text_of(shape: str, size: int = SIZE) -> str:
    return SHAPES[shape](size)


def cpu_seconds(fn: Callable[[], object]) -> float:
    """CPU time of this thread for one call: a loaded machine does not inflate it."""
    started = time.thread_time()
    fn()
    return time.thread_time() - started
