"""The Java warm io runner (in_sandbox/java/serve, runner/WarmRunner.java).

First on its own: a program compiled in a container of the Java image, the runner driven
over its line protocol (hello, `run` requests, `done` replies) through `docker run -i`.
Then through a real verifier: each test of a completion in the same JVM and a fresh class
loader, verdicts as a JVM per test gives them, and the ops sent show which tests ran warm
(`call`) and which in a fresh JVM (`exec`).
"""

from __future__ import annotations

import base64
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from reward_server.api import reward_pb2
from reward_server.outcome import Verdict
from reward_server.verifiers.code.build import build_all
from reward_server.verifiers.code.config import SandboxConfig
from reward_server.verifiers.code.runtimes import load_runtimes

from .conftest import fenced, start_verifier
from .test_warm_io import Ops

pytestmark = [pytest.mark.docker, pytest.mark.slow]

MAX_OUTPUT = 4096

# Behaves by its first number: 7 exits with 3, 8 throws, 9 exits with 0 mid-output,
# 11 leaves a non-daemon thread that prints later, 12 changes JDK-wide settings, 13 shows
# them, 14 uses the common fork-join pool, 20 leaves a daemon thread running. The static
# counter must be 1 in every test.
BEHAVIOUR = """import java.util.*;
import java.util.stream.*;
public class Main {
    static int calls = 0;
    public static void main(String[] args) throws Exception {
        Scanner in = new Scanner(System.in);
        long a = in.nextLong(), b = in.nextLong();
        calls++;
        System.out.println((a + b) + " " + calls + " " + Thread.currentThread().getName());
        System.err.println("note");
        if (a == 7) System.exit(3);
        if (a == 8) throw new IllegalStateException("boom");
        if (a == 9) { try { System.out.print("partial"); System.exit(0); }
                      finally { System.out.println(" after exit"); } }
        if (a == 11) new Thread(() -> {
            try { Thread.sleep(100); } catch (InterruptedException e) { }
            System.out.println("late");
        }).start();
        if (a == 12) { Locale.setDefault(Locale.GERMANY); System.setProperty("seen", "yes"); }
        if (a == 13) System.out.println(String.format("%.1f %s", 1.5, System.getProperty("seen")));
        if (a == 14) System.out.println(LongStream.range(0, 1000).parallel().sum());
        if (a == 20) { Thread t = new Thread(() -> {
            while (true) { try { Thread.sleep(1000); } catch (InterruptedException e) { } } });
            t.setDaemon(true); t.start(); }
    }
}"""
FLOOD = """public class Flood {
    public static void main(String[] args) {
        while (true) System.out.println("y".repeat(100));
    }
}"""
# Programs the runner declines in its hello: raw fds would be the protocol's pipes, halt
# and shutdown hooks belong to a process's end, a child process inherits the pipes.
REFUSED = {
    "FileDescriptor": """import java.io.*;
public class Raw {
    public static void main(String[] args) throws IOException {
        new FileOutputStream(FileDescriptor.out).write("3\\n".getBytes());
    }
}""",
    "halt": "class H { public static void main(String[] a) { Runtime.getRuntime().halt(0); } }",
    "shutdown hooks": """public class Hook {
    public static void main(String[] a) {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println("bye")));
    }
}""",
    "processes": """public class P {
    public static void main(String[] a) throws Exception {
        new ProcessBuilder("true").inheritIO().start().waitFor();
    }
}""",
}


@pytest.fixture(scope="module")
def image(docker_client) -> str:
    runtimes = load_runtimes(SandboxConfig().sandboxes_dir, ("java",))
    return build_all(docker_client, runtimes)["java"]


class Served:
    """A compiled program and its warm runner in a container, driven over the protocol."""

    def __init__(self, image: str, source: str) -> None:
        self.tmp = tempfile.TemporaryDirectory()
        work = Path(self.tmp.name)
        work.chmod(0o777)  # the sandbox uid writes the classes here
        (work / "Main.java").write_text(source)
        self.name = f"java-warm-test-{uuid.uuid4().hex[:12]}"
        shell = "python3 -I /opt/sandbox/java/compile.py >&2 && exec /opt/sandbox/java/serve"
        self.proc = subprocess.Popen(
            [
                *("docker", "run", "-i", "--rm", "--name", self.name, "--network", "none"),
                *("--user", "10001", "-v", f"{work}:/work", "-w", "/work"),
                *("-e", "SANDBOX_MEMORY_MB=256", "-e", f"SANDBOX_MAX_OUTPUT={MAX_OUTPUT}"),
                *("-e", "LANG=C.UTF-8", image, "sh", "-c", shell),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,  # an undrained pipe would stall docker's stdout too
        )
        self.hello = self.proc.stdout.readline().decode()

    def run(self, stdin: str) -> tuple[int, str, str, str]:
        """One test: exit code, flags, stdout, stderr."""
        self.proc.stdin.write(b"run " + base64.b64encode(stdin.encode()) + b"\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline().decode()
        word, code, flags, out, err = line.split(" ")
        assert word == "done", line
        return int(code), flags, base64.b64decode(out).decode(), base64.b64decode(err).decode()

    def ended(self) -> bool:
        """Whether the runner exited by itself (no more replies, the process gone)."""
        return self.proc.stdout.readline() == b"" and self.proc.wait(30) == 0

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                subprocess.run(["docker", "rm", "-f", self.name], capture_output=True)
                self.proc.wait(30)
        self.tmp.cleanup()


def served(image: str, source: str) -> Iterator[Served]:
    s = Served(image, source)
    try:
        yield s
    finally:
        s.close()


def test_each_test_gets_fresh_statics_streams_and_jdk_settings(image):
    for s in served(image, BEHAVIOUR):
        assert s.hello == "ready\n"
        assert s.run("1 2") == (0, "-", "3 1 main\n", "note\n")
        assert s.run("12 0") == (0, "-", "12 1 main\n", "note\n")
        assert s.run("13 0") == (0, "-", "13 1 main\n1.5 null\n", "note\n")
        # The JVM waits for a non-daemon thread before it exits.
        assert s.run("11 0") == (0, "-", "11 1 main\nlate\n", "note\n")
        # The pool's idle workers stay: they run nothing of the program's.
        assert s.run("14 0") == (0, "-", "14 1 main\n499500\n", "note\n")
        assert s.run("1 1") == (0, "-", "2 1 main\n", "note\n")


def test_exit_and_uncaught_exceptions_end_a_test_as_they_end_a_jvm(image):
    for s in served(image, BEHAVIOUR):
        assert s.run("7 1") == (3, "-", "8 1 main\n", "note\n")
        # Nothing printed after System.exit counts (a finally block runs here, not in a JVM).
        assert s.run("9 1") == (0, "-", "10 1 main\npartial", "note\n")
        code, flags, out, err = s.run("8 1")
        assert (code, flags, out) == (1, "-", "9 1 main\n")
        first, *frames = err.splitlines()[1:]
        assert first == 'Exception in thread "main" java.lang.IllegalStateException: boom'
        assert frames == ["\tat Main.main(Main.java:12)"]  # no runner or reflection frames
        assert s.run("1 2") == (0, "-", "3 1 main\n", "note\n")


def test_a_thread_left_running_taints_the_runner_which_then_exits(image):
    for s in served(image, BEHAVIOUR):
        assert s.run("20 1") == (0, "tainted", "21 1 main\n", "note\n")
        assert s.ended()


def test_output_over_the_cap_ends_the_test_and_the_runner(image):
    for s in served(image, FLOOD):
        _, flags, out, _ = s.run("")
        assert "output_limit" in flags.split(",") and len(out) == MAX_OUTPUT
        assert out.startswith("y" * 100 + "\n")
        assert s.ended()


def test_a_class_named_like_the_runner_runs_as_the_program(image):
    source = BEHAVIOUR.replace("class Main", "class WarmRunner")
    for s in served(image, source):
        assert s.hello == "ready\n"
        assert s.run("1 2") == (0, "-", "3 1 main\n", "note\n")


@pytest.mark.parametrize("reason", sorted(REFUSED))
def test_programs_a_warm_run_cannot_give_faithfully_are_declined(image, reason):
    for s in served(image, REFUSED[reason]):
        assert s.hello.startswith("cold ") and reason in s.hello, s.hello


# Through a real verifier.

ADD = """import java.util.*;
public class %s {
    static int calls = 0;
    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        long a = in.nextLong(), b = in.nextLong();
        calls++;
        %s
    }
}"""
CASES = [(f"{i} {2 * i + 1}", str(3 * i + 1)) for i in range(6)]


@pytest.fixture(scope="module")
def verifier(docker_client):
    yield from start_verifier(docker_client, pool_size=1, languages=("java",))


@pytest.fixture
def ops(monkeypatch) -> Ops:
    return Ops(monkeypatch)


def judge(verifier, body: str, cls: str = "Solution", **limits) -> reward_pb2.CodeTask:
    task = reward_pb2.CodeTask(
        language="java",
        io=reward_pb2.IoTests(
            cases=[reward_pb2.IoCase(stdin=i, expected_stdout=o) for i, o in CASES]
        ),
        limits=reward_pb2.Limits(time_limit_s=limits.get("time_limit_s", 5.0), memory_mb=256),
    )
    return verifier.score(task, [fenced(ADD % (cls, body), "java")])[0]


def test_a_right_program_runs_every_test_in_one_jvm_with_fresh_statics(verifier, ops):
    out = judge(verifier, "System.out.println(a + b + calls - 1);")
    assert out.verdict == Verdict.CORRECT, out.detail
    assert (ops.kinds["spawn"], ops.kinds["call"], ops.kinds["exec"]) == (1, 6, 1)


def test_a_wrong_program_is_wrong_and_confirmed_in_a_fresh_jvm(verifier, ops):
    out = judge(verifier, "System.out.println(a + b + (a == 3 ? 1 : 0));")
    assert out.verdict == Verdict.WRONG, out.detail
    # Stops at the first failure, which ran again after javac (an exec too).
    assert (ops.kinds["call"], ops.kinds["exec"]) == (4, 2)


def test_exit_zero_early_passes_and_exit_three_fails(verifier, ops):
    early = judge(verifier, "System.out.println(a + b); System.exit(0); System.out.println(0);")
    assert early.verdict == Verdict.CORRECT, early.detail
    assert ops.kinds["exec"] == 1  # javac
    three = judge(verifier, "System.out.println(a + b); System.exit(3);")
    assert three.verdict == Verdict.RUNTIME_ERROR and "exit code 3" in three.detail


def test_an_exit_the_runner_did_not_see_coming_is_run_again_in_a_fresh_jvm(verifier, ops):
    # No `exit` in the class file (the name is built at run time): the runner installs no
    # exit guard, so the exit ends the runner; the host runs that test and the rest cold.
    body = """System.out.println(a + b);
        try {
            Runtime.class.getMethod(new StringBuilder("tixe").reverse().toString(), int.class)
                .invoke(Runtime.getRuntime(), 0);
        } catch (ReflectiveOperationException e) { throw new RuntimeException(e); }"""
    out = judge(verifier, body)
    assert out.verdict == Verdict.CORRECT, out.detail
    assert (ops.kinds["call"], ops.kinds["exec"]) == (1, 7)  # javac, then 6 JVMs


def test_an_uncaught_exception_is_a_runtime_error(verifier):
    out = judge(verifier, 'if (a == 2) throw new IllegalStateException("boom"); '
                "System.out.println(a + b);")  # fmt: skip
    assert out.verdict == Verdict.RUNTIME_ERROR, out.detail
    assert "exit code 1" in out.detail


def test_a_thread_left_running_does_not_change_later_verdicts(verifier, ops):
    body = """System.out.println(a + b);
        Thread t = new Thread(() -> { while (true) Thread.onSpinWait(); });
        t.setDaemon(true);
        t.start();"""
    assert judge(verifier, body).verdict == Verdict.CORRECT
    # Each test taints its runner: a new one for the next, no test is run again.
    assert (ops.kinds["spawn"], ops.kinds["call"], ops.kinds["exec"]) == (6, 6, 1)
    assert judge(verifier, "System.out.println(a - b);").verdict == Verdict.WRONG


def test_raw_file_descriptor_io_runs_in_a_fresh_jvm_per_test(verifier, ops):
    body = """try {
            new java.io.FileOutputStream(java.io.FileDescriptor.out)
                .write((a + b + "\\n").getBytes());
        } catch (java.io.IOException e) { throw new RuntimeException(e); }"""
    out = judge(verifier, body)
    assert out.verdict == Verdict.CORRECT, out.detail
    assert (ops.kinds["call"], ops.kinds["exec"]) == (0, 7)  # javac, then a JVM per test


def test_limits_in_the_runner(verifier, ops):
    flood = judge(verifier, 'while (true) System.out.println("y".repeat(1000));')
    assert flood.verdict == Verdict.OUTPUT_LIMIT, flood.detail
    loop = judge(verifier, "while (true) { }", time_limit_s=1.0)
    assert loop.verdict == Verdict.TIME_LIMIT, loop.detail
    assert ops.kinds["exec"] == 2  # javac twice: time and output limits are final
    bomb = "List<long[]> keep = new ArrayList<>(); while (true) keep.add(new long[1 << 17]);"
    assert judge(verifier, bomb).verdict == Verdict.MEMORY_LIMIT


@pytest.mark.parametrize("cls", ["WarmRunner", "TestRun", "ClassScan"])
def test_a_class_named_like_the_runners_own_is_the_program(verifier, ops, cls):
    out = judge(verifier, "System.out.println(a + b);", cls=cls)
    assert out.verdict == Verdict.CORRECT, out.detail
    assert (ops.kinds["call"], ops.kinds["exec"]) == (6, 1)
