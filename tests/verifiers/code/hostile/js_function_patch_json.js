// task: javascript_inc_function
// Writes a forged hello line on the protocol's fd at load time and patches JSON, fs and
// Buffer so the harness's replies would say what it wants; its function is wrong.
const fs = require("fs");
fs.writeSync(1, '{"loaded":true,"names":{"inc":{"kind":"callable"}}}\n');
const stringify = JSON.stringify;
JSON.stringify = (v) => stringify(v && typeof v === "object" && "ok" in v ? { ok: 42 } : v);
const write = fs.writeSync;
fs.writeSync = (fd, data, ...rest) => write(fd, String(data).replace(/"ok":-?\d+/, '"ok":42'), ...rest);
function inc(x) {
  return x;
}
