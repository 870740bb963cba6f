"""Prometheus metrics of one server, in a registry of its own (no module-level globals)."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


@dataclass
class Metrics:
    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.requests = Counter(
            "reward_requests_total",
            "RPCs handled, by method and status code.",
            ["method", "code"],
            registry=r,
        )
        self.groups = Counter(
            "reward_groups_total", "Groups scored, by verifier.", ["verifier"], registry=r
        )
        self.completions = Counter(
            "reward_completions_total",
            "Completions scored, by verifier and verdict.",
            ["verifier", "verdict"],
            registry=r,
        )
        self.group_latency = Histogram(
            "reward_group_latency_seconds",
            "Time to score one group, by verifier.",
            ["verifier"],
            buckets=_LATENCY_BUCKETS,
            registry=r,
        )
        self.queued = Gauge(
            "reward_queued_completions",
            "Completions admitted whose results are not yet delivered (being scored, or "
            "waiting to be written to a stream).",
            registry=r,
        )
        self.worker_restarts = Counter(
            "reward_worker_restarts_total",
            "Verifier worker processes replaced, by reason.",
            ["reason"],
            registry=r,
        )
        self.sandbox_events = Counter(
            "reward_sandbox_events_total",
            "Sandbox faults handled, by event: dead_idle (a container found dead at "
            "check-out and replaced), rejudged (a completion judged again after its "
            "container died under it), reaped (containers of dead servers removed).",
            ["event"],
            registry=r,
        )
        self.group_errors = Counter(
            "reward_group_errors_total",
            "Groups answered with GroupResult.error instead of scores (content that cannot "
            "be judged), by code: INVALID_ARGUMENT, UNIMPLEMENTED.",
            ["code"],
            registry=r,
        )
        self.rejected = Counter(
            "reward_rejected_total",
            "Calls refused with a status, by reason (the status code; groups answered "
            "with an error are reward_group_errors_total).",
            ["reason"],
            registry=r,
        )
        self.math_verdict_cache = Counter(
            "reward_math_verdict_cache_total",
            "Comparisons of a final math answer with its gold, by result: shared (an equal "
            "answer earlier in the same group was judged), hit (the verdict cache across "
            "groups had it), miss (compared now).",
            ["result"],
            registry=r,
        )
        self.math_unjudged = Counter(
            "reward_math_unjudged_total",
            "Math completions the verifier failed on (INFRA_ERROR, reward NaN), by reason: "
            "error (an internal error, named in the detail), crash (the answer killed its "
            "worker twice).",
            ["reason"],
            registry=r,
        )

    def count_sandbox_event(self, event: str, n: int = 1) -> None:
        self.sandbox_events.labels(event).inc(n)

    def serve(self, host: str, port: int) -> int:
        """Starts the /metrics HTTP endpoint; returns the bound port."""
        server, _thread = start_http_server(port, addr=host, registry=self.registry)
        return server.server_port
