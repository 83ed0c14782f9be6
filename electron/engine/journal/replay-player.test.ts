import { PassThrough } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempHome } from './journal-test-helpers.js';
import { JournalWriter } from './journal-writer.js';
import { ReplayIndex } from './replay-index.js';
import { playSession } from './replay-player.js';

let home: string;
let cleanup: () => void;
beforeEach(() => ({ home, cleanup } = tempHome()));
afterEach(() => cleanup());

const T0 = 1_700_000_000_000;

async function session(): Promise<ReplayIndex> {
  const w = JournalWriter.open({ home, sessionId: 'p1', now: () => T0 });
  w.append('terminal.resize', { cols: 40, rows: 10 }, T0);
  for (let i = 0; i < 50; i++) {
    w.append('terminal.output', { data: `out ${i}\r\n` }, T0 + i * 1000);
    if (i === 30) w.append('policy.decision', { command: 'rm -rf /', decision: 'deny', rule: 'deny rm-root' }, T0 + i * 1000 + 1);
  }
  await w.close();
  return ReplayIndex.open('p1', { home });
}

function collect(s: PassThrough): () => string {
  let out = '';
  s.setEncoding('utf8').on('data', (d: string) => (out += d));
  return () => out;
}

describe('playSession', () => {
  it('plays everything at high speed without keys', async () => {
    const idx = await session();
    const out = new PassThrough();
    const text = collect(out);
    await playSession(idx, { speed: 1e6, out });
    expect(text()).toContain('out 0\r\nout 1\r\n');
    expect(text()).toContain('out 49\r\n');
  });

  it('--at paints the screen at that time from keyframes, then continues', async () => {
    const idx = await session();
    const out = new PassThrough();
    const text = collect(out);
    await playSession(idx, { speed: 1e6, out, atMs: 20_500 });
    const s = text();
    expect(s.startsWith('\x1b[0m\x1b[2J\x1b[H')).toBe(true);
    expect(s).toContain('out 20');
    expect(s).not.toContain('out 5\r\n');
    expect(s.indexOf('out 21\r\n')).toBeGreaterThan(s.indexOf('out 20'));
  });

  it('jumps to the next denial on "d"', async () => {
    const idx = await session();
    const out = new PassThrough();
    const keys = new PassThrough();
    const text = collect(out);
    const done = playSession(idx, { speed: 1, out, keys, maxIdleMs: 1000 });
    await new Promise((r) => setTimeout(r, 50));
    keys.write('d');
    await new Promise((r) => setTimeout(r, 100));
    keys.write('q');
    await done;
    expect(text()).toMatch(/30\.0s policy\.decision: deny: rm -rf \/ \[deny rm-root\]/);
    expect(text()).toContain('out 30');
    expect(text()).not.toContain('out 45');
  });
});
