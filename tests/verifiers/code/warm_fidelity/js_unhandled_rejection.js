// expect: RUNTIME_ERROR
const a = require('fs').readFileSync(0, 'utf8').trim().split(/\s+/).map(Number).slice(1);
console.log(a.reduce((s, x) => s + x, 0));
console.log(a.sort((x, y) => x - y).join(' '));
Promise.reject(new Error('never handled'));
