import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JournalWriter, type JournalWriterOptions } from './journal-writer.js';

/** A temp PADDOCK_HOME for one test. */
export function tempHome(): { home: string; cleanup: () => void } {
  const home = mkdtempSync(join(tmpdir(), 'paddock-journal-'));
  return { home, cleanup: () => rmSync(home, { recursive: true, force: true }) };
}

/** Writes `count` mixed events (header included in the seq count) and closes the journal. */
export async function writeSession(home: string, sessionId: string, count: number, opts: Partial<JournalWriterOptions> = {}): Promise<JournalWriter> {
  let t = 1_700_000_000_000;
  const w = JournalWriter.open({ home, sessionId, checkpointEvery: 10, checkpointIntervalMs: 60_000, now: () => t, ...opts });
  for (let i = 0; w.lastSeq < count; i++) {
    t += 10;
    if (i % 3 === 0) w.append('terminal.output', { data: `line ${i}\r\n` }, t);
    else if (i % 3 === 1) w.append('terminal.input', { data: 'y' }, t);
    else w.append('policy.decision', { command: `ls ${i}`, decision: 'allow', rule: 'builtin' }, t);
    // Commit in small groups so checkpoints land at several places.
    if (i % 7 === 6) await w.flush();
  }
  await w.close();
  return w;
}
