// task: javascript_add_io
// Exits with status 0 before answering (a pending write and a timer never run).
setTimeout(() => console.log("too late"), 0);
process.exit(0);
