import { createHash } from 'node:crypto';

/**
 * One journal line. The line's bytes are the canonical encoding: a fixed envelope key order
 * (`seq, time, kind, data, prev`), `data` with recursively sorted keys and no whitespace, then
 * `hash` = sha256 (hex) over the UTF-8 bytes of everything before `,"hash":`.
 */
export interface JournalRecord {
  seq: number;
  /** Milliseconds since the epoch. */
  time: number;
  kind: string;
  data: unknown;
  /** Hash of the previous record (the genesis hash for seq 1). */
  prev: string;
  hash: string;
}

export const JOURNAL_FORMAT = 'paddock-journal/1';
export const FIRST_SEQ = 1;

const HASH_SUFFIX_LEN = ',"hash":"'.length + 64 + '"}'.length;
const HASH_TAIL = /,"hash":"([0-9a-f]{64})"\}$/;

export function sha256Hex(input: string | Buffer): string {
  return createHash('sha256').update(input).digest('hex');
}

/** The `prev` of the first record: binds the chain to its session id. */
export function genesisHash(sessionId: string): string {
  return sha256Hex(`${JOURNAL_FORMAT}\n${sessionId}`);
}

/** JSON with recursively sorted object keys and no whitespace; `undefined` members are dropped. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'number' && !Number.isFinite(value)) return 'null';
    if (typeof value === 'bigint') return JSON.stringify(value.toString());
    const s = JSON.stringify(value) as string | undefined;
    return s ?? 'null';
  }
  const withToJson = value as { toJSON?: () => unknown };
  if (typeof withToJson.toJSON === 'function') return canonicalJson(withToJson.toJSON());
  if (Array.isArray(value)) {
    return `[${value.map((v: unknown) => (v === undefined || typeof v === 'function' ? 'null' : canonicalJson(v))).join(',')}]`;
  }
  const obj = value as Record<string, unknown>;
  const parts: string[] = [];
  for (const key of Object.keys(obj).sort()) {
    const v = obj[key];
    if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
    parts.push(`${JSON.stringify(key)}:${canonicalJson(v)}`);
  }
  return `{${parts.join(',')}}`;
}

export interface EncodedRecord {
  line: string;
  hash: string;
}

/** Encodes one record as its journal line (with the trailing newline). */
export function encodeRecord(seq: number, time: number, kind: string, data: unknown, prev: string): EncodedRecord {
  const body = `{"seq":${seq},"time":${Math.trunc(time)},"kind":${JSON.stringify(kind)},"data":${canonicalJson(data)},"prev":"${prev}"`;
  const hash = sha256Hex(body);
  return { line: `${body},"hash":"${hash}"}\n`, hash };
}

export type ParsedLine = { ok: true; record: JournalRecord; computedHash: string } | { ok: false; reason: string };

/**
 * Parses one line (without its newline) and recomputes its hash over the exact bytes. A record
 * whose stored hash differs from the computed one is returned with both, so the caller can say
 * "modified".
 */
export function parseLine(line: string): ParsedLine {
  const m = HASH_TAIL.exec(line);
  if (!m || line.length <= HASH_SUFFIX_LEN) return { ok: false, reason: 'not a journal record (no trailing hash)' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'not valid JSON' };
  }
  if (!isRecordShape(parsed)) return { ok: false, reason: 'missing or mistyped seq/time/kind/data/prev/hash' };
  const computedHash = sha256Hex(line.slice(0, line.length - HASH_SUFFIX_LEN));
  return { ok: true, record: parsed, computedHash };
}

function isRecordShape(v: unknown): v is JournalRecord {
  if (typeof v !== 'object' || v === null) return false;
  const r = v as Record<string, unknown>;
  return (
    Number.isSafeInteger(r.seq) &&
    typeof r.time === 'number' &&
    typeof r.kind === 'string' &&
    'data' in r &&
    typeof r.prev === 'string' &&
    typeof r.hash === 'string'
  );
}

/** Cheap peek at a line's seq without a full parse (lines always start with `{"seq":`). */
export function peekSeq(line: string): number | null {
  if (!line.startsWith('{"seq":')) return null;
  const end = line.indexOf(',', 7);
  const n = Number(line.slice(7, end));
  return Number.isSafeInteger(n) ? n : null;
}
