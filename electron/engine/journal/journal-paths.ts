import { join } from 'node:path';
import { PaddockError } from '../errors.js';
import { dataPaths, paddockHome } from '../paths.js';

const SESSION_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface JournalPaths {
  dir: string;
  journal: string;
  checkpoints: string;
  /** Cached replay keyframes (derived data, rebuilt when missing or stale). */
  replayCache: string;
}

export function assertSessionId(sessionId: string): void {
  if (!SESSION_ID.test(sessionId) || sessionId.includes('..')) {
    throw new PaddockError('BAD_INPUT', `"${sessionId}" is not a valid session id (letters, digits, '.', '_', '-').`);
  }
}

export function journalPaths(sessionId: string, home = paddockHome()): JournalPaths {
  assertSessionId(sessionId);
  const dir = join(dataPaths(home).sessions, sessionId);
  return {
    dir,
    journal: join(dir, 'journal.jsonl'),
    checkpoints: join(home, 'checkpoints', `${sessionId}.jsonl`),
    replayCache: join(dir, 'replay-index.json'),
  };
}
