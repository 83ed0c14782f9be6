#!/usr/bin/env node
// bench/launch: time from `paddock run --cmd true` starting to the command having run, against
// raw `docker run --rm --network none <same image> true`, interleaved in one run. paddock is run
// as a user runs it: its npm bin, bin/paddock (the launcher, which execs bin/paddock.js). Two ways
// are measured side by side:
//   - in-process: PADDOCK_NO_ENGINE=1, the CLI starts, loads and runs the session itself;
//   - engine: through a warm engine (`paddock engine start`, started and stopped by this bench
//     on its temp PADDOCK_HOME) that the thin client in bin/paddock.js hands the run to.
// Prints medians and both ratios (target: <= 1.3), and what a bare Node start costs here, with
// NODE_EXTRA_CA_CERTS unset too when it is set: Node parses that bundle at every start, and the
// launcher starts the engine's client without it (the client speaks no TLS; ADR 0009).
// Usage: npm run build:node && node bench/launch.mjs [runs=20]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const runs = Math.max(20, Number(process.argv[2] ?? 20));
const home = mkdtempSync(join(tmpdir(), 'paddock-bench-'));
const env = { ...process.env, PADDOCK_HOME: home };
delete env.PADDOCK_NO_ENGINE;
const inProcessEnv = { ...env, PADDOCK_NO_ENGINE: '1' };
const repo = join(root, 'examples/hello');
const cli = join(root, 'bin/paddock.js');
const bin = join(root, 'bin/paddock'); // the npm bin

function time(cmd, args, e = env) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { env: e, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { ms, stderr: r.stderr, stdout: r.stdout };
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const line = (label, xs) =>
  `${label.padEnd(44)} median ${median(xs).toFixed(0).padStart(4)} ms (min ${Math.min(...xs).toFixed(0)}, max ${Math.max(...xs).toFixed(0)})`;

const paddock = ['run', '--repo', repo, '--no-tty', '--json', '--cmd', 'true'];
let engineStarted = false;
try {
  // Warm up in-process (builds the image if needed) and learn the exact image the session used.
  const warm = time(bin, paddock, inProcessEnv);
  const image = JSON.parse(warm.stderr.trim().split('\n').at(-1)).image;
  time('docker', ['run', '--rm', '--network', 'none', image, 'true']);
  time(process.execPath, [cli, 'engine', 'start']);
  engineStarted = true;
  const status = JSON.parse(time(process.execPath, [cli, 'engine', 'status', '--json']).stdout);
  time(bin, paddock); // the engine's first session

  const d = [];
  const inproc = [];
  const eng = [];
  for (let i = 0; i < runs; i++) {
    d.push(time('docker', ['run', '--rm', '--network', 'none', image, 'true']).ms);
    inproc.push(time(bin, paddock, inProcessEnv).ms);
    eng.push(time(bin, paddock).ms);
  }
  // Proof that the engine runs really went through the engine: their sessions are owned by its pid.
  const index = JSON.parse(readFileSync(join(home, 'sessions.json'), 'utf8'));
  const byEngine = Object.values(index.sessions ?? index).filter((s) => s?.owner?.pid === status.pid).length;

  const node = [];
  const nodeNoCa = [];
  const noCaEnv = { ...env };
  delete noCaEnv.NODE_EXTRA_CA_CERTS;
  for (let i = 0; i < 10; i++) {
    node.push(time(process.execPath, ['-e', '0']).ms);
    if (env.NODE_EXTRA_CA_CERTS) nodeNoCa.push(time(process.execPath, ['-e', '0'], noCaEnv).ms);
  }

  const dm = median(d);
  console.log(`image: ${image}; runs: ${runs} each, interleaved; engine pid ${status.pid} ran ${byEngine} of ${runs + 1} engine sessions`);
  console.log(line('docker run --rm --network none true:', d));
  console.log(line('paddock run --cmd true, in-process:', inproc));
  console.log(line('paddock run --cmd true, through the engine:', eng));
  for (const [label, xs] of [['in-process', inproc], ['engine', eng]]) {
    const ratio = median(xs) / dm;
    console.log(`ratio ${label.padEnd(10)}: ${ratio.toFixed(2)} (target <= 1.30: ${ratio <= 1.3 ? 'met' : 'NOT met'})`);
  }
  console.log(line('node -e 0 (this environment):', node));
  if (env.NODE_EXTRA_CA_CERTS) console.log(line('node -e 0 with NODE_EXTRA_CA_CERTS unset:', nodeNoCa) + '  <- how the engine client starts (bin/paddock)');
} finally {
  if (engineStarted) spawnSync(process.execPath, [cli, 'engine', 'stop'], { env, stdio: 'ignore' });
  rmSync(home, { recursive: true, force: true });
}
