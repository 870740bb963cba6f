// The JavaScript zygote: a warm node that becomes one warm io runner (iorunner.js) per
// request, so a completion's runner costs a fork instead of a node start (~45 ms of CPU
// with a start-up snapshot). The protocol and the family of two (an active process that
// becomes the candidate, a spare forked beforehand that takes over its socket) are the
// Python zygote's: see common/zygote.py and python/harness.py. Started by the supervisor
// as root through zygote.sh; it runs nothing of a candidate's before it becomes one, and
// becomes one exactly as the supervisor's own children do (zygote.c becomeCandidate).
//
// A forked node differs from a fresh one in what the fork cannot carry: V8 runs without
// helper threads (--single-threaded; a child would wait for threads only its parent has),
// the event loop's kernel state is made anew, process.pid is set again, and the process
// ends through _exit (node's own exit would wait for those threads too).
"use strict";

const addon = require("./zygote.node");
// What the runner loads, loaded once here (its own top-level code runs per candidate),
// and the realm it keeps, taken once here (io_realm.js takeRealm).
require("./io_program");
require("./io_test");
require("v8");
require("./io_realm").prepareRealm([Buffer, process, require("util").inspect.defaultOptions]);
// node's own stdout and stderr, made on first use (the runner makes them before its first
// test): made here, on fds 1 and 2, which the candidate's /dev/null and stderr replace.
void process.stdout;
void process.stderr;

const RUNNER = require.resolve("./iorunner");
const SOCKET = Number(process.argv[process.argv.length - 1]);
const NODE = process.argv[0];

addon.guard();
for (;;) {
  const [spare, handover] = addon.forkSpare();
  if (spare === 0) continue; // handed the socket: now the active process
  const job = addon.recvJob(SOCKET);
  if (job === null) addon.exit(0); // the supervisor closed it: the spare sees EOF and ends
  const alive = spare > 0 && !addon.reaped(spare); // else the supervisor starts a new zygote
  let code = 1;
  try {
    const [text, stdin, stdout, stderr] = job;
    const req = JSON.parse(text);
    addon.sendAll(SOCKET, JSON.stringify({ pid: addon.pid(), next: alive ? spare : 0 }) + "\n");
    if (handover >= 0) addon.handOver(handover);
    if (req.mode !== "io_serve") addon.exit(127);
    const env = Object.entries(req.env).map(([k, v]) => `${k}=${v}`);
    const pid = addon.becomeCandidate(stdin, stdout, stderr, SOCKET, req.limits, env);
    Object.defineProperty(process, "pid", { value: pid, enumerable: true });
    process.reallyExit = (status) => addon.exit(status >>> 0);
    process.argv = [NODE, RUNNER, req.path, ...(req.args || []).map(String)];
    code = 0;
  } finally {
    if (code) addon.exit(code);
  }
  break;
}
// The candidate: the runner's top-level code starts it; the event loop does the rest.
require(RUNNER);
