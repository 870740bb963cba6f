"""Code extraction: which program of a completion is judged, and at what cost (no Docker)."""

from __future__ import annotations

import pytest
from pathological import SHAPES, cpu_seconds, text_of

from reward_server.verifiers.code.config import SandboxConfig
from reward_server.verifiers.code.extract import (
    MAX_PARSE_CHARS,
    extract_code,
    python_syntax_error,
    syntax_error,
)
from reward_server.verifiers.code.runtimes import available_languages, load_runtimes

PY = ("python", "py", "python3")
SANDBOXES = SandboxConfig().sandboxes_dir
RUNTIMES = load_runtimes(SANDBOXES, tuple(available_languages(SANDBOXES)))


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
    assert extract_code(program, "python", PY, None, (), "python") is None
    assert python_syntax_error("def f(:\n" + program) is None  # left to the sandbox


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_code_extraction_is_linear(shape):
    text = text_of(shape)

    def prepare(name):
        rt = RUNTIMES[name]  # each language's own unfenced-answer rules
        code = extract_code(text, name, rt.fence_tags, None, rt.looks_like, rt.syntax_check)
        if code is not None:
            syntax_error(code, rt.syntax_check)

    for name in RUNTIMES:
        assert cpu_seconds(lambda name=name: prepare(name)) < 0.6, name


@pytest.mark.parametrize("language", sorted(RUNTIMES))
def test_every_language_takes_its_own_fences_only(language):
    rt = RUNTIMES[language]
    others = sorted({t for n, r in RUNTIMES.items() if n != language for t in r.fence_tags})
    foreign = next(t for t in others if t not in rt.fence_tags)
    for tag in rt.fence_tags:
        text = f"```{foreign}\nnot this\n```\nMine:\n```{tag.upper()}\nthis one\n```\n"
        assert extract_code(text, language, rt.fence_tags) == "this one\n"
    assert extract_code(f"```{foreign}\nnot this\n```", language, rt.fence_tags) is None


UNFENCED = {
    "c": "#include <stdio.h>\nint main(void) { return 0; }",
    "cpp": "#include <iostream>\nint main() { return 0; }",
    "javascript": "const x = 1;\nconsole.log(x + 1);",
    "python": "def f():\n    return 1",
}


@pytest.mark.parametrize("language", sorted(UNFENCED))
def test_unfenced_program_is_taken_by_the_languages_rules(language):
    rt = RUNTIMES[language]
    args = (language, rt.fence_tags, None, rt.looks_like, rt.syntax_check)
    assert extract_code(UNFENCED[language], *args) == UNFENCED[language] + "\n"
    assert extract_code("The answer is 42, as computed above.", *args) is None
