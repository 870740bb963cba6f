// One io test in the warm runner (iorunner.js): the program's view of node for this test
// (process, console, require, fs, timers) and how the test ends. Everything here is new
// per test; the runner swaps it into the global scope while the test runs.
"use strict";

const fs = require("fs");
const { builtinModules, createRequire } = require("module");
const timers = require("timers");
const { promisify } = require("util");
const { makeFs } = require("./io_fs");
const { Sink, Capture, inputStream } = require("./io_streams");

const MAIN = "/work/main.js";
const STDERR_CAP = 16384;
const ReflectApply = Reflect.apply;
const realProcess = process;
const realConsole = console;
const BUILTINS = new Set(builtinModules);
const mainRequire = createRequire(MAIN);
const MODULE_PATHS = mainRequire.resolve.paths("x") || [];
// Modules whose state outlives a test or reaches around the test's stdio; a program that
// names one in its source is run the old way from its hello, one required under another
// name ends its test as a failure the host runs again in a fresh process.
const COLD_MODULES = new Set([
  "async_hooks",
  "child_process",
  "cluster",
  "domain",
  "inspector",
  "module",
  "repl",
  "trace_events",
  "v8",
  "vm",
  "wasi",
  "worker_threads",
]);
// Thrown by process.exit to unwind the program; it is an Error so that, thrown in an async
// function, node reports the rejection with this very object.
const EXIT = new Error("process.exit()");

const real = {
  setTimeout: timers.setTimeout,
  setInterval: timers.setInterval,
  setImmediate: timers.setImmediate,
  clearTimeout: timers.clearTimeout,
  clearImmediate: timers.clearImmediate,
};

// The test's timers: node's own, remembered so that the ones still pending when the test
// ends (unref'ed, or cut short by process.exit) never fire in a later test.
function makeTimers() {
  const timeouts = new Set();
  const immediates = new Set();
  const api = {
    setTimeout(fn, ms, ...args) {
      if (typeof fn !== "function") return real.setTimeout(fn, ms);
      const t = real.setTimeout(function () {
        timeouts.delete(t);
        return ReflectApply(fn, this, args);
      }, ms);
      timeouts.add(t);
      return t;
    },
    setInterval(fn, ms, ...args) {
      if (typeof fn !== "function") return real.setInterval(fn, ms);
      const t = real.setInterval(function () {
        return ReflectApply(fn, this, args);
      }, ms);
      timeouts.add(t);
      return t;
    },
    setImmediate(fn, ...args) {
      if (typeof fn !== "function") return real.setImmediate(fn);
      const t = real.setImmediate(function () {
        immediates.delete(t);
        return ReflectApply(fn, this, args);
      });
      immediates.add(t);
      return t;
    },
    clearTimeout(t) {
      real.clearTimeout(t);
      timeouts.delete(t);
    },
    clearInterval(t) {
      real.clearTimeout(t);
      timeouts.delete(t);
    },
    clearImmediate(t) {
      real.clearImmediate(t);
      immediates.delete(t);
    },
  };
  for (const name of ["setTimeout", "setImmediate"]) {
    Object.defineProperty(api[name], promisify.custom, {
      enumerable: true,
      get: () => real[name][promisify.custom],
    });
  }
  const cancel = () => {
    for (const t of timeouts) real.clearTimeout(t);
    for (const t of immediates) real.clearImmediate(t);
    timeouts.clear();
    immediates.clear();
  };
  return { api, cancel };
}

class Test {
  // input: the test's stdin bytes; hooks: the runner's side (see iorunner.js).
  constructor(input, hooks, maxOutput, env) {
    this.input = input;
    this.pos = 0;
    this.hooks = hooks;
    this.muted = false; // the program is over: nothing it still does is output
    this.exited = false;
    this.tainted = false;
    this.code = 0;
    this.out = new Capture(new Sink(this, maxOutput, hooks.outputLimit), 1);
    this.err = new Capture(new Sink(this, STDERR_CAP, null), 2);
    this.stdin = null;
    const { api, cancel } = makeTimers();
    this.timers = api;
    this.cancelTimers = cancel;
    this.module = {
      id: ".",
      path: "/work",
      exports: {},
      filename: MAIN,
      loaded: false,
      children: [],
      paths: [...MODULE_PATHS],
    };
    this.process = this.makeProcess(env);
    this.fs = null;
    this.require = this.makeRequire();
    this.module.require = this.require;
  }

  // Up to `max` bytes of the input not read yet.
  takeInput(max) {
    const end = Math.min(this.input.length, this.pos + max);
    const data = this.input.subarray(this.pos, end);
    this.pos = end;
    return data;
  }

  makeProcess(env) {
    const test = this;
    const p = Object.create(realProcess);
    // Its own listeners: EventEmitter keeps them in these, which it would otherwise
    // find (and change) on the real process.
    defineOwn(p, { _events: Object.create(null), _eventsCount: 0, _maxListeners: undefined }, false);
    Object.defineProperty(p, "stdin", {
      enumerable: true,
      configurable: true,
      get() {
        if (test.stdin === null) {
          test.stdin = inputStream((max) => test.takeInput(max));
          test.stdin.fd = 0;
        }
        return test.stdin;
      },
      set(v) {
        Object.defineProperty(p, "stdin", { value: v, writable: true, configurable: true });
      },
    });
    const unsupported = (name) =>
      function () {
        test.unsupported(`process.${name}()`);
      };
    defineOwn(p, {
      stdout: this.out,
      stderr: this.err,
      argv: [realProcess.argv[0], MAIN],
      env,
      exitCode: undefined,
      mainModule: this.module,
      exit: (code) => test.exit(code),
      openStdin: () => p.stdin.resume(),
      binding: unsupported("binding"),
      _linkedBinding: unsupported("_linkedBinding"),
      dlopen: unsupported("dlopen"),
      setUncaughtExceptionCaptureCallback: unsupported("setUncaughtExceptionCaptureCallback"),
    });
    return p;
  }

  makeRequire() {
    const test = this;
    const own = {
      __proto__: null,
      fs: () => test.fs || (test.fs = makeFs(test)),
      "fs/promises": () => own.fs().promises,
      process: () => test.process,
      console: () => realConsole,
      timers: () => ({ ...timers, ...test.timers }),
    };
    function require(id) {
      if (typeof id !== "string") return mainRequire(id); // node's own error
      const name = id.startsWith("node:") ? id.slice(5) : id;
      if (name in own) return own[name]();
      if (COLD_MODULES.has(name)) test.unsupported(`require('${id}')`);
      if (BUILTINS.has(name)) return test.hooks.required(mainRequire(id));
      mainRequire.resolve(id); // throws MODULE_NOT_FOUND as a real run would
      test.unsupported(`require('${id}') of a file`);
    }
    require.resolve = mainRequire.resolve;
    require.main = this.module;
    require.cache = Object.create(null);
    require.extensions = mainRequire.extensions;
    return require;
  }

  // process.exit(code): the test is over now.
  exit(code) {
    if (code !== undefined) this.process.exitCode = code;
    if (!this.exited) this.over(null);
    throw EXIT;
  }

  // An uncaught exception or unhandled rejection of the program (what node prints it as).
  fatal(printed) {
    if (this.exited) return;
    this.over(printed);
  }

  // The program has no work left: it ends as node's would.
  natural() {
    if (!this.exited) this.over(null, true);
  }

  // Runs the 'exit' listeners, then nothing of the program runs any more. Work the
  // program still had pending (not for a natural end) leaves the runner tainted.
  over(printed, natural = false) {
    this.exited = true;
    if (!natural && this.hooks.busy()) this.tainted = true;
    const p = this.process;
    if (printed !== null) p.exitCode = 1;
    try {
      p.emit("exit", toCode(p.exitCode));
    } catch (err) {
      if (err !== EXIT) {
        this.err.sink.add(String(err && err.stack ? err.stack : err) + "\n");
        p.exitCode = 7; // node's code for an exception in an exit handler
      }
    }
    if (printed !== null) this.err.sink.add(printed);
    this.code = toCode(p.exitCode);
    this.stop();
    this.hooks.ended(this);
  }

  // Something the runner cannot give this test faithfully: it fails here, and the host
  // runs it again in a fresh process (a failure is always checked that way).
  unsupported(what) {
    this.tainted = true;
    if (!this.exited) this.over(`the warm runner does not support ${what}\n`);
    throw EXIT;
  }

  stop() {
    this.muted = true;
    this.cancelTimers();
    if (this.stdin !== null && typeof this.stdin.destroy === "function") this.stdin.destroy();
  }

  // The globals node gives a program, as this test's (the console is node's own, writing
  // to this test's streams: see iorunner.js).
  globals() {
    return { process: this.process, ...this.timers };
  }
}

// Own data properties of `obj` (which may inherit accessors of the same names).
function defineOwn(obj, props, enumerable = true) {
  for (const key of Object.keys(props)) {
    Object.defineProperty(obj, key, {
      value: props[key],
      writable: true,
      enumerable,
      configurable: true,
    });
  }
}

function toCode(value) {
  return (Number(value || 0) | 0) & 255;
}

module.exports = { Test, EXIT, COLD_MODULES, MAIN, toCode, realFs: fs };
