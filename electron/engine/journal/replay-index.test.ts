import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { journalPaths } from './journal-paths.js';
import { tempHome } from './journal-test-helpers.js';
import { JournalWriter } from './journal-writer.js';
import { ReplayIndex, applyLines } from './replay-index.js';
import { newTerminal, screenFingerprint } from './screen-snapshot.js';
import { readFileSync } from 'node:fs';

let home: string;
let cleanup: () => void;
beforeEach(() => ({ home, cleanup } = tempHome()));
afterEach(() => cleanup());

const T0 = 1_700_000_000_000;

/** A deterministic pseudo-random terminal session: prompts, colours, long lines, a full-screen app, resizes. */
async function synthSession(sessionId: string, steps: number, seed = 7, startAt = 0): Promise<JournalWriter> {
  let x = seed;
  const rnd = (n: number) => ((x = (x * 1103515245 + 12345) & 0x7fffffff) % n);
  const w = JournalWriter.open({ home, sessionId, now: () => T0 });
  if (startAt === 0) w.append('terminal.resize', { cols: 80, rows: 24 }, T0);
  for (let i = startAt; i < startAt + steps; i++) {
    const t = T0 + 1 + i * 37;
    const r = rnd(100);
    if (r < 50) w.append('terminal.output', { data: `\x1b[3${rnd(8)}m$ cmd ${i}\x1b[0m ${'word '.repeat(rnd(40))}\r\n` }, t);
    else if (r < 60) w.append('terminal.output', { data: `\x1b[?1049h\x1b[H\x1b[2J\x1b[2;20r\x1b[5;10H${'vim '.repeat(rnd(30))}\x1b[${rnd(24) + 1};${rnd(80) + 1}H漢字` }, t);
    else if (r < 68) w.append('terminal.output', { data: '\x1b[r\x1b[?1049l' }, t);
    else if (r < 72) w.append('terminal.resize', { cols: 60 + rnd(60), rows: 20 + rnd(20) }, t);
    else if (r < 80) w.append('terminal.input', { data: 'y\r' }, t);
    else if (r < 85) w.append('policy.decision', { command: `rm -rf build${i}`, decision: rnd(2) ? 'deny' : 'allow' }, t);
    else w.append('terminal.output', { data: `\x1b[1;33mprogress ${i}%\x1b[0m\r` }, t);
  }
  await w.flush();
  return w;
}

async function straightReplay(path: string, t: number) {
  const lines = readFileSync(path, 'utf8').split('\n').filter((l) => l && (JSON.parse(l) as { time: number }).time <= t);
  const term = newTerminal(80, 24);
  await applyLines(term, lines);
  return term;
}

describe('ReplayIndex', () => {
  it('screen at t from keyframes equals a straight replay to t', async () => {
    const w = await synthSession('r1', 1500);
    const idx = await ReplayIndex.open('r1', { home, keyframeEveryBytes: 4096 });
    expect(idx.keyframes.length).toBeGreaterThan(20);
    const times = [T0, T0 + 1, idx.endTime, ...Array.from({ length: 25 }, (_, k) => T0 + Math.floor(((k + 0.5) / 25) * (idx.endTime - T0)))];
    for (const t of times) {
      const { term } = await idx.terminalAt(t);
      const straight = await straightReplay(w.paths.journal, t);
      expect(screenFingerprint(term), `t=${t - T0}`).toBe(screenFingerprint(straight));
      term.dispose();
      straight.dispose();
    }
    const s = await idx.screenAt(idx.endTime);
    expect(s.seq).toBe(w.lastSeq);
    await w.close();
  });

  it('caches keyframes and extends them as the journal grows', async () => {
    const w1 = await synthSession('r2', 400);
    const first = await ReplayIndex.open('r2', { home, keyframeEveryBytes: 2048 });
    await w1.close();
    const again = await ReplayIndex.open('r2', { home, keyframeEveryBytes: 2048 });
    expect(again.keyframes).toEqual(first.keyframes.concat(again.keyframes.slice(first.keyframes.length)));
    const w2 = await synthSession('r2', 400, 99, 400);
    const grown = await ReplayIndex.open('r2', { home, keyframeEveryBytes: 2048 });
    expect(grown.keyframes.slice(0, first.keyframes.length)).toEqual(first.keyframes);
    expect(grown.keyframes.length).toBeGreaterThan(first.keyframes.length);
    for (const t of [grown.endTime, T0 + 600 * 37]) {
      const { term } = await grown.terminalAt(t);
      const straight = await straightReplay(journalPaths('r2', home).journal, t);
      expect(screenFingerprint(term)).toBe(screenFingerprint(straight));
      term.dispose();
      straight.dispose();
    }
    await w2.close();
  });

  it('lists events in a range and searches output and events', async () => {
    const w = await synthSession('r3', 300);
    const idx = await ReplayIndex.open('r3', { home });
    const evs = await idx.eventsBetween(T0 + 1 + 100 * 37, T0 + 1 + 120 * 37);
    expect(evs.length).toBeGreaterThan(0);
    expect(evs.every((e) => e.time >= T0 + 1 + 100 * 37 && e.time <= T0 + 1 + 120 * 37)).toBe(true);
    const decisions = await idx.eventsBetween(0, Infinity, { kinds: ['policy.decision'] });
    expect(decisions.length).toBe(idx.events.filter((e) => e.kind === 'policy.decision').length);
    const outputs = await idx.eventsBetween(0, Infinity, { kinds: ['terminal.output'] });
    const n = outputs.map((o) => /cmd (\d+)/.exec((o.data as { data: string }).data)?.[1]).find(Boolean)!;
    const hits = await idx.search(`CMD ${n} `);
    expect(hits[0]).toMatchObject({ kind: 'terminal.output' });
    expect(hits[0]!.snippet).toContain(`cmd ${n} `);
    const rm = await idx.search('rm -rf build');
    expect(rm.length).toBe(decisions.length);
    await w.close();
  });
});
