"""Sandbox images: content-hashed tags, and building them with or without a registry.

A language image is tagged `reward-sandbox-<name>:<hash>` where the hash covers the
language folder and in_sandbox/common, so a changed runner gets a new tag and is rebuilt.
Without a registry (base_source="debootstrap") the base is a minimal Debian root made by
`debootstrap --variant=minbase --include=<runtime.json debootstrap_include>` from the
mirror apt uses, imported with `docker import`; the Dockerfile gets it via ARG BASE.
"""

from __future__ import annotations

import datetime
import hashlib
import logging
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import docker
import docker.errors

from reward_server.verifiers.code.runtimes import Runtime

log = logging.getLogger(__name__)
T = TypeVar("T")

SUITE = "bookworm"
DEBS_CACHE = Path("/var/cache/reward-sandbox/debs")
TRIM = (
    "usr/share/doc",
    "usr/share/man",
    "usr/share/info",
    "usr/share/locale",
    "var/cache/apt",
    "var/lib/apt/lists",
)


# Mirror hiccups (a 503, a reset connection, a truncated .deb) fail a build now and then:
# every step that downloads is tried this many times, backoff_s, then twice that, apart.
STEP_ATTEMPTS = 3
STEP_BACKOFF_S = 5.0
OUTPUT_LINES = 20  # of the failing step's output, in the final error


class StepFailed(Exception):
    """One try of a build step failed; `output` is what it printed."""

    def __init__(self, why: str, output: str = "") -> None:
        super().__init__(why)
        self.why, self.output = why, output


class ImageBuildError(RuntimeError):
    """A build step still failed after its last try."""


def last_lines(text: str, n: int = OUTPUT_LINES) -> str:
    return "\n".join(text.rstrip().splitlines()[-n:])


def run_step(cmd: list[str]) -> str:
    """Runs one command of a build; its combined output, or StepFailed when it fails."""
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if proc.returncode != 0:
        raise StepFailed(f"{cmd[0]} exited with {proc.returncode}", proc.stdout)
    return proc.stdout


def with_retries(
    step: Callable[[], T],
    image: str,
    what: str,
    attempts: int = STEP_ATTEMPTS,
    backoff_s: float = STEP_BACKOFF_S,
) -> T:
    """`step()`, tried up to `attempts` times while it raises StepFailed; then an
    ImageBuildError naming the image, the step, why and its last output lines."""
    for attempt in range(1, attempts + 1):
        try:
            return step()
        except StepFailed as exc:
            if attempt == attempts:
                raise ImageBuildError(
                    f"building {image}: {what} failed {attempts} times; last: {exc.why}\n"
                    f"last output lines:\n{last_lines(exc.output)}"
                ) from exc
            delay = backoff_s * 2 ** (attempt - 1)
            log.warning(
                "building %s: %s failed (try %d of %d: %s); retrying in %.0fs",
                image, what, attempt, attempts, exc.why, delay,
            )  # fmt: skip
            time.sleep(delay)
    raise AssertionError("unreachable")


def docker_step(call: Callable[[], T]) -> T:
    """A Docker API call of a build, its failures as StepFailed (with the build log)."""
    try:
        return call()
    except docker.errors.BuildError as exc:
        lines = [str(c.get("stream") or c.get("error") or "") for c in exc.build_log]
        raise StepFailed(f"docker build: {exc.msg}", "".join(lines)) from exc
    except docker.errors.APIError as exc:
        raise StepFailed(f"docker: {exc.explanation or exc}") from exc


def _hash_files(paths: list[Path], root: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(paths):
        h.update(str(p.relative_to(root)).encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest()[:12]


def image_tag(runtime: Runtime) -> str:
    root = runtime.folder.parent
    files = [
        p
        for d in (runtime.folder, root / "common")
        for p in d.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    ]
    return f"reward-sandbox-{runtime.name}:{_hash_files(files, root)}"


def apt_mirror() -> str:
    """The Debian mirror apt is configured with (deb822 or one-line sources)."""
    sources = [Path("/etc/apt/sources.list"), *sorted(Path("/etc/apt/sources.list.d").glob("*"))]
    for path in sources:
        if not path.is_file() or path.suffix not in (".list", ".sources", ""):
            continue
        text = path.read_text(errors="replace")
        for m in re.finditer(r"^(?:URIs:\s*|deb\s+(?:\[[^\]]*\]\s+)?)(\S+)", text, re.M):
            uri = m.group(1)
            if "security" not in uri and "debian" in uri:
                return uri
    return "http://deb.debian.org/debian"


def base_tag(runtime: Runtime, mirror: str) -> str:
    key = "\n".join([SUITE, mirror, *sorted(runtime.debootstrap_include)]).encode()
    return f"reward-sandbox-base-{runtime.name}:{hashlib.sha256(key).hexdigest()[:12]}"


def image_exists(client: docker.DockerClient, tag: str) -> bool:
    try:
        client.images.get(tag)
        return True
    except docker.errors.ImageNotFound:
        return False


def build_debootstrap_base(client: docker.DockerClient, runtime: Runtime) -> str:
    """Bootstraps and imports the offline base for one language; skips an existing one."""
    mirror = apt_mirror()
    tag = base_tag(runtime, mirror)
    if image_exists(client, tag):
        return tag
    if shutil.which("debootstrap") is None:
        raise RuntimeError("debootstrap is not installed: apt-get install -y debootstrap")
    DEBS_CACHE.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=f"rs-base-{runtime.name}-") as tmp:
        root = Path(tmp) / "root"
        cmd = ["debootstrap", "--variant=minbase", f"--cache-dir={DEBS_CACHE}"]
        if runtime.debootstrap_include:
            cmd.append("--include=" + ",".join(runtime.debootstrap_include))
        cmd += [SUITE, str(root), mirror]

        def bootstrap() -> str:
            shutil.rmtree(root, ignore_errors=True)  # a failed try leaves a partial root
            return run_step(cmd)

        with_retries(bootstrap, tag, "debootstrap")
        for rel in TRIM:  # documentation and apt indexes: dead weight in a sandbox
            shutil.rmtree(root / rel, ignore_errors=True)
        tar = Path(tmp) / "root.tar"
        subprocess.run(
            ["tar", "-C", str(root), "--numeric-owner", "-cf", str(tar), "."], check=True
        )
        repo, version = tag.split(":")
        with_retries(
            lambda: docker_step(
                lambda: client.api.import_image_from_file(str(tar), repository=repo, tag=version)
            ),
            tag,
            "docker import",
        )
    log.info("built base %s in %.0fs", tag, time.monotonic() - t0)
    return tag


def build_image(client: docker.DockerClient, runtime: Runtime, base_source: str) -> str:
    """Builds the language image unless its content-hashed tag already exists."""
    tag = image_tag(runtime)
    if image_exists(client, tag):
        return tag
    if base_source == "debootstrap":
        base, network = build_debootstrap_base(client, runtime), "none"
    elif base_source == "registry":
        base, network = runtime.default_base, None
    else:
        raise ValueError(f"base_source={base_source!r}; valid: ['debootstrap', 'registry']")
    t0 = time.monotonic()
    with_retries(
        lambda: docker_step(
            lambda: client.images.build(
                path=str(runtime.folder.parent),
                dockerfile=f"{runtime.name}/Dockerfile",
                tag=tag,
                buildargs={"BASE": base},
                rm=True,
                forcerm=True,
                pull=False,
                network_mode=network,
            )
        ),
        tag,
        "docker build",
    )
    log.info("built %s in %.0fs", tag, time.monotonic() - t0)
    removed = remove_superseded(client, tag)
    if removed:
        log.info("removed superseded images %s", removed)
    return tag


# A superseded build younger than this is kept: another server of the previous version
# may still be running on this engine (a rolling restart) and create containers from it
# at any moment, even while none of its containers exists.
SUPERSEDED_GRACE_S = 3600.0


def remove_superseded(
    client: docker.DockerClient, tag: str, min_age_s: float = SUPERSEDED_GRACE_S
) -> list[str]:
    """Removes the other tags of `tag`'s repository (older builds of the same language)
    whose image no container uses and that were built more than `min_age_s` ago."""
    repo = tag.rsplit(":", 1)[0]
    used = {c.attrs.get("Image") for c in client.containers.list(all=True, ignore_removed=True)}
    used.add(client.images.get(tag).id)  # other names of the new build stay
    removed = []
    for image in client.images.list(name=repo):
        if image.id in used or _age_s(image) < min_age_s:
            continue
        for old in image.tags:
            if old == tag or old.rsplit(":", 1)[0] != repo:
                continue
            try:
                client.images.remove(old)
                removed.append(old)
            except docker.errors.APIError as exc:  # e.g. a container started from it since
                log.warning("kept superseded image %s: %s", old, exc)
    return removed


def _age_s(image: object) -> float:
    created = str(image.attrs.get("Created", ""))  # "2026-11-24T11:11:00.123456789Z"
    try:
        stamp = datetime.datetime.fromisoformat(created.rstrip("Z").split(".")[0])
    except ValueError:
        return 0.0  # unknown: treat as new, keep it
    now = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)
    return (now - stamp).total_seconds()


def default_base_source() -> str:
    """Offline (debootstrap) when it can run here, else the registry's slim images."""
    if shutil.which("debootstrap") and os.geteuid() == 0:
        return "debootstrap"
    return "registry"


def missing_images(client: docker.DockerClient, runtimes: dict[str, Runtime]) -> list[str]:
    return [image_tag(rt) for rt in runtimes.values() if not image_exists(client, image_tag(rt))]
