"""The toolchain each sandbox image really has, for GetServerInfo.

runtime.json's `version` says what an image is meant to hold; `version_argv` (e.g.
`gcc --version`) asks the built image, once per language at start, in a warm container
(as a run: the candidate uid, limits, no network), so the server reports the Debian point
release or registry base it actually runs. The first line the command prints is kept; a
probe that fails leaves the static text alone and is logged, never fatal.
"""

from __future__ import annotations

import asyncio
import logging

from reward_server.verifiers.code.assert_judges import JudgePool
from reward_server.verifiers.code.config import SandboxConfig
from reward_server.verifiers.code.pool import LanguagePool
from reward_server.verifiers.code.runtimes import Runtime
from reward_server.verifiers.code.session import Context

log = logging.getLogger(__name__)

PROBE_TIME_S = 20.0  # a JVM's first start on a busy machine
PROBE_MEMORY_MB = 1024
MAX_CHARS = 120


async def probe(pool: LanguagePool, rt: Runtime, config: SandboxConfig, judges: JudgePool) -> str:
    """The first line `version_argv` prints in one of the pool's containers, or ""."""
    if not rt.version_argv:
        return ""
    box = await pool.acquire()
    ctx = Context(box=box, runtime=rt, config=config, judges=judges)
    try:
        return await asyncio.to_thread(_ask, ctx)
    except Exception as exc:  # the static version text still describes the language
        log.warning("could not read the %s toolchain version: %s", rt.name, exc)
        return ""
    finally:
        pool.release(box)


def _ask(ctx: Context) -> str:
    rt: Runtime = ctx.runtime
    try:
        req = ctx.run_args(rt.version_argv, PROBE_TIME_S, PROBE_MEMORY_MB)
        res = ctx.op({"op": "exec", **req}, PROBE_TIME_S)
    finally:
        ctx.reset()
    if res.get("reason") != "exited" or res.get("exit_code") != 0:
        raise RuntimeError(f"{list(rt.version_argv)} ended with {res.get('reason')}")
    lines = (res.get("stdout", "") + "\n" + res.get("stderr", "")).strip().splitlines()
    if not lines:
        raise RuntimeError(f"{list(rt.version_argv)} printed nothing")
    return lines[0].strip()[:MAX_CHARS]
