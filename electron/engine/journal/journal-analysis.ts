import type { JournalLine } from './journal-lines.js';
import { FIRST_SEQ, genesisHash, parseLine, type JournalRecord } from './journal-record.js';

export type FindingKind =
  | 'modified'
  | 'missing'
  | 'reordered'
  | 'duplicate'
  | 'truncated'
  | 'signature-invalid'
  | 'appended-after-close'
  | 'wrong-session'
  | 'torn-tail'
  | 'recovered'
  | 'unsigned-tail'
  | 'not-closed'
  | 'no-checkpoints';

export interface Finding {
  kind: FindingKind;
  severity: 'error' | 'warning';
  /** The event concerned, when one can be named. */
  seq?: number;
  /** 1-based line in the journal (or in the checkpoint file for checkpoint findings). */
  line?: number;
  message: string;
}

export interface AnalyzedRecord {
  record: JournalRecord;
  lineNo: number;
  start: number;
  end: number;
  /** The stored hash matches the bytes. */
  intact: boolean;
}

export interface ChainAnalysis {
  /** Parsed records in file order (`data` kept only for `journal.*` records). */
  records: AnalyzedRecord[];
  /** Highest seq present, 0 for an empty journal. */
  lastSeq: number;
  /** Stored hash of the record with the highest seq. */
  headHash: string;
  bySeq: Map<number, AnalyzedRecord>;
  findings: Finding[];
}

/**
 * Checks one journal's records on their own: every record's hash over its bytes, sequence
 * order (missing / reordered / duplicate), and the `prev` links. Checkpoints are checked by
 * the verifier on top of this.
 */
export function analyzeChain(lines: Iterable<JournalLine>, sessionId: string): ChainAnalysis {
  const findings: Finding[] = [];
  const records: AnalyzedRecord[] = [];
  const bySeq = new Map<number, AnalyzedRecord>();
  const damagedSeqs = new Set<number>();
  let lastSeenSeq = FIRST_SEQ - 1;

  for (const l of lines) {
    const p = parseLine(l.text);
    if (!p.ok) {
      const guess = lastSeenSeq + 1;
      damagedSeqs.add(guess);
      lastSeenSeq = guess;
      findings.push({ kind: 'modified', severity: 'error', seq: guess, line: l.lineNo, message: `line ${l.lineNo} (probably event seq ${guess}) is damaged: ${p.reason}` });
      continue;
    }
    // Keep only what verification needs: a 100 MB journal must not stay in memory as objects.
    const keepData = p.record.kind.startsWith('journal.');
    const record = keepData ? p.record : { ...p.record, data: null };
    const rec: AnalyzedRecord = { record, lineNo: l.lineNo, start: l.start, end: l.end, intact: p.computedHash === p.record.hash };
    lastSeenSeq = p.record.seq;
    if (!rec.intact) {
      findings.push({ kind: 'modified', severity: 'error', seq: p.record.seq, line: l.lineNo, message: `event seq ${p.record.seq} (line ${l.lineNo}, ${p.record.kind}) was modified: its content no longer matches its hash` });
    }
    if (bySeq.has(p.record.seq)) {
      findings.push({ kind: 'duplicate', severity: 'error', seq: p.record.seq, line: l.lineNo, message: `event seq ${p.record.seq} appears twice (lines ${bySeq.get(p.record.seq)?.lineNo} and ${l.lineNo})` });
    } else bySeq.set(p.record.seq, rec);
    records.push(rec);
  }

  // Order: compare file order with sorted order; records out of place were moved.
  const sorted = [...records].sort((a, b) => a.record.seq - b.record.seq);
  sorted.forEach((r, i) => {
    const atPos = records[i];
    if (atPos && atPos !== r) {
      findings.push({ kind: 'reordered', severity: 'error', seq: atPos.record.seq, line: atPos.lineNo, message: `event seq ${atPos.record.seq} is out of order: found at line ${atPos.lineNo}, where seq ${r.record.seq} belongs` });
    }
  });

  // Gaps.
  const present = new Set<number>([...bySeq.keys(), ...damagedSeqs]);
  let lastSeq = FIRST_SEQ - 1;
  for (const s of present) if (s > lastSeq) lastSeq = s;
  let gapStart: number | null = null;
  for (let s = FIRST_SEQ; s <= lastSeq + 1; s++) {
    if (s <= lastSeq && !present.has(s)) {
      gapStart ??= s;
    } else if (gapStart !== null) {
      const range = gapStart === s - 1 ? `event seq ${gapStart} is` : `events seq ${gapStart}..${s - 1} are`;
      findings.push({ kind: 'missing', severity: 'error', seq: gapStart, line: bySeq.get(s)?.lineNo, message: `${range} missing (deleted before line ${bySeq.get(s)?.lineNo ?? '?'})` });
      gapStart = null;
    }
  }

  // Links: each record's prev must be the stored hash of seq-1 (or the genesis hash).
  for (const r of sorted) {
    const s = r.record.seq;
    if (!r.intact) continue;
    if (s === FIRST_SEQ) {
      if (r.record.prev !== genesisHash(sessionId)) {
        const other = r.record.kind === 'journal.header' ? (r.record.data as { sessionId?: unknown }).sessionId : undefined;
        findings.push({ kind: 'wrong-session', severity: 'error', seq: s, line: r.lineNo, message: `the journal does not belong to session ${sessionId}${typeof other === 'string' ? ` (its header says ${other})` : ''}, or its first event was replaced` });
      }
      continue;
    }
    const before = bySeq.get(s - 1);
    if (!before || !before.intact) continue;
    if (r.record.prev !== before.record.hash) {
      findings.push({ kind: 'modified', severity: 'error', seq: s - 1, line: before.lineNo, message: `the chain breaks between seq ${s - 1} and seq ${s}: event seq ${s - 1} (line ${before.lineNo}) was rewritten or replaced` });
    }
  }

  for (const r of records) {
    if (r.record.kind === 'journal.recovered') {
      const d = r.record.data as { truncatedBytes?: number };
      findings.push({ kind: 'recovered', severity: 'warning', seq: r.record.seq, line: r.lineNo, message: `a crash left a torn final line (${d.truncatedBytes ?? '?'} bytes); it was truncated and recorded at seq ${r.record.seq}` });
    }
  }

  const head = bySeq.get(lastSeq);
  findings.sort((a, b) => (a.seq ?? 0) - (b.seq ?? 0));
  return { records, lastSeq, headHash: head?.record.hash ?? genesisHash(sessionId), bySeq, findings };
}
