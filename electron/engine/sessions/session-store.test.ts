import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SessionRecord } from './session-store.js';
import { SessionStore } from './session-store.js';

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'paddock-store-'));
  file = join(dir, 'sessions.json');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const rec = (id: string): SessionRecord => ({
  id,
  repo: '/r',
  image: 'img',
  imageDigest: null,
  agent: 'command',
  command: ['true'],
  state: 'starting',
  startedAt: `2026-11-29T10:00:0${id.length % 10}Z`,
  endedAt: null,
  exitCode: null,
  endReason: null,
  containerId: null,
  placeholders: [],
  owner: { host: 'h', pid: 1, start: 's' },
});

describe('SessionStore', () => {
  it('puts, updates and lists records', async () => {
    const s = new SessionStore(file);
    await s.put(rec('a'));
    await s.put(rec('bb'));
    const u = await s.update('a', { state: 'ended', exitCode: 3, endedAt: '2026-11-29T10:01:00Z' });
    expect(u).toMatchObject({ id: 'a', state: 'ended', exitCode: 3 });
    expect((await new SessionStore(file).list()).map((r) => r.id)).toEqual(['bb', 'a']);
  });

  it('fills defaults and drops unknown fields of stored records', async () => {
    const { placeholders: _p, ...old } = rec('a');
    writeFileSync(file, JSON.stringify({ version: 1, sessions: [{ ...old, extra: 1 }] }));
    const [r] = await new SessionStore(file).list();
    expect(r).toEqual(rec('a'));
  });

  it.each([
    ['a wrong type', (r: Record<string, unknown>) => (r.exitCode = 'zero'), /expected an integer at sessions\.0\.exitCode/],
    ['an unknown state', (r: Record<string, unknown>) => (r.state = 'done'), /expected one of starting, running.* at sessions\.0\.state/],
    ['a missing field', (r: Record<string, unknown>) => delete r.repo, /expected a string at sessions\.0\.repo/],
    ['a bad owner', (r: Record<string, unknown>) => (r.owner = { host: 'h' }), /sessions\.0\.owner/],
  ])('refuses an index with %s, saying where', async (_what, edit, message) => {
    const r = rec('a') as unknown as Record<string, unknown>;
    edit(r);
    writeFileSync(file, JSON.stringify({ version: 1, sessions: [r] }));
    await expect(new SessionStore(file).list()).rejects.toThrow(message);
    await expect(new SessionStore(file).put(rec('b'))).rejects.toThrow(/unexpected shape/);
    expect((JSON.parse(readFileSync(file, 'utf8')) as { sessions: unknown[] }).sessions).toHaveLength(1); // untouched
  });

  it('refuses an index of another version or not JSON', async () => {
    writeFileSync(file, JSON.stringify({ version: 2, sessions: [] }));
    await expect(new SessionStore(file).list()).rejects.toThrow(/unexpected shape: expected version 1/);
    writeFileSync(file, '{');
    await expect(new SessionStore(file).list()).rejects.toThrow(/not valid JSON/);
  });
});
