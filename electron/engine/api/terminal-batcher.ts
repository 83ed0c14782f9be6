/**
 * Batches terminal output before it crosses a process or network boundary (as Hyper does):
 * one flush every ~16 ms, or at once when ~200 KB are pending. Input chunks are whole strings
 * (the session runner decodes UTF-8 with a StringDecoder), and an oversized batch is split only
 * between characters, never inside a surrogate pair.
 */
export interface BatcherOptions {
  intervalMs?: number;
  maxBytes?: number;
  setTimer?: (fn: () => void, ms: number) => unknown;
  clearTimer?: (t: unknown) => void;
}

export class TerminalBatcher {
  private pending: string[] = [];
  private bytes = 0;
  private timer: unknown = null;
  private readonly intervalMs: number;
  private readonly maxBytes: number;
  private readonly setTimer: (fn: () => void, ms: number) => unknown;
  private readonly clearTimer: (t: unknown) => void;

  constructor(
    private readonly onFlush: (data: string) => void,
    opts: BatcherOptions = {},
  ) {
    this.intervalMs = opts.intervalMs ?? 16;
    this.maxBytes = opts.maxBytes ?? 200 * 1024;
    this.setTimer = opts.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
    this.clearTimer = opts.clearTimer ?? ((t) => clearTimeout(t as NodeJS.Timeout));
  }

  push(data: string): void {
    if (!data) return;
    this.pending.push(data);
    this.bytes += Buffer.byteLength(data, 'utf8');
    if (this.bytes >= this.maxBytes) this.flush();
    else if (this.timer === null) this.timer = this.setTimer(() => this.flush(), this.intervalMs);
  }

  flush(): void {
    if (this.timer !== null) this.clearTimer(this.timer);
    this.timer = null;
    if (this.pending.length === 0) return;
    const data = this.pending.join('');
    this.pending = [];
    this.bytes = 0;
    for (const piece of splitUtf8(data, this.maxBytes)) this.onFlush(piece);
  }

  dispose(): void {
    this.flush();
  }
}

/** Splits a string into pieces of at most maxBytes UTF-8 bytes, only between characters. */
export function splitUtf8(s: string, maxBytes: number): string[] {
  if (Buffer.byteLength(s, 'utf8') <= maxBytes) return [s];
  const out: string[] = [];
  let start = 0;
  while (start < s.length) {
    let end = start;
    let bytes = 0;
    while (end < s.length) {
      const c = s.charCodeAt(end);
      const isPair = c >= 0xd800 && c <= 0xdbff && end + 1 < s.length && (s.charCodeAt(end + 1) & 0xfc00) === 0xdc00;
      const width = isPair ? 4 : c < 0x80 ? 1 : c < 0x800 ? 2 : 3;
      if (bytes + width > maxBytes && end > start) break;
      bytes += width;
      end += isPair ? 2 : 1;
    }
    out.push(s.slice(start, end));
    start = end;
  }
  return out;
}
