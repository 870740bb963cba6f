"""Channel set-up and retry policy shared by the sync and asyncio clients."""

from __future__ import annotations

import ipaddress
import os
import random
from collections.abc import Sequence
from dataclasses import dataclass

import grpc

TARGETS_ENV = "REWARD_SERVER_TARGETS"
DEFAULT_TARGET = "127.0.0.1:50051"
MAX_MESSAGE_BYTES = 64 << 20


@dataclass(frozen=True)
class RetryPolicy:
    """Retries only what is transient: by default UNAVAILABLE (server down, restarting,
    draining). RESOURCE_EXHAUSTED (overload) is retried too when `retry_overloaded`."""

    attempts: int = 5
    initial_backoff_s: float = 0.2
    max_backoff_s: float = 5.0
    multiplier: float = 2.0
    retry_overloaded: bool = True

    def __post_init__(self) -> None:
        if self.attempts < 1:
            raise ValueError("RetryPolicy.attempts must be >= 1 (1 = no retry)")
        if self.initial_backoff_s < 0 or self.max_backoff_s < self.initial_backoff_s:
            raise ValueError("RetryPolicy needs 0 <= initial_backoff_s <= max_backoff_s")

    def retryable(self, code: grpc.StatusCode) -> bool:
        if code == grpc.StatusCode.UNAVAILABLE:
            return True
        return self.retry_overloaded and code == grpc.StatusCode.RESOURCE_EXHAUSTED

    def backoff(self, attempt: int) -> float:
        """Seconds to wait before retry number `attempt` (1-based), with full jitter."""
        ceiling = min(self.max_backoff_s, self.initial_backoff_s * self.multiplier ** (attempt - 1))
        return random.uniform(0, ceiling)


def stream_break_code(err: grpc.RpcError) -> grpc.StatusCode:
    """The status a broken stream ended with. grpc's asyncio client reports INTERNAL
    "Internal error from Core" (a failed "execute_batch") when it writes a request to a
    call the server has just ended, losing the server's own status (UNAVAILABLE from a
    draining or dying replica): that case is a broken stream, retried like UNAVAILABLE."""
    code = err.code()
    if code == grpc.StatusCode.INTERNAL and err.details() == "Internal error from Core":
        debug = getattr(err, "debug_error_string", lambda: "")() or ""
        if "execute_batch" in debug:
            return grpc.StatusCode.UNAVAILABLE
    return code


def resolve_target(targets: str | Sequence[str] | None) -> str:
    """One gRPC target from an address, a list of addresses, or $REWARD_SERVER_TARGETS.

    Several `ip:port` addresses become one `ipv4:`/`ipv6:` target balanced round-robin;
    a `dns:///name:port` target with several records is balanced the same way.
    """
    if targets is None:
        targets = os.environ.get(TARGETS_ENV, DEFAULT_TARGET)
    if isinstance(targets, str):
        targets = [t.strip() for t in targets.split(",") if t.strip()]
    targets = list(targets)
    if not targets:
        raise ValueError("no reward server address given")
    if len(targets) == 1:
        return targets[0]
    targets = [
        t.replace("localhost:", "127.0.0.1:", 1) if t.startswith("localhost:") else t
        for t in targets
    ]
    families = {_family(t) for t in targets}
    if None in families or len(families) != 1:
        raise ValueError(
            f"several targets must all be literal IPv4 or all IPv6 ip:port addresses, got "
            f"{targets}; for host names use one 'dns:///name:port' target"
        )
    return f"{families.pop()}:{','.join(targets)}"


def addresses(target: str) -> list[str]:
    """The single addresses of a balanced `ipv4:`/`ipv6:` target (empty for others)."""
    for scheme in ("ipv4:", "ipv6:"):
        if target.startswith(scheme):
            return [a for a in target[len(scheme) :].split(",") if a]
    return []


# After the first replica answers, how long wait_ready also waits for the others: streams
# opened while only one is connected would all land on it (round-robin picks among the
# connected ones) and stay there.
SPREAD_WAIT_S = 2.0


def _family(target: str) -> str | None:
    host = target.rsplit(":", 1)[0].strip("[]")
    try:
        return "ipv4" if ipaddress.ip_address(host).version == 4 else "ipv6"
    except ValueError:
        return None


def channel_options() -> list[tuple[str, object]]:
    return [
        ("grpc.lb_policy_name", "round_robin"),
        ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
        ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
        ("grpc.enable_retries", 0),  # retries are ours, so they cover streams too
    ]
