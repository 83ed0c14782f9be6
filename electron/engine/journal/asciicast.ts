import { summarize, jumpKindsOf } from './event-view.js';
import type { JournalRecord } from './journal-record.js';

export interface AsciicastOptions {
  title?: string;
  /** Add asciicast "m" markers for approvals, denials, network decisions and file changes. */
  markers?: boolean;
}

/**
 * asciicast v2 (https://docs.asciinema.org/manual/asciicast/v2/): a header line, then
 * `[seconds, code, data]` lines — "o" output, "i" input, "r" resize ("COLSxROWS"), "m" marker.
 * Plays in asciinema-player and `asciinema play`.
 */
export function* asciicastLines(records: Iterable<JournalRecord>, opts: AsciicastOptions = {}): Generator<string> {
  const buffered: JournalRecord[] = [];
  let start: number | null = null;
  let size: { cols: number; rows: number } | null = null;
  let headerDone = false;
  const header = () => {
    headerDone = true;
    return `${JSON.stringify({
      version: 2,
      width: size?.cols ?? 80,
      height: size?.rows ?? 24,
      timestamp: Math.floor((start ?? Date.now()) / 1000),
      ...(opts.title ? { title: opts.title } : {}),
      env: { TERM: 'xterm-256color', SHELL: '/bin/sh' },
    })}\n`;
  };
  let last = 0;
  const line = (r: JournalRecord): string | null => {
    // Never decreasing, even if the host clock stepped back during the session.
    last = Math.max(last, (r.time - (start ?? r.time)) / 1000);
    const t = last.toFixed(6);
    const d = r.data as { data?: unknown; cols?: unknown; rows?: unknown };
    if (r.kind === 'terminal.output' && typeof d.data === 'string') return `[${t}, "o", ${JSON.stringify(d.data)}]\n`;
    if (r.kind === 'terminal.input' && typeof d.data === 'string') return `[${t}, "i", ${JSON.stringify(d.data)}]\n`;
    if (r.kind === 'terminal.resize' && typeof d.cols === 'number' && typeof d.rows === 'number') return `[${t}, "r", "${d.cols}x${d.rows}"]\n`;
    if (opts.markers !== false && jumpKindsOf(r.kind, r.data).length > 0) return `[${t}, "m", ${JSON.stringify(`${r.kind}: ${summarize(r, 100)}`)}]\n`;
    return null;
  };
  for (const r of records) {
    if (r.kind === 'journal.header') continue;
    start ??= r.time;
    if (!headerDone) {
      // The header carries the first size; hold events until the first output or resize.
      if (r.kind === 'terminal.resize' && !size) {
        const d = r.data as { cols: number; rows: number };
        size = { cols: d.cols, rows: d.rows };
        continue;
      }
      if (r.kind !== 'terminal.output' && r.kind !== 'terminal.input') {
        buffered.push(r);
        continue;
      }
      yield header();
      for (const b of buffered) {
        const l = line(b);
        if (l) yield l;
      }
    }
    const l = line(r);
    if (l) yield l;
  }
  if (!headerDone) {
    yield header();
    for (const b of buffered) {
      const l = line(b);
      if (l) yield l;
    }
  }
}
