"""The host's handle on in_sandbox/python/valuecodec.py: one wire format, one source file.

The codec lives with the in-container runner (it is copied into the image); the server
and the judge worker load that same file instead of keeping a copy that could drift.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from reward_server.verifiers.code.config import DEFAULT_SANDBOXES_DIR

CODEC_DIR = str(Path(DEFAULT_SANDBOXES_DIR) / "python")


def _load():
    spec = importlib.util.spec_from_file_location("valuecodec", Path(CODEC_DIR) / "valuecodec.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


valuecodec = _load()
