import { jumpKindsOf, summarize, type JumpKind } from './event-view.js';
import { readRecords } from './journal-read.js';
import type { JournalRecord } from './journal-record.js';
import type { ReplayIndex } from './replay-index.js';

export interface PlayerOptions {
  /** Playback speed factor (2 = twice as fast). */
  speed: number;
  /** Start at this many milliseconds after the session start (screen restored from keyframes). */
  atMs?: number;
  /** Longest pause between two outputs, before the speed factor. */
  maxIdleMs?: number;
  out: NodeJS.WritableStream;
  /** Raw-mode key input (a TTY); without it the replay just plays. */
  keys?: NodeJS.ReadableStream;
}

const JUMP_KEYS: Record<string, JumpKind> = { a: 'approval', d: 'denial', n: 'network', f: 'file' };
const HELP = 'space pause · a/d/n/f next approval/denial/network/file change · +/- speed · q quit';

/**
 * Terminal replay of one session: output with its original timing (scaled), pause, seek to a
 * time, and jump to the next event of a kind. Seeking paints the screen from the replay
 * index's keyframes, then playback continues from there.
 */
export async function playSession(index: ReplayIndex, opts: PlayerOptions): Promise<void> {
  const records: JournalRecord[] = [...readRecords(index.path)];
  const start = index.startTime;
  let speed = opts.speed > 0 ? opts.speed : 1;
  const maxIdle = opts.maxIdleMs ?? 2000;
  let pos = 0;
  let paused = false;
  let quit = false;
  let wake: (() => void) | null = null;
  const pending: { jump: JumpKind | null } = { jump: null };
  const write = (s: string) => opts.out.write(s);
  const status = (s: string) => write(`\x1b7\x1b[999;1H\x1b[0;7m ${s} \x1b[0m\x1b[K\x1b8`);
  const fmt = (t: number) => `${((t - start) / 1000).toFixed(1)}s`;

  const seekTo = async (t: number) => {
    const screen = await index.screenAt(t);
    write(`\x1b[0m\x1b[2J\x1b[H${screen.ansi}`);
    pos = records.findIndex((r) => r.time > t);
    if (pos < 0) pos = records.length;
  };

  const onKey = (buf: Buffer | string) => {
    const k = buf.toString();
    if (k === 'q' || k === '\x03') quit = true;
    else if (k === ' ') {
      paused = !paused;
      status(paused ? `paused at ${fmt(records[pos - 1]?.time ?? start)} — ${HELP}` : `playing ×${speed}`);
    } else if (k === '+' || k === '=') speed *= 2;
    else if (k === '-') speed /= 2;
    else if (JUMP_KEYS[k]) pending.jump = JUMP_KEYS[k];
    wake?.();
  };
  opts.keys?.on('data', onKey);

  try {
    if (opts.atMs !== undefined) await seekTo(start + opts.atMs);
    if (opts.keys) status(HELP);
    while (!quit && pos < records.length) {
      if (pending.jump) {
        const kind = pending.jump;
        pending.jump = null;
        const next = records.findIndex((r, i) => i >= pos && jumpKindsOf(r.kind, r.data).includes(kind));
        if (next < 0) status(`no further ${kind} event`);
        else {
          const target = records[next]!;
          await seekTo(target.time);
          status(`${fmt(target.time)} ${target.kind}: ${summarize(target, 100)}`);
        }
        continue;
      }
      if (paused) {
        await new Promise<void>((r) => (wake = r));
        wake = null;
        continue;
      }
      const r = records[pos]!;
      if (r.kind === 'terminal.output') write((r.data as { data: string }).data);
      pos++;
      const next = records[pos];
      if (next && next.kind === 'terminal.output') {
        const delay = Math.min(next.time - r.time, maxIdle) / speed;
        if (delay >= 1) {
          await new Promise<void>((res) => {
            const t = setTimeout(res, delay);
            wake = () => {
              clearTimeout(t);
              res();
            };
          });
          wake = null;
        }
      }
    }
  } finally {
    opts.keys?.removeListener('data', onKey);
    write('\x1b[0m\r\n');
  }
}
