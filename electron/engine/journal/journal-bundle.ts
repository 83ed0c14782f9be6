import { existsSync, readFileSync } from 'node:fs';
import { PaddockError } from '../errors.js';
import { paddockHome } from '../paths.js';
import { parseCheckpointLines, type CheckpointLine } from './checkpoints.js';
import { tornTailLength, type JournalLine } from './journal-lines.js';
import { journalPaths } from './journal-paths.js';
import { canonicalJson } from './journal-record.js';
import { FileKeyStore, keyIdOf } from './key-store.js';

export const BUNDLE_FORMAT = 'paddock-journal-bundle/1';

/**
 * A bundle is one JSONL file: a header line (format, session id, public key), one
 * `{"checkpoint":…}` line per checkpoint, then the journal's lines byte for byte. The hashes
 * cover those bytes, so the bundle verifies anywhere given the public key.
 */
export interface BundleHeader {
  bundle: typeof BUNDLE_FORMAT;
  sessionId: string;
  keyId: string | null;
  publicKey: string | null;
  exportedAt: number;
}

export function exportBundle(sessionId: string, opts: { home?: string; now?: number } = {}): Buffer {
  const home = opts.home ?? paddockHome();
  const p = journalPaths(sessionId, home);
  if (!existsSync(p.journal)) throw new PaddockError('SESSION_NOT_FOUND', `No journal for session ${sessionId} at ${p.journal}.`);
  const journal = readFileSync(p.journal);
  const complete = journal.subarray(0, journal.length - tornTailLength(journal));
  const pub = new FileKeyStore(home).publicKeyPem();
  const header: BundleHeader = { bundle: BUNDLE_FORMAT, sessionId, keyId: pub ? keyIdOf(pub) : null, publicKey: pub, exportedAt: opts.now ?? Date.now() };
  const cps = existsSync(p.checkpoints) ? readFileSync(p.checkpoints, 'utf8') : '';
  const cpLines = cps
    .split('\n')
    .slice(0, -1)
    .filter((l) => l.trim() !== '')
    .map((l) => `{"checkpoint":${l}}\n`)
    .join('');
  return Buffer.concat([Buffer.from(`${canonicalJson(header)}\n${cpLines}`), complete]);
}

export interface ParsedBundle {
  sessionId: string;
  publicKeyPem: string | null;
  checkpoints: CheckpointLine[];
  lines: JournalLine[];
  tornTailBytes: number;
}

export function readBundle(buf: Buffer): ParsedBundle {
  const firstNl = buf.indexOf(0x0a);
  let header: Partial<BundleHeader>;
  try {
    header = JSON.parse(buf.toString('utf8', 0, firstNl < 0 ? buf.length : firstNl)) as Partial<BundleHeader>;
  } catch {
    throw new PaddockError('BAD_INPUT', 'This file is not a Paddock journal bundle (its first line is not JSON). Export one with `paddock export <session> --format jsonl`.');
  }
  if (header.bundle !== BUNDLE_FORMAT || typeof header.sessionId !== 'string') {
    throw new PaddockError('BAD_INPUT', `This file is not a ${BUNDLE_FORMAT} bundle. Export one with \`paddock export <session> --format jsonl\`.`);
  }
  const torn = tornTailLength(buf);
  const cpTexts: string[] = [];
  const lines: JournalLine[] = [];
  let start = firstNl + 1;
  let journalLineNo = 1;
  const end = buf.length - torn;
  while (start < end) {
    const nl = buf.indexOf(0x0a, start);
    const text = buf.toString('utf8', start, nl);
    if (text.startsWith('{"checkpoint":') && lines.length === 0) {
      cpTexts.push(text.slice('{"checkpoint":'.length, -1));
    } else {
      lines.push({ lineNo: journalLineNo++, start, end: nl + 1, text });
    }
    start = nl + 1;
  }
  return { sessionId: header.sessionId, publicKeyPem: header.publicKey ?? null, checkpoints: parseCheckpointLines(cpTexts.map((t) => `${t}\n`).join('')), lines, tornTailBytes: torn };
}


