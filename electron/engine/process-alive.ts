import { readFileSync } from 'node:fs';

/**
 * A zombie has exited and only waits for its parent to collect its status: it holds no lock and
 * owns no container any more. A process killed with `kill -9` whose parent does not reap it
 * (a detached engine under an init that reaps late, or never) stays one, and must count as gone.
 * Linux only (/proc); elsewhere this is false.
 */
export function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state === 'Z' || state === 'X';
  } catch {
    return false;
  }
}

/** Is `pid` a live process on this host (one we may not signal counts; a zombie does not)? */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  return !isZombie(pid);
}
