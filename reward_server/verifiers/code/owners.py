"""Who owns a sandbox container: the labels every container carries, finding a server's
containers, and removing those whose server is gone (blocking Docker calls).

A container is labelled with its server's pool id, host name, pid and the pid's start
time, so a live server, a replica on another host and a crashed server's leftovers can
be told apart without any shared state.
"""

from __future__ import annotations

import datetime
import os
import socket
import uuid

import docker
import docker.errors

LABEL = "reward-server.managed"
OWNER_LABEL = "reward-server.owner"
HOST_LABEL = "reward-server.host"
PID_LABEL = "reward-server.pid"
STARTED_LABEL = "reward-server.started"


def owner_labels(owner: str) -> dict[str, str]:
    return {
        LABEL: "true",
        OWNER_LABEL: owner,
        HOST_LABEL: socket.gethostname(),
        PID_LABEL: str(os.getpid()),
        STARTED_LABEL: _process_start(os.getpid()),
    }


def _process_start(pid: int) -> str:
    """The kernel's start time of a process (clock ticks since boot): with the pid, it
    names one process even after the pid is reused. "" when it cannot be read."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            return f.read().rsplit(b")", 1)[1].split()[19].decode()
    except (OSError, IndexError):
        return ""


def new_owner_id() -> str:
    return uuid.uuid4().hex[:12]


def remove(container: object) -> None:
    try:
        container.remove(force=True)
    except docker.errors.NotFound:
        pass
    except docker.errors.APIError as exc:
        if exc.status_code != 409:  # 409: a removal is already in progress
            raise


def list_managed(
    client: docker.DockerClient, owner: str | None = None, pid: int | None = None
) -> list:
    """Every container of the project on the engine, in any state; only one server's
    when `owner` (its pool id) or `pid` (its process on this host) is given."""
    labels = [f"{LABEL}=true"]
    if owner:
        labels.append(f"{OWNER_LABEL}={owner}")
    if pid is not None:
        labels.append(f"{PID_LABEL}={pid}")
    return client.containers.list(all=True, filters={"label": labels}, ignore_removed=True)


FOREIGN_GRACE_S = 15 * 60.0


def reap_leftovers(client: docker.DockerClient, foreign_grace_s: float = FOREIGN_GRACE_S) -> int:
    """Removes labelled containers whose owning server is gone, never a live one's.

    Another server may share the engine (replicas) and be creating its pool right now, so
    a container's status alone says nothing. On this host the owner is gone when its
    process is (pid and start time no longer match a running process). For other hosts,
    whose processes cannot be checked, only containers that stopped (exited, dead) or
    never started and are older than `foreign_grace_s` are removed, unless the owner was
    a server in a container of this engine that has stopped: then all of them.
    """
    host = socket.gethostname()
    reaped = 0
    stopped: dict[str, bool] = {}
    for c in list_managed(client):
        owner_host = c.labels.get(HOST_LABEL, "")
        if owner_host != host and owner_host not in stopped:
            stopped[owner_host] = _stopped_container(client, owner_host)
        if stopped.get(owner_host) or _owner_gone(c, host, foreign_grace_s):
            remove(c)
            reaped += 1
    return reaped


def _stopped_container(client: docker.DockerClient, hostname: str) -> bool:
    """Whether `hostname` is the short id of a container on this engine that has stopped:
    a server replica run in a container (compose) has its container id as hostname, so
    its sandboxes are known orphans as soon as its container is down."""
    if len(hostname) != 12 or any(ch not in "0123456789abcdef" for ch in hostname):
        return False
    try:
        owner = client.containers.get(hostname)
    except (docker.errors.NotFound, docker.errors.APIError):
        return False  # removed, or a machine's hostname: the grace period decides
    return owner.status in ("exited", "dead") and owner.id.startswith(hostname)


def _owner_gone(c: object, host: str, foreign_grace_s: float) -> bool:
    labels = c.labels
    try:
        pid = int(labels.get(PID_LABEL, "0") or 0)
    except ValueError:
        pid = 0
    if labels.get(HOST_LABEL) == host and pid > 0:
        if not _pid_alive(pid):
            return True
        started = labels.get(STARTED_LABEL)
        return bool(started) and started != _process_start(pid)  # the pid was reused
    if c.status not in ("exited", "dead", "created"):
        return False
    return _age_s(c) > foreign_grace_s


def _age_s(c: object) -> float:
    created = str(c.attrs.get("Created", ""))
    try:  # "2026-11-24T11:11:00.123456789Z": Python parses at most microseconds
        stamp = created.rstrip("Z").split(".")[0]
        born = datetime.datetime.fromisoformat(stamp).replace(tzinfo=datetime.timezone.utc)
    except ValueError:
        return 0.0
    return (datetime.datetime.now(datetime.timezone.utc) - born).total_seconds()


def _pid_alive(pid: int) -> bool:
    """A zombie (killed, not yet waited for by its parent) counts as gone."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            state = f.read().rsplit(b")", 1)[1].split()[0]
    except (OSError, IndexError):
        return True
    return state not in (b"Z", b"X")
