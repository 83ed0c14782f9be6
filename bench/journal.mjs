#!/usr/bin/env node
// Journal benchmarks (run `npm run build:node` first; uses the compiled engine in out/node).
//   1. Sustained append rate with fsync group commit (target >= 50k events/s), against a
//      baseline measured in the same run: one fsync per event.
//   2. Seek time to random points of a synthetic 1-hour, ~100 MB terminal session (target
//      <= 100 ms), against a baseline measured in the same run: replaying from the start.
// Usage: node bench/journal.mjs [--events N] [--mb M] [--seeks K]
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setImmediate as tick } from 'node:timers/promises';

const out = new URL('../out/node/engine/journal/', import.meta.url);
const { JournalWriter } = await import(new URL('journal-writer.js', out).href);
const { ReplayIndex, applyLines } = await import(new URL('replay-index.js', out).href);
const { newTerminal } = await import(new URL('screen-snapshot.js', out).href);
const { encodeRecord, genesisHash } = await import(new URL('journal-record.js', out).href);
const { verifySession } = await import(new URL('journal-verify.js', out).href);

const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const EVENTS = arg('events', 500_000);
const MB = arg('mb', 100);
const SEEKS = arg('seeks', 40);
const home = mkdtempSync(join(tmpdir(), 'paddock-bench-'));
const fmt = (n, d = 0) => n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

try {
  // ---- 1. append rate -------------------------------------------------------------------
  const payload = (i) => ({ data: `\x1b[32m$\x1b[0m build step ${i}: compiling module ${i % 977} ...ok\r\n` });
  const w = JournalWriter.open({ home, sessionId: 'append' });
  const t0 = performance.now();
  for (let i = 0; i < EVENTS; i++) {
    w.append('terminal.output', payload(i));
    if (i % 2000 === 1999) await tick(); // let the group commit run, like a live event loop
  }
  await w.flush();
  const appendMs = performance.now() - t0;
  await w.close();
  const rate = EVENTS / (appendMs / 1000);

  // Baseline: the same records, one write + fsync each (no group commit), on a sample.
  const sample = Math.min(2000, EVENTS);
  const fd = openSync(join(home, 'baseline.jsonl'), 'a');
  let prev = genesisHash('baseline');
  const b0 = performance.now();
  for (let i = 0; i < sample; i++) {
    const { line, hash } = encodeRecord(i + 1, Date.now(), 'terminal.output', payload(i), prev);
    prev = hash;
    writeSync(fd, line);
    fsyncSync(fd);
  }
  const baseRate = sample / ((performance.now() - b0) / 1000);
  closeSync(fd);
  const journalBytes = statSync(w.paths.journal).size;
  console.log(`append: ${fmt(EVENTS)} events (${fmt(journalBytes / 1e6, 1)} MB) in ${fmt(appendMs)} ms = ${fmt(rate)} events/s`);
  console.log(`  target 50,000 events/s: ratio ${fmt(rate / 50_000, 2)} ${rate >= 50_000 ? '(meets target)' : '(BELOW target)'}`);
  console.log(`  baseline fsync-per-event: ${fmt(baseRate)} events/s; group commit is ${fmt(rate / baseRate, 1)}x faster`);

  // ---- 2. seek in a 1-hour ~100 MB session -----------------------------------------------
  const T0 = 1_700_000_000_000;
  const HOUR = 3_600_000;
  const target = MB * 1e6;
  const sw = JournalWriter.open({ home, sessionId: 'hour', now: () => T0, maxBatchBytes: 8 << 20 });
  sw.append('terminal.resize', { cols: 160, rows: 48 }, T0);
  let bytes = 0;
  let n = 0;
  let x = 12345;
  const rnd = (k) => ((x = (x * 1103515245 + 12345) & 0x7fffffff) % k);
  while (bytes < target) {
    const t = T0 + Math.floor((bytes / target) * HOUR);
    const r = rnd(100);
    let data;
    if (r < 70) {
      data = '';
      for (let k = 0; k < 12; k++) data += `\x1b[3${rnd(8)}m[${n}:${k}]\x1b[0m ${'lorem ipsum dolor sit amet '.repeat(1 + rnd(5))}\r\n`;
    } else if (r < 85) {
      data = '';
      for (let k = 0; k < 30; k++) data += `\r\x1b[K\x1b[1;34m${'█'.repeat(k)}\x1b[0m ${k * 3}%`;
      data += '\r\n';
    } else if (r < 95) {
      data = `\x1b[?1049h\x1b[H\x1b[2J`;
      for (let k = 1; k <= 48; k++) data += `\x1b[${k};1H\x1b[7m${String(k).padStart(4)}\x1b[0m ${'code line '.repeat(1 + rnd(14))}`;
      data += '\x1b[?1049l';
    } else data = `${'x'.repeat(400 + rnd(2000))}\r\n`;
    sw.append('terminal.output', { data }, t);
    bytes += data.length;
    n++;
    if (n % 500 === 0) await sw.flush();
  }
  await sw.close();
  const size = statSync(sw.paths.journal).size;
  const v0 = performance.now();
  const verified = verifySession('hour', { home });
  const verifyMs = performance.now() - v0;
  if (!verified.ok) throw new Error('synthetic session does not verify');
  const b1 = performance.now();
  const idx = await ReplayIndex.open('hour', { home });
  const buildMs = performance.now() - b1;
  const b2 = performance.now();
  await ReplayIndex.open('hour', { home });
  const reopenMs = performance.now() - b2;
  console.log(`seek: synthetic session: ${fmt(bytes / 1e6, 1)} MB of terminal output (${fmt(size / 1e6, 1)} MB journal), ${fmt(n)} output events over ${fmt((idx.endTime - idx.startTime) / 60000, 1)} min, ${idx.keyframes.length} keyframes`);
  console.log(`  verify (chain + signatures): ${fmt(verifyMs)} ms = ${fmt(size / 1e6 / (verifyMs / 1000), 0)} MB/s`);
  console.log(`  keyframe index: built in ${fmt(buildMs)} ms (once, cached), reopened in ${fmt(reopenMs)} ms`);

  const times = [];
  for (let i = 0; i < SEEKS; i++) {
    const t = T0 + rnd(HOUR);
    const s0 = performance.now();
    const s = await idx.screenAt(t);
    times.push(performance.now() - s0);
    if (s.lines.length !== 48) throw new Error('unexpected screen size');
  }
  times.sort((a, b) => a - b);
  const p50 = times[Math.floor(times.length / 2)];
  const p95 = times[Math.floor(times.length * 0.95)];
  const max = times[times.length - 1];
  console.log(`  ${SEEKS} random seeks: p50 ${fmt(p50, 1)} ms, p95 ${fmt(p95, 1)} ms, max ${fmt(max, 1)} ms`);
  console.log(`  target 100 ms: ratio max/target ${fmt(max / 100, 2)} ${max <= 100 ? '(meets target)' : '(ABOVE target)'}`);

  // Baseline: screen at 25% of the hour by replaying from the start (what keyframes avoid).
  const bt = T0 + HOUR / 4;
  const lines = (await idx.eventsBetween(0, bt)).map((r) => JSON.stringify(r));
  const term = newTerminal(80, 24);
  const r0 = performance.now();
  await applyLines(term, lines);
  const straightMs = performance.now() - r0;
  term.dispose();
  const kf0 = performance.now();
  await idx.screenAt(bt);
  const kfMs = performance.now() - kf0;
  console.log(`  baseline replay-from-start to 15 min: ${fmt(straightMs)} ms vs keyframe seek ${fmt(kfMs, 1)} ms (${fmt(straightMs / kfMs, 0)}x faster)`);
} finally {
  rmSync(home, { recursive: true, force: true });
}
