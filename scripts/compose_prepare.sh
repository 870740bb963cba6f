#!/usr/bin/env bash
# Prepares `docker-compose build` / `up` (docker-compose.yml, docs/deployment.md):
#
#   1. the sandbox images exist on the engine (python -m reward_server.verifiers.code.build; it
#      skips tags that exist, and builds offline from a debootstrapped Debian as root);
#   2. BASE_IMAGE for deploy/Dockerfile: $BASE_IMAGE when set; else the debootstrapped
#      Debian base of the python sandbox when the engine has it and has no python:3.11-slim
#      (no registry needed); else python:3.11-slim (pulled by the build);
#   3. build/wheelhouse: wheels of every dependency (the server and train extras, torch
#      pinned to 2.13.0, the CPU build) made with the host's pip, so the image build never
#      touches the network; skipped when its requirements have not changed;
#   4. build/compose: the build context (the project's source files, the Dockerfile and
#      the wheelhouse as hard links), so the build never uploads .venv or runs/;
#   5. .env: BASE_IMAGE for compose (other lines in .env are kept).
#
# Idempotent and quick on a second run. Run it again after changing the source, then
# `docker-compose build`.
#
#   scripts/compose_prepare.sh
#   BASE_IMAGE=python:3.11-slim scripts/compose_prepare.sh   # force the registry base
#   PYTHON=/path/to/python scripts/compose_prepare.sh        # default .venv/bin/python
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
SLIM=python:3.11-slim
WHEELS=build/wheelhouse
CONTEXT=build/compose
START=$(date +%s)
step() { echo "[compose_prepare +$(( $(date +%s) - START ))s] $*"; }

if [ ! -x "$PYTHON" ]; then
    echo "no Python at $PYTHON: run 'make install' first or set PYTHON" >&2
    exit 1
fi
if ! docker info >/dev/null 2>&1; then
    echo "no Docker engine answers 'docker info': run scripts/install_docker.sh (as root)" >&2
    exit 1
fi

step "sandbox images (existing tags are skipped)"
"$PYTHON" -m reward_server.verifiers.code.build

if [ -z "${BASE_IMAGE:-}" ]; then
    debian_base=$("$PYTHON" - <<'EOF'
from reward_server.verifiers.code.config import DEFAULT_SANDBOXES_DIR
from reward_server.verifiers.code.images import apt_mirror, base_tag
from reward_server.verifiers.code.runtimes import load_runtimes

print(base_tag(load_runtimes(DEFAULT_SANDBOXES_DIR, ("python",))["python"], apt_mirror()))
EOF
)
    if docker image inspect "$debian_base" >/dev/null 2>&1 \
        && ! docker image inspect "$SLIM" >/dev/null 2>&1; then
        BASE_IMAGE=$debian_base
    else
        BASE_IMAGE=$SLIM
    fi
fi
step "BASE_IMAGE=$BASE_IMAGE"

# The wheels must match the image's Python: check it when the base is already local.
host_py=$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
if docker image inspect "$BASE_IMAGE" >/dev/null 2>&1; then
    image_py=$(docker run --rm --network none --entrypoint python3 "$BASE_IMAGE" \
        -c 'import sys; print("%d.%d" % sys.version_info[:2])')
else
    image_py=3.11  # python:3.11-slim, pulled by the build
fi
if [ "$host_py" != "$image_py" ]; then
    echo "the host's Python is $host_py but $BASE_IMAGE has $image_py: the wheelhouse is" \
        "built with the host's pip, so use a Python $image_py (PYTHON=...)" >&2
    exit 1
fi

mkdir -p "$WHEELS"
# The requirements: the project's dependencies and its server and train extras, read from
# pyproject.toml (the project itself, which extras name, comes from src), plus what pip
# needs to install the project from source.
"$PYTHON" - "$WHEELS/requirements.txt.new" <<'EOF'
import sys
import tomllib

project = tomllib.load(open("pyproject.toml", "rb"))["project"]
extras = project["optional-dependencies"]
reqs = [*project["dependencies"], *extras["server"], *extras["train"]]
reqs = [r for r in reqs if not r.replace("_", "-").startswith(project["name"])]
if not any(r.replace(" ", "").startswith("torch==2.13.0") for r in reqs):
    reqs.append("torch==2.13.0")  # the CPU build on local disk; a bare torch pulls CUDA
reqs += ["pip", "setuptools>=77", "wheel"]
with open(sys.argv[1], "w") as f:
    f.write("".join(r + "\n" for r in reqs))
EOF
mv "$WHEELS/requirements.txt.new" "$WHEELS/requirements.txt"
stamp=$( (cat "$WHEELS/requirements.txt"; echo "python $host_py") | sha256sum | cut -c1-16)
if [ "$(cat "$WHEELS/.stamp" 2>/dev/null)" = "$stamp" ]; then
    step "wheelhouse up to date ($(find "$WHEELS" -name '*.whl' | wc -l) wheels)"
else
    step "building the wheelhouse in $WHEELS (host pip; wheels already there are reused)"
    # (pip's notes about extra index folders that do not exist on this host are dropped)
    "$PYTHON" -m pip wheel --quiet --prefer-binary --wheel-dir "$WHEELS" \
        --find-links "$WHEELS" -r "$WHEELS/requirements.txt" \
        2> >(grep -v "^WARNING: Location 'file:.*neither a file nor a directory" >&2)
    echo "$stamp" > "$WHEELS/.stamp"
    step "wheelhouse ready ($(find "$WHEELS" -name '*.whl' | wc -l) wheels," \
        "$(du -sh "$WHEELS" | cut -f1))"
fi

step "build context in $CONTEXT"
rm -rf "$CONTEXT.new"
mkdir -p "$CONTEXT.new/src"
sources=(pyproject.toml README.md proto reward_server trainer_client)
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    # Tracked and new files, not ignored ones (no __pycache__, no egg-info).
    git ls-files -z --cached --others --exclude-standard -- "${sources[@]}" \
        | while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done \
        | tar --null -T - -cf - | tar -C "$CONTEXT.new/src" -xf -
else
    tar --exclude=__pycache__ --exclude='*.egg-info' -cf - "${sources[@]}" \
        | tar -C "$CONTEXT.new/src" -xf -
fi
cp deploy/Dockerfile "$CONTEXT.new/Dockerfile"
cp -al "$WHEELS" "$CONTEXT.new/wheels" 2>/dev/null || cp -a "$WHEELS" "$CONTEXT.new/wheels"
rm -f "$CONTEXT.new/wheels/.stamp"
rm -rf "$CONTEXT"
mv "$CONTEXT.new" "$CONTEXT"

touch .env
grep -v '^BASE_IMAGE=' .env > .env.new || true
echo "BASE_IMAGE=$BASE_IMAGE" >> .env.new
mv .env.new .env
step "wrote .env (BASE_IMAGE); next: docker-compose build && docker-compose up" \
    "--abort-on-container-exit --exit-code-from trainer"
