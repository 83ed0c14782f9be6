import { readFileSync } from 'node:fs';
import { PaddockError } from '../errors.js';
import { repairCheckpointTail } from './checkpoints.js';
import { analyzeChain } from './journal-analysis.js';
import { journalLines, tornTailLength } from './journal-lines.js';
import type { JournalPaths } from './journal-paths.js';
import { FIRST_SEQ } from './journal-record.js';

export interface InspectedJournal {
  lastSeq: number;
  headHash: string;
  /** Bytes up to the end of the last complete line. */
  validBytes: number;
  /** Bytes after it: a write cut short by a crash. */
  tornBytes: number;
  checkpointSeq: number;
  /** The last checkpoint is final and covers the whole journal. */
  closed: boolean;
}

/**
 * Validates an existing journal before appending to it. Damage before the end is tampering
 * (throws `JOURNAL_TAMPERED`, nothing is changed); a torn final line is reported for the
 * writer to recover; a torn final checkpoint line is truncated.
 */
export function inspectJournal(paths: JournalPaths, sessionId: string): InspectedJournal {
  const buf = readFileSync(paths.journal);
  const tornBytes = tornTailLength(buf);
  const validBytes = buf.length - tornBytes;
  const a = analyzeChain(journalLines(buf.subarray(0, validBytes)), sessionId);
  const bad = a.findings.find((f) => f.severity === 'error');
  if (bad) throw new PaddockError('JOURNAL_TAMPERED', `The journal ${paths.journal} is damaged and will not be appended to: ${bad.message}. Run \`paddock verify ${sessionId}\`.`);
  repairCheckpointTail(paths.checkpoints);
  const { seq: cps, final } = lastCheckpoint(paths.checkpoints);
  if (cps > a.lastSeq) throw new PaddockError('JOURNAL_TAMPERED', `The journal ${paths.journal} ends at seq ${a.lastSeq} but a checkpoint covers seq ${cps}: it was truncated. Run \`paddock verify ${sessionId}\`.`);
  return { lastSeq: a.lastSeq < FIRST_SEQ ? 0 : a.lastSeq, headHash: a.headHash, validBytes, tornBytes, checkpointSeq: cps, closed: final && cps === a.lastSeq };
}

/** Highest checkpointed seq and whether that checkpoint closed the journal (no signature check). */
function lastCheckpoint(path: string): { seq: number; final: boolean } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return { seq: 0, final: false };
  }
  let seq = 0;
  let final = false;
  for (const line of text.split('\n')) {
    const m = /"seq":(\d+)/.exec(line);
    if (m && Number(m[1]) >= seq) {
      seq = Number(m[1]);
      final = line.includes('"final":true');
    }
  }
  return { seq, final };
}
