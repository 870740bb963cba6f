let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => { input += chunk; });
process.stdin.on('end', () => {
  const [first, second] = input.split('\n');
  const a = second.trim().split(/\s+/).slice(0, Number(first)).map(Number);
  console.log(String(a.reduce((s, x) => s + x, 0)));
  console.log(a.sort((x, y) => x - y).join(' '));
});
