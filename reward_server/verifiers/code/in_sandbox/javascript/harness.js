// Candidate-side call server for JavaScript function tests: loads the candidate's program,
// then calls its functions. Usage: `node harness.js /work/main.js`.
//
// Runs as the unprivileged candidate, in the candidate's process: nothing here is trusted.
// It only turns "call f with these arguments" into "f returned this value"; the judge, on
// the other side of the sandbox boundary, decides what the value means (expected values
// never enter the sandbox). The line protocol is Python's (python/harness.py): first line
// {"loaded": true, "names": {name: {"kind": "callable"}}} or {"loaded": false, "error"};
// then per request {"name", "args": [wire...]} one reply {"ok": wire} | {"raise", "msg"}.
// Wire values are JSON, with tagged objects {"$": tag, "v": ...} for what JSON lacks
// (python/valuecodec.py): objects and Maps cross as "dict", Sets as "set", big integers
// as "int" (hex text), NaN and infinities as "float".
"use strict";

const fs = require("fs");
const vm = require("vm");

// What the harness itself uses, taken before the candidate's code can replace it (a
// replaced builtin could then only garble the candidate's own replies).
const { stringify, parse } = { stringify: JSON.stringify, parse: JSON.parse };
const { writeSync, readSync } = { writeSync: fs.writeSync, readSync: fs.readSync };
const { from: arrayFrom, isArray } = { from: Array.from, isArray: Array.isArray };
const objectKeys = Object.keys;
const bufferFrom = Buffer.from.bind(Buffer);
const bufferAlloc = Buffer.alloc.bind(Buffer);
const utf8 = Buffer.prototype.utf8Slice;

const PROTO_OUT = 1;
const MAX_DEPTH = 100;
const IDENT = /^[A-Za-z_$][\w$]*$/;
// Top-level declarations of a script: where the names the tests may call come from
// (let/const bindings are not properties of the global object).
const DECLARATION =
  /^(?:export\s+)?(?:async\s+)?(?:function\s*\*?\s*([A-Za-z_$][\w$]*)|(?:const|let|var|class)\s+([A-Za-z_$][\w$]*))/gm;

function send(obj) {
  const data = bufferFrom(stringify(obj) + "\n");
  let off = 0;
  while (off < data.length) off += writeSync(PROTO_OUT, data, off);
}

// The candidate's own output goes to stderr, so it can never be read as a reply.
const toStderr = (chunk, encoding, cb) => process.stderr.write(chunk, encoding, cb);
process.stdout.write = toStderr;

let pending = "";
function readLine() {
  const buf = bufferAlloc(1 << 16);
  for (;;) {
    const i = pending.indexOf("\n");
    if (i >= 0) {
      const line = pending.slice(0, i);
      pending = pending.slice(i + 1);
      return line;
    }
    let n;
    try {
      n = readSync(0, buf, 0, buf.length, null);
    } catch (err) {
      if (err.code === "EAGAIN") continue;
      return null;
    }
    if (n === 0) return null;
    pending += utf8.call(buf, 0, n);
  }
}

// JSON tokens, for finding integers too large for a double before JSON.parse rounds them:
// they are rewritten as the wire's own tag for big integers ({"$": "int", "v": hex}).
const TOKEN = /"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/g;

function parseExact(line) {
  const exact = line.replace(TOKEN, (tok) => {
    if (tok[0] === '"' || /[.eE]/.test(tok) || tok.replace("-", "").length < 16) return tok;
    const big = BigInt(tok);
    if (Number.isSafeInteger(Number(big))) return tok;
    const hex = big < 0n ? "-" + (-big).toString(16) : big.toString(16);
    return `{"$":"int","v":"${hex}"}`;
  });
  return parse(exact);
}

function decode(w, depth) {
  if (depth > MAX_DEPTH) throw new Error("value nested too deeply");
  if (w === null || typeof w === "boolean" || typeof w === "number" || typeof w === "string") {
    return w;
  }
  if (isArray(w)) return w.map((x) => decode(x, depth + 1));
  if (typeof w !== "object" || typeof w.$ !== "string" || !("v" in w)) {
    throw new Error("malformed value");
  }
  const v = w.v;
  switch (w.$) {
    case "int": {
      const big = v.startsWith("-") ? -BigInt("0x" + v.slice(1)) : BigInt("0x" + v);
      const small = Number(big);
      return Number.isSafeInteger(small) ? small : big;
    }
    case "float":
      return v === "nan" ? NaN : v === "-inf" ? -Infinity : Infinity;
    case "tuple":
    case "list":
      return v.map((x) => decode(x, depth + 1));
    case "set":
    case "frozenset":
      return new Set(v.map((x) => decode(x, depth + 1)));
    case "dict": {
      const out = {};
      for (const [k, x] of v) out[String(decode(k, depth + 1))] = decode(x, depth + 1);
      return out;
    }
    case "bytes":
    case "bytearray":
    case "str":
      return String(v);
    default:
      throw new Error(`a ${w.$} value has no JavaScript form`);
  }
}

const tag = (t, v) => ({ $: t, v });

function encode(x, depth) {
  if (depth > MAX_DEPTH) throw new Error("value nested too deeply to send");
  if (x === null || x === undefined) return null;
  switch (typeof x) {
    case "boolean":
    case "string":
      return x;
    case "number":
      if (!Number.isFinite(x)) return tag("float", Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf");
      return x;
    case "bigint":
      return x < 0n ? tag("int", "-" + (-x).toString(16)) : tag("int", x.toString(16));
    case "object":
      break;
    default:
      throw new TypeError(`a ${typeof x} is not data`);
  }
  if (isArray(x) || ArrayBuffer.isView(x)) return arrayFrom(x, (y) => encode(y, depth + 1));
  if (x instanceof Set) return tag("set", arrayFrom(x, (y) => encode(y, depth + 1)));
  if (x instanceof Map) {
    return tag("dict", arrayFrom(x, ([k, y]) => [encode(k, depth + 1), encode(y, depth + 1)]));
  }
  if (x instanceof Date) return x.toISOString();
  return tag("dict", objectKeys(x).map((k) => [k, encode(x[k], depth + 1)]));
}

function load(path) {
  const source = fs.readFileSync(path, "utf8");
  const module = { exports: {} };
  Object.assign(globalThis, { module, exports: module.exports, require });
  vm.runInThisContext(source, { filename: path });
  const found = {};
  const exported = module.exports;
  if (typeof exported === "function" && exported.name) found[exported.name] = exported;
  if (exported && typeof exported === "object") {
    for (const k of objectKeys(exported)) if (typeof exported[k] === "function") found[k] = exported[k];
  }
  for (const m of source.matchAll(DECLARATION)) {
    const name = m[1] || m[2];
    if (name in found || !IDENT.test(name)) continue;
    const value = vm.runInThisContext(`typeof ${name} === "undefined" ? undefined : ${name}`);
    if (typeof value === "function") found[name] = value;
  }
  return found;
}

function errorReply(err) {
  const name = err && typeof err === "object" && err.constructor ? err.constructor.name : "Error";
  const msg = err && typeof err === "object" && "message" in err ? err.message : String(err);
  return { raise: String(name), msg: String(msg).slice(0, 500) };
}

async function main() {
  let funcs;
  try {
    funcs = load(process.argv[2]);
  } catch (err) {
    const e = errorReply(err);
    send({ loaded: false, error: `${e.raise}: ${e.msg}` });
    return;
  }
  const names = {};
  for (const k of objectKeys(funcs)) names[k] = { kind: "callable" };
  send({ loaded: true, names });
  for (;;) {
    const line = readLine();
    if (line === null) return;
    let reply;
    try {
      const req = parseExact(line);
      const fn = funcs[req.name];
      if (typeof fn !== "function") throw new ReferenceError(`${req.name} is not defined`);
      let value = fn(...decode(req.args || [], 0));
      if (value && typeof value.then === "function") value = await value;
      reply = { ok: encode(value, 0) };
    } catch (err) {
      reply = errorReply(err);
    }
    send(reply);
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(String(err && err.stack) + "\n");
    process.exit(1);
  },
);
