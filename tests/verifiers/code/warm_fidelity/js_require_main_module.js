'use strict';

function solve(input) {
  const [n, ...rest] = input.trim().split(/\s+/).map(Number);
  const a = rest.slice(0, n);
  return `${a.reduce((s, x) => s + x, 0)}\n${a.sort((x, y) => x - y).join(' ')}`;
}

module.exports = { solve };

if (require.main === module) {
  const input = require('fs').readFileSync(0, 'utf8');
  if (!input) return;  // CommonJS allows a top-level return
  console.log(solve(input));
}
