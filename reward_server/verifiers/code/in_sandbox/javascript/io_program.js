// The warm runner's hello (iorunner.js): the program compiled once as node compiles a
// CommonJS main module, what `node --check` would print when it does not compile, and
// why a program that does should not run warm. Also how node prints an uncaught error.
"use strict";

const vm = require("vm");
const { inspect } = require("util");
const { COLD_MODULES } = require("./io_test");

const PARAMS = ["exports", "require", "module", "__filename", "__dirname"];
const STRING = `(['"\`])`;
const COLD = [
  [new RegExp(`\\brequire\\s*\\(\\s*${STRING}(?:node:)?([\\w/]+)\\1`, "g"), (m) =>
    COLD_MODULES.has(m[2]) ? `it requires ${m[2]}` : null],
  [/\bprocess\s*\.\s*(binding|_linkedBinding|dlopen|setUncaughtExceptionCaptureCallback)\b/g,
    (m) => `it uses process.${m[1]}`],
  [/(['"`])(uncaughtException|unhandledRejection|rejectionHandled|beforeExit)\1/g,
    (m) => `it names the process event ${m[2]}`],
  [/\/(?:proc\/self|dev)\/fd\b(?!\/[012](?!\d))/g, () => "it opens descriptors under /proc/self/fd"],
  [/(?<![\w$.])import\s*\(/g, () => "it uses dynamic import()"],
];
// node prints this before a CommonJS file's SyntaxError when the file has ES module syntax.
const ESM_ERRORS = /^(Cannot use import statement outside a module|Unexpected token 'export')/;
const ESM_WARNING =
  'Warning: To load an ES module, set "type": "module" in the package.json or use the ' +
  ".mjs extension.\n(Use `node --trace-warnings ...` to show where the warning was created)\n";

// { fn } for a program that compiled, { error } for one that did not, { cold } for one
// that should not run warm.
function load(source, filename) {
  let fn;
  try {
    fn = vm.compileFunction(source, PARAMS, { filename });
  } catch (err) {
    return { error: diagnostics(err) };
  }
  for (const [pattern, why] of COLD) {
    for (const m of source.matchAll(pattern)) {
      const reason = why(m);
      if (reason) return { cold: reason };
    }
  }
  return { fn };
}

// What `node --check` prints for a compile error: the source line and caret node puts
// before the stack (vm adds them to err.stack as node does), the error, node's version.
// The stack's frames are the runner's, not `node --check`'s, so they are left out.
function diagnostics(err) {
  const stack = String(err && err.stack ? err.stack : err);
  const name = `${err && err.name}: ${err && err.message}`;
  const at = stack.indexOf(name);
  const head = at >= 0 ? stack.slice(0, at) + name : stack.split("\n    at ")[0];
  const warning = ESM_ERRORS.test(String(err && err.message))
    ? `(node:${process.pid}) ${ESM_WARNING}`
    : "";
  return `${warning}${head}\n\nNode.js ${process.version}\n`;
}

// How node prints an uncaught exception: where it was thrown (as far as the stack says),
// the error, node's version.
function uncaught(err, lines, filename) {
  if (err instanceof Error || (err && typeof err.stack === "string")) {
    let where = "";
    const m = String(err.stack).match(new RegExp(`${escape(filename)}:(\\d+):(\\d+)`));
    if (m && lines[m[1] - 1] !== undefined) {
      where = `${filename}:${m[1]}\n${lines[m[1] - 1]}\n${" ".repeat(m[2] - 1)}^\n\n`;
    }
    return `${where}${inspect(err)}\n\nNode.js ${process.version}\n`;
  }
  return (
    `Uncaught ${inspect(err)}\n(Use \`node --trace-uncaught ...\` to show where the ` +
    `exception was thrown)\n\nNode.js ${process.version}\n`
  );
}

function escape(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

module.exports = { load, uncaught };
