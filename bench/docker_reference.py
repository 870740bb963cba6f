"""The benchmarks' reference: one fresh `docker run --rm` per program, hardened as the
pool's containers are (sandbox uid, no network, read-only root, no capabilities,
no-new-privileges, the pool's pids and CPU limits, 256 open files)."""

from __future__ import annotations

from typing import Any

from reward_server.verifiers.code.config import SandboxConfig


def run_hardened(
    client: Any,
    image: str,
    argv: list[str],
    *,
    config: SandboxConfig,
    memory_mb: int,
    volumes: dict[str, dict[str, str]],
    **extra: Any,
) -> bytes:
    """The program's stdout; docker.errors.ContainerError when it exits non-zero."""
    from docker.types import Ulimit

    return client.containers.run(
        image,
        argv,
        remove=True,
        user="10001:10001",
        network_mode="none",
        read_only=True,
        cap_drop=["ALL"],
        security_opt=["no-new-privileges"],
        mem_limit=f"{memory_mb}m",
        pids_limit=config.pids_limit,
        nano_cpus=int(config.cpus * 1e9),
        tmpfs={"/tmp": "size=64m"},
        volumes=volumes,
        ulimits=[Ulimit(name="nofile", soft=256, hard=256)],
        **extra,
    )
