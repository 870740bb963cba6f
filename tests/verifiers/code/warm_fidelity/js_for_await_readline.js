const readline = require('node:readline');

class Solver {
  constructor() { this.lines = []; }
  add(line) { this.lines.push(line); }
  answer() {
    const a = this.lines[1].split(' ').map(Number);
    return [a.reduce((s, x) => s + x, 0), a.sort((x, y) => x - y).join(' ')];
  }
}

async function main() {
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  const s = new Solver();
  for await (const line of rl) s.add(line);
  const [sum, sorted] = s.answer();
  console.log(sum);
  console.log(sorted);
}

main();
