// task: javascript_add_io
// then: js_find_left_process.js
// Answers correctly but leaves a detached node process behind that keeps writing a file.
const { spawn } = require("child_process");
const fs = require("fs");
const [a, b] = fs.readFileSync(0, "utf8").trim().split(/\s+/).map(Number);
fs.writeSync(1, `${a + b}\n`);
const daemon =
  'for (const s of ["SIGTERM","SIGHUP","SIGINT"]) process.on(s, () => {});' +
  'setInterval(() => { try { require("fs").writeFileSync("/work/daemon_was_here", "x"); } catch (e) {} }, 10);';
spawn(process.execPath, ["-e", daemon], { detached: true, stdio: "ignore" }).unref();
