"""Task kind -> how to start its verifier: the one table the server routes by.

Adding a verifier kind is one module (a `Verifier` and an async factory) and one line
here, plus its message in the `Task` oneof of the proto. A factory returns None when its
kind is off (code without --code); tasks of that kind then get UNIMPLEMENTED with the
entry's `enable` hint.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from reward_server.config import ServerConfig
from reward_server.metrics import Metrics
from reward_server.verifiers.base import Verifier
from reward_server.verifiers.code.start import ENABLE as ENABLE_CODE
from reward_server.verifiers.code.start import start_code
from reward_server.verifiers.math.verifier import start_math

log = logging.getLogger(__name__)

Factory = Callable[[ServerConfig, Metrics], Awaitable[Verifier | None]]


@dataclass(frozen=True)
class Registration:
    start: Factory
    enable: str = ""  # how to switch the kind on, told to clients that send it while off


Registry = Mapping[str, Registration]

# Started in this order (math first: its workers fork before anything starts threads).
REGISTRY: Registry = {
    "math": Registration(start_math),
    "code": Registration(start_code, enable=ENABLE_CODE),
}


@dataclass
class Verifiers:
    """The verifiers one server runs, by task kind, and the registry they came from."""

    running: dict[str, Verifier]
    registry: Registry

    def kinds(self) -> list[str]:
        """Every kind the registry knows, running or not."""
        return list(self.registry)

    def why_not(self, kind: str) -> str:
        """Why tasks of `kind` are not judged here, and how to change that."""
        entry = self.registry.get(kind)
        if entry is None:
            return f"this server has no {kind} verifier"
        fix = f"; {entry.enable}" if entry.enable else ""
        return f"this server does not run {kind}{fix}"

    async def close(self) -> None:
        for verifier in self.running.values():
            try:
                await verifier.close()
            except Exception:  # one verifier's failure must not leave the others running
                log.exception("closing the %s verifier failed", verifier.kind)


async def start_verifiers(registry: Registry, config: ServerConfig, metrics: Metrics) -> Verifiers:
    """Starts every kind the config switches on; on a failure stops those started."""
    verifiers = Verifiers({}, registry)
    try:
        for kind, entry in registry.items():
            verifier = await entry.start(config, metrics)
            if verifier is not None:
                verifiers.running[kind] = verifier
    except BaseException:
        await verifiers.close()
        raise
    return verifiers
