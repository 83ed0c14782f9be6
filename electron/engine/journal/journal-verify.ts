import { existsSync, readFileSync, statSync } from 'node:fs';
import { PaddockError } from '../errors.js';
import { paddockHome } from '../paths.js';
import { checkpointSignatureValid, parseCheckpointLines, type CheckpointLine } from './checkpoints.js';
import { analyzeChain, type Finding } from './journal-analysis.js';
import { readBundle } from './journal-bundle.js';
import { journalLines, tornTailLength, type JournalLine } from './journal-lines.js';
import { journalPaths } from './journal-paths.js';
import { FileKeyStore, keyIdOf } from './key-store.js';

export interface VerifyOptions {
  home?: string;
  /** The public key to trust (PEM). Defaults to this install's key. */
  publicKeyPem?: string;
  /** For bundles: trust the bundle's embedded key if its id is this one. */
  trustedKeyId?: string;
}

export interface VerifyResult {
  ok: boolean;
  sessionId: string;
  source: 'session' | 'bundle';
  path: string;
  events: number;
  lastSeq: number;
  headHash: string;
  keyId: string | null;
  checkpoints: { total: number; valid: number; lastSignedSeq: number; final: boolean };
  tornTailBytes: number;
  /** Errors first, then warnings; each names the event (seq) and line where it can. */
  findings: Finding[];
}

export interface VerifyInput {
  sessionId: string;
  source: 'session' | 'bundle';
  path: string;
  lines: Iterable<JournalLine>;
  tornTailBytes: number;
  checkpoints: CheckpointLine[];
  publicKeyPem: string | null;
}

/** Checks the chain, then every checkpoint's signature and what it vouches for. */
export function verifyParts(input: VerifyInput): VerifyResult {
  const chain = analyzeChain(input.lines, input.sessionId);
  const findings: Finding[] = [...chain.findings];
  const keyId = input.publicKeyPem ? keyIdOf(input.publicKeyPem) : null;
  let valid = 0;
  let lastSigned = 0;
  let final = false;
  let lastGoodSeq = 0;

  for (const c of input.checkpoints) {
    const where = `checkpoint line ${c.lineNo}`;
    if ('torn' in c) {
      findings.push({ kind: 'torn-tail', severity: 'warning', line: c.lineNo, message: `the last checkpoint line is torn (${c.torn} bytes): a crash interrupted its write` });
      continue;
    }
    if ('error' in c) {
      findings.push({ kind: 'signature-invalid', severity: 'error', line: c.lineNo, message: `${where} is damaged: ${c.error}` });
      continue;
    }
    const cp = c.checkpoint;
    if (!input.publicKeyPem) {
      findings.push({ kind: 'signature-invalid', severity: 'error', seq: cp.seq, line: c.lineNo, message: `${where} cannot be checked: no public key (pass --public-key)` });
      continue;
    }
    if (cp.sessionId !== input.sessionId) {
      findings.push({ kind: 'signature-invalid', severity: 'error', seq: cp.seq, line: c.lineNo, message: `${where} belongs to session ${cp.sessionId}, not ${input.sessionId}` });
      continue;
    }
    if (cp.keyId !== keyId || !checkpointSignatureValid(input.publicKeyPem, cp)) {
      const why = cp.keyId !== keyId ? `it names key ${cp.keyId}, the trusted key is ${keyId}` : 'the signature does not match its content';
      findings.push({ kind: 'signature-invalid', severity: 'error', seq: cp.seq, line: c.lineNo, message: `${where} (seq ${cp.seq}) has an invalid signature: ${why}` });
      continue;
    }
    if (cp.seq < lastSigned) {
      findings.push({ kind: 'reordered', severity: 'error', seq: cp.seq, line: c.lineNo, message: `${where} signs seq ${cp.seq}, older than the checkpoint before it (seq ${lastSigned})` });
      continue;
    }
    valid++;
    lastSigned = cp.seq;
    final = cp.final;
    const rec = chain.bySeq.get(cp.seq);
    if (cp.seq > chain.lastSeq) {
      findings.push({ kind: 'truncated', severity: 'error', seq: chain.lastSeq + 1, line: c.lineNo, message: `the journal was truncated: it ends at seq ${chain.lastSeq} but ${where} signed seq ${cp.seq}; events ${chain.lastSeq + 1}..${cp.seq} are gone` });
    } else if (!rec || rec.record.hash !== cp.headHash) {
      const already = findings.some((f) => f.severity === 'error' && f.seq !== undefined && f.seq > lastGoodSeq && f.seq <= cp.seq);
      if (!already) {
        findings.push({ kind: 'modified', severity: 'error', seq: lastGoodSeq + 1, line: c.lineNo, message: `the chain between seq ${lastGoodSeq + 1} and seq ${cp.seq} was rewritten: it no longer matches ${where} (signed head hash differs)` });
      }
    } else lastGoodSeq = cp.seq;
  }

  if (valid === 0) {
    findings.push({ kind: 'no-checkpoints', severity: 'warning', message: 'no valid signed checkpoint: the journal is only self-consistent, truncation or a full rewrite could not be detected' });
  } else if (final && chain.lastSeq > lastSigned) {
    findings.push({ kind: 'appended-after-close', severity: 'error', seq: lastSigned + 1, message: `events seq ${lastSigned + 1}..${chain.lastSeq} were added after the journal was closed (final checkpoint at seq ${lastSigned})` });
  } else if (chain.lastSeq > lastSigned) {
    findings.push({ kind: 'unsigned-tail', severity: 'warning', seq: lastSigned + 1, message: `events seq ${lastSigned + 1}..${chain.lastSeq} are not yet covered by a signed checkpoint (removing them could not be detected)` });
  }
  if (valid > 0 && !final) findings.push({ kind: 'not-closed', severity: 'warning', message: 'the journal was not closed (no final checkpoint): the session is running or the engine stopped abruptly' });
  if (input.tornTailBytes > 0) {
    findings.push({ kind: 'torn-tail', severity: 'warning', seq: chain.lastSeq + 1, message: `the final line is torn (${input.tornTailBytes} bytes after seq ${chain.lastSeq}): a crash interrupted a write; the journal is intact up to seq ${chain.lastSeq}` });
  }

  findings.sort((a, b) => (a.severity === b.severity ? (a.seq ?? 0) - (b.seq ?? 0) : a.severity === 'error' ? -1 : 1));
  return {
    ok: !findings.some((f) => f.severity === 'error'),
    sessionId: input.sessionId,
    source: input.source,
    path: input.path,
    events: chain.records.length,
    lastSeq: chain.lastSeq,
    headHash: chain.headHash,
    keyId,
    checkpoints: { total: input.checkpoints.length, valid, lastSignedSeq: lastSigned, final },
    tornTailBytes: input.tornTailBytes,
    findings,
  };
}

/** Verifies a session's journal in this install's data directory. */
export function verifySession(sessionId: string, opts: VerifyOptions = {}): VerifyResult {
  const home = opts.home ?? paddockHome();
  const p = journalPaths(sessionId, home);
  if (!existsSync(p.journal)) throw new PaddockError('SESSION_NOT_FOUND', `No journal for session ${sessionId} at ${p.journal}. List sessions with \`paddock sessions\`.`);
  const buf = readFileSync(p.journal);
  const torn = tornTailLength(buf);
  const cpText = existsSync(p.checkpoints) ? readFileSync(p.checkpoints, 'utf8') : '';
  return verifyParts({
    sessionId,
    source: 'session',
    path: p.journal,
    lines: journalLines(buf.subarray(0, buf.length - torn)),
    tornTailBytes: torn,
    checkpoints: parseCheckpointLines(cpText),
    publicKeyPem: opts.publicKeyPem ?? new FileKeyStore(home).publicKeyPem(),
  });
}

/** Verifies an exported bundle; the key must be given (or pinned by id), the bundle's own key is not trusted blindly. */
export function verifyBundleFile(path: string, opts: VerifyOptions = {}): VerifyResult {
  const b = readBundle(readFileSync(path));
  let key = opts.publicKeyPem ?? null;
  if (!key && opts.trustedKeyId && b.publicKeyPem && keyIdOf(b.publicKeyPem).startsWith(opts.trustedKeyId.toLowerCase())) key = b.publicKeyPem;
  if (!key && !opts.trustedKeyId) key = new FileKeyStore(opts.home ?? paddockHome()).publicKeyPem();
  return verifyParts({ sessionId: b.sessionId, source: 'bundle', path, lines: b.lines, tornTailBytes: b.tornTailBytes, checkpoints: b.checkpoints, publicKeyPem: key });
}

/** `paddock verify <session|bundle>`: an existing file is a bundle, anything else a session id. */
export function verifyTarget(target: string, opts: VerifyOptions = {}): VerifyResult {
  if (existsSync(target) && statSync(target).isFile()) return verifyBundleFile(target, opts);
  return verifySession(target, opts);
}
