const fs = require('fs');
const chunks = [];
process.stdin.on('readable', () => {
  let chunk;
  while ((chunk = process.stdin.read()) !== null) chunks.push(chunk);
});
process.stdin.on('end', () => {
  const viaFd = fs.readFileSync(process.stdin.fd, 'utf8');  // already consumed: empty
  const nums = Buffer.concat(chunks).toString().split(/\s+/).filter(Boolean).map(Number);
  const a = nums.slice(1, 1 + nums[0]);
  console.log(a.reduce((s, x) => s + x, viaFd.length));
  console.log(a.sort((x, y) => x - y).join(' '));
});
