// task: javascript_add_io
// Tampers with what a warm runner shares between tests (builtins, the global object, the
// process object, fs, timers), then answers wrong: no later test may run in that state.
Object.freeze(Array.prototype);
Object.defineProperty(globalThis, "answer", { value: 3, configurable: false });
Function.prototype.call = function () {
  return 3;
};
JSON.stringify = () => "3";
Buffer.prototype.toString = () => "3";
const real = Object.getPrototypeOf(process);
real.reallyExit = () => {};
real.exit = () => {};
require("fs").writeSync = () => 0;
setInterval(() => console.log(3), 1).unref();
console.log(-1);
