const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function main() {
  const text = await new Promise((resolve) => {
    let buf = '';
    process.stdin.on('data', (d) => { buf += d; });
    process.stdin.once('end', () => resolve(buf));
  });
  await sleep(2);
  const lines = text.split('\n');
  const a = lines[1].split(' ').map(Number);
  process.stdout.write(String(a.reduce((s, x) => s + x, 0)) + '\n', () => {
    console.log(structuredClone(a).sort((x, y) => x - y).join(' '));
  });
}

main();
