import { join } from 'node:path';
import { PaddockError } from '../errors.js';
import type { LockOptions, LockOwner } from '../lock-file.js';
import { withLockFile } from '../lock-file.js';

export type { LockOwner };

/**
 * One image build at a time per data dir, across processes. Builds stay safe without it (tags are
 * applied only when a build has succeeded, staging dirs are per process); the lock only stops two
 * processes from doing the same slow work twice.
 */
export function withBuildLock<T>(dir: string, fn: () => Promise<T>, opts: Pick<LockOptions, 'onWait' | 'timeoutMs' | 'pollMs'> = {}): Promise<T> {
  return withLockFile(join(dir, 'build.lock'), fn, {
    timeoutMs: 60 * 60_000,
    pollMs: 500,
    ...opts,
    onTimeout: (owner, path) =>
      new PaddockError(
        'IMAGE_BUILD_FAILED',
        `another image build (pid ${owner?.pid ?? '?'}) has held ${path} for too long; if no paddock process is building, delete that file and retry.`,
      ),
  });
}
