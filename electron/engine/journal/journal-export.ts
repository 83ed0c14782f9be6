import { paddockHome } from '../paths.js';
import { asciicastLines } from './asciicast.js';
import { renderHtmlReport } from './html-report.js';
import { exportBundle } from './journal-bundle.js';
import { readRecords, resolveJournal } from './journal-read.js';
import { verifySession } from './journal-verify.js';
import { buildReport } from './report-model.js';

export type ExportFormat = 'cast' | 'jsonl' | 'html';

/** Exports a session: asciicast v2, the verifiable JSONL bundle, or the HTML audit report. */
export function exportSession(sessionId: string, format: ExportFormat, opts: { home?: string; now?: number } = {}): Buffer {
  const home = opts.home ?? paddockHome();
  const path = resolveJournal(sessionId, home);
  switch (format) {
    case 'jsonl':
      return exportBundle(sessionId, { home, now: opts.now });
    case 'cast':
      return Buffer.from([...asciicastLines(readRecords(path), { title: `paddock ${sessionId}` })].join(''));
    case 'html': {
      const report = buildReport(sessionId, readRecords(path));
      const v = verifySession(sessionId, { home });
      return Buffer.from(renderHtmlReport(report, { ok: v.ok, findings: v.findings, keyId: v.keyId, lastSignedSeq: v.checkpoints.lastSignedSeq }, opts.now));
    }
  }
}
