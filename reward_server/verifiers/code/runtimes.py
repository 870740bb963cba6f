"""Languages as data: each in_sandbox/<name>/runtime.json describes how to build and run it.

Adding a language is one folder (a Dockerfile and a runtime.json); nothing in the server's
code names a language. The runtime.json fields:

- name: the folder's name, what `CodeTask.language` says.
- version: the toolchain (and its flags), shown in `ServerInfo.language_info`;
  version_argv (optional): a command whose first output line names the toolchain the
  built image really has (e.g. `gcc --version`), added to it at start (toolchain.py).
- fence_tags: the code-fence tags that mark an answer in this language (lower case).
- looks_like (optional): regular expressions; an answer without any fence is taken as a
  program when one of them matches it (and it passes `syntax_check`, if named).
- syntax_check (optional): a check done in the server, without a container, before
  running (a name from extract.SYNTAX_CHECKS, e.g. "python"); a failure is COMPILE_ERROR.
  With it and no `looks_like`, an unfenced answer is taken when it passes the check.
- source_file: the file the program is written to in /work.
- compile (optional): argv run once per completion before any test; a non-zero exit is
  COMPILE_ERROR with the first lines of its diagnostics. It runs as the candidate uid in
  /work (TMPDIR=/work) before any test input exists in the container.
- compile_time_limit_s, compile_memory_mb (optional): the compile step's own wall-clock
  and memory limits (default: the server's compile_time_limit_s / compile_memory_mb).
- run: argv of one io-test run (stdin in, stdout out).
- serve (optional): argv of a call server for function tests (see python/harness.py for
  the line protocol); zygote (optional): argv of a warm process that forks call servers
  and runs instead of starting a process per run ({memory_mb}, {heap_mb} filled in: a
  task with other limits gets another one); zygote_modes (default ["serve", "run"]):
  which starts it takes over, of "serve" (the call server), "run" (an io-test run) and
  "io_serve" (the warm io runner).
- io_serve (optional): argv of a warm io runner, for runtimes that cannot fork from a
  warm process (the JVM, Node.js): one runner per completion runs each of its io tests in
  a fresh program state, answering a line protocol (warm_io.py); io_serve_compiles: the
  runner's hello does the compile step itself (a syntax check), so the warm path skips
  the compile argv.
- test_kinds: which CodeTask tests it supports, of "io", "function", "asserts".
- memory_rlimit: "as" (RLIMIT_AS, the default) or "data" (RLIMIT_DATA: for runtimes such
  as V8, the JVM and Go that reserve far more address space than they use).
- heap_percent (default 75): share of the task's memory limit given as {heap_mb}.
- memory_markers (optional): texts in stderr by which the runtime says it ran out of
  memory (reported as MEMORY_LIMIT).
- min_memory_mb (default 0): the smallest rlimit the runtime starts under (the JVM,
  Node.js and Go need 48-64 MiB). Every process gets at least this rlimit, while the
  runtime still sizes its heap from the task's limit ({memory_mb}, SANDBOX_MEMORY_MB);
  min_memory_check "heap" (the default: the runtime's heap limit is hard, as -Xmx and
  --max-old-space-size are) or "rss" (it is soft, as GOMEMLIMIT is: an io run's peak
  resident memory is then held to the task's limit, else MEMORY_LIMIT).
- stack_mb: RLIMIT_STACK of every process; env: extra environment of compile and run.
- packages: notable libraries the image ships (for GetServerInfo readers).
- default_base: the registry base image; debootstrap_include: Debian packages of the
  offline base (built by images.py).

The memory limit reaches the runtime two ways, for compile and run alike: argv items
may hold {memory_mb} (the task's limit; the compile limit while compiling), {heap_mb}
(heap_percent of it) and {time_limit_s}; and the environment has SANDBOX_MEMORY_MB,
SANDBOX_HEAP_MB and SANDBOX_TIME_LIMIT_S.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

TEST_KINDS = ("io", "function", "asserts")
MEMORY_RLIMITS = ("as", "data")
ZYGOTE_MODES = ("serve", "run", "io_serve")


@dataclass(frozen=True)
class Runtime:
    name: str
    version: str
    folder: Path
    fence_tags: tuple[str, ...]
    source_file: str
    compile: tuple[str, ...] | None  # argv run once per completion, None for interpreters
    run: tuple[str, ...]  # argv for io tests
    serve: tuple[str, ...] | None  # argv of the call server for function/assert tests
    zygote: tuple[str, ...] | None  # argv of a pre-started forker of call servers (optional)
    test_kinds: tuple[str, ...]
    stack_mb: int
    env: dict[str, str]
    packages: tuple[str, ...]
    default_base: str
    debootstrap_include: tuple[str, ...]
    looks_like: tuple[str, ...] = ()
    syntax_check: str | None = None
    compile_time_limit_s: float | None = None  # None: the server's default
    compile_memory_mb: int | None = None
    memory_rlimit: str = "as"
    heap_percent: int = 75
    memory_markers: tuple[str, ...] = ()
    io_serve: tuple[str, ...] | None = None  # argv of the warm io runner (warm_io.py)
    io_serve_compiles: bool = False  # its hello does the compile step (a syntax check)
    version_argv: tuple[str, ...] | None = None  # prints the installed toolchain's version
    min_memory_mb: int = 0  # the smallest rlimit it starts under (session.run_args)
    min_memory_check: str = "heap"  # or "rss": how a smaller task limit is held (io_tests)
    zygote_modes: tuple[str, ...] = ("serve", "run")  # the starts the zygote takes over


def _argv(spec: dict, key: str) -> tuple[str, ...] | None:
    value = spec.get(key)
    return tuple(str(a) for a in value) if value else None


def load_runtime(folder: Path) -> Runtime:
    """Reads and checks one runtime.json; ValueError naming the file and the field."""
    path = folder / "runtime.json"
    spec = json.loads(path.read_text())
    try:
        rt = Runtime(
            name=spec["name"],
            version=spec["version"],
            folder=folder,
            fence_tags=tuple(t.lower() for t in spec["fence_tags"]),
            source_file=spec["source_file"],
            compile=_argv(spec, "compile"),
            run=tuple(spec["run"]),
            serve=_argv(spec, "serve"),
            zygote=_argv(spec, "zygote"),
            test_kinds=tuple(spec["test_kinds"]),
            stack_mb=int(spec.get("stack_mb", 8)),
            env={str(k): str(v) for k, v in spec.get("env", {}).items()},
            packages=tuple(spec.get("packages", ())),
            default_base=spec["default_base"],
            debootstrap_include=tuple(spec.get("debootstrap_include", ())),
            looks_like=tuple(spec.get("looks_like", ())),
            syntax_check=spec.get("syntax_check"),
            compile_time_limit_s=_opt(spec, "compile_time_limit_s", float),
            compile_memory_mb=_opt(spec, "compile_memory_mb", int),
            memory_rlimit=spec.get("memory_rlimit", "as"),
            heap_percent=int(spec.get("heap_percent", 75)),
            memory_markers=tuple(spec.get("memory_markers", ())),
            io_serve=_argv(spec, "io_serve"),
            io_serve_compiles=bool(spec.get("io_serve_compiles", False)),
            version_argv=_argv(spec, "version_argv"),
            min_memory_mb=int(spec.get("min_memory_mb", 0)),
            min_memory_check=spec.get("min_memory_check", "heap"),
            zygote_modes=tuple(spec.get("zygote_modes", ("serve", "run"))),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path}: bad or missing field: {exc}") from None
    _check(rt, path)
    return rt


def _opt(spec: dict, key: str, kind: type) -> object:
    return kind(spec[key]) if spec.get(key) is not None else None


def _check(rt: Runtime, path: Path) -> None:
    problems = []
    if rt.name != rt.folder.name:
        problems.append(f"name {rt.name!r} is not the folder's name {rt.folder.name!r}")
    if not rt.fence_tags:
        problems.append("fence_tags is empty")
    if not set(rt.test_kinds) <= set(TEST_KINDS) or not rt.test_kinds:
        problems.append(f"test_kinds {list(rt.test_kinds)} must be some of {list(TEST_KINDS)}")
    if set(rt.test_kinds) & {"function", "asserts"} and not rt.serve:
        problems.append("function or assert tests need a serve argv")
    if rt.io_serve_compiles and not (rt.io_serve and rt.compile):
        problems.append("io_serve_compiles needs an io_serve argv and a compile argv")
    if rt.io_serve and "io" not in rt.test_kinds:
        problems.append("io_serve is only for io tests, which test_kinds does not list")
    if not set(rt.zygote_modes) <= set(ZYGOTE_MODES):
        problems.append(f"zygote_modes {list(rt.zygote_modes)}: some of {list(ZYGOTE_MODES)}")
    if rt.min_memory_check not in ("heap", "rss"):
        problems.append(f"min_memory_check {rt.min_memory_check!r}; use 'heap' or 'rss'")
    if rt.memory_rlimit not in MEMORY_RLIMITS:
        problems.append(f"memory_rlimit {rt.memory_rlimit!r}; use one of {list(MEMORY_RLIMITS)}")
    if not 10 <= rt.heap_percent <= 100:
        problems.append(f"heap_percent {rt.heap_percent} must be in [10, 100]")
    from reward_server.verifiers.code.extract import SYNTAX_CHECKS  # no cycle at import

    if rt.syntax_check is not None and rt.syntax_check not in SYNTAX_CHECKS:
        problems.append(f"syntax_check {rt.syntax_check!r}; valid: {sorted(SYNTAX_CHECKS)}")
    for pattern in rt.looks_like:
        try:
            re.compile(pattern)
        except re.error as exc:
            problems.append(f"looks_like {pattern!r}: {exc}")
    if problems:
        raise ValueError(f"{path}: " + "; ".join(problems))


def available_languages(sandboxes_dir: str | Path) -> list[str]:
    """Every language folder (one holding a runtime.json), sorted."""
    return sorted(p.parent.name for p in Path(sandboxes_dir).glob("*/runtime.json"))


def load_runtimes(sandboxes_dir: str | Path, names: tuple[str, ...]) -> dict[str, Runtime]:
    """Loads the named languages; an unknown name fails with the list of valid ones."""
    root = Path(sandboxes_dir)
    available = available_languages(root)
    unknown = [n for n in names if n not in available]
    if unknown:
        raise ValueError(f"unknown sandbox language(s) {unknown}; valid: {available}")
    return {n: load_runtime(root / n) for n in names}


def expand(argv: tuple[str, ...], memory_mb: int, heap_percent: int, time_limit_s: float):
    """argv with {memory_mb}, {heap_mb} and {time_limit_s} filled in."""
    values = {
        "{memory_mb}": str(memory_mb),
        "{heap_mb}": str(max(memory_mb * heap_percent // 100, 16)),
        "{time_limit_s}": f"{time_limit_s:g}",
    }
    out = []
    for arg in argv:
        for key, value in values.items():
            arg = arg.replace(key, value)
        out.append(arg)
    return out
