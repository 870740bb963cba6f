#!/usr/bin/env bash
# Installs and starts a Docker engine (and docker-compose) on a fresh Debian machine (run
# as root), then builds the sandbox images offline. Idempotent: every step is skipped when
# already done.
#
#   scripts/install_docker.sh            # engine + images
#   PYTHON=.venv/bin/python scripts/install_docker.sh
#
# gVisor: Debian bookworm ships `runsc` (a 2022 snapshot); it is installed when apt has
# it and registered in /etc/docker/daemon.json (other settings there are kept) as runtime
# "runsc" (--platform=ptrace --network=none). A dockerd already running without it is
# reloaded (SIGHUP: its containers keep running). When apt has no candidate the engine
# runs runc only and the gVisor tests skip (fail under CI=true).
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
START=$(date +%s)
step() { echo "[install_docker +$(( $(date +%s) - START ))s] $*"; }

DAEMON_JSON=${DAEMON_JSON:-/etc/docker/daemon.json}
DOCKER_PIDFILE=${DOCKER_PIDFILE:-/var/run/docker.pid}

# apt steps fail now and then on a mirror hiccup: three tries, 5 s then 10 s apart.
apt_retry() {
    local try
    for try in 1 2 3; do
        "$@" && return 0
        if [ "$try" -lt 3 ]; then
            step "'$*' failed (try $try of 3); retrying in $((try * 5))s"
            sleep $((try * 5))
        fi
    done
    echo "install_docker.sh: '$*' failed 3 times" >&2
    return 1
}

# Adds runtime "runsc" to daemon.json, keeping whatever else the file configures.
register_runsc() {
    mkdir -p "$(dirname "$DAEMON_JSON")"
    python3 - "$DAEMON_JSON" "$1" <<'EOF'
import json
import os
import sys

path, runsc = sys.argv[1], sys.argv[2]
config = {}
if os.path.exists(path) and open(path).read().strip():
    config = json.load(open(path))
runtimes = config.setdefault("runtimes", {})
if "runsc" in runtimes:
    sys.exit(0)
runtimes["runsc"] = {"path": runsc, "runtimeArgs": ["--platform=ptrace", "--network=none"]}
with open(path + ".new", "w") as f:
    json.dump(config, f, indent=2)
    f.write("\n")
os.replace(path + ".new", path)
print(f"registered runsc in {path}")
EOF
}

engine_has_runsc() {
    docker info --format '{{range $k, $v := .Runtimes}}{{$k}} {{end}}' 2>/dev/null \
        | tr ' ' '\n' | grep -x runsc >/dev/null
}

# A running dockerd learns a new runtime from daemon.json on SIGHUP (a live reload: its
# containers keep running), so an engine that predates the registration is not restarted.
reload_dockerd() {
    local pid
    pid=$(cat "$DOCKER_PIDFILE" 2>/dev/null || true)
    if [ -z "$pid" ] || ! kill -0 "$pid" 2>/dev/null; then
        step "dockerd runs without runsc and $DOCKER_PIDFILE names no live dockerd:" \
            "restart dockerd to use gVisor"
        return 0
    fi
    step "reloading dockerd (pid $pid, SIGHUP) so that it picks up runsc"
    kill -HUP "$pid"
    for _ in $(seq 1 20); do
        engine_has_runsc && return 0
        sleep 0.5
    done
    step "dockerd did not pick up runsc on reload (started with another --config-file?):" \
        "restart dockerd to use gVisor"
}

if [ "$(id -u)" -ne 0 ]; then
    echo "install_docker.sh must run as root (it installs packages and starts dockerd)" >&2
    exit 1
fi

packages=()
command -v dockerd >/dev/null || packages+=(docker.io)
# docker-compose (1.29, Python): runs the stack in docker-compose.yml (docs/deployment.md)
command -v docker-compose >/dev/null || packages+=(docker-compose)
command -v debootstrap >/dev/null || packages+=(debootstrap)
if [ ${#packages[@]} -gt 0 ] || ! command -v runsc >/dev/null; then
    step "apt-get update"
    apt_retry apt-get update -qq
fi
if ! command -v runsc >/dev/null; then
    # Read the whole output first: `apt-cache policy | grep -q` under pipefail fails when
    # grep exits at the first match and apt-cache dies of SIGPIPE.
    candidate=$(apt-cache policy runsc 2>/dev/null | awk '/Candidate:/ {c = $2} END {print c}')
    if [ -n "$candidate" ] && [ "$candidate" != "(none)" ]; then
        packages+=(runsc)
    else
        step "runsc (gVisor) has no apt candidate here: the engine will run runc only"
    fi
fi
if [ ${#packages[@]} -gt 0 ]; then
    step "apt-get install ${packages[*]}"
    apt_retry env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "${packages[@]}" >/dev/null
fi
step "packages ready"

if command -v runsc >/dev/null; then
    register_runsc "$(command -v runsc)"
fi

if ! docker info >/dev/null 2>&1; then
    step "starting dockerd"
    nohup dockerd >/var/log/dockerd.log 2>&1 &
    for _ in $(seq 1 60); do
        docker info >/dev/null 2>&1 && break
        sleep 1
    done
    if ! docker info >/dev/null 2>&1; then
        echo "dockerd did not come up; last log lines:" >&2
        tail -20 /var/log/dockerd.log >&2
        exit 1
    fi
elif command -v runsc >/dev/null && ! engine_has_runsc; then
    reload_dockerd
fi
step "engine up: $(docker info --format '{{.ServerVersion}} runtimes={{range $k, $v := .Runtimes}}{{$k}} {{end}}')"

step "building sandbox images (skips existing tags)"
"$PYTHON" -m reward_server.verifiers.code.build --languages all  # every in_sandbox/ folder
step "done"
