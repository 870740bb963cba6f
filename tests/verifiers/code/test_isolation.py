"""Privilege separation and the reset, seen from inside a real sandbox.

The candidate runs as uid 10001 with no capabilities; PID 1 (the supervisor) and the warm
interpreter run as root, so nothing the candidate does reaches them. The reset must beat
the candidate's own tricks by wiping, not only by retiring the container: a run that
locks or deepens its files leaves a container that is reused, and empty.
"""

from __future__ import annotations

import pytest

from reward_server.api import reward_pb2
from reward_server.outcome import Verdict
from reward_server.verifiers.code import owners

from .conftest import fenced, py_task_io, start_verifier

pytestmark = [pytest.mark.docker]

WHO_AM_I = """
import os

def uid_of(pid):
    with open(f"/proc/{pid}/status") as f:
        fields = dict(line.split(":", 1) for line in f if ":" in line)
    return fields["Uid"].split()[0], int(fields["CapEff"].strip(), 16)

mine, caps = uid_of("self")
# The candidate was the warm interpreter's active process: same command line, other uid;
# the next active one and its spare run as root.
zygote = [p for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()
          and b"zygote" in open(f"/proc/{p}/cmdline", "rb").read()]
print(mine, caps, uid_of(1)[0], sorted({uid_of(p)[0] for p in zygote}))
"""

CPP_WHO_AM_I = r"""
#include <cstdio>
#include <unistd.h>
int main() { printf("%d %d\n", (int)getuid(), (int)geteuid()); }
"""

LOCK_AND_DEEPEN = """
import os
os.makedirs("/tmp/vault/a")
open("/tmp/vault/a/secret", "w").write("x")
os.chmod("/tmp/vault/a", 0)
os.chmod("/tmp/vault", 0)
os.chdir("/work")
for _ in range(600):
    os.mkdir("d")
    os.chdir("d")
print(3)
"""

FIND_NOTHING = """
import os
# Only this run's own source may be there.
print(sorted(n for d in ("/work", "/tmp", "/dev/shm") for n in os.listdir(d)))
"""


@pytest.fixture(scope="module")
def one_box(docker_client):
    yield from start_verifier(docker_client, pool_size=1)


def test_candidate_is_uid_10001_without_capabilities_and_pid1_is_root(one_box):
    task = py_task_io([("", "10001 0 0 ['0']")])
    out = one_box.score(task, [fenced(WHO_AM_I)])[0]
    assert out.verdict == Verdict.CORRECT, out


def test_compiled_candidate_runs_as_uid_10001(one_box):
    code = CPP_WHO_AM_I
    task = reward_pb2.CodeTask(language="cpp", io=py_task_io([("", "10001 10001")]).io)
    out = one_box.score(task, [fenced(code, "cpp")])[0]
    assert out.verdict == Verdict.CORRECT, out


def test_locked_and_deep_files_are_wiped_and_the_container_reused(one_box, docker_client):
    def boxes() -> set[str]:
        return {c.id for c in owners.list_managed(docker_client, one_box.v.owner)}

    task = py_task_io([("", "3")])
    one_box.score(task, [fenced("print(3)")])  # warm the pool
    before = boxes()
    out = one_box.score(task, [fenced(LOCK_AND_DEEPEN)])[0]
    assert out.verdict == Verdict.CORRECT, out
    after = one_box.score(py_task_io([("", "['main.py']")]), [fenced(FIND_NOTHING)])[0]
    assert after.verdict == Verdict.CORRECT, after
    assert boxes() == before  # wiped, not retired
