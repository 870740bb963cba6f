"""Settings of the code sandbox: pool sizes, limits, runtime. Validated once, then frozen."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from reward_server.languages import DEFAULT_LANGUAGES

DEFAULT_SANDBOXES_DIR = str(Path(__file__).resolve().parent / "in_sandbox")


@dataclass(frozen=True)
class SandboxConfig:
    pool_size: int = field(default=2, metadata={"help": "Warm containers kept per language."})
    max_runs_per_container: int = field(
        default=500,
        metadata={
            "help": "Completions a container judges before it is recycled (defence in "
            "depth: every run is followed by a verified reset, and a run that misbehaves "
            "retires its container at once). A new container costs ~0.4 s of CPU."
        },
    )
    default_time_limit_s: float = field(
        default=5.0,
        metadata={
            "help": "Wall-clock limit per test (one program run for io tests, one call "
            "for function tests, one check()/assert for assert tests) when the task "
            "sets none. CPU time is bounded by the same number (1 CPU per container)."
        },
    )
    max_time_limit_s: float = field(
        default=30.0, metadata={"help": "Largest per-test time limit a task may ask for."}
    )
    default_memory_mb: int = field(
        default=256, metadata={"help": "Address-space limit per candidate process (MiB)."}
    )
    max_memory_mb: int = field(
        default=2048,
        metadata={
            "help": "Largest memory limit a task may ask for (MiB); also "
            "sizes the container's cgroup limit."
        },
    )
    runtime: str = field(
        default="runc",
        metadata={
            "help": "OCI runtime: 'runc', or 'runsc' for gVisor (must be "
            "registered with dockerd, see scripts/install_docker.sh)."
        },
    )
    partial_credit: bool = field(
        default=False,
        metadata={
            "help": "Correctness = fraction of tests passed; when off, "
            "all-or-nothing and judging stops at the first failure."
        },
    )
    max_output_bytes: int = field(
        default=1 << 20, metadata={"help": "Stdout captured per run; more is OUTPUT_LIMIT."}
    )
    docker_host: str | None = field(
        default=None,
        metadata={
            "help": "Docker endpoint (e.g. unix:///var/run/docker.sock); "
            "None = DOCKER_HOST or the default socket."
        },
    )
    channel: str = field(
        default="auto",
        metadata={
            "help": "How the server talks to each container's supervisor: 'unix' (a socket "
            "in a host folder mounted read-only; needs a local engine and runc), 'attach' "
            "(stdin/stdout relayed by dockerd; works everywhere, ~10 ms more CPU per "
            "program) or 'auto' (unix when possible)."
        },
    )
    zygote: bool = field(
        default=True,
        metadata={
            "help": "Fork call servers from a pre-started, never-used interpreter in each "
            "container (~1 ms) instead of starting Python per completion (~15 ms)."
        },
    )
    warm_io: bool = field(
        default=True,
        metadata={
            "help": "Run a completion's io tests in one warm runtime process, each test in a "
            "fresh program state, for languages with an io_serve runner (Java, JavaScript: "
            "no JVM or Node start per test); a failure it reports is re-run the old way."
        },
    )
    compile_time_limit_s: float = field(
        default=30.0, metadata={"help": "Wall-clock limit for compiling one completion."}
    )
    compile_memory_mb: int = field(
        default=1024, metadata={"help": "Address-space limit for the compiler (MiB)."}
    )
    float_tolerance: float = field(
        default=0.0,
        metadata={
            "help": "Absolute/relative tolerance for numbers in io and function tests; 0 = exact."
        },
    )
    judge_time_limit_s: float = field(
        default=10.0,
        metadata={
            "help": "Extra wall time the judge side may spend per assert "
            "test beyond the candidate's time limit."
        },
    )
    judge_memory_mb: int = field(
        default=1024,
        metadata={
            "help": "Address-space limit of each assert-test judge process (MiB): test code "
            "that allocates wildly gets a MemoryError (MEMORY_LIMIT) and its judge is replaced."
        },
    )
    pids_limit: int = field(default=64, metadata={"help": "Processes/threads per container."})
    cpus: float = field(default=1.0, metadata={"help": "CPU quota per container (cores)."})
    fsize_mb: int = field(default=16, metadata={"help": "Largest file a candidate may write."})
    nofile: int = field(default=256, metadata={"help": "Open files per candidate process."})
    tmpfs_mb: int = field(
        default=64, metadata={"help": "Size of each writable tmpfs (/work, /tmp) per container."}
    )
    acquire_timeout_s: float = field(
        default=600.0,
        metadata={
            "help": "How long a completion waits for a free container "
            "before it is reported as INFRA_ERROR."
        },
    )
    infra_retries: int = field(
        default=1,
        metadata={
            "help": "Times a completion is judged again, in another container, after its "
            "container died under it (killed, engine restarted); then INFRA_ERROR."
        },
    )
    reap_interval_s: float = field(
        default=60.0,
        metadata={
            "help": "Seconds between sweeps removing containers whose server died on "
            "this host (another replica killed); 0 = only at start."
        },
    )
    build_missing_images: bool = field(
        default=True,
        metadata={
            "help": "Build missing sandbox images at start (takes ~2 min "
            "offline); when off, start fails and names the build command."
        },
    )
    sandboxes_dir: str = field(
        default=DEFAULT_SANDBOXES_DIR,
        metadata={"help": "Folder with one sub-folder per language (Dockerfile, runtime.json)."},
    )
    languages: tuple[str, ...] = field(
        default=DEFAULT_LANGUAGES, metadata={"help": "Languages to serve (folder names)."}
    )

    def __post_init__(self) -> None:
        def need(ok: bool, msg: str) -> None:
            if not ok:
                raise ValueError(f"SandboxConfig: {msg}")

        need(self.pool_size >= 1, f"pool_size={self.pool_size}; set it to 1 or more")
        need(self.reap_interval_s >= 0, f"reap_interval_s={self.reap_interval_s} must be >= 0")
        need(self.infra_retries >= 0, f"infra_retries={self.infra_retries}; set it to 0 or more")
        need(
            self.max_runs_per_container >= 1,
            f"max_runs_per_container={self.max_runs_per_container}; set it to 1 or more",
        )
        need(
            0 < self.default_time_limit_s <= self.max_time_limit_s,
            f"default_time_limit_s={self.default_time_limit_s} must be > 0 and <= "
            f"max_time_limit_s={self.max_time_limit_s}",
        )
        need(
            16 <= self.default_memory_mb <= self.max_memory_mb,
            f"default_memory_mb={self.default_memory_mb} must be >= 16 and <= "
            f"max_memory_mb={self.max_memory_mb}",
        )
        need(self.runtime in ("runc", "runsc"), f"runtime={self.runtime!r}; use 'runc' or 'runsc'")
        need(
            self.channel in ("auto", "unix", "attach"),
            f"channel={self.channel!r}; use 'auto', 'unix' or 'attach'",
        )
        need(
            self.max_output_bytes >= 1024,
            f"max_output_bytes={self.max_output_bytes}; use at least 1024",
        )
        need(self.compile_time_limit_s > 0, "compile_time_limit_s must be > 0")
        need(self.compile_memory_mb >= 64, "compile_memory_mb must be >= 64")
        need(self.float_tolerance >= 0, "float_tolerance must be >= 0")
        need(self.judge_time_limit_s > 0, "judge_time_limit_s must be > 0")
        need(
            self.judge_memory_mb >= 128, f"judge_memory_mb={self.judge_memory_mb}; use 128 or more"
        )
        need(self.pids_limit >= 8, f"pids_limit={self.pids_limit}; use at least 8")
        need(0 < self.cpus <= 64, f"cpus={self.cpus}; use a value in (0, 64]")
        need(
            self.fsize_mb >= 1 and self.nofile >= 16 and self.tmpfs_mb >= 1,
            "fsize_mb >= 1, nofile >= 16 and tmpfs_mb >= 1 are required",
        )
        need(self.acquire_timeout_s > 0, "acquire_timeout_s must be > 0")
        need(
            Path(self.sandboxes_dir).is_dir(),
            f"sandboxes_dir={self.sandboxes_dir!r} is not a folder; point it at a copy of "
            "reward_server/verifiers/code/in_sandbox/",
        )
        need(len(self.languages) >= 1, "languages must name at least one language")
