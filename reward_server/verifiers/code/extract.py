"""Finds the program to judge in a completion: the last fenced block of the task's language.

Only the answer after the reasoning block counts. Without any fence, the whole answer is
taken when it looks like a program of that language: what that means is the language's
data (runtime.json `looks_like` patterns and `syntax_check`, see runtimes.py).

This runs in the server process on every code completion (up to megabytes of degenerate
repetition), so everything here is linear in the text: fences are found line by line,
never with a backtracking regex, and only text of a bounded size is handed to the parser.
"""

from __future__ import annotations

import ast
import functools
import re
import threading
import warnings
from collections.abc import Callable

from reward_server.reasoning import ReasoningPair, split_reasoning

# CPython 3.11's parser keeps its recursion depth per interpreter, so two threads parsing
# at once can fail with "AST constructor recursion depth mismatch": all parsing in the
# server process goes through this lock.
PARSE_LOCK = threading.Lock()

# Python's parser runs under the lock and holds the GIL (over 1 s a megabyte): text longer
# than this is not parsed in the server. Real solutions are a few kilobytes.
MAX_PARSE_CHARS = 100_000

# A line that starts (after indentation) with a run of 3 or more backticks or tildes: an
# opening or closing fence. Group 2 matches (empty) when nothing but blanks follow the run
# (a possible closer), else group 3 is the tag. No backreference and no lazy span, so one
# pass over the text whatever it holds.
_FENCE_LINE = re.compile(r"^[ \t]*(`{3,}|~{3,})(?:[ \t\r]*$()|[ \t]*([^\s`]*)[^\n]*$)", re.M)
# An answer with more fence lines than this is degenerate repetition, not a program to run:
# it has no answer (and the scan stops there instead of pairing up a million fences).
MAX_FENCE_LINES = 4096


def fenced_blocks(text: str) -> list[tuple[str, str]] | None:
    """(tag, code) of every fenced block, in order, CommonMark-like: a fence of N >= 3
    backticks or tildes is closed by the next line holding only a run of >= N of the same
    character; a fence never closed runs to the end of the text. Tags are lower-cased.
    None when the text holds more than MAX_FENCE_LINES fence lines."""
    blocks: list[tuple[str, str]] = []
    char, size, tag, begin = "", 0, "", 0  # the open fence; char "" while none is open
    for count, m in enumerate(_FENCE_LINE.finditer(text)):
        if count == MAX_FENCE_LINES:
            return None
        run, blank, name = m.group(1, 2, 3)
        if not char:
            char, size, tag, begin = run[0], len(run), (name or "").lower(), m.end() + 1
        elif blank is not None and run[0] == char and len(run) >= size:
            blocks.append((tag, text[begin : m.start()]))
            char = ""
    if char:
        blocks.append((tag, text[begin:]))
    return blocks


@functools.lru_cache(maxsize=64)
def _compiled(patterns: tuple[str, ...]) -> tuple[re.Pattern, ...]:
    return tuple(re.compile(p, re.M) for p in patterns)


def looks_like_program(
    text: str, looks_like: tuple[str, ...], syntax_check: str | None = None
) -> bool:
    """Whether an unfenced answer is taken as a program: one of the `looks_like` patterns
    matches (when there are any) and the named syntax check passes (when there is one).
    A language with neither never takes unfenced text."""
    if not looks_like and syntax_check is None:
        return False
    if len(text) > MAX_PARSE_CHARS:
        return False  # an unfenced answer this long is not taken for a program
    if looks_like and not any(p.search(text) for p in _compiled(looks_like)):
        return False
    return syntax_check is None or syntax_error(code=text, check=syntax_check) is None


def extract_code(
    completion: str,
    language: str,
    fence_tags: tuple[str, ...],
    pair: ReasoningPair | None = None,
    looks_like: tuple[str, ...] = (),
    syntax_check: str | None = None,
) -> str | None:
    """Returns the code to run, or None when the completion holds no answer. `pair`: the
    group's own reasoning tags (None: the known templates, see reasoning.py);
    `looks_like` / `syntax_check`: when unfenced text counts (see looks_like_program).
    `language` is only named in messages."""
    split = split_reasoning(completion, pair)
    if not split.closed:
        return None
    answer = split.answer
    blocks = fenced_blocks(answer)
    if blocks is None:
        return None  # thousands of fences: degenerate repetition
    tagged = [code for tag, code in blocks if tag in fence_tags]
    if tagged:
        return tagged[-1] if tagged[-1].strip() else None
    untagged = [code for tag, code in blocks if not tag]
    if untagged:
        return untagged[-1] if untagged[-1].strip() else None
    if blocks:
        return None  # fenced blocks exist, but all of another language
    text = answer.strip()
    return text + "\n" if text and looks_like_program(text, looks_like, syntax_check) else None


def python_syntax_error(code: str) -> str | None:
    """Compile check done before spending a container on a program that cannot run.

    A program longer than MAX_PARSE_CHARS is not checked here (None): the sandbox runs it
    and reports its syntax error as the run's error."""
    if len(code) > MAX_PARSE_CHARS:
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with PARSE_LOCK:
                ast.parse(code)
        return None
    except SyntaxError as exc:
        return f"SyntaxError: {exc.msg} (line {exc.lineno})"
    except (ValueError, RecursionError, MemoryError, OverflowError) as exc:
        return f"{type(exc).__name__}: {exc}"


SYNTAX_CHECKS: dict[str, Callable[[str], str | None]] = {"python": python_syntax_error}
"""Checks the server can run itself, by the name a runtime.json gives in `syntax_check`:
each returns the error to report, or None."""


def syntax_error(code: str, check: str | None) -> str | None:
    """The named check's error for `code` (None: it passes, or no check is named)."""
    if check is None:
        return None
    if check not in SYNTAX_CHECKS:
        raise ValueError(f"unknown syntax_check {check!r}; valid: {sorted(SYNTAX_CHECKS)}")
    return SYNTAX_CHECKS[check](code)
