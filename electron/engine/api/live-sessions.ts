import type { SandboxContainer } from '../sandbox/sandbox-container.js';
import type { BatcherOptions } from './terminal-batcher.js';
import { TerminalBatcher } from './terminal-batcher.js';

const BACKLOG_BYTES = 1024 * 1024;
const KEEP_ENDED = 20;

/** One session this engine process runs: its container, batched output and a backlog for late viewers. */
export class LiveSession {
  seq = 0;
  attached = true;
  private backlog: string[] = [];
  private backlogBytes = 0;
  readonly batcher: TerminalBatcher;

  constructor(
    readonly id: string,
    readonly sandbox: SandboxContainer,
    onData: (id: string, data: string, seq: number) => void,
    batch: BatcherOptions = {},
  ) {
    this.batcher = new TerminalBatcher((data) => {
      this.seq += 1;
      this.remember(data);
      onData(id, data, this.seq);
    }, batch);
  }

  output(): { data: string; seq: number; attached: boolean } {
    return { data: this.backlog.join(''), seq: this.seq, attached: this.attached };
  }

  private remember(data: string): void {
    this.backlog.push(data);
    this.backlogBytes += data.length;
    while (this.backlogBytes > BACKLOG_BYTES && this.backlog.length > 1) this.backlogBytes -= this.backlog.shift()!.length;
  }
}

/** The sessions this process started; ended ones stay a while so a late viewer still sees their output. */
export class LiveSessions {
  private readonly all = new Map<string, LiveSession>();

  add(s: LiveSession): void {
    this.all.set(s.id, s);
  }
  get(id: string): LiveSession | undefined {
    return this.all.get(id);
  }
  attached(): LiveSession[] {
    return [...this.all.values()].filter((s) => s.attached);
  }
  ended(id: string): void {
    const s = this.all.get(id);
    if (!s) return;
    s.batcher.flush();
    s.attached = false;
    const done = [...this.all.values()].filter((x) => !x.attached);
    for (const old of done.slice(0, Math.max(0, done.length - KEEP_ENDED))) this.all.delete(old.id);
  }
}
