"""Code extraction: which program of a completion is judged, and at what cost (no Docker)."""

from __future__ import annotations

import pytest
from pathological import SHAPES, cpu_seconds, text_of

from reward_server.verifiers.code.extract import MAX_PARSE_CHARS, extract_code, python_syntax_error

PY = ("python", "py", "python3")
CPP = ("cpp", "c++")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("````python\nx = 1\n```\ny = 2\n`````\n", "x = 1\n```\ny = 2\n"),  # >= N closes
        ("~~~python\nx = 1\n```\n~~~\n", "x = 1\n```\n"),  # the other char does not close
        ("Done.\n```python\nx = 1\n", "x = 1\n"),  # never closed: runs to the end
        ("```python\r\nx = 1\r\n```\r\n", "x = 1\r\n"),
        ("  ```  Python  extra words\nx = 1\n   ```   \n", "x = 1\n"),
        ("```python\nx = 1\n```\n```python\n", None),  # the last block is empty
    ],
)
def test_fences_pair_like_commonmark(text, code):
    assert extract_code(text, "python", PY) == code


def test_thousands_of_fences_are_no_answer():
    assert extract_code("```python\nx = 1\n```\n" * 3000, "python", PY) is None


def test_long_unfenced_text_is_not_parsed():
    program = "x = 1\n" * (MAX_PARSE_CHARS // 6 + 1)
    assert extract_code(program, "python", PY) is None
    assert python_syntax_error("def f(:\n" + program) is None  # left to the sandbox


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_code_extraction_is_linear(shape):
    text = text_of(shape)

    def prepare():
        for language, tags in (("python", PY), ("cpp", CPP)):
            code = extract_code(text, language, tags)
            if code is not None and language == "python":
                python_syntax_error(code)

    assert cpu_seconds(prepare) < 1.0
