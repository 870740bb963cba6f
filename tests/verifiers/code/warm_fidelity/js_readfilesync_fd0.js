const data = require('fs').readFileSync(0, 'utf8').trim().split(/\s+/).map(Number);
const n = data[0];
const a = data.slice(1, n + 1);
console.log(a.reduce((s, x) => s + x, 0));
console.log([...a].sort((x, y) => x - y).join(' '));
