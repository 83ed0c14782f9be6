#!/usr/bin/env node
// bench/proxy: the egress proxy's throughput and tunnel latency, from a client container on an
// --internal session network, against (a) the same transfer direct and (b) Debian's tinyproxy,
// all measured in one run. Every server here is ours: a source HTTP server, the Paddock proxy
// and tinyproxy all listen on the session network's gateway (this host); the client container
// can reach nothing else.
//   1. Throughput: GET of N MiB (default 1024 = 1 GiB) direct, through a CONNECT tunnel of the
//      Paddock proxy, and through a CONNECT tunnel of tinyproxy, in interleaved rounds. Ratios vs
//      direct and tinyproxy (of the medians, and the median of the per-round ratios), and the CPU
//      time the proxy process used (steadier than throughput on a shared machine).
//   2. Concurrency: C (default 500) tunnels opened at once, each doing one small request; errors
//      counted, time-to-first-byte p50/p99 compared with C direct connections (added latency).
// Targets: >= 0.8x direct, >= 1.0x tinyproxy, 0 errors at 500 concurrent.
// Usage: npm run build:node && node bench/proxy.mjs [--mib 1024] [--conc 500] [--runs 3]
// (PADDOCK_BENCH_PROXY_NODE_ARGS passes node flags to the proxy process, e.g. --cpu-prof.)
// Needs: a Docker engine, the default image (built on first use), tinyproxy (apt-get install tinyproxy).
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const MIB = arg('mib', 1024);
const CONC = arg('conc', 500);
const RUNS = arg('runs', 3);
const out = new URL('../out/node/engine/', import.meta.url);
const { connectEngine } = await import(new URL('sandbox/docker-client.js', out).href);
const { ensureDefaultImage } = await import(new URL('sandbox/image-builder.js', out).href);
const { createSessionNetwork } = await import(new URL('egress/session-network.js', out).href);

const say = (s) => process.stderr.write(`[bench/proxy] ${s}\n`);
const dir = mkdtempSync(join(tmpdir(), 'paddock-bench-proxy-'));
chmodSync(dir, 0o755); // the client container runs as uid 1000
const children = [];
let net;
let srcPid = 0;
let paddockPid = 0;

// The source server: /big streams MIB MiB from one reused buffer, /small answers "ok".
const SOURCE = `
import http from 'node:http';
const chunk = Buffer.alloc(1 << 20, 97);
const s = http.createServer((req, res) => {
  if (req.url === '/small') return res.end('ok');
  const n = Number(new URL(req.url, 'http://x').searchParams.get('mib'));
  res.writeHead(200, { 'content-length': n * chunk.length });
  let left = n;
  const pump = () => { while (left > 0) { left--; if (!res.write(chunk)) return res.once('drain', pump); } res.end(); };
  pump();
});
s.keepAliveTimeout = 1000; s.maxConnections = 5000;
s.listen(0, process.argv[2], () => console.log(JSON.stringify({ port: s.address().port })));
`;

// The Paddock proxy in its own process (as in a session), allowing exactly the source server.
const PROXY = `
const { startEgressProxy } = await import(process.argv[4]);
const [gw, srcPort] = [process.argv[2], Number(process.argv[3])];
let events = 0;
const p = await startEgressProxy({ sessionId: 'bench', listenHost: gw, rules: [{ host: gw, ports: [srcPort], decision: 'allow' }],
  defaultDecision: 'deny', decider: null, events: { emit: () => { events++; } } });
console.log(JSON.stringify({ port: p.port }));
process.on('SIGTERM', () => p.close().then(() => process.exit(0)));
`;

// The client, inside the container. Prints one JSON line.
const CLIENT = `
import net from 'node:net';
const cfg = JSON.parse(process.argv[2]);
function open(via, target) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const s = net.connect(via ? via.port : target.port, cfg.gw);
    s.setNoDelay(true);
    s.once('error', reject);
    if (!via) return s.once('connect', () => resolve({ s, t0, head: Buffer.alloc(0) }));
    s.once('connect', () => s.write('CONNECT ' + cfg.gw + ':' + target.port + ' HTTP/1.1\\r\\nHost: ' + cfg.gw + '\\r\\n\\r\\n'));
    let buf = Buffer.alloc(0);
    const onData = (d) => {
      buf = Buffer.concat([buf, d]);
      const i = buf.indexOf('\\r\\n\\r\\n');
      if (i < 0) return;
      s.removeListener('data', onData);
      if (!/^HTTP\\/1\\.[01] 200/.test(buf.toString('latin1', 0, 16))) return reject(new Error('proxy said ' + buf.toString('latin1', 0, 40)));
      resolve({ s, t0, head: buf.subarray(i + 4) });
    };
    s.on('data', onData);
  });
}
async function fetchBytes(via, path) {
  const { s, t0, head } = await open(via, { port: cfg.src });
  return new Promise((resolve, reject) => {
    let n = head.length, first = head.length ? performance.now() : 0, body = -1, hbuf = head;
    s.write('GET ' + path + ' HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n');
    s.on('data', (d) => { if (!first) first = performance.now(); n += d.length; });
    s.once('error', reject);
    s.once('close', () => resolve({ bytes: n, ttfb: first - t0, total: performance.now() - t0 }));
  });
}
const pct = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
const result = {};
const rates = {};
for (const name of Object.keys(cfg.paths)) rates[name] = [];
// Rounds interleave the paths (direct, paddock, tinyproxy, direct, ...): on a shared machine the
// load drifts, and a block of runs per path would hand that drift to whichever path ran last.
for (let r = 0; r < cfg.runs; r++)
  for (const [name, via] of Object.entries(cfg.paths)) {
    const x = await fetchBytes(via, '/big?mib=' + cfg.mib);
    if (x.bytes < cfg.mib * 1048576) throw new Error(name + ': short transfer ' + x.bytes);
    rates[name].push(x.bytes / 1048576 / (x.total / 1000));
  }
for (const [name, via] of Object.entries(cfg.paths)) {
  const lat = []; let errors = 0;
  await Promise.all(Array.from({ length: cfg.conc }, () => fetchBytes(via, '/small').then((x) => { if (x.bytes < 2) errors++; else lat.push(x.ttfb); }, () => { errors++; })));
  result[name] = { mibps: pct(rates[name], 0.5), rates: rates[name], errors, p50: pct(lat, 0.5), p99: pct(lat, 0.99) };
}
console.log(JSON.stringify(result));
`;

/** utime + stime of a child process so far (Linux /proc), in seconds. */
function cpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // USER_HZ is 100 on Linux
  } catch {
    return NaN;
  }
}

function startChild(args, label) {
  return new Promise((resolve, reject) => {
    const c = spawn(args[0], args.slice(1), { stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(c);
    let text = '';
    c.stdout.on('data', (d) => {
      text += d;
      const line = text.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve({ ...JSON.parse(line), pid: c.pid });
    });
    c.stderr.on('data', (d) => process.stderr.write(`[${label}] ${d}`));
    c.once('exit', (code) => reject(new Error(`${label} exited (${code}) before it was ready`)));
  });
}

async function tinyproxy(gw, subnet) {
  if (spawnSync('tinyproxy', ['-v']).status !== 0) return null;
  const port = 30000 + Math.floor(Math.random() * 20000);
  const conf = join(dir, 'tinyproxy.conf');
  writeFileSync(
    conf,
    [
      `Port ${port}`,
      `Listen ${gw}`,
      'Timeout 600',
      'MaxClients 2000',
      `Allow ${subnet}`,
      'LogLevel Critical',
      'DisableViaHeader Yes',
      '',
    ].join('\n'),
  );
  const c = spawn('tinyproxy', ['-d', '-c', conf], { stdio: 'ignore' });
  children.push(c);
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const ok = await new Promise((r) => {
      const x = connect(port, gw);
      x.once('connect', () => (x.destroy(), r(true)));
      x.once('error', () => r(false));
    });
    if (ok) return { port };
  }
  throw new Error('tinyproxy did not start');
}

try {
  const { docker } = await connectEngine();
  const image = (
    await ensureDefaultImage(docker, {
      onProgress: (e) => e.type === 'step' && say(`building default image: ${e.name}`),
    })
  ).tag;
  net = await createSessionNetwork(docker, `bench-${process.pid}`, { labels: { 'paddock.test': '1' } });
  say(`session network ${net.name}, gateway ${net.gateway}`);
  writeFileSync(join(dir, 'source.mjs'), SOURCE);
  writeFileSync(join(dir, 'proxy.mjs'), PROXY);
  writeFileSync(join(dir, 'client.mjs'), CLIENT);
  const src = await startChild(['node', join(dir, 'source.mjs'), net.gateway], 'source');
  srcPid = src.pid;
  const paddock = await startChild(
    [
      'node',
      // e.g. PADDOCK_BENCH_PROXY_NODE_ARGS='--cpu-prof --cpu-prof-dir=/tmp/prof' to profile the proxy
      ...(process.env.PADDOCK_BENCH_PROXY_NODE_ARGS ?? '').split(' ').filter(Boolean),
      join(dir, 'proxy.mjs'),
      net.gateway,
      String(src.port),
      new URL('egress/egress-proxy.js', out).href,
    ],
    'paddock',
  );
  paddockPid = paddock.pid;
  const tiny = await tinyproxy(net.gateway, net.subnet);
  if (!tiny) say('tinyproxy is not installed (apt-get install tinyproxy): its column is left out');
  const paths = {
    direct: null,
    paddock: { port: paddock.port },
    ...(tiny ? { tinyproxy: { port: tiny.port } } : {}),
  };
  const cfg = { gw: net.gateway, src: src.port, mib: MIB, conc: CONC, runs: RUNS, paths };
  say(
    `client container: ${MIB} MiB x ${RUNS} runs and ${CONC} concurrent tunnels per path (direct, paddock${tiny ? ', tinyproxy' : ''})`,
  );
  const r = spawnSync(
    'docker',
    [
      'run',
      '--rm',
      '--label',
      'paddock.test=1',
      '--network',
      net.name,
      '--dns',
      net.gateway,
      '--cap-drop',
      'ALL',
      '--user',
      '1000:1000',
      '--ulimit',
      'nofile=8192:8192',
      '-v',
      `${dir}:/bench:ro`,
      image,
      'node',
      '/bench/client.mjs',
      JSON.stringify(cfg),
    ],
    { encoding: 'utf8', maxBuffer: 1 << 24 },
  );
  if (r.status !== 0) throw new Error(`client container failed (${r.status}): ${r.stderr}`);
  const res = JSON.parse(r.stdout.trim().split('\n').pop());
  const f = (n, d = 1) => n.toFixed(d);
  console.log(`path        MiB/s (median of ${RUNS})   ${CONC} tunnels: errors   ttfb p50 ms   p99 ms`);
  for (const [k, v] of Object.entries(res))
    console.log(
      `${k.padEnd(11)} ${f(v.mibps).padStart(8)}                   ${String(v.errors).padStart(6)}        ${f(v.p50, 2).padStart(7)}   ${f(v.p99, 2).padStart(7)}`,
    );
  const d = res.direct;
  const p = res.paddock;
  const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const perRound = (a, b) => median(a.rates.map((x, i) => x / b.rates[i]));
  console.log(`per-run MiB/s:   ${Object.entries(res).map(([k, v]) => `${k} ${v.rates.map((x) => f(x, 0)).join('/')}`).join(';  ')}`);
  console.log(
    `paddock / direct throughput:     ${f(p.mibps / d.mibps, 2)}x  (median of the per-round ratios ${f(perRound(p, d), 2)}x; target >= 0.8)`,
  );
  if (res.tinyproxy)
    console.log(
      `paddock / tinyproxy throughput:  ${f(p.mibps / res.tinyproxy.mibps, 2)}x  (per-round ${f(perRound(p, res.tinyproxy), 2)}x; target >= 1.0)`,
    );
  const cpu = (pid) => cpuSeconds(pid);
  console.log(
    `CPU time for ${RUNS} x ${MIB} MiB + ${CONC} tunnels each:  paddock proxy ${f(cpu(paddockPid), 2)} s, source server ${f(cpu(srcPid), 2)} s (source serves all paths)`,
  );
  console.log(
    `added connect latency (ttfb):    p50 +${f(p.p50 - d.p50, 2)} ms, p99 +${f(p.p99 - d.p99, 2)} ms`,
  );
  if (res.tinyproxy)
    console.log(
      `tinyproxy added latency:         p50 +${f(res.tinyproxy.p50 - d.p50, 2)} ms, p99 +${f(res.tinyproxy.p99 - d.p99, 2)} ms`,
    );
  console.log(
    `errors at ${CONC} concurrent:       paddock ${p.errors}${res.tinyproxy ? `, tinyproxy ${res.tinyproxy.errors}` : ''}, direct ${d.errors}  (target 0)`,
  );
} finally {
  for (const c of children) c.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  if (net) await net.remove().catch((e) => say(`network cleanup: ${e.message}`));
  rmSync(dir, { recursive: true, force: true });
}
