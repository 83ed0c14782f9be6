import { closeSync, fdatasync, fstatSync, ftruncateSync, mkdirSync, openSync, readFileSync, write } from 'node:fs';
import { hostname, userInfo } from 'node:os';
import { promisify } from 'node:util';
import { PaddockError, errorMessage } from '../errors.js';
import { paddockHome } from '../paths.js';
import { appendCheckpoint, signCheckpoint } from './checkpoints.js';
import { inspectJournal } from './journal-inspect.js';
import { journalPaths, type JournalPaths } from './journal-paths.js';
import { JOURNAL_FORMAT, encodeRecord, genesisHash, sha256Hex } from './journal-record.js';
import { FileKeyStore, type KeyStore, type SigningKey } from './key-store.js';

const writeAsync = promisify(write);
const fdatasyncAsync = promisify(fdatasync);

export interface JournalWriterOptions {
  sessionId: string;
  home?: string;
  keyStore?: KeyStore;
  /** Longest an appended event waits before its group commit starts. */
  flushIntervalMs?: number;
  /** A batch this large is committed at once. */
  maxBatchBytes?: number;
  /** Largest single write() of a batch (default: the whole batch in one call). */
  writeChunkBytes?: number;
  /** Sign a checkpoint after this many new durable events... */
  checkpointEvery?: number;
  /** ...or this long after the first uncovered durable event. */
  checkpointIntervalMs?: number;
  /** Called once when the journal cannot be written; the caller pauses/stops the agent. */
  onFailure?: (error: PaddockError) => void;
  now?: () => number;
}

export type JournalWriterState = 'open' | 'failed' | 'closed';

export interface RecoveryInfo {
  truncatedBytes: number;
  lastSeq: number;
}

interface Waiter {
  seq: number;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * Append-only, hash-chained, group-committed journal for one session. `append` is synchronous
 * (it runs inside the event bus); durability comes from `flush()` or the short flush timer.
 */
export class JournalWriter {
  readonly paths: JournalPaths;
  readonly sessionId: string;
  readonly recovery: RecoveryInfo | null;
  private state_: JournalWriterState = 'open';
  private readonly fd: number;
  private readonly key: SigningKey;
  private seq: number;
  private head: string;
  private pending: string[] = [];
  private pendingBytes = 0;
  private durableSize: number;
  private durableSeq: number;
  private durableHead: string;
  private checkpointSeq = 0;
  private uncoveredSince: number | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private checkpointTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private checkpointChain: Promise<void> = Promise.resolve();
  private waiters: Waiter[] = [];
  private failure: PaddockError | null = null;
  private reopenedAfterFinal = false;
  /** Events refused because the journal had failed. */
  dropped = 0;
  private readonly o: Required<Omit<JournalWriterOptions, 'keyStore' | 'onFailure' | 'home'>> & Pick<JournalWriterOptions, 'onFailure'>;

  private constructor(opts: JournalWriterOptions) {
    const home = opts.home ?? paddockHome();
    this.sessionId = opts.sessionId;
    this.paths = journalPaths(opts.sessionId, home);
    this.o = {
      sessionId: opts.sessionId,
      flushIntervalMs: opts.flushIntervalMs ?? 10,
      maxBatchBytes: opts.maxBatchBytes ?? 1 << 20,
      writeChunkBytes: opts.writeChunkBytes ?? Number.MAX_SAFE_INTEGER,
      checkpointEvery: opts.checkpointEvery ?? 10_000,
      checkpointIntervalMs: opts.checkpointIntervalMs ?? 5_000,
      onFailure: opts.onFailure,
      now: opts.now ?? Date.now,
    };
    this.key = (opts.keyStore ?? new FileKeyStore(home)).getOrCreate();
    mkdirSync(this.paths.dir, { recursive: true, mode: 0o700 });
    this.fd = openSync(this.paths.journal, 'a+', 0o600);
    try {
      const existing = fstatSync(this.fd).size;
      const found = existing > 0 ? inspectJournal(this.paths, this.sessionId) : null;
      const { lastSeq, headHash, validBytes, tornBytes, checkpointSeq } = found ?? { lastSeq: 0, headHash: genesisHash(this.sessionId), validBytes: 0, tornBytes: 0, checkpointSeq: 0 };
      this.reopenedAfterFinal = found?.closed ?? false;
      this.seq = lastSeq;
      this.head = headHash;
      this.durableSeq = lastSeq;
      this.durableHead = headHash;
      this.durableSize = validBytes;
      this.checkpointSeq = checkpointSeq;
      this.recovery = null;
      if (tornBytes > 0) {
        const tail = readFileSync(this.paths.journal).subarray(validBytes);
        ftruncateSync(this.fd, validBytes);
        this.recovery = { truncatedBytes: tornBytes, lastSeq };
        this.append('journal.recovered', { truncatedBytes: tornBytes, tailSha256: sha256Hex(tail), lastSeq, headHash });
      } else if (this.reopenedAfterFinal) {
        this.append('journal.reopened', { lastSeq, headHash });
        this.uncoveredSince = -Infinity; // sign a checkpoint right after the first commit
      } else if (lastSeq === 0) {
        this.append('journal.header', { format: JOURNAL_FORMAT, sessionId: this.sessionId, keyId: this.key.keyId, user: safeUser(), host: hostname() });
      }
    } catch (e) {
      closeSync(this.fd);
      throw e;
    }
  }

  /** Opens (creating, or resuming and recovering a torn tail) the journal of a session. */
  static open(opts: JournalWriterOptions): JournalWriter {
    return new JournalWriter(opts);
  }

  get state(): JournalWriterState {
    return this.state_;
  }
  get lastSeq(): number {
    return this.seq;
  }
  get headHash(): string {
    return this.head;
  }
  get keyId(): string {
    return this.key.keyId;
  }
  get error(): PaddockError | null {
    return this.failure;
  }

  /** Appends one event; returns its seq, or null when the journal has failed or is closed. */
  append(kind: string, data: unknown, time: number = this.o.now()): number | null {
    if (this.state_ !== 'open') {
      this.dropped++;
      return null;
    }
    const seq = this.seq + 1;
    const { line, hash } = encodeRecord(seq, time, kind, data, this.head);
    this.seq = seq;
    this.head = hash;
    this.pending.push(line);
    this.pendingBytes += line.length;
    if (this.pendingBytes >= this.o.maxBatchBytes) this.kick();
    else this.flushTimer ??= setTimeout(() => this.kick(), this.o.flushIntervalMs);
    return seq;
  }

  /** Resolves when every event appended before the call is on disk (fsync'd). */
  flush(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const target = this.seq;
    if (this.durableSeq >= target) return Promise.resolve();
    const p = new Promise<void>((resolve, reject) => this.waiters.push({ seq: target, resolve, reject }));
    this.kick();
    return p;
  }

  /** Flushes, signs a final checkpoint and closes the file. */
  async close(): Promise<void> {
    if (this.state_ === 'closed') return;
    if (this.state_ === 'open') {
      await this.flush().catch(() => undefined);
      await this.flushing;
    }
    this.clearTimers();
    const final = this.state_ === 'open';
    this.state_ = 'closed';
    try {
      if (this.durableSeq > 0) await this.writeCheckpoint(final);
    } finally {
      closeSync(this.fd);
    }
  }

  private kick(): void {
    if (this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    if (this.flushing || this.state_ === 'failed') return;
    this.flushing = this.flushLoop().finally(() => {
      this.flushing = null;
      if (this.pending.length > 0 && this.state_ === 'open') this.kick();
    });
  }

  private async flushLoop(): Promise<void> {
    while (this.pending.length > 0 && this.state_ !== 'failed') {
      const batch = Buffer.from(this.pending.join(''), 'utf8');
      const batchSeq = this.seq;
      const batchHead = this.head;
      this.pending = [];
      this.pendingBytes = 0;
      try {
        let off = 0;
        while (off < batch.length) {
          const { bytesWritten } = await writeAsync(this.fd, batch, off, Math.min(batch.length - off, this.o.writeChunkBytes), this.durableSize + off);
          off += bytesWritten;
        }
        await fdatasyncAsync(this.fd);
      } catch (e) {
        this.fail(e);
        return;
      }
      this.durableSize += batch.length;
      this.durableSeq = batchSeq;
      this.durableHead = batchHead;
      this.uncoveredSince ??= this.o.now();
      this.settleWaiters();
      await this.maybeCheckpoint();
    }
  }

  private settleWaiters(): void {
    const still: Waiter[] = [];
    for (const w of this.waiters) {
      if (w.seq <= this.durableSeq) w.resolve();
      else still.push(w);
    }
    this.waiters = still;
  }

  private async maybeCheckpoint(): Promise<void> {
    if (this.durableSeq <= this.checkpointSeq || this.state_ !== 'open') return;
    const due = this.durableSeq - this.checkpointSeq >= this.o.checkpointEvery || this.o.now() - (this.uncoveredSince ?? this.o.now()) >= this.o.checkpointIntervalMs;
    if (due) {
      try {
        await this.writeCheckpoint(false);
      } catch (e) {
        this.fail(e);
      }
    } else if (!this.checkpointTimer) {
      this.checkpointTimer = setTimeout(() => {
        this.checkpointTimer = null;
        if (this.state_ === 'open' && !this.flushing) this.writeCheckpoint(false).catch((e: unknown) => this.fail(e));
      }, this.o.checkpointIntervalMs);
      this.checkpointTimer.unref();
    }
  }

  /** Checkpoints are written one at a time, in seq order (timer, group commit and close may race). */
  private writeCheckpoint(final: boolean): Promise<void> {
    const run = async () => {
      const seq = this.durableSeq;
      if (seq < this.checkpointSeq || (seq === this.checkpointSeq && !final && this.checkpointSeq > 0)) return;
      const cp = signCheckpoint(this.key, { sessionId: this.sessionId, seq, headHash: this.durableHead, time: this.o.now(), final });
      await appendCheckpoint(this.paths.checkpoints, cp);
      this.checkpointSeq = seq;
      this.uncoveredSince = null;
    };
    const next = this.checkpointChain.then(run);
    this.checkpointChain = next.catch(() => undefined);
    return next;
  }

  private fail(e: unknown): void {
    if (this.state_ === 'failed') return;
    this.state_ = 'failed';
    this.clearTimers();
    // Drop any partial batch so the file ends on the last durable record.
    try {
      ftruncateSync(this.fd, this.durableSize);
    } catch {
      /* the torn tail will be recovered on next open */
    }
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOSPC' ? 'the disk is full' : code === 'EIO' ? 'an I/O error occurred' : errorMessage(e);
    this.failure = new PaddockError(
      'JOURNAL_WRITE_FAILED',
      `Cannot write the journal ${this.paths.journal}: ${why}. Events up to seq ${this.durableSeq} are safe; the session must stay paused until space or the disk is fixed.`,
      { cause: e },
    );
    for (const w of this.waiters) w.reject(this.failure);
    this.waiters = [];
    this.o.onFailure?.(this.failure);
  }

  private clearTimers(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    if (this.checkpointTimer) clearTimeout(this.checkpointTimer);
    this.flushTimer = this.checkpointTimer = null;
  }
}

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

