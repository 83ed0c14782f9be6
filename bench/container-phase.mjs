#!/usr/bin/env node
// bench/container-phase: a session's container phase in one process (SessionRunner.start() until
// its `done` has resolved: image resolved, workspace prepared, recorded, container created,
// attached, started, exited, removed, changes read, end recorded; no node start-up, CLI, policy or
// journal), against raw `docker run --rm --network none <same image> true` (whose figure includes
// the docker CLI's own start, ~20 ms), interleaved in one run. Prints medians and the ratio.
// Usage: npm run build:node && node bench/container-phase.mjs [runs=20]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const runs = Math.max(20, Number(process.argv[2] ?? 20));
const home = mkdtempSync(join(tmpdir(), 'paddock-bench-'));
const repo = join(root, 'examples/hello');
const { SessionRunner } = await import(join(root, 'out/node/engine/sessions/session-runner.js'));
const { connectEngine } = await import(join(root, 'out/node/engine/sandbox/docker-client.js'));
const { resolveImage } = await import(join(root, 'out/node/engine/sandbox/image-builder.js'));

const { docker } = await connectEngine();
const image = (await resolveImage(docker, undefined)).tag;
const runner = new SessionRunner({ docker, events: { emit() {} }, home });

async function session() {
  const t0 = performance.now();
  const h = await runner.start({ repo, command: ['true'], tty: false });
  const r = await h.done;
  if (r.exitCode !== 0 || r.reason !== 'exited') throw new Error(`session ${h.id} ended ${JSON.stringify(r)}`);
  return performance.now() - t0;
}
function dockerRun() {
  const t0 = performance.now();
  const r = spawnSync('docker', ['run', '--rm', '--network', 'none', image, 'true'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`docker run failed (${r.status}): ${r.stderr}`);
  return performance.now() - t0;
}

// Warm up both paths once.
await session();
dockerRun();
const p = [];
const d = [];
for (let i = 0; i < runs; i++) {
  p.push(await session());
  d.push(dockerRun());
}
rmSync(home, { recursive: true, force: true });

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const pm = median(p);
const dm = median(d);
console.log(`image: ${image}; runs: ${runs} each, interleaved`);
console.log(`session container phase: median ${pm.toFixed(0)} ms (min ${Math.min(...p).toFixed(0)}, max ${Math.max(...p).toFixed(0)})`);
console.log(`docker run --rm true:    median ${dm.toFixed(0)} ms (min ${Math.min(...d).toFixed(0)}, max ${Math.max(...d).toFixed(0)})`);
console.log(`ratio: ${(pm / dm).toFixed(2)}`);
