// The `fs` one io test of the warm runner sees (iorunner.js): node's own, except where
// the test's standard streams live. Reads of fd 0, /dev/stdin, /proc/self/fd/0 get the
// test's input (the runner's own fd 0 is not the program's); writes to fd 1 and 2,
// /dev/stdout and /dev/stderr land in the test's captures. The paths only where a real
// run could open them (see iorunner.js).
"use strict";

const fs = require("fs");
const { inputStream, PIPE_CHUNK } = require("./io_streams");

const PATHS = new Map([
  ["/dev/stdin", 0],
  ["/dev/stdout", 1],
  ["/dev/stderr", 2],
  ["/proc/self/fd/0", 0],
  ["/proc/self/fd/1", 1],
  ["/proc/self/fd/2", 2],
  ["/dev/fd/0", 0],
  ["/dev/fd/1", 1],
  ["/dev/fd/2", 2],
]);
// Descriptors openSync hands out for those paths: above any real one (RLIMIT_NOFILE is
// far lower), so a real call given one fails with EBADF instead of touching another file.
const FIRST_FAKE_FD = 1 << 20;

const encodingOf = (options) =>
  typeof options === "string" ? options : options && options.encoding ? options.encoding : null;

function makeFs(test) {
  const fakeFds = new Map();
  let nextFd = FIRST_FAKE_FD;

  // 0, 1, 2 for the test's stdin, stdout, stderr, else -1 (a real file).
  function stdio(target) {
    if (typeof target === "number") {
      if (target === 0 || target === 1 || target === 2) return target;
      return fakeFds.has(target) ? fakeFds.get(target) : -1;
    }
    if (typeof target === "string") {
      return PATHS.has(target) && test.hooks.stdioPaths ? PATHS.get(target) : -1;
    }
    if (Buffer.isBuffer(target)) return stdio(target.toString());
    if (target instanceof URL && target.protocol === "file:") return stdio(target.pathname);
    return -1;
  }
  const sink = (which) => (which === 1 ? test.out.sink : test.err.sink);
  const later = (fn, ...args) => test.timers.setImmediate(fn, ...args);

  function readInput(buffer, offsetOrOptions, length) {
    let offset = offsetOrOptions;
    if (offsetOrOptions && typeof offsetOrOptions === "object") {
      ({ offset = 0, length } = offsetOrOptions);
    }
    offset = offset || 0;
    if (length === undefined || length === null) length = buffer.byteLength - offset;
    const bytes = Buffer.from(buffer.buffer, buffer.byteOffset, buffer.byteLength);
    const data = test.takeInput(Math.min(length, PIPE_CHUNK));
    data.copy(bytes, offset);
    return data.length;
  }

  function inputAs(options) {
    const data = test.takeInput(Infinity);
    const encoding = encodingOf(options);
    return encoding ? data.toString(encoding) : Buffer.from(data);
  }

  function writeOut(which, data, a, b) {
    if (typeof data === "string") {
      const encoding = typeof b === "string" ? b : typeof a === "string" ? a : undefined;
      sink(which).add(data, encoding);
      return Buffer.byteLength(data, encoding);
    }
    const offset = typeof a === "number" ? a : a && a.offset ? a.offset : 0;
    const length = typeof b === "number" ? b : data.byteLength - offset;
    sink(which).add(Buffer.from(data.buffer, data.byteOffset + offset, length));
    return length;
  }

  const shim = Object.create(fs);
  Object.assign(shim, {
    readFileSync(path, options) {
      return stdio(path) === 0 ? inputAs(options) : fs.readFileSync(path, options);
    },
    readFile(path, options, cb) {
      if (stdio(path) !== 0) return fs.readFile(path, options, cb);
      if (typeof options === "function") [cb, options] = [options, undefined];
      const data = inputAs(options);
      later(cb, null, data);
    },
    readSync(fd, buffer, offset, length, position) {
      if (stdio(fd) !== 0) return fs.readSync(fd, buffer, offset, length, position);
      return readInput(buffer, offset, length);
    },
    read(fd, ...args) {
      if (stdio(fd) !== 0) return fs.read(fd, ...args);
      const cb = args.pop();
      let [buffer, offset, length] = args;
      if (!buffer || !ArrayBuffer.isView(buffer)) {
        ({ buffer = Buffer.alloc(16384), offset, length } = buffer || {});
      }
      const n = readInput(buffer, offset, length);
      later(cb, null, n, buffer);
    },
    openSync(path, flags, mode) {
      const which = stdio(path);
      if (which < 0 || typeof path === "number") return fs.openSync(path, flags, mode);
      fakeFds.set(nextFd, which);
      return nextFd++;
    },
    closeSync(fd) {
      if (stdio(fd) < 0) return fs.closeSync(fd);
      fakeFds.delete(fd);
    },
    writeSync(fd, data, a, b, c) {
      const which = stdio(fd);
      if (which !== 1 && which !== 2) return fs.writeSync(fd, data, a, b, c);
      return writeOut(which, data, a, b);
    },
    write(fd, data, ...args) {
      const which = stdio(fd);
      if (which !== 1 && which !== 2) return fs.write(fd, data, ...args);
      const cb = args.pop();
      const n = writeOut(which, data, args[0], args[1]);
      later(cb, null, n, data);
    },
    writeFileSync(file, data, options) {
      const which = stdio(file);
      if (which !== 1 && which !== 2) return fs.writeFileSync(file, data, options);
      writeOut(which, data, encodingOf(options) || undefined);
    },
    appendFileSync(file, data, options) {
      const which = stdio(file);
      if (which !== 1 && which !== 2) return fs.appendFileSync(file, data, options);
      writeOut(which, data, encodingOf(options) || undefined);
    },
    createReadStream(path, options) {
      const fd = options && typeof options === "object" ? options.fd : undefined;
      if (stdio(fd === undefined ? path : fd) !== 0) return fs.createReadStream(path, options);
      const stream = inputStream((max) => test.takeInput(max));
      const encoding = encodingOf(options);
      if (encoding) stream.setEncoding(encoding);
      return stream;
    },
    createWriteStream(path, options) {
      const fd = options && typeof options === "object" ? options.fd : undefined;
      const which = stdio(fd === undefined ? path : fd);
      if (which !== 1 && which !== 2) return fs.createWriteStream(path, options);
      return which === 1 ? test.out : test.err;
    },
  });
  const promises = Object.create(fs.promises);
  promises.readFile = (path, options) =>
    stdio(path) === 0
      ? new Promise((resolve) => later(resolve, inputAs(options)))
      : fs.promises.readFile(path, options);
  promises.writeFile = (file, data, options) => {
    const which = stdio(file);
    if (which !== 1 && which !== 2) return fs.promises.writeFile(file, data, options);
    writeOut(which, data, encodingOf(options) || undefined);
    return new Promise((resolve) => later(resolve));
  };
  Object.defineProperty(shim, "promises", { value: promises, enumerable: true });
  return shim;
}

module.exports = { makeFs };
