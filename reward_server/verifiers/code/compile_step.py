"""The compile step of a compiled language: its limits and what a failed one reports."""

from __future__ import annotations

from reward_server.verifiers.code.config import SandboxConfig
from reward_server.verifiers.code.runtimes import Runtime

COMPILE_DETAIL_LINES = 20  # of the compiler's diagnostics, from the first


def compile_limits(rt: Runtime, config: SandboxConfig) -> tuple[float, int]:
    """The compile step's (wall-clock s, memory MiB): the language's own, else the
    server's defaults."""
    return (
        rt.compile_time_limit_s or config.compile_time_limit_s,
        rt.compile_memory_mb or config.compile_memory_mb,
    )


def compile_detail(res: dict) -> str:
    """What a failed compile reports: the first lines of its diagnostics (the first error
    is the one that explains the rest)."""
    if res["reason"] == "timeout":
        return f"compilation exceeded its time limit ({res.get('wall')}s wall)"
    if res.get("out_of_memory") or (res.get("signal") == 9 and not res.get("killed")):
        return "compilation ran out of memory"
    lines = res.get("stderr", "").strip().splitlines()[:COMPILE_DETAIL_LINES]
    text = "\n".join(lines) or res.get("stdout", "").strip()[:500]
    return text or f"compilation failed (exit code {res.get('exit_code')})"
