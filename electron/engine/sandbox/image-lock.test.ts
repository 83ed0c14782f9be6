import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withBuildLock } from './image-lock.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'paddock-lock-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('build lock', () => {
  it('runs one holder at a time and releases the file afterwards', async () => {
    const order: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const first = withBuildLock(dir, async () => {
      order.push('a-start');
      await gate;
      order.push('a-end');
    });
    let waited = false;
    const second = withBuildLock(
      dir,
      () => {
        order.push('b');
        return Promise.resolve();
      },
      { pollMs: 10, onWait: () => (waited = true) },
    );
    await new Promise((r) => setTimeout(r, 50));
    expect(order).toEqual(['a-start']);
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['a-start', 'a-end', 'b']);
    expect(waited).toBe(true);
    expect(existsSync(join(dir, 'build.lock'))).toBe(false);
  });

  it('releases the lock when the work throws', async () => {
    await expect(withBuildLock(dir, () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(existsSync(join(dir, 'build.lock'))).toBe(false);
  });

  it('takes over a lock left by a process that is gone', async () => {
    const child = spawn(process.execPath, ['-e', '0']);
    const pid = child.pid!;
    await new Promise((r) => child.on('exit', r));
    writeFileSync(join(dir, 'build.lock'), JSON.stringify({ pid, host: hostname(), since: 'then' }));
    const v = await withBuildLock(dir, () => Promise.resolve(42), { pollMs: 10 });
    expect(v).toBe(42);
  });

  it('gives up with a clear message when a live holder keeps it too long', async () => {
    writeFileSync(join(dir, 'build.lock'), JSON.stringify({ pid: process.pid, host: hostname(), since: 'now' }));
    await expect(withBuildLock(dir, () => Promise.resolve(1), { pollMs: 5, timeoutMs: 30 })).rejects.toThrow(/delete that file/);
  });
});
