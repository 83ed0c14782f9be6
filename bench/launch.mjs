#!/usr/bin/env node
// bench/launch: time from `paddock run --cmd true` starting to the command having run, against
// raw `docker run --rm <same image> true`, interleaved in one run. Prints medians and the ratio.
// Target: ratio <= 1.3.   Usage: npm run build:node && node bench/launch.mjs [runs=20]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const runs = Math.max(20, Number(process.argv[2] ?? 20));
const home = mkdtempSync(join(tmpdir(), 'paddock-bench-'));
const env = { ...process.env, PADDOCK_HOME: home };
const repo = join(root, 'examples/hello');

function time(cmd, args) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { ms, stderr: r.stderr };
}

const paddock = ['bin/paddock.js', 'run', '--repo', repo, '--no-tty', '--json', '--cmd', 'true'].map((a) => (a.startsWith('bin/') ? join(root, a) : a));
// Warm up (builds the image if needed) and learn the exact image the session used.
const warm = time(process.execPath, paddock);
const image = JSON.parse(warm.stderr.trim().split('\n').at(-1)).image;
time('docker', ['run', '--rm', image, 'true']);

const p = [];
const d = [];
for (let i = 0; i < runs; i++) {
  p.push(time(process.execPath, paddock).ms);
  d.push(time('docker', ['run', '--rm', '--network', 'none', image, 'true']).ms);
}
rmSync(home, { recursive: true, force: true });

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const pm = median(p);
const dm = median(d);
const ratio = pm / dm;
console.log(`image: ${image}; runs: ${runs} each, interleaved`);
console.log(`paddock run --cmd true: median ${pm.toFixed(0)} ms (min ${Math.min(...p).toFixed(0)}, max ${Math.max(...p).toFixed(0)})`);
console.log(`docker run --rm true:   median ${dm.toFixed(0)} ms (min ${Math.min(...d).toFixed(0)}, max ${Math.max(...d).toFixed(0)})`);
console.log(`ratio: ${ratio.toFixed(2)} (target <= 1.30: ${ratio <= 1.3 ? 'met' : 'NOT met'})`);
