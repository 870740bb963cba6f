"""Compiles the candidate's Main.java, whatever its public class is named (runs as the
candidate, under the compile limits, inside the sandbox).

javac requires a public top-level class to live in a file of its own name, so the source
is copied to /work/classes/src/<Public>.java first. The class to run is the first
top-level type that declares `static void main` (a public one first); its binary name goes
to /work/classes/main-class for the run launcher. Annotation processing is off (-proc:none):
a single source cannot bring a processor anyway (it would have to be compiled first).
"""

from __future__ import annotations

import os
import re
import resource
import sys

SOURCE = "/work/Main.java"
OUT = "/work/classes"
JAVAC = "/usr/bin/javac"

# Comments, string/char literals and text blocks, removed before looking for classes.
_NOISE = re.compile(
    r'//[^\n]*|/\*.*?\*/|"""(?:\\.|[^\\])*?"""|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'', re.S
)
_TYPE = re.compile(
    r"((?:\b(?:public|final|abstract|static|strictfp|sealed|non-sealed)\s+)*)"
    r"\b(class|interface|enum|record)\s+([A-Za-z_$][\w$]*)"
)
_PACKAGE = re.compile(r"^\s*package\s+([\w$.\s]+?)\s*;", re.M)
_MAIN = re.compile(r"\bstatic\b[^;{}()]*\bvoid\s+main\s*\(")


def top_level_types(text: str) -> list[tuple[str, bool, str]]:
    """(name, is_public, body text) of each type declared at brace depth 0."""
    text = _NOISE.sub(" ", text)
    found = []
    depth, i = 0, 0
    while i < len(text):
        ch = text[i]
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth = max(depth - 1, 0)
        elif depth == 0:
            m = _TYPE.match(text, i)
            if m and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] in "_$")):
                open_at = text.find("{", m.end())
                if open_at < 0:
                    break
                close_at, d = open_at, 0
                for close_at in range(open_at, len(text)):
                    d += {"{": 1, "}": -1}.get(text[close_at], 0)
                    if d == 0:
                        break
                found.append((m.group(3), "public" in m.group(1).split(), text[open_at:close_at]))
                i = close_at + 1
                continue
        i += 1
    return found


def file_stem(text: str) -> str:
    """The name javac wants the file to have: the public top-level type's, if any."""
    public = [name for name, is_public, _ in top_level_types(text) if is_public]
    return public[0] if public else main_class(text).rsplit(".", 1)[-1]


def main_class(text: str) -> str:
    """The binary name of the class to run (with its package, if the source has one)."""
    types = top_level_types(text)
    ranked = sorted(types, key=lambda t: (not _MAIN.search(t[2]), not t[1]))  # stable
    name = ranked[0][0] if ranked else "Main"
    package = _PACKAGE.search(_NOISE.sub(" ", text))
    if package is None:
        return name
    return "".join(package.group(1).split()) + "." + name


def memory_mb() -> int:
    """The compile memory limit: SANDBOX_MEMORY_MB, else RLIMIT_DATA or RLIMIT_AS."""
    if os.environ.get("SANDBOX_MEMORY_MB", "").isdigit():
        return int(os.environ["SANDBOX_MEMORY_MB"])
    for kind in (resource.RLIMIT_DATA, resource.RLIMIT_AS):
        soft, _ = resource.getrlimit(kind)
        if soft != resource.RLIM_INFINITY:
            return soft >> 20
    return 1024


def jvm_flags(prefix: str) -> list[str]:
    """javac's JVM sized like the run's (see run): the heap gets the limit less the JVM's
    own needs, so a compile that needs more fails with an OutOfMemoryError."""
    mem = memory_mb()
    flags = [
        f"-Xmx{max(mem - 48 - mem // 32, 32)}m",
        "-Xss1m",
        "-XX:MaxMetaspaceSize=128m",
        "-XX:CompressedClassSpaceSize=64m",
        "-XX:ReservedCodeCacheSize=48m",
        "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1",
        "-XX:ActiveProcessorCount=1",
        "-XX:CICompilerCount=1",
        "-XX:-UsePerfData",
        "-Xshare:auto",
        "-XX:+DisplayVMOutputToStderr",
        "-Xlog:disable",
        "-Xlog:all=warning:stderr",
        "-XX:ErrorFile=/tmp/hs_err_%p.log",
    ]
    return [prefix + f for f in flags]


def main() -> int:
    with open(SOURCE, encoding="utf-8", errors="surrogateescape") as f:
        text = f.read()
    name = file_stem(text)
    src_dir = os.path.join(OUT, "src")
    os.makedirs(src_dir, exist_ok=True)
    with open(
        os.path.join(src_dir, name + ".java"), "w", encoding="utf-8", errors="surrogateescape"
    ) as f:
        f.write(text)
    with open(os.path.join(OUT, "main-class"), "w") as f:
        f.write(main_class(text))
    argv = [
        JAVAC,
        *jvm_flags("-J"),
        "-proc:none",
        "-encoding",
        "UTF-8",
        "-nowarn",
        "-Xmaxerrs",
        "10",
        "-d",
        OUT,
        os.path.join(src_dir, name + ".java"),
    ]
    os.execv(JAVAC, argv)
    return 127


if __name__ == "__main__":
    sys.exit(main())
