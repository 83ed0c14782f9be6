import { mkdirSync, openSync, readFileSync, unlinkSync, writeSync, closeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { PaddockError } from '../errors.js';

/**
 * One image build at a time per data dir, across processes: an O_EXCL lock file holding the
 * owner's pid. A lock whose owner is gone (same host, pid not alive) is taken over. Builds stay
 * safe without it (tags are applied only when a build has succeeded, staging dirs are per
 * process); the lock only stops two processes from doing the same slow work twice.
 */
export interface LockOwner {
  pid: number;
  host: string;
  since: string;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
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

export async function withBuildLock<T>(
  dir: string,
  fn: () => Promise<T>,
  opts: { onWait?: (owner: LockOwner | null) => void; timeoutMs?: number; pollMs?: number } = {},
): Promise<T> {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'build.lock');
  const deadline = Date.now() + (opts.timeoutMs ?? 60 * 60_000);
  let told = false;
  while (!tryAcquire(path)) {
    const cur = readOwner(path);
    if (cur === null) continue;
    // A lock left by a dead process on this host (or one we cannot parse, older than a write) is stale.
    const stale = cur.owner ? cur.owner.host === hostname() && !alive(cur.owner.pid) : cur.raw === '' ? false : true;
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
      throw new PaddockError(
        'IMAGE_BUILD_FAILED',
        `another image build (pid ${cur.owner?.pid ?? '?'}) has held ${path} for too long; ` +
          'if no paddock process is building, delete that file and retry.',
      );
    }
    await sleep(opts.pollMs ?? 500);
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
