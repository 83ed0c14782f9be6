import { randomBytes } from 'node:crypto';

/** Sortable, readable, unique: 20261124-135500-3fa9c1. */
export function newSessionId(now = new Date()): string {
  const iso = now.toISOString(); // 2026-11-24T13:55:00.000Z
  return `${iso.slice(0, 10).replaceAll('-', '')}-${iso.slice(11, 19).replaceAll(':', '')}-${randomBytes(3).toString('hex')}`;
}
