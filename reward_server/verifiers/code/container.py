"""One hardened sandbox container and the line protocol to its supervisor (blocking calls).

Every function here blocks; the pool runs them in worker threads, never on the event loop.
The container is created with every restriction the engine offers (see `create`); the
supervisor inside (in_sandbox/common/supervisor.py) is PID 1 and speaks JSON lines over
the attached stdin/stdout, which Docker multiplexes into 8-byte-header frames.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import select
import shutil
import socket
import ssl
import struct
import tempfile
import time
import uuid
from dataclasses import dataclass, field

import docker
import docker.errors
from docker.types import LogConfig, Ulimit

from reward_server.verifiers.code.config import SandboxConfig
from reward_server.verifiers.code.owners import owner_labels, remove

# The supervisor (PID 1) and the warm interpreter run as root with only these
# capabilities: enough to drop each candidate to its own uid (in_sandbox/common/
# processes.py) and to kill it. The candidate, another uid, can then never signal,
# re-limit, renice or ptrace them, and setuid clears its capabilities for good.
SUPERVISOR_USER = "0:0"
SUPERVISOR_CAPS = ["SETUID", "SETGID", "KILL"]
PROTOCOL_SLACK_S = 3.0  # supervisor reply deadline beyond the op's own time limit
SUPERVISOR = "/opt/sandbox/supervisor.py"
CHANNEL_MOUNT = "/run/sandbox"


class SandboxDied(Exception):
    """The container stopped answering; `oom` says whether the kernel OOM-killed it."""

    def __init__(self, msg: str, oom: bool = False) -> None:
        super().__init__(msg)
        self.oom = oom


@dataclass(eq=False)  # identity semantics: pools keep sandboxes in sets
class Sandbox:
    container: object  # docker.models.containers.Container
    sock: socket.socket
    language: str
    runs: int = 0
    broken: str | None = None  # why it must be destroyed instead of reused
    framed: bool = True  # Docker's 8-byte stream headers (attach) or a raw Unix socket
    channel_dir: str | None = None  # host folder of the Unix socket, removed on destroy
    replaced: bool = False  # its replacement was made ahead of its retirement (pool.py)
    _buf: bytearray = field(default_factory=bytearray)
    _pending: bytearray = field(default_factory=bytearray)

    def request(self, msg: dict, timeout: float) -> dict:
        """Sends one op and waits for the reply carrying the same random nonce."""
        return self.requests([msg], timeout)[0]

    def requests(self, msgs: list[dict], timeout: float) -> list[dict]:
        """Sends several ops at once (the supervisor runs them in order) and returns their
        replies, each matched to its request by a random nonce; one round trip in all.

        Only the supervisor should ever write to this channel. Any other line (a forged or
        stale reply) is skipped and retires the container: replies can then never be
        attributed to the wrong request, in this completion or the next.
        """
        nonces = [secrets.token_hex(16) for _ in msgs]
        deadline = time.monotonic() + timeout
        replies = []
        try:
            data = b"".join(
                json.dumps({**m, "id": n}, separators=(",", ":")).encode() + b"\n"
                for m, n in zip(msgs, nonces, strict=True)
            )
            self.sock.sendall(data)
            for nonce in nonces:
                while True:
                    try:
                        reply = json.loads(self._read_line(deadline))
                    except ValueError:
                        reply = None
                    if isinstance(reply, dict) and reply.get("id") == nonce:
                        replies.append(reply)
                        break
                    self.broken = "unexpected line on the supervisor channel"
            return replies
        except (OSError, ValueError) as exc:
            self.broken = f"protocol failure: {exc}"
            raise SandboxDied(self.broken, oom=_oom_killed(self.container)) from exc

    def _read_line(self, deadline: float) -> bytes:
        while True:
            i = self._buf.find(b"\n")
            if i >= 0:
                line = bytes(self._buf[:i])
                del self._buf[: i + 1]
                return line
            self._fill(deadline)

    def _fill(self, deadline: float) -> None:
        """Reads one chunk of the channel (demultiplexing Docker's frames when attached)."""
        if not self.framed:
            self._buf += self._recv(deadline)
            return
        while len(self._pending) < 8 or len(self._pending) < 8 + _frame_len(self._pending):
            self._pending += self._recv(deadline)
        size = _frame_len(self._pending)
        if self._pending[0] == 1:  # stdout; stderr frames are never sent (logs off)
            self._buf += self._pending[8 : 8 + size]
        del self._pending[: 8 + size]

    def _recv(self, deadline: float) -> bytes:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("supervisor did not answer in time")
        self.sock.settimeout(remaining)
        chunk = self.sock.recv(1 << 20)
        if not chunk:
            raise ConnectionError("container closed its stream")
        return chunk


def stale(box: Sandbox) -> bool:
    """True when an idle container can no longer serve: its channel is at end of file
    (the container or the engine died) or holds bytes nobody asked for. Costs one poll."""
    sock = box.sock
    try:
        if isinstance(sock, ssl.SSLSocket):  # a remote engine over TLS (attach channel)
            # Readable raw bytes may be TLS housekeeping (session tickets), not data:
            # let the TLS layer read them and say whether application data or EOF came.
            timeout = sock.gettimeout()
            sock.settimeout(0.0)
            try:
                data = sock.recv(1)
            except (ssl.SSLWantReadError, BlockingIOError):
                return False
            finally:
                sock.settimeout(timeout)
        elif isinstance(sock, socket.socket):
            readable, _, _ = select.select([sock], [], [], 0)
            if not readable:
                return False
            data = sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        else:
            return False  # a transport we cannot poll: a dead one shows at its first use
    except (OSError, ValueError) as exc:
        box.broken = f"idle channel unusable: {exc}"
        return True
    box.broken = "unexpected bytes on an idle channel" if data else "the container's channel closed"
    return True


def _frame_len(buf: bytearray) -> int:
    return struct.unpack(">I", bytes(buf[4:8]))[0]


def _oom_killed(container: object) -> bool:
    try:
        container.reload()
        return bool(container.attrs["State"].get("OOMKilled"))
    except docker.errors.DockerException:
        return False


def create(
    client: docker.DockerClient, image: str, language: str, config: SandboxConfig, owner: str
) -> Sandbox:
    """Creates, connects and starts one container with every restriction applied.

    The fast channel is a Unix socket in a fresh host folder mounted read-only at
    /run/sandbox: the supervisor connects at start, before any candidate code exists,
    and the host then unlinks the socket so nothing else can ever connect. Under gVisor
    (which does not pass host sockets through) or a remote engine, the container's
    attached stdin/stdout are used instead, relayed by dockerd.
    """
    unix = use_unix_channel(config, client)
    channel_dir = tempfile.mkdtemp(prefix="rs-chan-") if unix else None
    listener = _listen(channel_dir) if channel_dir else None
    tmpfs_opts = f"rw,nosuid,nodev,size={config.tmpfs_mb}m,mode=1777"
    mem = (config.max_memory_mb + 2 * config.tmpfs_mb + 128) << 20
    container = client.containers.create(
        image,
        name=f"rs-{language}-{owner}-{uuid.uuid4().hex[:8]}",
        command=(
            ["python3", "-I", SUPERVISOR, "--connect", f"{CHANNEL_MOUNT}/sock"] if unix else None
        ),
        volumes={channel_dir: {"bind": CHANNEL_MOUNT, "mode": "ro"}} if unix else None,
        user=SUPERVISOR_USER,
        stdin_open=not unix,
        tty=False,
        network_mode="none",
        read_only=True,
        tmpfs={"/work": tmpfs_opts + ",exec", "/tmp": tmpfs_opts + ",noexec"},
        shm_size=8 << 20,
        cap_drop=["ALL"],
        cap_add=SUPERVISOR_CAPS,
        security_opt=["no-new-privileges"],  # default seccomp applies: we never unset it
        mem_limit=mem,
        memswap_limit=mem,  # no swap: memory beyond the limit is an OOM kill
        pids_limit=_pids_limit(config),
        nano_cpus=int(config.cpus * 1e9),
        ulimits=[
            Ulimit(name="fsize", soft=config.fsize_mb << 20, hard=config.fsize_mb << 20),
            Ulimit(name="nofile", soft=config.nofile, hard=config.nofile),
            Ulimit(name="core", soft=0, hard=0),
        ],
        environment={"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/work", "LANG": "C.UTF-8"},
        labels={**owner_labels(owner), "reward-server.language": language},
        log_config=LogConfig(type="none"),
        runtime=config.runtime,
        ipc_mode="private",
        init=False,  # the supervisor must be PID 1 (signals to PID 1 are dropped)
        detach=True,
    )
    try:
        if listener is not None:
            container.start()
            sock = _accept_supervisor(listener, channel_dir)
        else:
            raw = client.api.attach_socket(
                container.id, params={"stdin": 1, "stdout": 1, "stream": 1}
            )
            sock = getattr(raw, "_sock", raw)
            container.start()
        box = Sandbox(
            container=container,
            sock=sock,
            language=language,
            framed=not unix,
            channel_dir=channel_dir,
        )
        pong = box.request({"op": "ping"}, timeout=30.0)
        if pong.get("pid") != 1:
            raise SandboxDied(f"supervisor is not PID 1: {pong}")
        if pong.get("uid") == pong.get("candidate_uid"):  # an image without privilege separation
            raise SandboxDied(f"supervisor shares the candidate's uid: {pong}")
        return box
    except BaseException:
        remove(container)
        if channel_dir:
            shutil.rmtree(channel_dir, ignore_errors=True)
        raise
    finally:
        if listener is not None:
            listener.close()


def use_unix_channel(config: SandboxConfig, client: docker.DockerClient | None = None) -> bool:
    """The socket channel needs the engine to mount a folder of *this* filesystem: a local
    engine, and a server that is not itself in a container (whose /tmp the host lacks).

    A machine whose root was made from an image also has /.dockerenv; there the engine
    counts as ours when it reports this hostname and its data root is on this
    filesystem (a server container with the engine's socket mounted has neither).
    """
    if config.channel != "auto":
        return config.channel == "unix"
    host = config.docker_host or os.environ.get("DOCKER_HOST") or ""
    local = not host or host.startswith("unix://")
    if not local or config.runtime != "runc":
        return False
    if not os.path.exists("/.dockerenv"):
        return True
    if client is None:
        return False
    try:
        info = client.info()
    except docker.errors.DockerException:
        return False
    root = str(info.get("DockerRootDir") or "")
    return info.get("Name") == socket.gethostname() and bool(root) and os.path.isdir(root)


def _listen(channel_dir: str) -> socket.socket:
    os.chmod(channel_dir, 0o755)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    path = os.path.join(channel_dir, "sock")
    listener.bind(path)
    os.chmod(path, 0o777)  # the sandbox uid must be allowed to connect
    listener.listen(1)
    return listener


def _accept_supervisor(listener: socket.socket, channel_dir: str) -> socket.socket:
    listener.settimeout(15.0)
    sock, _ = listener.accept()
    # Only the supervisor can have connected (no candidate code has run yet); unlinking
    # the path now means no process in the container can ever connect again.
    os.unlink(os.path.join(channel_dir, "sock"))
    sock.settimeout(None)
    return sock


def _pids_limit(config: SandboxConfig) -> int:
    """gVisor's ptrace platform runs its sentry threads and one stub process per address
    space inside the container's host cgroup: 64 pids starve it at the first fork."""
    if config.runtime.startswith("runsc"):
        return max(config.pids_limit * 8, 512)
    return config.pids_limit


def destroy(box: Sandbox) -> bool:
    """Closes the channel and removes the container; False when the engine could not be
    reached (the caller tries the removal again later, so nothing is left behind)."""
    with contextlib.suppress(OSError):
        box.sock.close()
    if box.channel_dir:
        shutil.rmtree(box.channel_dir, ignore_errors=True)
    try:
        remove(box.container)
    except (docker.errors.DockerException, OSError):
        return False
    return True
