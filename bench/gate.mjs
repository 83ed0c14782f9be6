#!/usr/bin/env node
// bench/gate: round trip of one gate decision for an auto-allowed command (`git status`), from
// inside the sandbox, client spawn included. The gate listens on the gateway of a session
// network this script creates; a container on that network (Paddock's default image, uid 1000)
// runs a Node 18 driver that spawns each client N times and times it with hrtime:
//   floor      spawn of /bin/true (what any hook costs before doing anything)
//   client     /opt/paddock/helpers/paddock-gate check -- 'git status'  (the shipped client: bash, /dev/tcp)
//   sh+curl    the same POST with curl from sh (the first version of the client)
//   node18     a minimal Node 18 client doing the same POST (the other alternative considered)
//   in-proc    the same POST from the driver itself, no spawn (Claude Code's `http` hook path)
// Prints p50/p99 per client and the ratio to the targets (p50 <= 10 ms, p99 <= 20 ms).
// Usage: npm run build:node && node bench/gate.mjs [--n 300]
import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const N = arg('n', 300);
const out = new URL('../out/node/engine/', import.meta.url);
const load = (p) => import(new URL(p, out).href);
const { connectEngine } = await load('sandbox/docker-client.js');
const { ensureDefaultImage } = await load('sandbox/image-builder.js');
const { createSessionNetwork } = await load('egress/session-network.js');
const { loadEffectivePolicy, createCommandEngine, createPathJudge } = await load('policy/index.js');
const { ApprovalBroker } = await load('approvals/approval-broker.js');
const { fixedProvider } = await load('approvals/approval-providers.js');
const { createGateJudge } = await load('gate/gate-judge.js');
const { startGateServer } = await load('gate/gate-server.js');
const { SessionEventBus } = await load('sessions/session-events.js');

function run(cmd, args) {
  return new Promise((resolve) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    c.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
const say = (s) => process.stderr.write(`[bench/gate] ${s}\n`);
const dir = mkdtempSync(join(tmpdir(), 'paddock-bench-gate-'));
chmodSync(dir, 0o755);

const DRIVER = `
const { spawnSync } = require('node:child_process');
const http = require('node:http');
const N = Number(process.env.N);
const url = new URL(process.env.PADDOCK_GATE_URL + '/v1/shell');
const NODE_CLIENT = "const h=require('http');const u=new URL(process.env.PADDOCK_GATE_URL+'/v1/shell');" +
  "const r=h.request(u,{method:'POST',headers:{authorization:'Bearer '+process.env.PADDOCK_GATE_TOKEN}},(s)=>{let b='';s.on('data',(c)=>b+=c);" +
  "s.on('end',()=>process.exit(b.startsWith('allow')?0:1))});r.on('error',()=>process.exit(1));r.end(process.argv[1]);";
const pct = (a, p) => a[Math.min(a.length - 1, Math.floor((a.length * p) / 100))];
function timeSpawn(cmd, args) {
  const t = [];
  for (let i = 0; i < N; i++) {
    const s = process.hrtime.bigint();
    const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const e = process.hrtime.bigint();
    if (r.status !== 0) throw new Error(cmd + ' failed: ' + r.status + ' ' + r.stderr);
    t.push(Number(e - s) / 1e6);
  }
  return t.sort((a, b) => a - b);
}
function post() {
  return new Promise((resolve, reject) => {
    const agent = new http.Agent({ keepAlive: false });
    const r = http.request(url, { method: 'POST', agent, headers: { authorization: 'Bearer ' + process.env.PADDOCK_GATE_TOKEN } }, (s) => {
      let b = ''; s.on('data', (c) => (b += c)); s.on('end', () => (b.startsWith('allow') ? resolve() : reject(new Error(b))));
    });
    r.on('error', reject);
    r.end('git status');
  });
}
(async () => {
  const res = {};
  for (let round = 0; round < 2; round++) { // round 0 warms caches; round 1 is reported
    res.floor = timeSpawn('/bin/true', []);
    res.client = timeSpawn('/opt/paddock/helpers/paddock-gate', ['check', '--', 'git status']);
    res['sh+curl'] = timeSpawn('/bin/sh', ['-c', 'r=$(printf %s "git status" | curl -sS --noproxy "*" -X POST -H "Authorization: Bearer $PADDOCK_GATE_TOKEN" --data-binary @- "$PADDOCK_GATE_URL/v1/shell") && [ "$r" = allow ]']);
    res.node18 = timeSpawn('node', ['-e', NODE_CLIENT, 'git status']);
    const t = [];
    for (let i = 0; i < N; i++) { const s = process.hrtime.bigint(); await post(); t.push(Number(process.hrtime.bigint() - s) / 1e6); }
    res['in-proc'] = t.sort((a, b) => a - b);
  }
  const outp = {};
  for (const [k, v] of Object.entries(res)) outp[k] = { p50: pct(v, 50), p99: pct(v, 99) };
  console.log(JSON.stringify(outp));
})().catch((e) => { console.error(e.message); process.exit(1); });
`;
writeFileSync(join(dir, 'driver.cjs'), DRIVER);

const { docker } = await connectEngine();
const image = (await ensureDefaultImage(docker)).tag;
const net = await createSessionNetwork(docker, `bench-gate-${process.pid}`, { labels: { 'paddock.test': '1' } });
let gate;
try {
  const events = new SessionEventBus();
  const { policy } = await loadEffectivePolicy({ home: dir, managedPath: null });
  const broker = new ApprovalBroker({ provider: fixedProvider('deny'), events });
  const judge = createGateJudge({ engine: createCommandEngine(policy), paths: createPathJudge(policy), broker, ctx: { sessionId: 'bench', agent: 'bench', repo: dir }, events });
  gate = await startGateServer({ sessionId: 'bench', agent: 'bench', listenHost: net.gateway, judge, events });
  say(`gate on ${gate.url}; image ${image}; ${N} round trips per client`);
  // Asynchronous: the gate answers from this process's event loop while the driver runs.
  const r = await run(
    'docker',
    ['run', '--rm', '--label', 'paddock.test=1', '--network', net.name, '--user', '1000:1000', '--read-only', '--tmpfs', '/tmp',
      '-v', `${dir}:/bench:ro`, '-e', `N=${N}`, '-e', `PADDOCK_GATE_URL=${gate.url}`, '-e', `PADDOCK_GATE_TOKEN=${gate.token}`,
      '--entrypoint', 'node', image, '/bench/driver.cjs'],
  );
  if (r.status !== 0) throw new Error(`driver failed: ${r.stderr}`);
  const res = JSON.parse(r.stdout.trim().split('\n').pop());
  const f = (x) => x.toFixed(2).padStart(7);
  console.log(`client     p50 ms   p99 ms   p50/10ms  p99/20ms  vs floor p50`);
  for (const [k, v] of Object.entries(res))
    console.log(`${k.padEnd(9)} ${f(v.p50)}  ${f(v.p99)}   ${(v.p50 / 10).toFixed(2).padStart(6)}x  ${(v.p99 / 20).toFixed(2).padStart(6)}x  ${(v.p50 / res.floor.p50).toFixed(1).padStart(6)}x`);
  const shipped = res.client;
  console.log(`targets (shipped client, spawn included): p50 ${shipped.p50 <= 10 ? 'MET' : 'NOT MET'}, p99 ${shipped.p99 <= 20 ? 'MET' : 'NOT MET'}`);
} finally {
  await gate?.close();
  await net.remove().catch((e) => say(`cleanup: ${e.message}`));
  rmSync(dir, { recursive: true, force: true });
}
