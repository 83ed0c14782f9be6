import { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { journalPaths } from '../../engine/journal/journal-paths.js';
import { tempHome, writeSession } from '../../engine/journal/journal-test-helpers.js';
import { parseOffset, registerJournal } from './journal.js';

let home: string;
let cleanup: () => void;
let out: string;
beforeEach(() => {
  ({ home, cleanup } = tempHome());
  vi.stubEnv('PADDOCK_HOME', home);
  out = '';
  vi.spyOn(process.stdout, 'write').mockImplementation(
    (s: string | Uint8Array) => ((out += String(s)), true),
  );
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  process.exitCode = undefined;
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  process.exitCode = undefined;
  cleanup();
});

async function run(...args: string[]): Promise<void> {
  const p = new Command('paddock').exitOverride();
  registerJournal(p);
  await p.parseAsync(['node', 'paddock', ...args]);
}

describe('paddock verify/export', () => {
  it('verifies by unique prefix, fails with exit code 1 on tampering', async () => {
    await writeSession(home, 'abc123', 30);
    await run('verify', 'abc');
    expect(out).toMatch(/^OK: session abc123 — 30 events/);
    expect(process.exitCode).toBeUndefined();
    const p = journalPaths('abc123', home).journal;
    writeFileSync(p, readFileSync(p, 'utf8').replace('line 6', 'line 7'));
    out = '';
    await run('verify', 'abc123');
    expect(out).toMatch(/^FAILED/);
    expect(out).toMatch(/ERROR modified @seq \d+ line \d+/);
    expect(process.exitCode).toBe(1);
  });

  it('exports a bundle that verifies with the printed public key on another machine', async () => {
    await writeSession(home, 'b1', 20);
    const bundle = join(home, 'b1.jsonl');
    await run('export', 'b1', '--format', 'jsonl', '-o', bundle);
    await run('verify', '--print-key');
    const keyFile = join(home, 'key.pem');
    writeFileSync(keyFile, out);
    const other = tempHome();
    try {
      vi.stubEnv('PADDOCK_HOME', other.home);
      out = '';
      await run('verify', bundle, '--public-key', keyFile);
      expect(out).toMatch(/^OK: bundle b1/);
      out = '';
      await run('verify', bundle);
      expect(out).toMatch(/^FAILED: bundle b1/);
    } finally {
      other.cleanup();
    }
  });

  it('rejects an unknown export format', async () => {
    await writeSession(home, 'c1', 5);
    await expect(run('export', 'c1', '--format', 'pdf')).rejects.toThrow(/cast, jsonl or html/);
  });
});

describe('parseOffset', () => {
  it.each([
    ['90', 90_000],
    ['1.5', 1500],
    ['1m30s', 90_000],
    ['2h', 7_200_000],
    ['01:30', 90_000],
    ['1:00:05', 3_605_000],
  ])('%s', (s, ms) => expect(parseOffset(s)).toBe(ms));
  it('rejects nonsense', () => expect(() => parseOffset('soon')).toThrow(/not a time/));
});
