"""How the assert-test judge process starts (see assert_judge.py): its arguments, its own
address-space limit, and the uid it drops to before reading anything."""

from __future__ import annotations

import os
import sys


def parse_args(argv: list[str]) -> tuple[str, int | None, int]:
    """(codec folder, uid to become or None, address-space limit in MiB or 0)."""
    options = dict(zip(argv[2::2], argv[3::2], strict=False))
    uid = int(options["--uid"]) if "--uid" in options else None
    return argv[1], uid, int(options.get("--memory-mb", 0))


def limit_memory(memory_mb: int) -> None:
    """Test code that allocates wildly gets a MemoryError here instead of taking memory
    from the server's machine."""
    if memory_mb <= 0:
        return
    import resource

    _soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    limit = memory_mb << 20
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def drop_privileges(uid: int | None) -> None:
    """`--uid N` (given when the server runs as root): become N, with no groups, before
    reading anything. The judge drops privileges itself so that the server can start it
    with vfork: a fork() of the gRPC server runs gRPC's fork handlers, which can crash
    the child before it execs."""
    if uid is None:
        return
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    if os.getuid() != uid or os.geteuid() != uid:
        sys.exit("could not drop privileges")
