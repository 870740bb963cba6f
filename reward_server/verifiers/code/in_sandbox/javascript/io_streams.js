// One io test's standard streams in the warm runner (iorunner.js): the captures its
// stdout and stderr write to, and readable streams of its input.
"use strict";

const { Readable, Writable } = require("stream");

const ReflectApply = Reflect.apply;
const arrayPush = Array.prototype.push;
const { byteLength, concat, from: bufferFrom } = {
  byteLength: Buffer.byteLength,
  concat: Buffer.concat,
  from: Buffer.from.bind(Buffer),
};
const isUint8Array = (x) => ArrayBuffer.isView(x) && x.BYTES_PER_ELEMENT === 1;
const nextTick = process.nextTick;

// What a read of a pipe returns at most: a real run reads its input from a pipe, so one
// read (fs.readSync, a stream chunk) never sees more than this at once.
const PIPE_CHUNK = 65536;
const UTF8 = new Set([undefined, null, "utf8", "utf-8", "UTF8", "UTF-8"]);

// The bytes one stream of a test wrote, kept up to `cap`; `over` is called once when more
// than `cap` bytes were written (stdout's output limit), with everything kept so far.
class Sink {
  constructor(test, cap, over) {
    this.test = test;
    this.cap = cap;
    this.over = over;
    this.parts = []; // strings (utf-8) and Buffers, in order
    this.size = 0;
  }

  add(chunk, encoding) {
    if (this.test.muted) return;
    let n;
    if (typeof chunk === "string") {
      if (!UTF8.has(encoding)) chunk = bufferFrom(chunk, encoding);
      else n = byteLength(chunk);
    } else if (isUint8Array(chunk)) {
      chunk = bufferFrom(chunk); // a copy: the program may reuse its buffer
    } else {
      const type = chunk === null ? "null" : typeof chunk;
      throw new TypeError(
        'The "chunk" argument must be of type string or an instance of Buffer or ' +
          `Uint8Array. Received ${type}`,
      );
    }
    if (n === undefined) n = chunk.length;
    if (this.size >= this.cap && !this.over) return; // a stderr past its cap: dropped
    ReflectApply(arrayPush, this.parts, [chunk]);
    this.size += n;
    if (this.size > this.cap && this.over) this.over(this.test);
  }

  bytes() {
    const parts = this.parts;
    for (let i = 0; i < parts.length; i++) {
      if (typeof parts[i] === "string") parts[i] = bufferFrom(parts[i]);
    }
    const all = concat(parts);
    return all.length > this.cap ? all.subarray(0, this.cap) : all;
  }
}

// A program's stdout or stderr: a Writable whose writes land in a Sink synchronously,
// as a real run's writes to a pipe do. Like node's own stdout it is never ended by a
// pipe() into it, and it has a _handle for the common setBlocking(true) idiom.
const HANDLE = Object.freeze({ setBlocking: () => 0 });

class Capture extends Writable {
  constructor(sink, fd) {
    super({ decodeStrings: false });
    this.sink = sink;
    this.fd = fd;
    this._handle = HANDLE;
  }

  write(chunk, encoding, cb) {
    if (typeof encoding === "function") {
      cb = encoding;
      encoding = undefined;
    }
    this.sink.add(chunk, encoding);
    if (typeof cb === "function") nextTick(cb, null);
    return true;
  }

  _write(chunk, encoding, cb) {
    this.sink.add(chunk, encoding);
    cb();
  }

  end(chunk, encoding, cb) {
    if (typeof chunk === "function") [cb, chunk] = [chunk, undefined];
    if (typeof encoding === "function") [cb, encoding] = [encoding, undefined];
    if (chunk !== undefined && chunk !== null) this.write(chunk, encoding);
    if (typeof cb === "function") nextTick(cb);
    return this;
  }
}

// A readable stream of a test's input: `take(max)` gives up to max bytes of what is not
// read yet (none at the end). It takes only as the stream reads, in pipe-sized chunks, as
// node's stdin reads its pipe: input read before another way is not read twice.
function inputStream(take) {
  return new Readable({
    read() {
      const data = take(PIPE_CHUNK);
      this.push(data.length ? data : null);
    },
  });
}

module.exports = { Sink, Capture, inputStream, PIPE_CHUNK, UTF8 };
