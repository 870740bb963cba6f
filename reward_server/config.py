"""Server settings: one frozen dataclass, every option documented, settable by flag or env.

Each field becomes a `--flag-name` option and a `REWARD_SERVER_FLAG_NAME` environment
variable (flags win over the environment, the environment over the defaults). A bad value
stops the server at start-up with a message that names the option and what to change.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from reward_server.languages import DEFAULT_LANGUAGES

ENV_PREFIX = "REWARD_SERVER_"


def _opt(default: Any, help: str) -> Any:
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True)
class ServerConfig:
    host: str = _opt("127.0.0.1", "Address to listen on ('0.0.0.0' for all interfaces).")
    port: int = _opt(50051, "gRPC port; 0 picks a free port.")
    metrics_port: int = _opt(
        -1, "Prometheus metrics HTTP port; 0 picks a free port, -1 turns metrics off."
    )
    math_workers: int = _opt(
        0, "Math verification worker processes; 0 = one per CPU core (at least 2)."
    )
    math_timeout_s: float = _opt(
        5.0,
        "Hard wall-clock limit for verifying one math completion; the worker is killed and "
        "replaced past it and the completion scores WRONG with detail 'timeout'.",
    )
    math_worker_memory_mb: int = _opt(
        2048, "Address-space limit of each math worker process (0 = unlimited)."
    )
    math_verdict_cache: int = _opt(
        4096,
        "Verdicts on (gold, final answer) pairs each math worker keeps across groups, so an "
        "answer seen before is not compared again; 0 = none (answers repeated within a "
        "group are still compared once).",
    )
    max_completions_per_group: int = _opt(256, "Most completions one group may hold.")
    max_completion_bytes: int = _opt(2 << 20, "Most UTF-8 bytes one completion may hold.")
    max_groups_per_request: int = _opt(1024, "Most groups one ScoreRequest may hold.")
    max_message_bytes: int = _opt(64 << 20, "Largest gRPC message accepted or sent.")
    max_queued_completions: int = _opt(
        8192,
        "Admission bound: completions admitted whose results are not yet delivered (being "
        "scored, or waiting to be written to a stream). Score requests beyond it get "
        "RESOURCE_EXHAUSTED; streams wait up to --stream-admission-wait-s for room.",
    )
    stream_max_undelivered: int = _opt(
        2048,
        "Per ScoreStream bound: completions admitted on one stream whose results are not "
        "yet written to it. At the bound the server reads no more groups from that stream "
        "until its client reads results, so a client that stops reading holds at most this "
        "many (and leaves the rest of --max-queued-completions to others).",
    )
    stream_admission_wait_s: float = _opt(
        60.0,
        "How long a ScoreStream group may wait for room in the queue before the "
        "stream ends with RESOURCE_EXHAUSTED.",
    )
    shutdown_grace_s: float = _opt(
        30.0, "On SIGTERM/SIGINT: how long in-flight groups may take to finish."
    )
    code: bool = _opt(
        False, "Serve code tasks in Docker sandboxes (needs a Docker engine and the images)."
    )
    sandbox_pool_size: int = _opt(2, "Warm sandbox containers kept per language (with --code).")
    sandbox_languages: str = _opt(
        ",".join(DEFAULT_LANGUAGES),
        "Comma-separated languages served with --code (folders under "
        "reward_server/verifiers/code/in_sandbox/: python, cpp, c, java, javascript, go, "
        "rust), or 'all' for every folder; missing images are built at start.",
    )
    sandbox_infra_retries: int = _opt(
        1,
        "Times a code completion is judged again in another container after its "
        "container died under it (killed, engine restarted) before it is INFRA_ERROR.",
    )
    sandbox_reap_interval_s: float = _opt(
        60.0,
        "How often the server removes sandbox containers left by servers that died on "
        "this host (a killed replica); 0 = only at start.",
    )
    sandbox_runtime: str = _opt(
        "runc",
        "OCI runtime of the sandboxes: 'runc', or 'runsc' for gVisor (registered "
        "with dockerd by scripts/install_docker.sh).",
    )
    partial_credit: bool = _opt(
        False, "Code correctness = fraction of tests passed (else all-or-nothing)."
    )
    docker_host: str = _opt(
        "",
        "Docker engine for the sandboxes (e.g. tcp://sandbox-host:2375); empty = "
        "$DOCKER_HOST or the local socket.",
    )
    build_sandbox_images: bool = _opt(
        True,
        "Build missing sandbox images at start (offline, a few minutes); when off, "
        "start fails and names the build command.",
    )
    log_level: str = _opt("INFO", "Log level: DEBUG, INFO, WARNING or ERROR.")
    log_json: bool = _opt(True, "Structured (one JSON object per line) logs on stderr.")
    ready_file: str = _opt(
        "",
        "Once serving, write {address, port, metrics_port, pid} as JSON to this file "
        "(atomically; removed on stop), for whatever launched the server; empty = none.",
    )

    def __post_init__(self) -> None:
        problems = []
        if not 0 <= self.port <= 65535:
            problems.append(f"port must be in 0..65535, got {self.port}")
        if not -1 <= self.metrics_port <= 65535:
            problems.append(
                f"metrics_port must be -1 (off) or in 0..65535, got {self.metrics_port}"
            )
        if self.math_workers < 0:
            problems.append(f"math_workers must be >= 0 (0 = auto), got {self.math_workers}")
        if not 0.05 <= self.math_timeout_s <= 600:
            problems.append(f"math_timeout_s must be in [0.05, 600], got {self.math_timeout_s}")
        if self.math_verdict_cache < 0:
            problems.append(f"math_verdict_cache must be >= 0, got {self.math_verdict_cache}")
        if self.math_worker_memory_mb and self.math_worker_memory_mb < 256:
            problems.append(
                f"math_worker_memory_mb must be 0 or >= 256, got {self.math_worker_memory_mb}"
            )
        for name in (
            "max_completions_per_group",
            "max_completion_bytes",
            "max_groups_per_request",
            "max_message_bytes",
            "max_queued_completions",
            "stream_max_undelivered",
        ):
            if getattr(self, name) < 1:
                problems.append(f"{name} must be >= 1, got {getattr(self, name)}")
        if self.max_queued_completions < self.max_completions_per_group:
            problems.append(
                "max_queued_completions must be >= max_completions_per_group, or a full "
                "group could never be admitted"
            )
        if self.stream_max_undelivered < self.max_completions_per_group:
            problems.append(
                "stream_max_undelivered must be >= max_completions_per_group, or a full "
                "group could never be read from a stream"
            )
        if self.stream_admission_wait_s < 0 or self.shutdown_grace_s < 0:
            problems.append("stream_admission_wait_s and shutdown_grace_s must be >= 0")
        if self.sandbox_pool_size < 1:
            problems.append(f"sandbox_pool_size must be >= 1, got {self.sandbox_pool_size}")
        if self.sandbox_infra_retries < 0 or self.sandbox_reap_interval_s < 0:
            problems.append("sandbox_infra_retries and sandbox_reap_interval_s must be >= 0")
        if not self.languages:
            problems.append(
                f"sandbox_languages must name at least one language, got "
                f"{self.sandbox_languages!r}"
            )
        if self.sandbox_runtime not in ("runc", "runsc"):
            problems.append(
                f"sandbox_runtime must be 'runc' or 'runsc', got {self.sandbox_runtime!r}"
            )
        if self.log_level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            problems.append(
                f"log_level must be DEBUG, INFO, WARNING or ERROR, got {self.log_level!r}"
            )
        if problems:
            raise ValueError("invalid server configuration: " + "; ".join(problems))

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(x.strip() for x in self.sandbox_languages.split(",") if x.strip())

    @property
    def resolved_math_workers(self) -> int:
        return self.math_workers or max(2, os.cpu_count() or 2)


def _parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError(f"expected true/false, got {text!r}")


def _convert(kind: type, text: str, name: str) -> Any:
    try:
        if kind is bool:
            return _parse_bool(text)
        return kind(text)
    except ValueError as err:
        raise ValueError(f"{name}: {err}") from None


def _field_type(f: dataclasses.Field) -> type:
    # Annotations are strings under `from __future__ import annotations`.
    return {"int": int, "float": float, "bool": bool, "str": str}[str(f.type)]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Adds one option per ServerConfig field (default None: unset means env or default)."""
    for f in dataclasses.fields(ServerConfig):
        flag = "--" + f.name.replace("_", "-")
        env = ENV_PREFIX + f.name.upper()
        help_text = f"{f.metadata['help']} [env {env}; default {f.default!r}]"
        if _field_type(f) is bool:
            parser.add_argument(
                flag, action=argparse.BooleanOptionalAction, default=None, help=help_text
            )
        else:
            parser.add_argument(flag, type=str, default=None, help=help_text)


def from_sources(
    args: argparse.Namespace | None = None, environ: Mapping[str, str] | None = None
) -> ServerConfig:
    """Builds the config from flags (highest priority), environment, then defaults."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for f in dataclasses.fields(ServerConfig):
        kind = _field_type(f)
        flag_value = getattr(args, f.name, None) if args is not None else None
        env_value = environ.get(ENV_PREFIX + f.name.upper())
        if flag_value is not None:
            values[f.name] = (
                flag_value
                if isinstance(flag_value, bool)
                else _convert(kind, flag_value, "--" + f.name.replace("_", "-"))
            )
        elif env_value is not None:
            values[f.name] = _convert(kind, env_value, ENV_PREFIX + f.name.upper())
    return ServerConfig(**values)


def describe() -> str:
    """The option table, for docs."""
    lines = []
    for f in dataclasses.fields(ServerConfig):
        lines.append(
            f"--{f.name.replace('_', '-')} / {ENV_PREFIX}{f.name.upper()} "
            f"(default {f.default!r}): {f.metadata['help']}"
        )
    return "\n".join(lines)
