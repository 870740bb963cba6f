// task: javascript_add_io
// Fills /tmp, /work and /dev/shm until writes fail, then answers wrongly.
const fs = require("fs");
const block = Buffer.alloc(4 << 20, 120);
for (const d of ["/tmp", "/work", "/dev/shm"]) {
  for (let i = 0; i < 10000; i++) {
    try {
      fs.writeFileSync(`${d}/fill${i}`, block);
    } catch (e) {
      break;
    }
  }
}
console.log("wrong");
