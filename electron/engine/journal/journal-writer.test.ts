import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SessionEventBus } from '../sessions/session-events.js';
import type { PaddockError } from '../errors.js';
import { journalPaths } from './journal-paths.js';
import { JournalRecorder } from './journal-recorder.js';
import { tempHome, writeSession } from './journal-test-helpers.js';
import { verifySession } from './journal-verify.js';
import { JournalWriter } from './journal-writer.js';

let home: string;
let cleanup: () => void;
beforeEach(() => ({ home, cleanup } = tempHome()));
afterEach(() => cleanup());

describe('JournalWriter', () => {
  it('writes a header, chains records and makes them durable on flush', async () => {
    const w = JournalWriter.open({ home, sessionId: 's1' });
    expect(w.lastSeq).toBe(1);
    const seq = w.append('terminal.output', { data: 'hello' });
    expect(seq).toBe(2);
    await w.flush();
    const ls = readFileSync(w.paths.journal, 'utf8').trim().split('\n');
    expect(ls).toHaveLength(2);
    const [h, o] = ls.map((l) => JSON.parse(l) as { kind: string; prev: string; hash: string; data: unknown });
    expect(h!.kind).toBe('journal.header');
    expect(o!.prev).toBe(h!.hash);
    expect(o!.data).toEqual({ data: 'hello' });
    expect((statSync(w.paths.journal).mode & 0o777).toString(8)).toBe('600');
    await w.close();
    expect(verifySession('s1', { home }).ok).toBe(true);
  });

  it('group-commits: many appends, few writes, all durable after one flush', async () => {
    const w = JournalWriter.open({ home, sessionId: 's2', flushIntervalMs: 1000 });
    for (let i = 0; i < 5000; i++) w.append('terminal.output', { data: `chunk ${i}` });
    await w.flush();
    expect(readFileSync(w.paths.journal, 'utf8').split('\n')).toHaveLength(5002);
    await w.close();
    const r = verifySession('s2', { home });
    expect(r.ok).toBe(true);
    expect(r.lastSeq).toBe(5001);
  });

  it('canonicalises data: key order does not change the encoding', async () => {
    const w = JournalWriter.open({ home, sessionId: 's3' });
    w.append('x', { b: 1, a: { d: [1, { z: 1, y: 2 }], c: 'q' } }, 5);
    await w.close();
    expect(readFileSync(w.paths.journal, 'utf8')).toContain('"data":{"a":{"c":"q","d":[1,{"y":2,"z":1}]},"b":1}');
  });

  it('recovers a torn final line: truncates it and records journal.recovered', async () => {
    await writeSession(home, 's4', 20);
    const p = journalPaths('s4', home).journal;
    const intact = readFileSync(p);
    const torn = '{"seq":21,"time":1700000000,"kind":"terminal.out';
    appendFileSync(p, torn);
    const w = JournalWriter.open({ home, sessionId: 's4' });
    expect(w.recovery).toEqual({ truncatedBytes: torn.length, lastSeq: 20 });
    await w.flush();
    const after = readFileSync(p);
    expect(after.subarray(0, intact.length).equals(intact)).toBe(true);
    const last = JSON.parse(after.toString('utf8').trim().split('\n').at(-1)!) as { seq: number; kind: string; data: { truncatedBytes: number } };
    expect(last).toMatchObject({ seq: 21, kind: 'journal.recovered', data: { truncatedBytes: torn.length } });
    w.append('terminal.output', { data: 'after recovery' });
    await w.close();
    const r = verifySession('s4', { home });
    expect(r.ok).toBe(true);
    expect(r.findings.map((f) => f.kind)).toContain('recovered');
  });

  it('refuses to append to a journal damaged before its end, and leaves it untouched', async () => {
    await writeSession(home, 's5', 20);
    const p = journalPaths('s5', home).journal;
    const damaged = readFileSync(p, 'utf8').replace('line 3', 'line 4');
    writeFileSync(p, damaged);
    expect(() => JournalWriter.open({ home, sessionId: 's5' })).toThrow(/damaged.*seq \d+/);
    expect(readFileSync(p, 'utf8')).toBe(damaged);
  });

  it('refuses to append to a journal truncated before its last checkpoint', async () => {
    await writeSession(home, 's6', 30);
    const p = journalPaths('s6', home).journal;
    writeFileSync(p, readFileSync(p, 'utf8').split('\n').slice(0, 10).join('\n') + '\n');
    expect(() => JournalWriter.open({ home, sessionId: 's6' })).toThrow(/truncated/);
  });

  it('refuses events after close and counts them', async () => {
    const w = JournalWriter.open({ home, sessionId: 's7' });
    await w.close();
    expect(w.append('terminal.output', { data: 'late' })).toBeNull();
    expect(w.dropped).toBe(1);
  });
});

describe('JournalRecorder', () => {
  it('records every bus event of every session and closes on session.ended', async () => {
    const bus = new SessionEventBus();
    const failures: PaddockError[] = [];
    const rec = new JournalRecorder({ home, onFailure: (_s, e) => failures.push(e) });
    rec.attach(bus);
    bus.emit('a', 'terminal.resize', { cols: 80, rows: 24 });
    bus.emit('b', 'terminal.input', { data: 'ls\r' });
    bus.emit('a', 'terminal.output', { data: 'file\r\n' });
    bus.emit('a', 'session.ended', { exitCode: 0, reason: 'exited' });
    await rec.close();
    expect(failures).toEqual([]);
    const a = verifySession('a', { home });
    expect(a).toMatchObject({ ok: true, lastSeq: 4, checkpoints: { final: true } });
    const kinds = readFileSync(journalPaths('a', home).journal, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { kind: string }).kind);
    expect(kinds).toEqual(['journal.header', 'terminal.resize', 'terminal.output', 'session.ended']);
    expect(verifySession('b', { home })).toMatchObject({ ok: true, lastSeq: 2 });
  });
});

describe('late events', () => {
  it('keeps the journal open for a grace period after session.ended', async () => {
    const bus = new SessionEventBus();
    const rec = new JournalRecorder({ home, closeGraceMs: 50 });
    rec.attach(bus);
    bus.emit('g', 'session.ended', { exitCode: 0, reason: 'exited' });
    bus.emit('g', 'container.lifecycle', { containerId: 'c', state: 'removed' });
    await new Promise((r) => setTimeout(r, 150));
    expect(verifySession('g', { home })).toMatchObject({ ok: true, lastSeq: 3, checkpoints: { final: true } });
    await rec.close();
  });

  it('reopening a closed journal records journal.reopened and signs the new events', async () => {
    await writeSession(home, 'ro', 10);
    const w = JournalWriter.open({ home, sessionId: 'ro' });
    w.append('container.lifecycle', { containerId: 'c', state: 'removed' });
    await w.flush();
    await new Promise((r) => setTimeout(r, 20));
    const mid = verifySession('ro', { home });
    expect(mid.ok).toBe(true);
    expect(mid.checkpoints.lastSignedSeq).toBe(12);
    await w.close();
    expect(verifySession('ro', { home })).toMatchObject({ ok: true, lastSeq: 12, checkpoints: { final: true } });
  });

  it('never writes checkpoints out of order when timer, commit and close race', async () => {
    const w = JournalWriter.open({ home, sessionId: 'race', checkpointEvery: 3, checkpointIntervalMs: 1 });
    for (let i = 0; i < 200; i++) {
      w.append('terminal.output', { data: String(i) });
      if (i % 5 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    await w.close();
    const r = verifySession('race', { home });
    expect(r.findings).toEqual([]);
    const seqs = readFileSync(w.paths.checkpoints, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { seq: number }).seq);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
  });
});
