#!/usr/bin/env node
// bench/proxy: the egress proxy's throughput and tunnel latency, from a client container on an
// --internal session network, against (a) the same transfer direct and (b) Debian's tinyproxy,
// all measured in one run. Every server here is ours: a source HTTP server, the Paddock proxy
// and tinyproxy all listen on the session network's gateway (this host); the client container
// can reach nothing else.
//   1. Throughput: GET of N MiB (default 1024 = 1 GiB) direct, through a CONNECT tunnel of the
//      Paddock proxy, through a CONNECT tunnel of tinyproxy, and through two controls with no
//      rules and no CONNECT: `socat -b 1048576` (a C read/write relay) and a zero-copy relay
//      (splice(2) through a pipe, Python's os.splice). Every path gets one uncounted warm-up
//      transfer, then interleaved rounds whose order rotates (no path always runs first). Ratios vs
//      direct and tinyproxy (of the medians, and the median of the per-round ratios), and the CPU
//      each process spent per GiB on each path: the client (inside the container), the relay and
//      the source server. The CPU figures are steadier than throughput on a shared machine, and
//      their totals bound the ratio a CPU-bound machine can show (direct total / path total).
//   2. Concurrency: C (default 500) tunnels opened at once, each doing one small request; errors
//      counted, time-to-first-byte p50/p99 compared with C direct connections (added latency).
// Targets: >= 0.8x direct, >= 1.0x tinyproxy, 0 errors at 500 concurrent.
// Usage: npm run build:node && node bench/proxy.mjs [--mib 1024] [--conc 500] [--runs 3]
// (PADDOCK_BENCH_PROXY_NODE_ARGS passes node flags to the proxy process, e.g. --cpu-prof.)
// Needs: a Docker engine, the default image (built on first use); tinyproxy, socat and python3
// (apt-get install tinyproxy socat python3) for their columns, each left out when missing.
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
const WARM = Math.min(MIB, arg('warm', 64)); // MiB, per path, not counted
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

// A second control: a zero-copy relay (Linux splice(2) through a pipe, one thread per direction;
// Python's os.splice), no rules, no CONNECT. Prints its port, then relays gateway -> source.
const SPLICE = `
import os, socket, sys, threading
gw, src = sys.argv[1], int(sys.argv[2])
ls = socket.create_server((gw, 0), backlog=1024)
print('{"port": %d}' % ls.getsockname()[1], flush=True)
def one(a, b):
    r, w = os.pipe()
    try:
        import fcntl; fcntl.fcntl(r, 1031, 1 << 20)  # F_SETPIPE_SZ
        while (n := os.splice(a.fileno(), w, 1 << 20)) > 0:
            while n > 0: n -= os.splice(r, b.fileno(), n)
    except OSError: pass
    try: b.shutdown(socket.SHUT_WR)
    except OSError: pass
def pair(c):
    u = socket.create_connection((gw, src))
    t = threading.Thread(target=one, args=(c, u)); t.start(); one(u, c); t.join(); c.close(); u.close()
while True:
    c, _ = ls.accept(); threading.Thread(target=pair, args=(c,), daemon=True).start()
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
  const { s, t0, head } = await open(via && !via.plain ? via : null, { port: via?.plain ? via.port : cfg.src });
  return new Promise((resolve, reject) => {
    let n = head.length, first = head.length ? performance.now() : 0;
    s.write('GET ' + path + ' HTTP/1.1\\r\\nHost: x\\r\\nConnection: close\\r\\n\\r\\n');
    s.on('data', (d) => { if (!first) first = performance.now(); n += d.length; });
    s.once('error', reject);
    s.once('close', () => resolve({ bytes: n, ttfb: first - t0, total: performance.now() - t0 }));
  });
}
const pct = (a, p) => { const s = [...a].sort((x, y) => x - y); return s[Math.min(s.length - 1, Math.floor(p * s.length))]; };
// One line per event on stdout: the host samples its processes' CPU time at each mark.
const mark = (o) => new Promise((r) => process.stdout.write(JSON.stringify(o) + '\\n', r));
const result = {};
const rates = {};
const cpu = {};
const names = Object.keys(cfg.paths);
for (const name of names) { rates[name] = []; cpu[name] = []; }
// Warm-up: one uncounted transfer per path (JIT, TCP autotuning, page cache of the pools).
for (const name of names) await fetchBytes(cfg.paths[name], '/big?mib=' + cfg.warm);
// Rounds interleave the paths, and each round starts one path later (direct, paddock, tinyproxy;
// paddock, tinyproxy, direct; ...): on a shared machine the load drifts, and a fixed order would
// hand that drift to whichever path always runs first or last.
for (let r = 0; r < cfg.runs; r++)
  for (let k = 0; k < names.length; k++) {
    const name = names[(r + k) % names.length];
    await mark({ start: name });
    const c0 = process.cpuUsage();
    const x = await fetchBytes(cfg.paths[name], '/big?mib=' + cfg.mib);
    const c = process.cpuUsage(c0);
    await new Promise((r) => setTimeout(r, 250)); // a forking relay's child is reaped (its CPU counted) by now
    await mark({ end: name });
    if (x.bytes < cfg.mib * 1048576) throw new Error(name + ': short transfer ' + x.bytes);
    rates[name].push(x.bytes / 1048576 / (x.total / 1000));
    cpu[name].push((c.user + c.system) / 1e6 / (x.bytes / 1073741824));
  }
for (const name of names) {
  const via = cfg.paths[name];
  const lat = []; let errors = 0;
  if (!via?.plain)
    await Promise.all(Array.from({ length: cfg.conc }, () => fetchBytes(via, '/small').then((x) => { if (x.bytes < 2) errors++; else lat.push(x.ttfb); }, () => { errors++; })));
  result[name] = { mibps: pct(rates[name], 0.5), rates: rates[name], clientCpu: cpu[name], errors, p50: pct(lat, 0.5), p99: pct(lat, 0.99) };
}
console.log(JSON.stringify(result));
`;

/** CPU time of a process so far, its threads and its reaped children included (Linux /proc), in seconds. */
function cpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / 100; // USER_HZ is 100 on Linux
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
  await listening(gw, port, 'tinyproxy');
  return { port, pid: c.pid };
}

/** The control: a C relay (read/write, 1 MiB buffers) with no rules and no CONNECT, gateway -> source. */
async function socat(gw, srcPort) {
  if (spawnSync('socat', ['-V']).status !== 0) return null;
  const port = 30000 + Math.floor(Math.random() * 20000);
  const c = spawn(
    'socat',
    ['-b', '1048576', `TCP-LISTEN:${port},bind=${gw},fork,reuseaddr,backlog=1024`, `TCP:${gw}:${srcPort}`],
    { stdio: 'ignore' },
  );
  children.push(c);
  await listening(gw, port, 'socat');
  return { port, pid: c.pid, plain: true };
}

/** The zero-copy control, when python3 with os.splice (3.10+) is there; null otherwise. */
async function spliceRelay(gw, srcPort) {
  if (spawnSync('python3', ['-c', 'import os; os.splice']).status !== 0) return null;
  writeFileSync(join(dir, 'splice.py'), SPLICE);
  const r = await startChild(['python3', join(dir, 'splice.py'), gw, String(srcPort)], 'splice');
  return { port: r.port, pid: r.pid, plain: true };
}

async function listening(host, port, label) {
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 100));
    const ok = await new Promise((r) => {
      const x = connect(port, host);
      x.once('connect', () => (x.destroy(), r(true)));
      x.once('error', () => r(false));
    });
    if (ok) return;
  }
  throw new Error(`${label} did not start`);
}

/** Run the client container; sample the host processes' CPU time at each start/end mark it prints. */
function runClient(args, pids) {
  return new Promise((resolve, reject) => {
    const c = spawn('docker', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const cpu = {}; // path -> [{ relay, source }] CPU seconds per transfer
    let at = null;
    let text = '';
    let err = '';
    let last = null;
    const sample = (name) => ({
      relay: pids[name] ? cpuSeconds(pids[name]) : 0,
      source: cpuSeconds(pids.source),
    });
    c.stdout.on('data', (d) => {
      text += d;
      let i;
      while ((i = text.indexOf('\n')) >= 0) {
        const line = text.slice(0, i);
        text = text.slice(i + 1);
        const m = JSON.parse(line);
        if (m.start) at = sample(m.start);
        else if (m.end) {
          const now = sample(m.end);
          (cpu[m.end] ??= []).push({ relay: now.relay - at.relay, source: now.source - at.source });
        } else last = m;
      }
    });
    c.stderr.on('data', (d) => (err += d));
    c.once('error', reject);
    c.once('exit', (code) =>
      code === 0 && last
        ? resolve({ res: last, cpu })
        : reject(new Error(`client container failed (${code}): ${err}`)),
    );
  });
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
  const ctl = await socat(net.gateway, src.port);
  if (!ctl) say('socat is not installed (apt-get install socat): the C relay control is left out');
  const zc = await spliceRelay(net.gateway, src.port);
  if (!zc)
    say('python3 with os.splice is not installed (apt-get install python3): the splice control is left out');
  const paths = {
    direct: null,
    paddock: { port: paddock.port },
    ...(tiny ? { tinyproxy: { port: tiny.port } } : {}),
    ...(ctl ? { socat: { port: ctl.port, plain: true } } : {}),
    ...(zc ? { splice: { port: zc.port, plain: true } } : {}),
  };
  const pids = {
    source: src.pid,
    paddock: paddock.pid,
    tinyproxy: tiny?.pid,
    socat: ctl?.pid,
    splice: zc?.pid,
  };
  const cfg = { gw: net.gateway, src: src.port, mib: MIB, warm: WARM, conc: CONC, runs: RUNS, paths };
  say(
    `client container: ${WARM} MiB warm-up, then ${MIB} MiB x ${RUNS} rotating rounds per path (${Object.keys(paths).join(', ')}); ${CONC} concurrent tunnels per proxy`,
  );
  const { res, cpu: hostCpu } = await runClient(
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
    pids,
  );
  const f = (n, d = 1) => n.toFixed(d);
  const median = (a) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];
  const proxies = Object.keys(res).filter((k) => !paths[k]?.plain);
  console.log(`path        MiB/s (median of ${RUNS})   ${CONC} tunnels: errors   ttfb p50 ms   p99 ms`);
  for (const [k, v] of Object.entries(res))
    console.log(
      paths[k]?.plain
        ? `${k.padEnd(11)} ${f(v.mibps).padStart(8)}                   (control: throughput only)`
        : `${k.padEnd(11)} ${f(v.mibps).padStart(8)}                   ${String(v.errors).padStart(6)}        ${f(v.p50, 2).padStart(7)}   ${f(v.p99, 2).padStart(7)}`,
    );
  const d = res.direct;
  const p = res.paddock;
  const perRound = (a, b) => median(a.rates.map((x, i) => x / b.rates[i]));
  console.log(
    `per-run MiB/s:   ${Object.entries(res)
      .map(([k, v]) => `${k} ${v.rates.map((x) => f(x, 0)).join('/')}`)
      .join(';  ')}`,
  );
  console.log(
    `paddock / direct throughput:     ${f(p.mibps / d.mibps, 2)}x  (median of the per-round ratios ${f(perRound(p, d), 2)}x; target >= 0.8)`,
  );
  if (res.tinyproxy)
    console.log(
      `paddock / tinyproxy throughput:  ${f(p.mibps / res.tinyproxy.mibps, 2)}x  (per-round ${f(perRound(p, res.tinyproxy), 2)}x; target >= 1.0)`,
    );
  if (res.splice)
    console.log(
      `control: splice / direct:        ${f(res.splice.mibps / d.mibps, 2)}x  (per-round ${f(perRound(res.splice, d), 2)}x); paddock / splice ${f(p.mibps / res.splice.mibps, 2)}x (per-round ${f(perRound(p, res.splice), 2)}x)`,
    );
  if (res.socat)
    console.log(
      `control: socat / direct:         ${f(res.socat.mibps / d.mibps, 2)}x  (per-round ${f(perRound(res.socat, d), 2)}x); paddock / socat ${f(p.mibps / res.socat.mibps, 2)}x (per-round ${f(perRound(p, res.socat), 2)}x)`,
    );
  // CPU seconds per GiB moved, medians over the rounds: what each process pays for a byte on each path.
  const gib = MIB / 1024;
  const perGib = (k) => {
    const client = median(res[k].clientCpu);
    const relay = median((hostCpu[k] ?? []).map((x) => x.relay / gib));
    const source = median((hostCpu[k] ?? []).map((x) => x.source / gib));
    return { client, relay, source, total: client + relay + source };
  };
  const c0 = perGib('direct');
  console.log('CPU s per GiB     client  relay  source   total   direct total / total');
  for (const k of Object.keys(res)) {
    const c = perGib(k);
    console.log(
      `${k.padEnd(16)} ${f(c.client, 2).padStart(7)} ${f(c.relay, 2).padStart(6)} ${f(c.source, 2).padStart(7)} ${f(c.total, 2).padStart(7)}   ${f(c0.total / c.total, 2).padStart(6)}x`,
    );
  }
  console.log(
    `CPU time for ${RUNS} x ${MIB} MiB + warm-up + ${CONC} tunnels:  paddock proxy ${f(cpuSeconds(paddockPid), 2)} s, source server ${f(cpuSeconds(srcPid), 2)} s (source serves all paths)`,
  );
  console.log(
    `added connect latency (ttfb):    p50 +${f(p.p50 - d.p50, 2)} ms, p99 +${f(p.p99 - d.p99, 2)} ms`,
  );
  if (res.tinyproxy)
    console.log(
      `tinyproxy added latency:         p50 +${f(res.tinyproxy.p50 - d.p50, 2)} ms, p99 +${f(res.tinyproxy.p99 - d.p99, 2)} ms`,
    );
  console.log(
    `errors at ${CONC} concurrent:       ${proxies.map((k) => `${k} ${res[k].errors}`).join(', ')}  (target 0)`,
  );
} finally {
  for (const c of children) c.kill('SIGTERM');
  await new Promise((r) => setTimeout(r, 300));
  if (net) await net.remove().catch((e) => say(`network cleanup: ${e.message}`));
  rmSync(dir, { recursive: true, force: true });
}
