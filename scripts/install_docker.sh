#!/usr/bin/env bash
# Installs and starts a Docker engine (and docker-compose) on a fresh Debian machine (run
# as root), then builds the sandbox images offline. Idempotent: every step is skipped when
# already done.
#
#   scripts/install_docker.sh            # engine + images
#   PYTHON=.venv/bin/python scripts/install_docker.sh
#
# gVisor: Debian bookworm ships `runsc` (a 2022 snapshot); it is installed when apt has
# it and registered with dockerd as runtime "runsc" (--platform=ptrace --network=none).
# When apt has no candidate the engine runs runc only and the gVisor test skips.
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
START=$(date +%s)
step() { echo "[install_docker +$(( $(date +%s) - START ))s] $*"; }

if [ "$(id -u)" -ne 0 ]; then
    echo "install_docker.sh must run as root (it installs packages and starts dockerd)" >&2
    exit 1
fi

packages=()
command -v dockerd >/dev/null || packages+=(docker.io)
# docker-compose (1.29, Python): runs the stack in docker-compose.yml (docs/deployment.md)
command -v docker-compose >/dev/null || packages+=(docker-compose)
command -v debootstrap >/dev/null || packages+=(debootstrap)
if ! command -v runsc >/dev/null; then
    if apt-cache policy runsc 2>/dev/null | grep -q 'Candidate: [0-9]'; then
        packages+=(runsc)
    else
        step "runsc (gVisor) has no apt candidate here: the engine will run runc only"
    fi
fi
if [ ${#packages[@]} -gt 0 ]; then
    step "apt-get install ${packages[*]}"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        "${packages[@]}" >/dev/null
fi
step "packages ready"

if command -v runsc >/dev/null && ! grep -qs '"runsc"' /etc/docker/daemon.json; then
    if [ -s /etc/docker/daemon.json ] && [ "$(tr -d ' \n' < /etc/docker/daemon.json)" != "{}" ]; then
        step "/etc/docker/daemon.json exists without runsc; add it by hand to use gVisor"
    else
        mkdir -p /etc/docker
        cat > /etc/docker/daemon.json <<'EOF'
{
  "runtimes": {
    "runsc": {"path": "/usr/bin/runsc", "runtimeArgs": ["--platform=ptrace", "--network=none"]}
  }
}
EOF
        step "registered runsc with dockerd"
    fi
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
fi
step "engine up: $(docker info --format '{{.ServerVersion}} runtimes={{range $k, $v := .Runtimes}}{{$k}} {{end}}')"

step "building sandbox images (skips existing tags)"
"$PYTHON" -m reward_server.verifiers.code.build
step "done"
