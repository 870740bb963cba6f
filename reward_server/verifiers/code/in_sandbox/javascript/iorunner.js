// Warm io runner for JavaScript: one node process runs every io test of a completion, each
// in a fresh program state, instead of one node start per test. Usage (runtime.json
// io_serve): `node iorunner.js /work/main.js`. The line protocol (hello; `run <b64 stdin>`;
// `done <exit_code> <flags> <b64 stdout> <b64 stderr>`) is the host's warm_io.py.
//
// Runs as the unprivileged candidate, in the candidate's process: nothing here is trusted.
// A program that subverted it could only forge its own output, which it can do by printing.
//
// Each test calls the program's CommonJS wrapper, compiled once, with a new module,
// require, process, console, fs and timers (io_test.js) in the runner's own realm, which
// is put back as it was after the test (io_realm.js says why not a vm context). A test is
// over when node running the program alone would exit: when none of the program's work
// (timers, immediates, streams, requests) keeps the event loop alive, or at process.exit,
// or at an uncaught exception. Anything the runner cannot undo is reported `tainted` (the
// host then starts a new runner); anything it cannot do faithfully ends the test as a
// failure, which the host always runs again in a fresh process.
"use strict";

const fs = require("fs");
const { load, uncaught } = require("./io_program");
const { takeRealm } = require("./io_realm");
const { Test, EXIT, MAIN, realFs } = require("./io_test");

const realProcess = process;
const realSetImmediate = setImmediate;
const reallyExit = process.reallyExit.bind(process);
const activeResources = process.getActiveResourcesInfo.bind(process);
const { openSync, closeSync, readSync, writeSync } = fs;
const { concat, from: bufferFrom, alloc, allocUnsafe } = {
  concat: Buffer.concat,
  from: Buffer.from.bind(Buffer),
  alloc: Buffer.alloc,
  allocUnsafe: Buffer.allocUnsafe,
};
const ReflectApply = Reflect.apply;
const base64Slice = Buffer.prototype.base64Slice;
const heapStatistics = require("v8").getHeapStatistics;
// A test that leaves more of the heap in use than this (garbage not yet collected, most
// likely) gets a new runner for the next test, so that no test runs slower for another's
// garbage; a run of its own would start with an empty heap.
const HEAP_LEFT = heapStatistics().heap_size_limit / 2;
const MAX_OUTPUT = Number(process.env.SANDBOX_MAX_OUTPUT || 1 << 20);
const CWD = process.cwd();

// The protocol's own descriptors: fd 0 and 1 reopened (a pipe can be, by the candidate
// uid: the supervisor makes them world-accessible), and fd 0 and 1 then pointed at
// /dev/null, so a program reaching the real fd 0 or 1 around the shims reads an empty
// input or writes nowhere (a failure the host re-runs) instead of reading or garbling
// the protocol. Where the pipes cannot be reopened (gVisor keeps them private) the
// protocol stays on fd 0 and 1, and so do /dev/stdin and /dev/stdout: a program cannot
// open those there in a real run either.
function channel() {
  try {
    const input = openSync("/proc/self/fd/0", "r");
    const output = openSync("/proc/self/fd/1", "w");
    closeSync(0);
    openSync("/dev/null", "r");
    closeSync(1);
    openSync("/dev/null", "w");
    return { input, output, reopened: true };
  } catch {
    return { input: 0, output: 1, reopened: false };
  }
}

const proto = channel();

function send(line) {
  const data = bufferFrom(line + "\n", "latin1");
  let off = 0;
  while (off < data.length) off += writeSync(proto.output, data, off);
}

let pending = alloc(0); // read past the last request's line
function readRequest() {
  const parts = [pending];
  let chunk = pending;
  for (;;) {
    const i = chunk.indexOf(10);
    if (i >= 0) {
      parts[parts.length - 1] = chunk.subarray(0, i);
      pending = chunk.subarray(i + 1);
      return concat(parts).toString("latin1");
    }
    chunk = allocUnsafe(1 << 16);
    let n;
    try {
      n = readSync(proto.input, chunk, 0, chunk.length, null);
    } catch (err) {
      if (err.code === "EAGAIN") continue;
      return null;
    }
    if (n === 0) return null;
    chunk = chunk.subarray(0, n);
    parts.push(chunk);
  }
}

const source = realFs.readFileSync(MAIN, "utf8");
const lines = source.split(/\r?\n/);
const program = load(source, MAIN);
if (program.error !== undefined) {
  send("compile_error " + bufferFrom(program.error).toString("base64"));
  reallyExit(0);
}
if (program.cold !== undefined) {
  send("cold " + program.cold.replace(/[^\x20-\x7e]/g, "?"));
  reallyExit(0);
}

// node's own console (console.Console, to make another, is undefined in a node started
// from a snapshot), pointed at each test's streams; the counters and timers it keeps are
// emptied between tests, the rest of it is in the realm.
const consoleState = Object.getOwnPropertySymbols(console)
  .filter((sym) => sym.description === "counts")
  .map((sym) => console[sym])
  .concat([console._times])
  .filter((map) => map instanceof Map);

function redirectConsole(test) {
  for (const [key, stream] of [["_stdout", test.out], ["_stderr", test.err]]) {
    Object.defineProperty(console, key, { value: stream, writable: true, configurable: true });
  }
  for (const map of consoleState) map.clear();
}

// The program's environment: the runner's, less what only the runner is given.
const env = { ...process.env };
delete env.SANDBOX_MAX_OUTPUT;

let current = null;
let pumpQueued = false;
let ending = false;
// node queues an empty immediate after every uncaught exception a listener handled (so that
// pending ticks run); the test's end waits for it to have run, else it would look like work.
let afterUncaught = false;
const hooks = {
  stdioPaths: proto.reopened, // whether /dev/stdin and the like name the test's streams
  // Whether the program still has work that keeps node's event loop alive.
  busy: () => activeResources().length - baseline - (pumpQueued ? 1 : 0) > 0,
  ended: () => ending || queuePump(),
  outputLimit: (test) => {
    reply(test, ["output_limit", "tainted"]);
    reallyExit(0);
  },
  required: (module) => {
    if (!realm.has(module)) realm.add(module);
    return module;
  },
};

realProcess.on("uncaughtException", (err, origin) => {
  const test = current;
  if (test === null && err !== EXIT) {
    // The runner's own failure: the host sees it die and runs the test in a fresh process.
    writeSync(2, `iorunner: ${err && err.stack ? err.stack : err}\n`);
    reallyExit(70);
  }
  afterUncaught = true;
  if (err === EXIT || test.exited) return; // a test that is already over
  test.fatal(uncaught(err, lines, MAIN));
});
// The event loop is empty: the program's async work is over (or there was none).
realProcess.on("beforeExit", () => pump(true));

function queuePump() {
  if (!pumpQueued) {
    pumpQueued = true;
    realSetImmediate(pump);
  }
}

// (Before the realm is put back: node's own base64 encoder, not what a test left in
// Buffer.prototype.)
function reply(test, flags) {
  const out = ReflectApply(base64Slice, test.out.sink.bytes(), []);
  const err = ReflectApply(base64Slice, test.err.sink.bytes(), []);
  send(`done ${test.code} ${flags.length ? flags.join(",") : "-"} ${out} ${err}`);
}

// Ends the current test when its work is done and starts the next one. `idle`: called
// at beforeExit, when nothing keeps the event loop alive (an unref'ed handle is listed
// as a resource but does not).
function pump(idle = false) {
  pumpQueued = false;
  const test = current;
  if (test !== null) {
    if (!test.exited) {
      if (!idle && hooks.busy()) return; // its timers, streams... keep the loop alive
      ending = true; // its exit listeners may not queue another pump: this one goes on
      test.natural();
      ending = false;
    }
    if (afterUncaught) {
      afterUncaught = false;
      queuePump(); // after node's empty immediate
      return;
    }
    finish(test);
  }
  start();
}

// Replies, then puts the realm back while the host judges the reply (most of a
// millisecond). A realm that cannot be put back ends the runner: the host finds it gone
// at the next test and runs that test and the rest in fresh processes.
function finish(test) {
  current = null;
  let tainted = test.tainted || hooks.busy() || heapStatistics().used_heap_size > HEAP_LEFT;
  if (realProcess.cwd() !== CWD) {
    try {
      realProcess.chdir(CWD);
    } catch {
      tainted = true;
    }
  }
  reply(test, tainted ? ["tainted"] : []);
  if (tainted || !realm.restore()) reallyExit(0);
}

function start() {
  const line = readRequest();
  if (line === null) reallyExit(0);
  const [word, data] = line.split(" ");
  if (word !== "run") reallyExit(2);
  const test = new Test(bufferFrom(data || "", "base64"), hooks, MAX_OUTPUT, { ...env });
  current = test;
  Object.assign(globalThis, test.globals());
  redirectConsole(test);
  const { module } = test;
  try {
    program.fn.call(module.exports, module.exports, test.require, module, MAIN, "/work");
    module.loaded = true;
  } catch (err) {
    if (err !== EXIT) test.fatal(uncaught(err, lines, MAIN));
  }
  queuePump();
}

// Ready before the realm is taken, which then overlaps the host's first request.
send("ready");
// Kept as they are now, and put back after every test.
const realm = takeRealm([Buffer, realProcess, require("util").inspect.defaultOptions]);
// node's own stdout and stderr are made on first use, e.g. by the first console.log of a
// program (util's colors look at stderr): made now, they are part of the baseline.
void realProcess.stdout;
void realProcess.stderr;
const baseline = activeResources().length;
start();
