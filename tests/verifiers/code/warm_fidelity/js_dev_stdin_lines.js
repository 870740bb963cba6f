'use strict';
const lines = require('fs').readFileSync('/dev/stdin').toString().split('\n');
const n = parseInt(lines[0], 10);
const a = lines[1].trim().split(' ').slice(0, n).map((s) => BigInt(s));
let sum = 0n;
for (const x of a) sum += x;
a.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
process.stdout.write(`${sum}\n${a.join(' ')}\n`);
