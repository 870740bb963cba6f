"""The hostile corpus: every program in hostile/ tries to cheat or to break the sandbox.

Each file names its task in its first line (`# task: NAME`). Each must score anything but
CORRECT, and right after it a normal correct program must score CORRECT in the same pool
(one warm container per language, so the next run reuses the attacked container unless
the pool retired it), with no labelled container left over beyond the pool. A file may
name a follow-up in its second line (`# then: FILE`): a program that exploits what the
first one tried to leave behind, run right after it in the same container, which must
not score CORRECT either (it answers correctly only when the attack worked).
"""

from __future__ import annotations

import time

import pytest

from reward_server.outcome import Verdict
from reward_server.verifiers.code import owners

from .conftest import fenced, require_runsc, start_verifier
from .hostile_corpus import (
    ALL_FILES,
    CORRECT,
    FILES,
    FOLLOW_UPS,
    TASKS,
    follow_up,
    language,
    task_name,
)

pytestmark = [pytest.mark.docker, pytest.mark.slow]
LANGUAGES = tuple(sorted({language(p) for p in ALL_FILES}))  # one warm container each


# What Debian's runsc (a 2022 gVisor snapshot, ptrace platform) does not stop yet. Run and
# expected to fail. The reach into another process is strict (a fix makes it XPASS, which
# fails, so the entry is removed); how a fork bomb ends depends on timing, so not strict.
_FORK_BOMB = (
    "under runsc a fork bomb ends the whole container (the stream closes): INFRA_ERROR, "
    "not the candidate's failure"
)
_OTHER_PROCESS = (
    "under runsc the candidate gets further than under runc (another process's /proc "
    "entries read, another process reniced or re-pinned, or one of ptrace-attach, mount, "
    "unshare(CLONE_NEWUSER) allowed); the pool retires every container after one "
    "completion under runsc, so nothing carries over to the next program"
)
RUNSC_GAPS = {
    "fork_bomb.py": _FORK_BOMB,
    "cpp_fork_bomb.cpp": _FORK_BOMB,
    "c_fork_bomb.c": _FORK_BOMB,
    "js_fork_bomb.js": _FORK_BOMB,
    "ctypes_ptrace_mount.py": _OTHER_PROCESS,
    "proc_snooping.py": _OTHER_PROCESS,
    "renice_supervisor.py": _OTHER_PROCESS,
    **{f: _FORK_BOMB for f in ("java_fork_bomb.java", "go_fork_bomb.go", "rust_fork_bomb.rs")},
    **{
        f: _OTHER_PROCESS
        for f in ("java_proc_snooping.java", "go_proc_snooping.go", "rust_proc_snooping.rs")
    },
}


@pytest.fixture(scope="module", params=["runc", "runsc"])
def hostile_verifier(request, docker_client):
    """The corpus under the default runtime and under gVisor (runsc retires every
    container after one completion, so a follow-up lands in a fresh one there)."""
    if request.param == "runsc":
        require_runsc(docker_client)
    yield from start_verifier(
        docker_client, pool_size=1, runtime=request.param, languages=LANGUAGES
    )


def test_corpus_is_large_enough():
    assert len(FILES) >= 25
    assert all(task_name(p) in TASKS for p in ALL_FILES)
    assert all(f.exists() and task_name(f) for f in FOLLOW_UPS)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_hostile_program_is_not_correct_and_leaves_nothing(
    hostile_verifier, docker_client, path, request
):
    if hostile_verifier.v.config.runtime == "runsc" and path.name in RUNSC_GAPS:
        reason = RUNSC_GAPS[path.name]
        request.applymarker(pytest.mark.xfail(reason=reason, strict=reason is _OTHER_PROCESS))
    name = task_name(path)
    task = TASKS[name]
    out = hostile_verifier.score(task, [fenced(path.read_text(), language(path))])[0]
    assert out.verdict != Verdict.CORRECT, out
    assert out.verdict != Verdict.INFRA_ERROR, out  # failures are the candidate's, not ours
    then = follow_up(path)
    if then is not None:
        nxt = hostile_verifier.score(
            TASKS[task_name(then)], [fenced(then.read_text(), language(then))]
        )[0]
        assert nxt.verdict not in (Verdict.CORRECT, Verdict.INFRA_ERROR), (out, nxt)
    after = hostile_verifier.score(task, [CORRECT[name]])[0]
    assert after.verdict == Verdict.CORRECT, (out, after)
    owner = hostile_verifier.v.owner
    for _ in range(100):  # a retired container is replaced in the background
        if len(owners.list_managed(docker_client, owner)) <= len(LANGUAGES):
            break
        time.sleep(0.1)
    assert len(owners.list_managed(docker_client, owner)) <= len(LANGUAGES)
