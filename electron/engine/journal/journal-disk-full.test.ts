import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PaddockError } from '../errors.js';
import { tempHome } from './journal-test-helpers.js';
import { verifySession } from './journal-verify.js';
import { JournalWriter } from './journal-writer.js';

/** Disk full: the sessions folder is a 256 KiB tmpfs; writing must fail closed and lose nothing flushed. */
const isRoot = process.getuid?.() === 0;
let home: string;
let cleanup: () => void;
let mounted = false;

beforeEach(() => {
  ({ home, cleanup } = tempHome());
  const sessions = join(home, 'sessions');
  mkdirSync(sessions, { recursive: true });
  if (isRoot) {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=256k', 'tmpfs', sessions]);
    mounted = true;
  }
});
afterEach(() => {
  if (mounted) execFileSync('umount', [join(home, 'sessions')]);
  mounted = false;
  cleanup();
});

describe('disk full', () => {
  it.skipIf(!isRoot)('fails closed: onFailure fires once, flush rejects, everything flushed before verifies', async () => {
    const failures: PaddockError[] = [];
    const w = JournalWriter.open({ home, sessionId: 'full', checkpointEvery: 50, onFailure: (e) => failures.push(e) });
    let acknowledged = 0;
    let rejected: unknown = null;
    for (let round = 0; round < 1000 && !rejected; round++) {
      for (let i = 0; i < 40; i++) w.append('terminal.output', { data: `${round}:${i} ${'#'.repeat(200)}\r\n` });
      try {
        await w.flush();
        acknowledged = w.lastSeq;
      } catch (e) {
        rejected = e;
      }
    }
    expect(rejected).toMatchObject({ code: 'JOURNAL_WRITE_FAILED' });
    expect(failures).toHaveLength(1);
    expect(failures[0]!.message).toMatch(/disk is full/);
    expect(w.state).toBe('failed');
    expect(acknowledged).toBeGreaterThan(100);
    // Later events are refused, not half-written.
    expect(w.append('terminal.output', { data: 'after failure' })).toBeNull();
    const file = readFileSync(w.paths.journal);
    expect(file.at(-1)).toBe(0x0a);
    await w.close();
    const r = verifySession('full', { home });
    expect(r.findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(r.lastSeq).toBe(acknowledged);
    expect(r.checkpoints.lastSignedSeq).toBe(acknowledged);
  });
});
