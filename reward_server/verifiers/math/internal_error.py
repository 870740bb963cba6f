"""How an internal error of the math verifier is reported: the detail of its INFRA_ERROR.

An exception inside the verifier is a bug, not a wrong answer: the completion is not
judged (INFRA_ERROR, reward NaN) and the detail names the error and where it was raised,
so that the log line is enough to find it.
"""

from __future__ import annotations

import traceback
from pathlib import Path

_MAX_MESSAGE_CHARS = 120


def describe_error(error: BaseException) -> str:
    """ "internal error: KeyError: 'x' (at compare.py:123 in _scalars)"."""
    message = str(error).replace("\n", " ")
    if len(message) > _MAX_MESSAGE_CHARS:
        message = message[: _MAX_MESSAGE_CHARS - 3] + "..."
    text = f"internal error: {type(error).__name__}" + (f": {message}" if message else "")
    frames = traceback.extract_tb(error.__traceback__)
    if frames:
        last = frames[-1]
        text += f" (at {Path(last.filename).name}:{last.lineno} in {last.name})"
    return text
