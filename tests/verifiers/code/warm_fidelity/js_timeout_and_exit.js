const fs = require('fs');
const text = fs.readFileSync(0, 'utf-8');
setTimeout(() => {
  const nums = text.split(/\s+/).filter(Boolean).map(Number);
  const a = nums.slice(1);
  fs.writeSync(1, `${a.reduce((s, x) => s + x, 0)}\n`);
  console.log(a.sort((x, y) => x - y).join(' '));
  process.exit(0);
}, 5);
