import { existsSync, readFileSync } from 'node:fs';
import { PaddockError } from '../errors.js';
import { paddockHome } from '../paths.js';
import { journalLines, tornTailLength } from './journal-lines.js';
import { journalPaths } from './journal-paths.js';
import type { JournalRecord } from './journal-record.js';

/** A journal file path for a session id, or the path itself when it is an existing file. */
export function resolveJournal(sessionOrPath: string, home = paddockHome()): string {
  if (existsSync(sessionOrPath) && sessionOrPath.endsWith('.jsonl')) return sessionOrPath;
  const p = journalPaths(sessionOrPath, home).journal;
  if (!existsSync(p)) throw new PaddockError('SESSION_NOT_FOUND', `No journal for session ${sessionOrPath} at ${p}. List sessions with \`paddock sessions\`.`);
  return p;
}

/** Every readable record of a journal, in file order (damaged lines and a torn tail skipped). */
export function* readRecords(path: string): Generator<JournalRecord> {
  const buf = readFileSync(path);
  for (const l of journalLines(buf.subarray(0, buf.length - tornTailLength(buf)))) {
    if (!l.text.startsWith('{"seq":')) continue;
    let r: JournalRecord;
    try {
      r = JSON.parse(l.text) as JournalRecord;
    } catch {
      continue;
    }
    if (typeof r.kind === 'string' && typeof r.time === 'number') yield r;
  }
}
