import { appendFile, mkdir, open, readFile } from 'node:fs/promises';
import { readFileSync, truncateSync } from 'node:fs';
import { dirname } from 'node:path';
import { canonicalJson } from './journal-record.js';
import type { SigningKey } from './key-store.js';
import { verifySignature } from './key-store.js';

/** What a checkpoint signs: the chain head at `seq`. */
export interface CheckpointPayload {
  sessionId: string;
  seq: number;
  headHash: string;
  time: number;
  /** Written when the journal is closed: nothing may follow it. */
  final: boolean;
  keyId: string;
}

export interface Checkpoint extends CheckpointPayload {
  /** base64 ed25519 signature over `checkpointMessage(payload)`. */
  sig: string;
}

const DOMAIN = 'paddock-checkpoint/1\n';

export function checkpointMessage(p: CheckpointPayload): Buffer {
  const { sessionId, seq, headHash, time, final, keyId } = p;
  return Buffer.from(DOMAIN + canonicalJson({ sessionId, seq, headHash, time, final, keyId }));
}

export function signCheckpoint(key: SigningKey, p: Omit<CheckpointPayload, 'keyId'>): Checkpoint {
  const payload: CheckpointPayload = { ...p, keyId: key.keyId };
  return { ...payload, sig: key.sign(checkpointMessage(payload)).toString('base64') };
}

export function checkpointSignatureValid(publicKeyPem: string, c: Checkpoint): boolean {
  if (typeof c.sig !== 'string') return false;
  return verifySignature(publicKeyPem, checkpointMessage(c), Buffer.from(c.sig, 'base64'));
}

export function encodeCheckpoint(c: Checkpoint): string {
  return `${canonicalJson(c)}\n`;
}

/** Appends one checkpoint and fsyncs it. */
export async function appendCheckpoint(path: string, c: Checkpoint): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await appendFile(path, encodeCheckpoint(c), { mode: 0o600 });
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export type CheckpointLine = { lineNo: number; checkpoint: Checkpoint } | { lineNo: number; error: string } | { lineNo: number; torn: number };

/** Parses a checkpoint file; a final line without its newline is a torn write (crash), not damage. */
export function parseCheckpointLines(text: string): CheckpointLine[] {
  const out: CheckpointLine[] = [];
  const parts = text.split('\n');
  const tail = parts.pop() ?? '';
  if (tail !== '') out.push({ lineNo: parts.length + 1, torn: Buffer.byteLength(tail) });
  parts.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      const v = JSON.parse(line) as Partial<Checkpoint>;
      if (typeof v.sessionId !== 'string' || !Number.isSafeInteger(v.seq) || typeof v.headHash !== 'string' || typeof v.sig !== 'string') {
        out.push({ lineNo: i + 1, error: 'not a checkpoint (missing sessionId/seq/headHash/sig)' });
      } else out.push({ lineNo: i + 1, checkpoint: v as Checkpoint });
    } catch {
      out.push({ lineNo: i + 1, error: 'not valid JSON' });
    }
  });
  return out.sort((a, b) => a.lineNo - b.lineNo);
}

/** Truncates a torn final checkpoint line so the next append starts on a fresh line. */
export function repairCheckpointTail(path: string): void {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch {
    return;
  }
  const keep = buf.lastIndexOf(0x0a) + 1;
  if (keep < buf.length) truncateSync(path, keep);
}

export async function readCheckpoints(path: string): Promise<CheckpointLine[]> {
  try {
    return parseCheckpointLines(await readFile(path, 'utf8'));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}
