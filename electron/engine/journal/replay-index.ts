import { existsSync } from 'node:fs';
import { open, readFile, rename, writeFile } from 'node:fs/promises';
import { PaddockError } from '../errors.js';
import { paddockHome } from '../paths.js';
import { journalLines } from './journal-lines.js';
import { journalPaths } from './journal-paths.js';
import type { JournalRecord } from './journal-record.js';
import { isTerminalKind, scanRecords, type RecordTable } from './record-table.js';
import { drain, newTerminal, screenText, serializeScreen, type ScreenText, type Terminal } from './screen-snapshot.js';

export interface Keyframe {
  /** Number of records applied (records [0, index) of the journal). */
  index: number;
  seq: number;
  time: number;
  /** Byte offset of the first record not yet applied. */
  offset: number;
  cols: number;
  rows: number;
  /** `serializeScreen` output; '' for the blank start. */
  screen: string;
}

export interface ScreenState extends ScreenText {
  /** The time asked for and the last record applied. */
  time: number;
  seq: number;
  /** Escape sequence that paints this screen in a fresh xterm.js of the same size. */
  ansi: string;
}

export interface SearchHit {
  seq: number;
  time: number;
  kind: string;
  snippet: string;
}

export interface ReplayIndexOptions {
  home?: string;
  /** A keyframe after this much terminal output... */
  keyframeEveryBytes?: number;
  /** ...or this long after the previous one (and after every resize). */
  keyframeEveryMs?: number;
  /** Where keyframes are cached; null disables the cache. */
  cachePath?: string | null;
}

interface CacheFile {
  version: 1;
  keyframeEveryBytes: number;
  coveredSize: number;
  coveredHash: string;
  keyframes: Keyframe[];
}

const DEFAULT_COLS = 80;
const DEFAULT_ROWS = 24;
// eslint-disable-next-line no-control-regex
const ANSI = /\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[@-Z\\-_])/g;

export function stripAnsi(s: string): string {
  return s.replace(ANSI, '');
}

/**
 * Replay API over one journal: events in a time range, the screen at any time (from the
 * nearest keyframe, never from the start), and search. Keyframes are built once and cached
 * next to the journal; a growing journal extends the cache from its last keyframe.
 */
export class ReplayIndex {
  private constructor(
    readonly path: string,
    private readonly table: RecordTable,
    readonly keyframes: Keyframe[],
  ) {}

  static async open(sessionId: string, opts: ReplayIndexOptions = {}): Promise<ReplayIndex> {
    const p = journalPaths(sessionId, opts.home ?? paddockHome());
    if (!existsSync(p.journal)) throw new PaddockError('SESSION_NOT_FOUND', `No journal for session ${sessionId} at ${p.journal}. List sessions with \`paddock sessions\`.`);
    return ReplayIndex.openFile(p.journal, { cachePath: p.replayCache, ...opts });
  }

  static async openFile(path: string, opts: ReplayIndexOptions = {}): Promise<ReplayIndex> {
    const buf = await readFile(path);
    const table = scanRecords(buf);
    const every = opts.keyframeEveryBytes ?? 256 * 1024;
    const everyMs = opts.keyframeEveryMs ?? 60_000;
    const cachePath = opts.cachePath ?? null;
    let start: Keyframe[] = [{ index: 0, seq: 0, time: table.count ? table.times[0]! : 0, offset: 0, cols: DEFAULT_COLS, rows: DEFAULT_ROWS, screen: '' }];
    const cached = cachePath ? await loadCache(cachePath, every, buf, table) : null;
    if (cached) start = cached;
    const keyframes = await buildKeyframes(buf, table, start, every, everyMs);
    if (cachePath && keyframes.length !== cached?.length) await saveCache(cachePath, every, buf, table, keyframes);
    return new ReplayIndex(path, table, keyframes);
  }

  get count(): number {
    return this.table.count;
  }
  get startTime(): number {
    return this.table.count ? this.table.times[0]! : 0;
  }
  get endTime(): number {
    return this.table.count ? this.table.times[this.table.count - 1]! : 0;
  }
  /** Non-terminal events (approvals, decisions, file changes...), for timelines and jumps. */
  get events(): readonly { seq: number; time: number; kind: string; index: number }[] {
    return this.table.notable;
  }

  /** Records with from <= time <= to, optionally only some kinds. */
  async eventsBetween(from: number, to: number, opts: { kinds?: string[]; limit?: number } = {}): Promise<JournalRecord[]> {
    const a = this.table.indexAfter(from - 1);
    const b = this.table.indexAfter(to);
    const out: JournalRecord[] = [];
    for (const line of await this.readLines(a, b)) {
      const r = JSON.parse(line) as JournalRecord;
      if (!opts.kinds || opts.kinds.includes(r.kind)) out.push(r);
      if (opts.limit && out.length >= opts.limit) break;
    }
    return out;
  }

  /** The terminal screen after every record with time <= t. */
  async screenAt(t: number): Promise<ScreenState> {
    const { term, seq } = await this.terminalAt(t);
    try {
      return { ...screenText(term), time: t, seq, ansi: serializeScreen(term) };
    } finally {
      term.dispose();
    }
  }

  /** A headless terminal in the state at time t (the caller disposes it). */
  async terminalAt(t: number): Promise<{ term: Terminal; seq: number }> {
    const end = this.table.indexAfter(t);
    const kf = this.keyframeBefore(end);
    const term = newTerminal(kf.cols, kf.rows);
    if (kf.screen) term.write(kf.screen);
    await applyLines(term, await this.readLines(kf.index, end));
    return { term, seq: end > 0 ? this.table.seqs[end - 1]! : 0 };
  }

  /** Case-insensitive search of terminal output (escape codes removed) and event data. */
  async search(query: string, opts: { limit?: number } = {}): Promise<SearchHit[]> {
    const q = query.toLowerCase();
    const limit = opts.limit ?? 100;
    const hits: SearchHit[] = [];
    for (const line of await this.readLines(0, this.table.count)) {
      const r = JSON.parse(line) as JournalRecord;
      const text = r.kind === 'terminal.output' || r.kind === 'terminal.input' ? stripAnsi((r.data as { data?: string }).data ?? '') : JSON.stringify(r.data);
      const at = text.toLowerCase().indexOf(q);
      if (at < 0) continue;
      hits.push({ seq: r.seq, time: r.time, kind: r.kind, snippet: text.slice(Math.max(0, at - 40), at + q.length + 40) });
      if (hits.length >= limit) break;
    }
    return hits;
  }

  private keyframeBefore(index: number): Keyframe {
    let lo = 0;
    let hi = this.keyframes.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.keyframes[mid]!.index <= index) lo = mid;
      else hi = mid - 1;
    }
    return this.keyframes[lo]!;
  }

  /** Lines of records [a, b) read from disk by offset. */
  private async readLines(a: number, b: number): Promise<string[]> {
    if (b <= a) return [];
    const start = this.table.offsets[a]!;
    const end = this.table.offsets[b]!;
    const fh = await open(this.path, 'r');
    try {
      const buf = Buffer.allocUnsafe(end - start);
      await fh.read(buf, 0, buf.length, start);
      return [...journalLines(buf)].map((l) => l.text);
    } finally {
      await fh.close();
    }
  }
}

/** Applies terminal records (output, resize) to a terminal and waits until parsed. */
export async function applyLines(term: Terminal, lines: Iterable<string>): Promise<void> {
  for (const line of lines) {
    const kind = kindOf(line);
    if (!isTerminalKind(kind)) continue;
    const r = JSON.parse(line) as JournalRecord;
    await applyRecord(term, r);
  }
  await drain(term);
}

async function applyRecord(term: Terminal, r: JournalRecord): Promise<boolean> {
  if (r.kind === 'terminal.output') {
    term.write((r.data as { data: string }).data);
    return false;
  }
  if (r.kind === 'terminal.resize') {
    const { cols, rows } = r.data as { cols: number; rows: number };
    await drain(term);
    if (cols > 0 && rows > 0 && (cols !== term.cols || rows !== term.rows)) term.resize(cols, rows);
    return true;
  }
  return false;
}

function kindOf(line: string): string {
  const k = line.indexOf('"kind":"');
  return k < 0 ? '' : line.slice(k + 8, line.indexOf('"', k + 8));
}

async function buildKeyframes(buf: Buffer, table: RecordTable, start: Keyframe[], every: number, everyMs: number): Promise<Keyframe[]> {
  const keyframes = [...start];
  const from = keyframes[keyframes.length - 1]!;
  if (from.index >= table.count) return keyframes;
  const term = newTerminal(from.cols, from.rows);
  if (from.screen) term.write(from.screen);
  let bytes = 0;
  let lastTime = from.time;
  try {
    for (let i = from.index; i < table.count; i++) {
      const s = table.offsets[i]!;
      const e = table.offsets[i + 1]!;
      if (!isTerminalKind(table.kinds[i]!)) continue;
      const r = JSON.parse(buf.toString('utf8', s, e - 1)) as JournalRecord;
      const resized = await applyRecord(term, r);
      bytes += e - s;
      if (resized || bytes >= every || table.times[i]! - lastTime >= everyMs) {
        await drain(term);
        keyframes.push({ index: i + 1, seq: table.seqs[i]!, time: table.times[i]!, offset: e, cols: term.cols, rows: term.rows, screen: serializeScreen(term) });
        bytes = 0;
        lastTime = table.times[i]!;
      }
    }
  } finally {
    term.dispose();
  }
  return keyframes;
}

async function loadCache(path: string, every: number, buf: Buffer, table: RecordTable): Promise<Keyframe[] | null> {
  try {
    const c = JSON.parse(await readFile(path, 'utf8')) as CacheFile;
    if (c.version !== 1 || c.keyframeEveryBytes !== every || c.coveredSize > buf.length || c.keyframes.length === 0) return null;
    // The journal must still hold the same records up to what the cache covered.
    const idx = table.indexOfOffset(c.coveredSize);
    if (idx === null || idx === 0 || table.hashAt(buf, idx - 1) !== c.coveredHash) return null;
    return c.keyframes;
  } catch {
    return null;
  }
}

async function saveCache(path: string, every: number, buf: Buffer, table: RecordTable, keyframes: Keyframe[]): Promise<void> {
  const last = keyframes[keyframes.length - 1]!;
  if (last.index === 0) return;
  const c: CacheFile = { version: 1, keyframeEveryBytes: every, coveredSize: last.offset, coveredHash: table.hashAt(buf, last.index - 1), keyframes };
  try {
    await writeFile(`${path}.tmp`, JSON.stringify(c));
    await rename(`${path}.tmp`, path);
  } catch {
    /* the cache is an optimisation; a read-only journal dir still replays */
  }
}
