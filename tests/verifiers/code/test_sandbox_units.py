"""Pure-function tests of the sandbox (no Docker needed)."""

from __future__ import annotations

import re

import pytest

from reward_server.verifiers.code.assert_judge import plan_tests
from reward_server.verifiers.code.config import SandboxConfig
from reward_server.verifiers.code.extract import extract_code, python_syntax_error
from reward_server.verifiers.code.runtimes import available_languages, load_runtimes
from reward_server.verifiers.code.valuecodec_loader import valuecodec
from reward_server.verifiers.code.verdicts import output_matches, plain_equal

SANDBOXES = SandboxConfig().sandboxes_dir
RUNTIMES = load_runtimes(SANDBOXES, tuple(available_languages(SANDBOXES)))


def extract(text: str, language: str) -> str | None:
    """extract_code with the language's own data (fence tags, unfenced-answer rules)."""
    rt = RUNTIMES[language]
    return extract_code(text, language, rt.fence_tags, None, rt.looks_like, rt.syntax_check)


def test_extract_takes_last_block_of_the_language_after_reasoning():
    text = (
        "<think>```python\nprint('thinking')\n```</think>"
        "```cpp\nint main(){}\n```\n```python\nprint(1)\n```\n```python\nprint(2)\n```"
    )
    assert extract(text, "python") == "print(2)\n"


def test_extract_unfenced_answer_only_when_it_parses():
    assert extract("def f():\n    return 1", "python") == "def f():\n    return 1\n"
    assert extract("The answer is 42.", "python") is None


def test_extract_unclosed_reasoning_is_no_answer():
    assert extract("<think>```python\nprint(1)\n```", "python") is None


def test_extract_other_language_only_is_no_answer():
    assert extract("```cpp\nint main(){}\n```", "python") is None


def test_syntax_check():
    assert python_syntax_error("def f(:\n") is not None
    assert python_syntax_error("x = 1\n") is None
    assert python_syntax_error("(" * 10000) is not None


def test_output_compare_trailing_whitespace_and_floats():
    assert output_matches("1 2  \n3\n\n", "1 2\n3")
    assert not output_matches("1 2\n", "1 2\n3")
    assert not output_matches("0.3333", "0.33333", 0.0)
    assert output_matches("0.3333333", "0.33333333", 1e-6)


def test_plain_equal_is_strict_about_types():
    assert plain_equal((1, 2), [1, 2])
    assert not plain_equal(True, 1)
    assert not plain_equal(1, True)
    assert not plain_equal("1", 1)
    assert plain_equal(2, 2.0)
    assert plain_equal({"a": [1.0]}, {"a": [1]})
    assert not plain_equal({"a": 1, "b": 2}, {"a": 1})
    assert not plain_equal(None, [])


def test_codec_roundtrip_and_strips_subclasses():
    value = [
        1,
        2.5,
        float("inf"),
        "s",
        None,
        True,
        (1, 2),
        {1: {"x"}},
        frozenset([3]),
        b"\x00\xff",
        1 + 2j,
    ]
    assert valuecodec.loads(valuecodec.dumps(value)) == value

    class Sneaky(int):
        def __eq__(self, other):
            return True

    plain = valuecodec.loads(valuecodec.dumps(Sneaky(1)))  # its data, not its __eq__
    assert type(plain) is int and plain == 1 and plain != 2
    with pytest.raises(TypeError):
        valuecodec.dumps([object()])
    with pytest.raises(ValueError):
        valuecodec.from_wire({"$": "evil", "v": []})


def test_plan_tests_check_and_top_level_asserts():
    assert plan_tests("def check(candidate):\n    assert candidate(1) == 2\n")[-1] == (
        "test",
        "check(candidate)",
    )
    steps = plan_tests("x = 2\nassert f(1) == x\nassert f(2) == 3\n")
    assert [k for k, _ in steps] == ["setup", "test", "test"]


def test_config_validation_says_what_to_change():
    with pytest.raises(ValueError, match="pool_size"):
        SandboxConfig(pool_size=0)
    with pytest.raises(ValueError, match="runtime"):
        SandboxConfig(runtime="kata")
    with pytest.raises(ValueError, match="max_time_limit_s"):
        SandboxConfig(default_time_limit_s=60)


def test_runtime_registry_lists_valid_names():
    valid = available_languages(SANDBOXES)
    assert {"python", "cpp", "c", "javascript"} <= set(valid)
    with pytest.raises(ValueError, match=re.escape(f"valid: {valid}")):
        load_runtimes(SANDBOXES, ("cobol",))


def _predict(test_code: str, step: str = "check(candidate)", entry: str = "f"):
    import ast

    from reward_server.verifiers.code import assert_judge as jw

    ns = jw._namespace({entry: {"kind": "callable"}, "g": {"kind": "callable"}}, None, {}, None)
    ns["candidate"] = ns[entry]
    exec(compile(test_code, "<test>", "exec"), ns)
    return jw.predict_calls(step, ast.parse(test_code), ns)


def test_predict_calls_follows_straight_line_checks():
    code = (
        "import math\n"
        "def check(candidate):\n"
        "    assert candidate(1, 'a') == 2, str(candidate(9))\n"
        "    x = [candidate([1, 2]), g((3,))]\n"
        "    assert math.isclose(abs(candidate(-1.5)), 1.5)\n"
        "    assert sorted(candidate({'k': 1})).count(candidate(0)) == 1\n"
    )
    assert _predict(code) == [
        ("f", [1, "a"]),
        ("f", [[1, 2]]),
        ("g", [(3,)]),
        ("f", [-1.5]),
        ("f", [{"k": 1}]),
        ("f", [0]),
    ]


def test_predict_calls_stops_where_the_test_decides_at_run_time():
    head = "def check(candidate):\n    assert candidate(1) == 1\n"
    for stmt in (
        "    for i in range(3): assert candidate(i)\n",
        "    assert candidate(2) or candidate(3)\n",
        "    assert 0 < candidate(2) < candidate(3)\n",
        "    n = 4\n    assert candidate(n)\n",
        "    assert helper(candidate(2))\n",
        "    assert list(map(candidate, [1]))\n",
        "    assert eval('candidate(2)')\n",
        "    assert [candidate(i) for i in (1, 2)]\n",
    ):
        code = head + stmt + "    assert candidate(5) == 5\ndef helper(x):\n    return x\n"
        assert _predict(code) == [("f", [1])], stmt


def test_predict_calls_top_level_asserts_and_unknown_steps():
    assert _predict("N = 1", "assert f(2) == 4") == [("f", [2])]
    assert _predict("N = 1", "assert h(2) == 4") == []
    rebinds = "def check(candidate):\n    assert candidate(1)\n    candidate = len\n"
    assert _predict(rebinds) == []
    # a check() that is not the one the test code defines is not followed
    assert _predict("def check(c):\n    assert c(1)\ncheck = print\n") == []


def test_unix_channel_in_a_machine_made_from_an_image(monkeypatch, tmp_path):
    import socket

    from reward_server.verifiers.code import container

    class Engine:
        def __init__(self, name: str, root: str) -> None:
            self._info = {"Name": name, "DockerRootDir": root}

        def info(self) -> dict:
            return self._info

    real_exists = container.os.path.exists
    monkeypatch.setattr(container.os.path, "exists", lambda p: p == "/.dockerenv" or real_exists(p))
    config = SandboxConfig()
    here = socket.gethostname()
    assert container.use_unix_channel(config, Engine(here, str(tmp_path)))
    assert not container.use_unix_channel(config, Engine("other-host", str(tmp_path)))
    assert not container.use_unix_channel(config, Engine(here, str(tmp_path / "absent")))
    assert not container.use_unix_channel(config)
    assert not container.use_unix_channel(SandboxConfig(channel="attach"), Engine(here, "/"))


def test_judge_runs_as_nobody_when_the_server_is_root():
    import os
    import time

    from reward_server.verifiers.code.assert_judges import NOBODY, JudgeProcess
    from reward_server.verifiers.code.valuecodec_loader import CODEC_DIR

    if os.geteuid() != 0:
        pytest.skip("needs root")
    proc = JudgeProcess(CODEC_DIR)
    try:
        proc.send({"op": "run", "test_code": "assert True", "entry_point": "f", "names": {}})
        while proc.recv(time.monotonic() + 30)["op"] != "done":
            pass
        with open(f"/proc/{proc.proc.pid}/status") as f:
            ids = {ln.split(":")[0]: ln.split()[1:] for ln in f if ln.startswith(("Uid", "Gid"))}
            f.seek(0)
            groups = next(ln.split()[1:] for ln in f if ln.startswith("Groups"))
        assert ids["Uid"] == [str(NOBODY)] * 4 and ids["Gid"] == [str(NOBODY)] * 4
        assert groups == []
    finally:
        proc.kill()


def test_a_killed_server_not_yet_waited_for_counts_as_gone():
    """A replica killed by its supervisor is a zombie until waited for: its containers
    must be swept all the same."""
    import subprocess
    import time

    from reward_server.verifiers.code import owners

    proc = subprocess.Popen(["sleep", "60"])
    try:
        assert owners._pid_alive(proc.pid)
        proc.kill()
        deadline = time.monotonic() + 10
        while owners._pid_alive(proc.pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not owners._pid_alive(proc.pid)  # still a zombie: not waited for yet
        assert proc.poll() is not None
    finally:
        proc.kill()
        proc.wait()


def test_a_remote_engine_from_docker_host_gets_the_attach_channel(monkeypatch):
    """A Unix socket in a local folder cannot reach a container on another machine."""
    from reward_server.verifiers.code import container

    monkeypatch.setenv("DOCKER_HOST", "tcp://sandbox-host:2376")
    assert not container.use_unix_channel(SandboxConfig())
    monkeypatch.setenv("DOCKER_HOST", "unix:///var/run/docker.sock")
    monkeypatch.setattr(container.os.path, "exists", lambda p: False)  # not in a container
    assert container.use_unix_channel(SandboxConfig())
    assert not container.use_unix_channel(SandboxConfig(docker_host="ssh://user@host"))


def test_stale_tells_a_closed_or_dirty_idle_channel_from_a_quiet_one():
    import socket

    from reward_server.verifiers.code import container

    def box(sock: socket.socket) -> container.Sandbox:
        return container.Sandbox(container=None, sock=sock, language="python")

    host, ours = socket.socketpair()
    quiet = box(ours)
    assert not container.stale(quiet) and quiet.broken is None
    host.sendall(b"x")  # nobody asked: a forged or stale reply
    assert container.stale(quiet) and "unexpected" in quiet.broken
    host2, ours2 = socket.socketpair()
    host2.close()  # the container (or the engine relaying it) died
    closed = box(ours2)
    assert container.stale(closed) and "closed" in closed.broken
    for s in (host, ours, ours2):
        s.close()


def test_stale_reads_through_tls_housekeeping(tmp_path):
    """A remote engine over TLS 1.3 sends session tickets after the handshake: raw bytes
    that are not data. A quiet channel must not look stale; a closed one must."""
    import shutil
    import socket
    import ssl
    import subprocess
    import threading

    from reward_server.verifiers.code import container

    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a throwaway certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=engine", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(cert, key)
    client_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client_ctx.load_verify_locations(cert)
    engine_side, our_side = socket.socketpair()
    accepted: list[ssl.SSLSocket] = []
    handshake = threading.Thread(
        target=lambda: accepted.append(server_ctx.wrap_socket(engine_side, server_side=True))
    )
    handshake.start()
    ours = client_ctx.wrap_socket(our_side, server_hostname="engine")
    handshake.join(10)
    engine = accepted[0]
    box = container.Sandbox(container=None, sock=ours, language="python")
    assert not container.stale(box), box.broken  # tickets only: quiet
    assert not container.stale(box)
    engine.sendall(b"x")
    assert container.stale(box) and "unexpected" in box.broken
    engine.close()
    ours.close()
