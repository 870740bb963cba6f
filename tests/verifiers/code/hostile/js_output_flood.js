// task: javascript_add_io
// Floods stdout without end, starting with what would be the right answer.
const fs = require("fs");
const [a, b] = fs.readFileSync(0, "utf8").trim().split(/\s+/).map(Number);
fs.writeSync(1, `${a + b}\n`);
const line = "y".repeat(65535) + "\n";
for (;;) fs.writeSync(1, line);
