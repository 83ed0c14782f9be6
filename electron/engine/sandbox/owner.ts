import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { isZombie } from '../process-alive.js';

/**
 * Which engine process owns a container. Stored as labels so that a later engine can tell a
 * live owner from a dead one (and a reused pid from the original, by its start time).
 */
export interface OwnerIdentity {
  host: string;
  pid: number;
  /** Process start time in clock ticks since boot (Linux); '' where unknown. */
  start: string;
}

export const OWNER_LABEL = { host: 'paddock.owner.host', pid: 'paddock.owner.pid', start: 'paddock.owner.start' } as const;

export function currentOwner(): OwnerIdentity {
  return { host: hostname(), pid: process.pid, start: processStartTime(process.pid) };
}

export function ownerLabels(o: OwnerIdentity): Record<string, string> {
  return { [OWNER_LABEL.host]: o.host, [OWNER_LABEL.pid]: String(o.pid), [OWNER_LABEL.start]: o.start };
}

export function ownerFromLabels(labels: Record<string, string> | undefined): OwnerIdentity | null {
  const host = labels?.[OWNER_LABEL.host];
  const pid = Number(labels?.[OWNER_LABEL.pid]);
  if (!host || !Number.isInteger(pid) || pid <= 0) return null;
  return { host, pid, start: labels?.[OWNER_LABEL.start] ?? '' };
}

/** Field 22 of /proc/<pid>/stat; '' when not on Linux or the process is gone. */
export function processStartTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may contain spaces and parentheses: split after the last ')'.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return rest[19] ?? '';
  } catch {
    return '';
  }
}

/** Is the owning process of a container still alive here? Unknown hosts count as alive. */
export function ownerAlive(o: OwnerIdentity, self: OwnerIdentity = currentOwner()): boolean {
  if (o.host !== self.host) return true;
  if (o.pid === self.pid) return o.start === '' || o.start === self.start;
  try {
    process.kill(o.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  if (isZombie(o.pid)) return false; // killed, not yet reaped by its parent: gone
  if (o.start === '') return true;
  const now = processStartTime(o.pid);
  return now === '' || now === o.start;
}
