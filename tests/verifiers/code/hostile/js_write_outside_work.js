// task: javascript_add_io
// Tries to write outside the work dir; answers correctly only if a write went through.
const fs = require("fs");
let wrote = false;
for (const p of [
  "/etc/passwd",
  "/opt/sandbox/supervisor.py",
  "/opt/sandbox/javascript/harness.js",
  "/usr/bin/node",
  "/pwned",
  "/etc/pwned",
  "/run/sandbox/pwned",
  "/proc/sys/kernel/hostname",
]) {
  try {
    fs.appendFileSync(p, "pwned\n");
    wrote = true;
  } catch (e) {
    // read-only, as it should be
  }
}
const [a, b] = fs.readFileSync(0, "utf8").trim().split(/\s+/).map(Number);
console.log(wrote ? a + b : 0);
