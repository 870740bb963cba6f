#!/usr/bin/env bash
# Prepares the offline build of the compose stack (docker-compose.yml, docs/deployment.md;
# `make compose` runs it, then `docker-compose build` and `up`). With a registry and PyPI
# reachable none of this is needed: `docker-compose up` builds on python:3.11-slim.
#
#   1. the sandbox images exist on the engine (python -m reward_server.verifiers.code.build; it
#      skips tags that exist, and builds offline from a debootstrapped Debian as root);
#   2. BASE_IMAGE for deploy/Dockerfile: $BASE_IMAGE when set; else the debootstrapped
#      Debian base of the python sandbox when the engine has it and has no python:3.11-slim
#      (no registry needed); else python:3.11-slim (pulled by the build);
#   3. build/wheelhouse: wheels of every dependency (deploy/requirements.py: the server and
#      train extras, torch pinned to 2.13.0, the CPU build) made with the host's pip, so
#      the image build never touches the network; skipped when its requirements have not
#      changed. The build context is the repository (.dockerignore), wheelhouse included;
#   4. .env: BASE_IMAGE and BUILD_NETWORK=none for compose (other lines in .env are kept).
#
# Idempotent and quick on a second run. The image copies the source at build time: run
# `docker-compose build` again after changing it.
#
#   scripts/compose_prepare.sh
#   BASE_IMAGE=python:3.11-slim scripts/compose_prepare.sh   # force the registry base
#   PYTHON=/path/to/python scripts/compose_prepare.sh        # default .venv/bin/python
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
SLIM=python:3.11-slim
WHEELS=build/wheelhouse
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
"$PYTHON" deploy/requirements.py pyproject.toml > "$WHEELS/requirements.txt.new"
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

rm -rf build/compose  # the staged build context of earlier versions

touch .env
grep -v -e '^BASE_IMAGE=' -e '^BUILD_NETWORK=' .env > .env.new || true
printf 'BASE_IMAGE=%s\nBUILD_NETWORK=none\n' "$BASE_IMAGE" >> .env.new
mv .env.new .env
step "wrote .env (BASE_IMAGE, BUILD_NETWORK=none); next: docker-compose build &&" \
    "docker-compose up --abort-on-container-exit --exit-code-from trainer"
