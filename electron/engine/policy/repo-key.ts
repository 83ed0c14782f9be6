import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * The canonical key of a repository: absolute, symlinks resolved when it exists, no trailing slash.
 * Its own module: a session start that finds its policy in the cache needs this and nothing of
 * the policy parser (YAML, zod, the bash grammar).
 */
export function repoKey(path: string): string {
  const abs = resolve(path);
  try {
    return realpathSync(abs);
  } catch {
    return abs;
  }
}
