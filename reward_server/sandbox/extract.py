"""Finds the program to judge in a completion: the last fenced block of the task's language.

Only the answer after the reasoning block counts. Without any fence, the whole answer is
taken when it looks like a program of that language (Python: it parses).
"""

from __future__ import annotations

import ast
import re
import threading
import warnings
from collections.abc import Callable

from reward_server.reasoning import split_reasoning

# CPython 3.11's parser keeps its recursion depth per interpreter, so two threads parsing
# at once can fail with "AST constructor recursion depth mismatch": all parsing in the
# server process goes through this lock.
PARSE_LOCK = threading.Lock()

_FENCE = re.compile(
    r"^[ \t]*(`{3,}|~{3,})[ \t]*([^\s`]*)[^\n]*\n(.*?)^[ \t]*\1[ \t]*$", re.M | re.S
)


def _parses_as_python(text: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SyntaxWarning for odd escapes is not an error
            with PARSE_LOCK:
                ast.parse(text)
        return True
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError):
        return False


def _looks_like_cpp(text: str) -> bool:
    return "#include" in text or re.search(r"\bint\s+main\s*\(", text) is not None


LOOKS_LIKE: dict[str, Callable[[str], bool]] = {"python": _parses_as_python, "cpp": _looks_like_cpp}


def extract_code(completion: str, language: str, fence_tags: tuple[str, ...]) -> str | None:
    """Returns the code to run, or None when the completion holds no answer."""
    split = split_reasoning(completion)
    if not split.closed:
        return None
    answer = split.answer
    blocks = [(m.group(2).lower(), m.group(3)) for m in _FENCE.finditer(answer)]
    tagged = [code for tag, code in blocks if tag in fence_tags]
    if tagged:
        return tagged[-1] if tagged[-1].strip() else None
    untagged = [code for tag, code in blocks if not tag]
    if untagged:
        return untagged[-1] if untagged[-1].strip() else None
    if blocks:
        return None  # fenced blocks exist, but all of another language
    text = answer.strip()
    looks = LOOKS_LIKE.get(language, lambda _t: False)
    return text + "\n" if text and looks(text) else None


def python_syntax_error(code: str) -> str | None:
    """Compile check done before spending a container on a program that cannot run."""
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
