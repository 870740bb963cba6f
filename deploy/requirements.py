"""The project image's Python requirements, one a line, from pyproject.toml: the
dependencies and the server and train extras (the project itself, which the extras name,
is installed from source), torch pinned to 2.13.0, and what pip needs to install the
project from source. Used by scripts/compose_prepare.sh (the offline wheelhouse) and by
deploy/Dockerfile (the online build).

    python3 deploy/requirements.py [pyproject.toml] > requirements.txt
"""

from __future__ import annotations

import sys

import tomllib

TORCH = "torch==2.13.0"  # the CPU build on local disk or PyTorch's CPU index; not bare torch


def requirements(pyproject: str) -> list[str]:
    with open(pyproject, "rb") as f:
        project = tomllib.load(f)["project"]
    extras = project["optional-dependencies"]
    reqs = [*project["dependencies"], *extras["server"], *extras["train"]]
    reqs = [r for r in reqs if not r.replace("_", "-").startswith(project["name"])]
    if not any(r.replace(" ", "").startswith(TORCH) for r in reqs):
        reqs.append(TORCH)
    return [*reqs, "pip", "setuptools>=77", "wheel"]


if __name__ == "__main__":
    print("\n".join(requirements(sys.argv[1] if len(sys.argv) > 1 else "pyproject.toml")))
