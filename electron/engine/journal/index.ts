// The journal's public surface (composition only).
export { JournalWriter, type JournalWriterOptions, type JournalWriterState, type RecoveryInfo } from './journal-writer.js';
export { JournalRecorder, type JournalRecorderOptions } from './journal-recorder.js';
export { FileKeyStore, keyIdOf, type KeyStore, type SigningKey } from './key-store.js';
export { journalPaths, type JournalPaths } from './journal-paths.js';
export { verifySession, verifyBundleFile, verifyTarget, type VerifyOptions, type VerifyResult } from './journal-verify.js';
export type { Finding, FindingKind } from './journal-analysis.js';
export { exportBundle, readBundle } from './journal-bundle.js';
export { exportSession, type ExportFormat } from './journal-export.js';
export { ReplayIndex, type Keyframe, type ScreenState, type SearchHit, type ReplayIndexOptions } from './replay-index.js';
export { playSession, type PlayerOptions } from './replay-player.js';
export { summarizeJournal, rebuildIndex, type SessionSummary } from './journal-summary.js';
export { buildReport, type SessionReport } from './report-model.js';
export { renderHtmlReport } from './html-report.js';
export { asciicastLines } from './asciicast.js';
export { readRecords, resolveJournal } from './journal-read.js';
export type { JournalRecord } from './journal-record.js';
