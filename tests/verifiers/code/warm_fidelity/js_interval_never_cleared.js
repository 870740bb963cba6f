// expect: TIME_LIMIT
// time_limit_s: 2
const a = require('fs').readFileSync(0, 'utf8').trim().split(/\s+/).map(Number).slice(1);
console.log(a.reduce((s, x) => s + x, 0));
console.log(a.sort((x, y) => x - y).join(' '));
setInterval(() => {}, 1000);
