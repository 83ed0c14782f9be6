/** The terminal kinds a replay applies; everything else is a "notable" timeline event. */
export function isTerminalKind(kind: string): boolean {
  return kind === 'terminal.output' || kind === 'terminal.resize' || kind === 'terminal.input';
}

export interface NotableEvent {
  seq: number;
  time: number;
  kind: string;
  /** Position of the record in the table. */
  index: number;
}

/**
 * A compact table of a journal's records, built by scanning lines without a full JSON parse:
 * seq, time (made non-decreasing so it can be searched), kind and byte offset of each record.
 */
export interface RecordTable {
  count: number;
  seqs: Float64Array;
  times: Float64Array;
  /** offsets[i] = first byte of record i; offsets[count] = end of the last complete line. */
  offsets: Float64Array;
  kinds: string[];
  notable: NotableEvent[];
  /** Number of records with time <= t. */
  indexAfter(t: number): number;
  /** The record index starting at this byte offset (count for the end), or null. */
  indexOfOffset(offset: number): number | null;
  /** The stored hash of record i (read from its line's fixed-width tail). */
  hashAt(buf: Buffer, i: number): string;
}

function num(line: string, key: string, from = 0): number {
  const k = line.indexOf(key, from);
  if (k < 0) return NaN;
  const s = k + key.length;
  let e = s;
  while (e < line.length && line.charCodeAt(e) !== 44 /* , */) e++;
  return Number(line.slice(s, e));
}

export function scanRecords(buf: Buffer): RecordTable {
  let cap = 1024;
  let seqs = new Float64Array(cap);
  let times = new Float64Array(cap);
  let offsets = new Float64Array(cap + 1);
  const kinds: string[] = [];
  const interned = new Map<string, string>();
  const notable: NotableEvent[] = [];
  let count = 0;
  let start = 0;
  let maxTime = -Infinity;
  for (;;) {
    const nl = buf.indexOf(0x0a, start);
    if (nl < 0) break;
    // Only the head of the line is needed: seq, time, kind.
    const head = buf.toString('utf8', start, Math.min(nl, start + 200));
    if (count === cap) {
      cap *= 2;
      const grow = (a: Float64Array, n: number) => {
        const b = new Float64Array(n);
        b.set(a);
        return b;
      };
      seqs = grow(seqs, cap);
      times = grow(times, cap);
      offsets = grow(offsets, cap + 1);
    }
    const k = head.indexOf('"kind":"');
    const rawKind = k < 0 ? '' : head.slice(k + 8, head.indexOf('"', k + 8));
    let kind = interned.get(rawKind);
    if (kind === undefined) interned.set(rawKind, (kind = rawKind));
    const t = num(head, '"time":');
    maxTime = Math.max(maxTime, Number.isFinite(t) ? t : maxTime);
    seqs[count] = num(head, '{"seq":');
    times[count] = maxTime;
    offsets[count] = start;
    kinds.push(kind);
    if (!isTerminalKind(kind)) notable.push({ seq: seqs[count]!, time: maxTime, kind, index: count });
    count++;
    start = nl + 1;
  }
  offsets[count] = start;
  const table: RecordTable = {
    count,
    seqs,
    times,
    offsets,
    kinds,
    notable,
    indexAfter(t) {
      let lo = 0;
      let hi = count;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (times[mid]! <= t) lo = mid + 1;
        else hi = mid;
      }
      return lo;
    },
    indexOfOffset(offset) {
      let lo = 0;
      let hi = count;
      while (lo <= hi) {
        const mid = (lo + hi) >> 1;
        const o = offsets[mid]!;
        if (o === offset) return mid;
        if (o < offset) lo = mid + 1;
        else hi = mid - 1;
      }
      return null;
    },
    hashAt(b, i) {
      const end = offsets[i + 1]! - 1; // the newline
      return b.toString('utf8', end - 66, end - 2);
    },
  };
  return table;
}
