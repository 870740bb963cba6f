// task: javascript_add_io
// Holds ever more memory (JS heap and Buffers outside it); prints the sum only if it survived.
const keep = [];
for (let i = 0; i < 4096; i++) {
  keep.push(new Array(1 << 17).fill(i));
  keep.push(Buffer.alloc(1 << 20, 1));
}
const [a, b] = require("fs").readFileSync(0, "utf8").trim().split(/\s+/).map(Number);
console.log(a + b);
