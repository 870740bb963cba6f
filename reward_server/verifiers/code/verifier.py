"""CodeVerifier: the public entry of the code sandbox (what the gRPC server calls).

Usage: `v = await CodeVerifier.start(SandboxConfig())`, then `await v.score(task,
completions)` per group, `await v.close()` at shutdown. It is the registry's "code" kind
(a reward_server.verifiers.base.Verifier; start.py starts it for the server). Docker SDK
calls block, so they run in thread pools; the event loop only awaits.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import docker
import docker.errors

from reward_server.api import reward_pb2
from reward_server.outcome import Outcome, Verdict
from reward_server.quoting import quote
from reward_server.reasoning import ReasoningPair
from reward_server.verifiers.base import UnusableTask
from reward_server.verifiers.code import container, owners, toolchain, verdicts
from reward_server.verifiers.code.assert_judge import step_kinds
from reward_server.verifiers.code.assert_judges import JudgePool
from reward_server.verifiers.code.build import build_all
from reward_server.verifiers.code.checker_cache import CheckerCache
from reward_server.verifiers.code.checkers import Checker, CheckerUnusable
from reward_server.verifiers.code.compile_step import compile_limits
from reward_server.verifiers.code.config import SandboxConfig
from reward_server.verifiers.code.container import SandboxDied
from reward_server.verifiers.code.extract import PARSE_LOCK, extract_code, syntax_error
from reward_server.verifiers.code.images import image_tag, missing_images
from reward_server.verifiers.code.io_options import validate_io_options
from reward_server.verifiers.code.pool import LanguagePool
from reward_server.verifiers.code.runtimes import Runtime, load_runtimes
from reward_server.verifiers.code.session import Context, Job, count_tests, judge_completion
from reward_server.verifiers.code.valuecodec_loader import CODEC_DIR, valuecodec

log = logging.getLogger(__name__)
BUILD_COMMAND = "python -m reward_server.verifiers.code.build"
INLINE_PREPARE_CHARS = 4096


def _connect(config: SandboxConfig) -> docker.DockerClient:
    try:
        # from_env either way, so DOCKER_TLS_VERIFY / DOCKER_CERT_PATH apply to a remote
        # engine given by --docker-host as they do to one given by DOCKER_HOST.
        environment = dict(os.environ)
        if config.docker_host:
            environment["DOCKER_HOST"] = config.docker_host
        client = docker.from_env(environment=environment)
        client.ping()
        return client
    except docker.errors.DockerException as exc:
        where = config.docker_host or "the default socket / DOCKER_HOST"
        raise RuntimeError(
            f"no Docker engine reachable at {where} ({exc}); install and start "
            "one with scripts/install_docker.sh"
        ) from exc


class CodeVerifier:
    kind = "code"

    def __init__(
        self,
        config: SandboxConfig,
        client: docker.DockerClient,
        runtimes: dict[str, Runtime],
        owner: str,
        on_event: Callable[[str, int], None] | None = None,
    ) -> None:
        self.config, self._client, self._runtimes, self.owner = config, client, runtimes, owner
        self._on_event = on_event or (lambda event, n: None)
        self._images = {name: image_tag(rt) for name, rt in runtimes.items()}
        n = config.pool_size * len(runtimes)
        self._runs = ThreadPoolExecutor(max_workers=n, thread_name_prefix="sandbox-run")
        self._lifecycle = ThreadPoolExecutor(max_workers=4, thread_name_prefix="sandbox-life")
        self._pools: dict[str, LanguagePool] = {}
        self._judges = JudgePool(CODEC_DIR, config.judge_memory_mb)
        # Checkers get containers of their own, never one of the pools' (see checkers.py).
        self._checkers = CheckerCache(
            runtimes,
            config,
            lambda lang: container.create(client, self._images[lang], lang, config, owner),
            container.destroy,
            self._lifecycle,
        )
        self._reaper: asyncio.Task | None = None
        self._installed: dict[str, str] = {}  # toolchain versions the images report

    @classmethod
    async def start(
        cls, config: SandboxConfig, on_event: Callable[[str, int], None] | None = None
    ) -> CodeVerifier:
        """Connects, reaps leftovers of crashed servers, ensures images, warms the pools.
        `on_event(event, n)` counts the faults handled (dead_idle, rejudged, reaped)."""
        client = await asyncio.to_thread(_connect, config)
        if config.runtime != "runc":
            info = await asyncio.to_thread(client.info)
            if config.runtime not in info.get("Runtimes", {}):
                raise RuntimeError(
                    f"runtime {config.runtime!r} is not registered with dockerd "
                    f"(have {sorted(info.get('Runtimes', {}))}); see "
                    "scripts/install_docker.sh"
                )
        runtimes = load_runtimes(config.sandboxes_dir, config.languages)
        reaped = await asyncio.to_thread(owners.reap_leftovers, client)
        if reaped:
            log.info("removed %d containers left by a crashed server", reaped)
        missing = await asyncio.to_thread(missing_images, client, runtimes)
        if missing and not config.build_missing_images:
            raise RuntimeError(
                f"sandbox images {missing} are missing; build them with `{BUILD_COMMAND}`"
            )
        if missing:
            await asyncio.to_thread(build_all, client, runtimes)
        self = cls(config, client, runtimes, owners.new_owner_id(), on_event)
        if reaped:
            self._on_event("reaped", reaped)
        try:
            for name in runtimes:
                self._pools[name] = LanguagePool(
                    client,
                    name,
                    self._images[name],
                    config,
                    self.owner,
                    self._lifecycle,
                    on_dead_idle=lambda: self._on_event("dead_idle", 1),
                )
            await asyncio.gather(
                *(p.start() for p in self._pools.values()),
                asyncio.to_thread(self._judges.warm, config.pool_size),
            )
            found = await asyncio.gather(
                *(
                    toolchain.probe(self._pools[n], rt, config, self._judges)
                    for n, rt in runtimes.items()
                )
            )
            self._installed = dict(zip(runtimes, found, strict=True))
        except BaseException:
            await self.close()
            raise
        if config.reap_interval_s > 0:
            self._reaper = asyncio.get_running_loop().create_task(self._reap_forever())
        return self

    async def _reap_forever(self) -> None:
        """Removes what dead servers on this host left (a replica killed with SIGKILL
        cannot clean up); live servers' containers are never touched."""
        while True:
            await asyncio.sleep(self.config.reap_interval_s)
            try:
                reaped = await asyncio.to_thread(owners.reap_leftovers, self._client)
            except Exception as exc:  # the engine may be restarting: try at the next sweep
                log.warning("could not sweep for leftover containers: %s", exc)
                continue
            if reaped:
                log.info("removed %d containers left by a dead server", reaped)
                self._on_event("reaped", reaped)

    def languages(self) -> list[tuple[str, str, str]]:
        """(name, toolchain, image) of each language; the toolchain as runtime.json
        describes it, with the version the image reported at start."""
        return [
            (n, _version(rt.version, self._installed.get(n, "")), self._images[n])
            for n, rt in self._runtimes.items()
        ]

    def describe(self, info: reward_pb2.ServerInfo) -> None:
        """GetServerInfo: the code kind, each language with its toolchain, image, test
        kinds and compile limits (0 for languages that do not compile), the test limits."""
        info.verifiers.append(self.kind)
        for name, version, image in self.languages():
            rt = self._runtimes[name]
            seconds, mib = compile_limits(rt, self.config) if rt.compile else (0.0, 0)
            info.languages.append(name)
            info.language_info.add(
                name=name,
                version=version,
                image=image,
                test_kinds=rt.test_kinds,
                compile_time_limit_s=seconds,
                compile_memory_mb=mib,
                fence_tags=rt.fence_tags,
            )
        info.limits.default_time_limit_s = self.config.default_time_limit_s
        info.limits.max_time_limit_s = self.config.max_time_limit_s
        info.limits.default_memory_mb = self.config.default_memory_mb
        info.limits.max_memory_mb = self.config.max_memory_mb

    def validate(self, task: reward_pb2.CodeTask) -> None:
        """Raises UnusableTask (a ValueError) saying what is wrong with a task this
        verifier cannot judge."""
        rt = self._runtimes.get(task.language)
        if rt is None:
            raise UnusableTask(
                f"unknown language {quote(task.language)}; valid: {sorted(self._runtimes)}"
            )
        kind = task.WhichOneof("tests")
        if kind is None:
            raise UnusableTask("the code task has no tests (set io, function or asserts)")
        if kind not in rt.test_kinds:
            able = sorted(n for n, r in self._runtimes.items() if kind in r.test_kinds)
            raise UnusableTask(
                f"{task.language} supports {' and '.join(rt.test_kinds)} tests, not {kind} "
                f"tests; this server runs {kind} tests for: {', '.join(able) or 'no language'}"
            )
        _validate_tests(task, kind)
        if kind == "io":
            validate_io_options(task.io, self._runtimes)
        lim = task.limits
        if not 0 <= lim.time_limit_s <= self.config.max_time_limit_s:
            raise UnusableTask(
                f"limits.time_limit_s={lim.time_limit_s} must be in [0, "
                f"{self.config.max_time_limit_s}] (0 = default)"
            )
        if lim.memory_mb and not 16 <= lim.memory_mb <= self.config.max_memory_mb:
            raise UnusableTask(
                f"limits.memory_mb={lim.memory_mb} must be in [16, "
                f"{self.config.max_memory_mb}] (0 = default)"
            )

    async def score(
        self, task: reward_pb2.CodeTask, completions: list[str], pair: ReasoningPair | None = None
    ) -> list[Outcome]:
        """One Outcome per completion, in order. Raises UnusableTask only for a bad task.
        `pair`: the group's own reasoning tags (None: the known templates)."""
        self.validate(task)
        rt = self._runtimes[task.language]
        time_limit = task.limits.time_limit_s or self.config.default_time_limit_s
        memory_mb = task.limits.memory_mb or self.config.default_memory_mb
        total = count_tests(task)
        checker = None
        if task.WhichOneof("tests") == "io" and task.io.HasField("checker"):
            try:
                checker = await self._checkers.lease(
                    task.io.checker.language, task.io.checker.source
                )
            except CheckerUnusable as exc:
                raise UnusableTask(f"io.checker: {exc}") from None
            except Exception as exc:  # no container for it: this group cannot be judged now
                log.warning("could not start a checker: %s", exc)
                outcome = Outcome.infra_error(f"could not start the task's checker: {exc}")
                return [_with_tests(task, outcome, total) for _ in completions]
        try:
            jobs = [
                self._score_one(rt, task, text, time_limit, memory_mb, total, pair, checker)
                for text in completions
            ]
            return list(await asyncio.gather(*jobs))
        finally:
            if checker is not None:
                self._checkers.release(checker)

    async def _score_one(
        self,
        rt: Runtime,
        task: reward_pb2.CodeTask,
        text: str,
        time_limit: float,
        memory_mb: int,
        total: int,
        pair: ReasoningPair | None,
        checker: Checker | None = None,
    ) -> Outcome:
        # Parsing a long completion is CPU work: keep it off the event loop. A short one
        # parses in well under a millisecond, less than the thread hand-off would cost.
        if len(text) <= INLINE_PREPARE_CHARS:
            code, err = _prepare(rt, text, pair)
        else:
            code, err = await asyncio.to_thread(_prepare, rt, text, pair)
        if code is None:
            detail = f"no {rt.name} code block in the answer"
            return _with_tests(task, Outcome(Verdict.NO_ANSWER, detail=detail), total)
        if err:
            outcome = Outcome(Verdict.COMPILE_ERROR, extracted_answer=code, detail=err)
            return _with_tests(task, outcome, total)
        job = Job(
            code=code,
            task=task,
            time_limit_s=time_limit,
            memory_mb=memory_mb,
            tests_total=total,
            checker=checker,
        )
        for attempt in range(self.config.infra_retries + 1):
            outcome, died = await self._judge_in_container(rt, job)
            if not died:
                break
            log.info("sandbox died under a %s run (attempt %d): %s", rt.name, attempt + 1, died)
            if attempt < self.config.infra_retries:
                self._on_event("rejudged", 1)
        outcome.extracted_answer = code
        return _with_tests(task, outcome, total)

    async def _judge_in_container(self, rt: Runtime, job: Job) -> tuple[Outcome, str | None]:
        """One judging in one warm container. Also returns why the container died under
        the run (then the outcome is INFRA_ERROR and worth one more try elsewhere)."""
        pool = self._pools[rt.name]
        try:
            box = await pool.acquire()
        except (TimeoutError, asyncio.TimeoutError, RuntimeError) as exc:
            return Outcome.infra_error(f"no {rt.name} sandbox became free: {exc}"), None
        ctx = Context(box=box, runtime=rt, config=self.config, judges=self._judges)
        future = asyncio.get_running_loop().run_in_executor(self._runs, _judge_safely, ctx, job)
        try:
            outcome = await asyncio.shield(future)
        except asyncio.CancelledError:
            # The thread still uses the container: return it only when the thread is done.
            future.add_done_callback(lambda _f: pool.release(box))
            raise
        pool.release(box)
        died = box.broken if outcome.verdict == Verdict.INFRA_ERROR else None
        return outcome, died

    async def close(self) -> None:
        """Removes every container this verifier created and stops its judge processes."""
        if self._reaper is not None:
            self._reaper.cancel()
        await asyncio.gather(*(p.close() for p in self._pools.values()), return_exceptions=True)
        await self._checkers.close()
        leftovers = await asyncio.to_thread(owners.list_managed, self._client, self.owner)
        for c in leftovers:  # anything a pool lost track of (e.g. a create racing close)
            await asyncio.to_thread(owners.remove, c)
        await asyncio.to_thread(self._judges.close)
        self._runs.shutdown(wait=False, cancel_futures=True)
        self._lifecycle.shutdown(wait=False, cancel_futures=True)


def _version(described: str, installed: str) -> str:
    return f"{described}; installed: {installed}" if installed else described


def _prepare(rt: Runtime, text: str, pair: ReasoningPair | None) -> tuple[str | None, str | None]:
    """The code to run and, when the language names a syntax check the server can run,
    its syntax error (judged without a container)."""
    code = extract_code(text, rt.name, rt.fence_tags, pair, rt.looks_like, rt.syntax_check)
    if code is None:
        return None, None
    return code, syntax_error(code, rt.syntax_check)


def _judge_safely(ctx: Context, job: Job) -> Outcome:
    """Maps sandbox failures to INFRA_ERROR (or MEMORY_LIMIT when the kernel OOM-killed)."""
    try:
        return judge_completion(ctx, job)
    except SandboxDied as exc:
        ctx.box.broken = str(exc)
        if exc.oom:
            return Outcome(Verdict.MEMORY_LIMIT, detail="the container ran out of memory")
        return Outcome.infra_error(f"sandbox failure: {exc}")
    except Exception as exc:  # never let one completion fail the group
        ctx.box.broken = f"{type(exc).__name__}: {exc}"
        log.exception("sandbox error")
        return Outcome.infra_error(f"sandbox error: {type(exc).__name__}: {exc}")


def _with_tests(task: reward_pb2.CodeTask, outcome: Outcome, total: int) -> Outcome:
    """The outcome with its test count and, when the task asks for per-test results and
    none were run (no code, a syntax error, an infrastructure failure), each test as not
    run."""
    outcome.tests_total = total
    if task.report_tests and not outcome.tests:
        why = f"{outcome.verdict.name}: {outcome.detail}"[:300]
        outcome.tests = [verdicts.not_run(why)] * total
    return outcome


def _validate_tests(task: reward_pb2.CodeTask, kind: str) -> None:
    if kind == "io":
        if not task.io.cases:
            raise UnusableTask("io tests need at least one case")
        return
    if kind == "function":
        spec = task.function
        if not spec.entry_point.isidentifier():
            raise UnusableTask(f"function.entry_point {quote(spec.entry_point)} is not a name")
        if not spec.cases:
            raise UnusableTask("function tests need at least one case")
        for i, case in enumerate(spec.cases):
            try:  # tagged objects ({"$": "dict", ...}) and long ints included, see valuecodec
                args = valuecodec.loads_json(case.args_json)
                valuecodec.loads_json(case.expected_json)
            except (ValueError, TypeError, RecursionError) as exc:
                raise UnusableTask(f"function.cases[{i}]: bad JSON ({exc})") from None
            if not isinstance(args, list):
                raise UnusableTask(f"function.cases[{i}].args_json must be a JSON array")
        return
    spec = task.asserts
    if not spec.entry_point.isidentifier():
        raise UnusableTask(f"asserts.entry_point {quote(spec.entry_point)} is not a name")
    try:
        with PARSE_LOCK:
            kinds = step_kinds(spec.test_code)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise UnusableTask(f"asserts.test_code does not parse: {exc}") from None
    if "test" not in kinds:
        raise UnusableTask(
            "asserts.test_code must define check(candidate) or hold top-level assert statements"
        )
