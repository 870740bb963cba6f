"""The ready file: how a started server tells whoever launched it where it listens.

`reward-server serve --ready-file PATH` writes one JSON object to PATH once it serves:
`{"address": "127.0.0.1:41234", "port": 41234, "metrics_port": 9100 or null, "pid": 123}`.
It is written to a temporary name and renamed, so a reader never sees half of it, and
removed when the server stops. Standard library only: the launcher imports it too.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class ReadyInfo:
    address: str  # host:port as bound (the host may be a wildcard such as 0.0.0.0)
    port: int
    metrics_port: int | None
    pid: int


def write_ready(path: str | os.PathLike, info: ReadyInfo) -> None:
    """Writes `info` to `path` atomically (a temporary file in the same folder, renamed)."""
    target = Path(path)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(asdict(info)) + "\n")
        os.replace(tmp, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def read_ready(path: str | os.PathLike) -> ReadyInfo | None:
    """The info in `path`, or None while the file does not exist yet."""
    try:
        data = json.loads(Path(path).read_text())
    except FileNotFoundError:
        return None
    return ReadyInfo(
        address=str(data["address"]),
        port=int(data["port"]),
        metrics_port=None if data["metrics_port"] is None else int(data["metrics_port"]),
        pid=int(data["pid"]),
    )


def remove_ready(path: str | os.PathLike) -> None:
    """Removes the ready file (a stopped server is not ready); a missing one is fine."""
    with contextlib.suppress(FileNotFoundError):
        Path(path).unlink()
