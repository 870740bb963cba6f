"""Builds missing sandbox images: `python -m reward_server.verifiers.code.build [...]`.

By default every language folder under in_sandbox/ (each with a runtime.json) is built;
`--languages python,cpp` builds only those. Idempotent: an image whose content-hashed tag
exists is skipped. Up to three languages build in parallel (debootstrap is mostly download
and unpack). Steps that
download (debootstrap, docker import, docker build) are retried on failure (images.py);
a build that still fails exits 1 naming the image, the step and its last output lines.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import docker

from reward_server.verifiers.code.config import DEFAULT_SANDBOXES_DIR
from reward_server.verifiers.code.images import (
    ImageBuildError,
    build_image,
    default_base_source,
    image_tag,
)
from reward_server.verifiers.code.runtimes import Runtime, available_languages, load_runtimes


def build_all(
    client: docker.DockerClient, runtimes: dict[str, Runtime], base_source: str | None = None
) -> dict[str, str]:
    source = base_source or default_base_source()
    with ThreadPoolExecutor(max_workers=min(len(runtimes), 3)) as ex:
        futures = {n: ex.submit(build_image, client, rt, source) for n, rt in runtimes.items()}
        return {n: f.result() for n, f in futures.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--languages",
        default="all",
        help="comma-separated language folders, or 'all' (the default): every folder",
    )
    parser.add_argument("--sandboxes-dir", default=DEFAULT_SANDBOXES_DIR)
    parser.add_argument(
        "--base-source",
        choices=["debootstrap", "registry"],
        default=None,
        help="debootstrap (offline, needs root) or registry (FROM slim "
        "images); default: debootstrap when available",
    )
    parser.add_argument("--docker-host", default=None)
    parser.add_argument("--print-tags", action="store_true", help="print tags and exit")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    names = [n.strip() for n in args.languages.split(",") if n.strip()]
    if names == ["all"]:
        names = available_languages(args.sandboxes_dir)
    runtimes = load_runtimes(args.sandboxes_dir, tuple(names))
    if args.print_tags:
        for rt in runtimes.values():
            print(image_tag(rt))
        return 0
    environment = dict(os.environ)  # DOCKER_TLS_VERIFY / DOCKER_CERT_PATH apply as well
    if args.docker_host:
        environment["DOCKER_HOST"] = args.docker_host
    client = docker.from_env(environment=environment)
    t0 = time.monotonic()
    try:
        tags = build_all(client, runtimes, args.base_source)
    except ImageBuildError as exc:
        print(f"sandbox images: {exc}", file=sys.stderr)
        return 1
    for name, tag in tags.items():
        print(f"{name}: {tag}")
    print(f"sandbox images ready in {time.monotonic() - t0:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
