"""Java, Go and Rust through a real verifier and real containers.

Each language scores a right, a wrong, a non-compiling, a looping and a network-probing
program as such; its runtime stays inside the task's memory limit (a program that fills
it is MEMORY_LIMIT, one that uses most of it passes); compiler errors carry the first
lines of the diagnostics; and the Java judge runs the public class whatever it is named.
The hostile programs of these languages run in test_hostile.py with the rest of the
corpus (hostile/java_*, go_*, rust_*).
"""

from __future__ import annotations

import time

import pytest

from reward_server.api import reward_pb2
from reward_server.outcome import Verdict
from reward_server.verifiers.code import owners

from .conftest import fenced, start_verifier

pytestmark = [pytest.mark.docker, pytest.mark.slow]

LANGUAGES = ("java", "go", "rust")
CASES = [("1 2", "3"), ("40 2", "42"), ("-5 5", "0")]

JAVA_ADD = """import java.util.*;
public class Solution {
    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        System.out.println(%s);
    }
}"""
GO_ADD = """package main

import "fmt"

func main() {
\tvar a, b int64
\tfmt.Scan(&a, &b)
\tfmt.Println(%s)
}"""
RUST_ADD = """use std::io::Read;
fn main() {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).unwrap();
    let v: Vec<i64> = s.split_whitespace().map(|x| x.parse().unwrap()).collect();
    let (a, b) = (v[0], v[1]);
    println!("{}", %s);
}"""

PROGRAMS: dict[str, dict[str, str]] = {
    "java": {
        "right": JAVA_ADD % "in.nextLong() + in.nextLong()",
        "wrong": JAVA_ADD % "in.nextLong() - in.nextLong()",
        "broken": "public class Main { public static void main(String[] a) { int x = } }",
        "loop": "class Spin { public static void main(String[] a) { while (true) { } } }",
        "network": """import java.net.*; import java.util.*;
public class Net {
    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        long s = in.nextLong() + in.nextLong();
        try (Socket so = new Socket()) {
            so.connect(new InetSocketAddress("1.1.1.1", 80), 1000);
            System.out.println(s);
        } catch (Exception e) {
            System.out.println("offline: " + e);
        }
    }
}""",
        "hog": """import java.util.*;
public class Hog {
    public static void main(String[] args) {
        List<long[]> keep = new ArrayList<>();
        while (true) keep.add(new long[1 << 17]);
    }
}""",
        # 160 MiB live in a 256 MiB task: the heap must be sized from the task's limit.
        "uses_160mb": """import java.util.*;
public class Big {
    public static void main(String[] args) {
        List<long[]> keep = new ArrayList<>();
        for (int i = 0; i < 160; i++) keep.add(new long[1 << 17]);
        Scanner in = new Scanner(System.in);
        System.out.println(in.nextLong() + in.nextLong() + keep.size() - 160);
    }
}""",
    },
    "go": {
        "right": GO_ADD % "a + b",
        "wrong": GO_ADD % "a * b",
        "broken": "package main\n\nfunc main() {\n\tx := \n}\n",
        "loop": "package main\n\nfunc main() {\n\tfor {\n\t}\n}\n",
        "network": """package main

import (
\t"fmt"
\t"net"
\t"time"
)

func main() {
\tvar a, b int64
\tfmt.Scan(&a, &b)
\tif c, err := net.DialTimeout("tcp", "1.1.1.1:80", time.Second); err == nil {
\t\tc.Close()
\t\tfmt.Println(a + b)
\t} else {
\t\tfmt.Println("offline:", err)
\t}
}""",
        "hog": """package main

func main() {
\tvar keep [][]byte
\tfor {
\t\tb := make([]byte, 1<<20)
\t\tfor i := range b {
\t\t\tb[i] = 1
\t\t}
\t\tkeep = append(keep, b)
\t}
}""",
        "uses_160mb": """package main

import "fmt"

func main() {
\tvar keep [][]byte
\tfor i := 0; i < 160; i++ {
\t\tb := make([]byte, 1<<20)
\t\tfor j := range b {
\t\t\tb[j] = 1
\t\t}
\t\tkeep = append(keep, b)
\t}
\tvar a, b int64
\tfmt.Scan(&a, &b)
\tfmt.Println(a + b + int64(len(keep)) - 160)
}""",
    },
    "rust": {
        "right": RUST_ADD % "a + b",
        "wrong": RUST_ADD % "a * b",
        "broken": 'fn main() {\n    let x: i32 = "text";\n}\n',
        "loop": "use std::sync::atomic::{AtomicU64, Ordering};\nstatic N: AtomicU64 = "
        "AtomicU64::new(0);\nfn main() {\n    loop {\n        N.fetch_add(1, Ordering::Relaxed);"
        "\n    }\n}\n",
        "network": """use std::io::Read;
use std::net::TcpStream;
use std::time::Duration;
fn main() {
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).unwrap();
    let v: Vec<i64> = s.split_whitespace().map(|x| x.parse().unwrap()).collect();
    let addr = "1.1.1.1:80".parse().unwrap();
    match TcpStream::connect_timeout(&addr, Duration::from_secs(1)) {
        Ok(_) => println!("{}", v[0] + v[1]),
        Err(e) => println!("offline: {}", e),
    }
}""",
        "hog": """fn main() {
    let mut keep: Vec<Vec<u8>> = Vec::new();
    loop {
        keep.push(vec![1u8; 1 << 20]);
    }
}""",
        "uses_160mb": """use std::io::Read;
fn main() {
    let keep: Vec<Vec<u8>> = (0..160).map(|_| vec![1u8; 1 << 20]).collect();
    let mut s = String::new();
    std::io::stdin().read_to_string(&mut s).unwrap();
    let v: Vec<i64> = s.split_whitespace().map(|x| x.parse().unwrap()).collect();
    println!("{}", v[0] + v[1] + keep.len() as i64 - 160);
}""",
    },
}

EXPECTED = {
    "right": Verdict.CORRECT,
    "wrong": Verdict.WRONG,
    "broken": Verdict.COMPILE_ERROR,
    "loop": Verdict.TIME_LIMIT,
    "network": Verdict.WRONG,
    "hog": Verdict.MEMORY_LIMIT,
    "uses_160mb": Verdict.CORRECT,
}
# What each compiler's first diagnostic line says about the broken program.
FIRST_DIAGNOSTIC = {"java": "error:", "go": "syntax error", "rust": "error[E0308]"}


def task(language: str, time_limit_s: float = 5.0, memory_mb: int = 256) -> reward_pb2.CodeTask:
    return reward_pb2.CodeTask(
        language=language,
        io=reward_pb2.IoTests(
            cases=[reward_pb2.IoCase(stdin=i, expected_stdout=o) for i, o in CASES]
        ),
        limits=reward_pb2.Limits(time_limit_s=time_limit_s, memory_mb=memory_mb),
    )


@pytest.fixture(scope="module")
def jgr_verifier(docker_client):
    yield from start_verifier(docker_client, pool_size=1, languages=LANGUAGES)


@pytest.mark.parametrize("kind", list(EXPECTED))
@pytest.mark.parametrize("language", LANGUAGES)
def test_each_program_scores_its_verdict(jgr_verifier, language, kind):
    [out] = jgr_verifier.score(task(language), [fenced(PROGRAMS[language][kind], language)])
    assert out.verdict == EXPECTED[kind], out
    if kind == "broken":
        assert FIRST_DIAGNOSTIC[language] in out.detail.splitlines()[0], out.detail
    if kind == "hog":
        assert "256 MiB" in out.detail, out.detail


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_small_memory_limit_is_still_the_programs_limit(jgr_verifier, language):
    """A 128 MiB task: the right program runs, the 160 MiB one is MEMORY_LIMIT (not a
    runtime that fails to start, not a crash)."""
    small = task(language, memory_mb=128)
    right, big = (fenced(PROGRAMS[language][k], language) for k in ("right", "uses_160mb"))
    outs = jgr_verifier.score(small, [right, big])
    assert [o.verdict for o in outs] == [Verdict.CORRECT, Verdict.MEMORY_LIMIT], outs


GO_USES_20MB = """package main

import "fmt"

func main() {
	var a, b int64
	fmt.Scan(&a, &b)
	keep := make([][]byte, 20)
	for i := range keep {
		keep[i] = make([]byte, 1<<20)
		for j := range keep[i] {
			keep[i][j] = byte(j)
		}
	}
	fmt.Println(a + b + int64(len(keep)) - 20)
}"""


@pytest.mark.parametrize("memory_mb", [16, 32, 48])
def test_go_under_its_runtimes_minimum_is_held_to_the_tasks_limit(jgr_verifier, memory_mb):
    """Go maps its heap in 64 MiB arenas, so it cannot start under a smaller rlimit: such
    a task runs under 64 MiB and the program's peak resident memory is held to the task's
    limit, so a small program passes and one over the limit is MEMORY_LIMIT."""
    small = task("go", memory_mb=memory_mb)
    programs = [PROGRAMS["go"]["right"], GO_USES_20MB, PROGRAMS["go"]["uses_160mb"]]
    outs = jgr_verifier.score(small, [fenced(p, "go") for p in programs])
    fits = memory_mb > 24  # 20 MiB of data plus the runtime's own
    want = [Verdict.CORRECT, Verdict.CORRECT if fits else Verdict.MEMORY_LIMIT]
    assert [o.verdict for o in outs] == [*want, Verdict.MEMORY_LIMIT], outs
    assert f"({memory_mb} MiB)" in outs[2].detail, outs[2].detail


@pytest.mark.parametrize("memory_mb", [16, 32])
def test_java_under_the_jvms_minimum_still_runs_and_holds_the_heap(jgr_verifier, memory_mb):
    """The JVM cannot start under a 48 MiB rlimit (runtime.json min_memory_mb): a smaller
    task runs under 64 MiB with the heap sized from the task's limit (16 MiB at least), so
    a small program passes and filling the heap is MEMORY_LIMIT."""
    small = task("java", memory_mb=memory_mb)
    outs = jgr_verifier.score(
        small, [fenced(PROGRAMS["java"][k], "java") for k in ("right", "hog")]
    )
    assert [o.verdict for o in outs] == [Verdict.CORRECT, Verdict.MEMORY_LIMIT], outs


@pytest.mark.parametrize("tag", ["java", "go", "golang", "rust", "rs"])
def test_every_fence_tag_reaches_its_language(jgr_verifier, tag):
    language = {"golang": "go", "rs": "rust"}.get(tag, tag)
    [out] = jgr_verifier.score(task(language), [fenced(PROGRAMS[language]["right"], tag)])
    assert out.verdict == Verdict.CORRECT, out


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_unfenced_program_is_recognised(jgr_verifier, language):
    [out] = jgr_verifier.score(task(language), [PROGRAMS[language]["right"] + "\n"])
    assert out.verdict == Verdict.CORRECT, out


JAVA_NAMES = {
    # No public class: the class declaring main runs, whatever comes before it.
    "no_public_class": """import java.util.*;
class Helper { static long add(long a, long b) { return a + b; } }
final class Entry {
    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        System.out.println(Helper.add(in.nextLong(), in.nextLong()));
    }
}""",
    # The public class comes after a class, a comment and a string that name others.
    "decoys": """import java.util.*;
/* public class Decoy { public static void main(String[] a) {} } */
class Util { static final String S = "public class Fake {"; }
public class RealAnswer {
    record Pair(long a, long b) { long sum() { return a + b; } }
    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        System.out.println(new Pair(in.nextLong(), in.nextLong()).sum());
    }
}""",
    # A package line and a nested class with its own main.
    "package_and_nested": """package contest.solution;
import java.util.*;
public class Outer {
    static class Inner { public static void main(String[] a) { System.out.println("no"); } }
    public static void main(String[] args) {
        Scanner in = new Scanner(System.in);
        System.out.println(in.nextLong() + in.nextLong());
    }
}""",
}


@pytest.mark.parametrize("name", list(JAVA_NAMES))
def test_java_runs_the_main_class_whatever_its_name(jgr_verifier, name):
    [out] = jgr_verifier.score(task("java"), [fenced(JAVA_NAMES[name], "java")])
    assert out.verdict == Verdict.CORRECT, out


COMPILE_TIME_READS = {
    # Go: //go:embed needs the go command's embed configuration, which the judge's
    # direct compile never supplies; cgo needs the go command too.
    "go_embed": (
        "go",
        'package main\n\nimport _ "embed"\n\n//go:embed /etc/passwd\n'
        "var s string\n\nfunc main() { println(s) }\n",
    ),
    "go_cgo": ("go", 'package main\n\n// #include "/etc/passwd"\nimport "C"\n\nfunc main() {}\n'),
    # Rust: include_str! reads as the candidate uid; root-only files stay closed.
    "rust_shadow": ("rust", 'fn main() { print!("{}", include_str!("/etc/shadow")); }\n'),
    "rust_pid1_environ": (
        "rust",
        'fn main() { print!("{:?}", include_bytes!("/proc/1/environ")); }\n',
    ),
}


@pytest.mark.parametrize("name", list(COMPILE_TIME_READS))
def test_host_files_cannot_be_pulled_in_at_compile_time(jgr_verifier, name):
    language, code = COMPILE_TIME_READS[name]
    [out] = jgr_verifier.score(task(language), [fenced(code, language)])
    assert out.verdict == Verdict.COMPILE_ERROR, out


def test_no_container_is_left_over(jgr_verifier, docker_client):
    """After everything above, only the warm pool (one per language) remains."""
    [out] = jgr_verifier.score(task("go"), [fenced(PROGRAMS["go"]["right"], "go")])
    assert out.verdict == Verdict.CORRECT
    for _ in range(100):  # a retired container is replaced in the background
        if len(owners.list_managed(docker_client, jgr_verifier.v.owner)) <= len(LANGUAGES):
            break
        time.sleep(0.1)
    assert len(owners.list_managed(docker_client, jgr_verifier.v.owner)) <= len(LANGUAGES)
