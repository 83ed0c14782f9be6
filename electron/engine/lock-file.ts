import { closeSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { processAlive as alive } from './process-alive.js';

/**
 * A cross-process lock file (O_EXCL create) holding its owner. A lock whose owner is gone (same
 * host, pid not alive) is taken over; the file is re-read before it is removed, so a lock someone
 * else has just taken over is never deleted. Used for the sessions index and image builds.
 */
export interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

export interface LockOptions {
  /** Told once, when the lock is held by someone else and we start waiting. */
  onWait?: (owner: LockOwner | null) => void;
  timeoutMs?: number;
  pollMs?: number;
  /** The error to throw when the lock is still held after `timeoutMs`. */
  onTimeout?: (owner: LockOwner | null, path: string) => Error;
}


function readOwner(path: string): { raw: string; owner: LockOwner | null } | null {
  try {
    const raw = readFileSync(path, 'utf8');
    try {
      return { raw, owner: JSON.parse(raw) as LockOwner };
    } catch {
      return { raw, owner: null };
    }
  } catch {
    return null; // gone in the meantime
  }
}

function tryAcquire(path: string): boolean {
  try {
    const fd = openSync(path, 'wx', 0o644);
    const me: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
    writeSync(fd, JSON.stringify(me));
    closeSync(fd);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
}

export async function withLockFile<T>(path: string, fn: () => Promise<T>, opts: LockOptions = {}): Promise<T> {
  mkdirSync(dirname(path), { recursive: true });
  const deadline = Date.now() + (opts.timeoutMs ?? 10_000);
  let told = false;
  while (!tryAcquire(path)) {
    const cur = readOwner(path);
    if (cur === null) continue;
    // A lock left by a dead process on this host (or one we cannot parse, older than a write) is stale.
    const stale = cur.owner ? cur.owner.host === hostname() && !alive(cur.owner.pid) : cur.raw !== '';
    if (stale) {
      const again = readOwner(path);
      if (again && again.raw === cur.raw) {
        try {
          unlinkSync(path);
        } catch {
          /* someone else took it over first */
        }
      }
      continue;
    }
    if (!told) {
      opts.onWait?.(cur.owner);
      told = true;
    }
    if (Date.now() > deadline) {
      throw opts.onTimeout?.(cur.owner, path) ?? new Error(`timed out waiting for the lock ${path} (held by pid ${cur.owner?.pid ?? '?'})`);
    }
    await sleep(opts.pollMs ?? 10);
  }
  try {
    return await fn();
  } finally {
    const cur = readOwner(path);
    if (cur?.owner?.pid === process.pid && cur.owner.host === hostname()) {
      try {
        unlinkSync(path);
      } catch {
        /* already gone */
      }
    }
  }
}
