import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';

/**
 * Where a PADDOCK_HOME's warm engine lives. The socket sits in a 0700 directory of its own and
 * is itself 0600: only the user who owns the data directory can reach it (the same trust as
 * running `paddock` as that user). bin/engine-client.js computes the same socket path.
 */
export function enginePaths(home: string) {
  const dir = join(home, 'engine');
  return { dir, socket: join(dir, 'sock'), lock: join(dir, 'lock'), log: join(home, 'engine.log') };
}

/**
 * The bundled CLI's build id (written by scripts/bundle-cli.mjs: a hash of the bundle and the
 * thin client). A client of another build is declined. null when the CLI was not bundled.
 */
export function readBuildId(): string | null {
  try {
    return readFileSync(join(packageRoot(), 'out', 'cli', 'build-id'), 'utf8').trim() || null;
  } catch {
    return null;
  }
}
