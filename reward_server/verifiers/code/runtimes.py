"""Languages as data: each in_sandbox/<name>/runtime.json describes how to build and run it."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path


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


def load_runtime(folder: Path) -> Runtime:
    spec = json.loads((folder / "runtime.json").read_text())
    return Runtime(
        name=spec["name"],
        version=spec["version"],
        folder=folder,
        fence_tags=tuple(spec["fence_tags"]),
        source_file=spec["source_file"],
        compile=tuple(spec["compile"]) if spec.get("compile") else None,
        run=tuple(spec["run"]),
        serve=tuple(spec["serve"]) if spec.get("serve") else None,
        zygote=tuple(spec["zygote"]) if spec.get("zygote") else None,
        test_kinds=tuple(spec["test_kinds"]),
        stack_mb=int(spec.get("stack_mb", 8)),
        env=dict(spec.get("env", {})),
        packages=tuple(spec.get("packages", ())),
        default_base=spec["default_base"],
        debootstrap_include=tuple(spec.get("debootstrap_include", ())),
    )


def load_runtimes(sandboxes_dir: str | Path, names: tuple[str, ...]) -> dict[str, Runtime]:
    """Loads the named languages; an unknown name fails with the list of valid ones."""
    root = Path(sandboxes_dir)
    available = sorted(p.parent.name for p in root.glob("*/runtime.json"))
    unknown = [n for n in names if n not in available]
    if unknown:
        raise ValueError(f"unknown sandbox language(s) {unknown}; valid: {available}")
    return {n: load_runtime(root / n) for n in names}
