// task: javascript_add_io
// Runs right after js_leave_process.js in the same container: answers correctly only if
// that run's process or its file is still there.
const fs = require("fs");
let found = fs.existsSync("/work/daemon_was_here");
for (const pid of fs.readdirSync("/proc")) {
  const n = Number(pid);
  if (n > 1 && n !== process.pid && n !== process.ppid) {
    try {
      if (fs.readFileSync(`/proc/${pid}/cmdline`, "latin1").includes("daemon_was_here")) found = true;
    } catch (e) {
      // gone
    }
  }
}
const [a, b] = fs.readFileSync(0, "utf8").trim().split(/\s+/).map(Number);
console.log(found ? a + b : -1);
