Array.prototype.sum = function () { return this.reduce((s, x) => s + x, 0); };
const data = require('fs').readFileSync('/dev/stdin', 'utf8').split('\n');
const a = data[1].trim().split(' ').map(Number);
let ticks = 0;
const timer = setInterval(() => {
  ticks += 1;
  if (ticks === 3) {
    clearInterval(timer);
    console.log(a.sum());
  }
}, 1);
process.on('exit', () => {
  console.log([...a].sort((x, y) => x - y).join(' '));
});
