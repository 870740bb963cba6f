"""The JavaScript zygote (in_sandbox/javascript/zygote.js, zygote.c): a warm node forked
into each completion's io runner, through a real verifier and real containers.

Each program checks something of its own process and prints `ok` or what it found. A warm
run that fails is run again cold, which would hide a broken fork, so every test also
asserts the runs stayed warm: the runner was spawned from the zygote and no test was
run again as a one-off `exec`.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from reward_server.api import reward_pb2
from reward_server.outcome import Verdict
from reward_server.verifiers.code.config import SandboxConfig
from reward_server.verifiers.code.runtimes import load_runtime, load_runtimes
from reward_server.verifiers.code.session import Context

from .conftest import SyncVerifier, fenced, start_verifier
from .test_warm_io import Ops

pytestmark = [pytest.mark.docker, pytest.mark.slow]

JS = load_runtimes(SandboxConfig().sandboxes_dir, ("javascript",))["javascript"]


@pytest.fixture(scope="module")
def js(docker_client) -> Iterator[SyncVerifier]:
    yield from start_verifier(docker_client, pool_size=1, languages=("javascript",))


def task(cases: int = 2, memory_mb: int = 256) -> reward_pb2.CodeTask:
    return reward_pb2.CodeTask(
        language="javascript",
        io=reward_pb2.IoTests(
            cases=[reward_pb2.IoCase(stdin=f"{i}\n", expected_stdout="ok") for i in range(cases)]
        ),
        limits=reward_pb2.Limits(time_limit_s=5.0, memory_mb=memory_mb),
    )


def judged_warm(js: SyncVerifier, monkeypatch, code: str, **kw) -> None:
    ops = Ops(monkeypatch)
    out = js.score(task(**kw), [fenced(code, "javascript")])[0]
    assert out.verdict == Verdict.CORRECT, out.detail
    # One runner per completion, or more after a heavy test; each from the zygote.
    from_zygote = sum("zygote" in m for m in ops.spawns)
    assert len(ops.spawns) == from_zygote >= 1 and ops.kinds["exec"] == 0, dict(ops.kinds)


# Built with string joins so the runner does not decline it for naming /proc/self/fd.
SELF = """
const fs = require('fs');
const fdDir = '/proc/' + 'self' + '/fd';
const problems = [];
const check = (ok, what) => { if (!ok) problems.push(what); };
check(process.pid === Number(fs.readlinkSync('/proc/self')), 'pid ' + process.pid);
check(process.getuid() === 10001 && process.getgid() === 10001, 'uid ' + process.getuid());
check(process.cwd() === '/work', 'cwd ' + process.cwd());
const keys = Object.keys(process.env).sort().join(',');
check(keys === 'HOME,LANG,NODE_DISABLE_COLORS,PATH,SANDBOX_HEAP_MB,SANDBOX_MEMORY_MB,' +
  'SANDBOX_TIME_LIMIT_S,TMPDIR,UV_THREADPOOL_SIZE', 'env ' + keys);
for (const fd of fs.readdirSync(fdDir)) {
  let target = '';
  try { target = fs.readlinkSync(fdDir + '/' + fd); } catch (e) { continue; }
  check(!target.startsWith('socket:'), 'fd ' + fd + ' is ' + target);
}
const limits = fs.readFileSync('/proc/self/limits', 'utf8');
check(/Max data size\\s+268435456\\s+268435456/.test(limits), 'data limit');
check(/Max open files\\s+256\\s+256/.test(limits), 'nofile');
const status = fs.readFileSync('/proc/self/status', 'utf8');
check(/CapEff:\\s+0+\\n/.test(status) && /NoNewPrivs:\\s+1/.test(status), 'capabilities');
check(fs.readFileSync('/proc/self/oom_score_adj', 'utf8').trim() === '1000', 'oom_score_adj');
console.log(problems.length ? problems.join('; ') : 'ok');
"""


def test_a_forked_runner_is_a_candidate_like_any_other(js, monkeypatch):
    for _ in range(3):  # the zygote's first process, then forks of its spares
        judged_warm(js, monkeypatch, SELF)


def test_the_zygote_runs_as_root_out_of_a_candidates_reach(js, monkeypatch, docker_client):
    # Every root node process in the container (the zygote family) refuses signals from
    # the candidate, and its memory and environment cannot be read.
    probe = """
const fs = require('fs');
let found = 0;
const leaks = [];
for (const pid of fs.readdirSync('/proc').filter((p) => /^\\d+$/.test(p))) {
  let status = '';
  try { status = fs.readFileSync('/proc/' + pid + '/status', 'utf8'); } catch (e) { continue; }
  if (!/^Name:\\s+node/m.test(status) || !/^Uid:\\s+0\\s/m.test(status)) continue;
  found += 1;
  try { process.kill(Number(pid), 'SIGKILL'); leaks.push('signalled ' + pid); } catch (e) {}
  for (const f of ['environ', 'mem', 'maps']) {
    try { fs.readFileSync('/proc/' + pid + '/' + f); leaks.push('read ' + f); } catch (e) {}
  }
}
console.log(found >= 1 && leaks.length === 0 ? 'ok' : 'found ' + found + ' ' + leaks.join(','));
"""
    judged_warm(js, monkeypatch, probe)
    judged_warm(js, monkeypatch, SELF)  # and the family still serves


def test_garbage_collections_and_timers_in_a_forked_runner(js, monkeypatch):
    # V8 hands every collection's work to the platform's worker threads too, which a
    # forked node lacks; node then waits for them when the event loop runs dry.
    churn = """
let keep = [];
for (let i = 0; i < 3e5; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 5000) keep = []; }
let ticks = 0;
const t = setInterval(() => {
  keep.push(new Array(1000).fill(ticks));
  if (++ticks === 3) { clearInterval(t); setTimeout(() => console.log('ok'), 2); }
}, 1);
"""
    for _ in range(3):
        judged_warm(js, monkeypatch, churn, cases=3)


def test_tasks_with_other_memory_limits_get_their_own_zygote(js, monkeypatch):
    # About 150 MiB of live arrays: within a 256 MiB heap (memory 512), past a 128 MiB one.
    grow = """
const keep = [];
for (let i = 0; i < 150; i++) keep.push(new Array(128 * 1024).fill(i));
console.log(keep.length === 150 ? 'ok' : 'short');
"""
    judged_warm(js, monkeypatch, grow, memory_mb=512)
    out = js.score(task(memory_mb=256), [fenced(grow, "javascript")])[0]
    assert out.verdict == Verdict.MEMORY_LIMIT, out.detail
    judged_warm(js, monkeypatch, grow, memory_mb=512)
    judged_warm(js, monkeypatch, SELF)  # back to 256


# The pieces.


def test_zygote_args_fill_in_the_heap_and_keep_to_the_runtimes_modes():
    ctx = Context(box=None, runtime=JS, config=SandboxConfig(), judges=None)
    warm = ctx.zygote_args("io_serve", 256, 5.0)
    assert warm["zygote"] == ["/opt/sandbox/javascript/zygote.sh", "128"]
    assert warm["mode"] == "io_serve" and warm["path"] == "/work/main.js"
    assert ctx.zygote_args("run", 256, 5.0) == {}  # a cold run stays a fresh node
    off = Context(box=None, runtime=JS, config=SandboxConfig(zygote=False), judges=None)
    assert off.zygote_args("io_serve", 256, 5.0) == {}


def test_zygote_modes_are_checked(tmp_path: Path):
    spec = json.loads((JS.folder / "runtime.json").read_text())
    folder = tmp_path / "javascript"
    folder.mkdir()
    (folder / "runtime.json").write_text(json.dumps({**spec, "zygote_modes": ["fork"]}))
    with pytest.raises(ValueError, match="zygote_modes"):
        load_runtime(folder)


def test_the_addon_builds_without_warnings(tmp_path: Path):
    # The image builds it with gcc (runtime.json debootstrap_include); here the host's, if any.
    gcc = subprocess.run(["sh", "-c", "command -v gcc"], capture_output=True, text=True)
    if not gcc.stdout.strip():
        pytest.skip("no gcc on this machine; the image build compiles the addon")
    out = subprocess.run(
        [
            "gcc",
            "-shared",
            "-fPIC",
            "-O2",
            "-Wall",
            "-Werror",
            "-o",
            str(tmp_path / "z.node"),
            str(JS.folder / "zygote.c"),
        ],
        capture_output=True,
        text=True,
    )
    assert out.returncode == 0, out.stderr
