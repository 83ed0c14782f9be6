import { errorMessage, PaddockError } from '../errors.js';
import type { SessionEvent, SessionEventListener } from '../sessions/session-events.js';
import { JournalWriter, type JournalWriterOptions } from './journal-writer.js';

export interface JournalRecorderOptions extends Omit<JournalWriterOptions, 'sessionId' | 'onFailure'> {
  /** The journal of `sessionId` cannot be written: pause/stop its agent and tell the user. */
  onFailure?: (sessionId: string, error: PaddockError) => void;
}

/**
 * Subscribes to the session event bus and writes every event of every session to that
 * session's journal. `session.ended` closes the journal (final signed checkpoint).
 */
export class JournalRecorder {
  private readonly writers = new Map<string, JournalWriter>();
  private readonly closing = new Set<Promise<void>>();
  private readonly broken = new Set<string>();
  private unsubscribe: (() => void) | null = null;

  constructor(private readonly opts: JournalRecorderOptions = {}) {}

  /** `bus.subscribe`-compatible attach; returns the detach function. */
  attach(bus: { subscribe(l: SessionEventListener): () => void }): () => void {
    this.unsubscribe = bus.subscribe((e) => this.record(e));
    return () => this.detach();
  }

  detach(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  record(event: SessionEvent): void {
    const w = this.writerFor(event.sessionId);
    if (!w) return;
    w.append(event.kind, event.data, event.time);
    if (event.kind === 'session.ended') {
      this.writers.delete(event.sessionId);
      const p = w.close().catch((e: unknown) => this.report(event.sessionId, e));
      this.closing.add(p);
      void p.finally(() => this.closing.delete(p));
    }
  }

  /** The open writer of a session (opening or recovering its journal on first use). */
  writerFor(sessionId: string): JournalWriter | null {
    const existing = this.writers.get(sessionId);
    if (existing) return existing;
    if (this.broken.has(sessionId)) return null;
    try {
      const w = JournalWriter.open({ ...this.opts, sessionId, onFailure: (err) => this.opts.onFailure?.(sessionId, err) });
      this.writers.set(sessionId, w);
      return w;
    } catch (e) {
      this.broken.add(sessionId);
      this.report(sessionId, e);
      return null;
    }
  }

  /** Resolves when every event recorded so far is durable. */
  async flush(sessionId?: string): Promise<void> {
    const ws = sessionId ? [this.writers.get(sessionId)].filter((w): w is JournalWriter => !!w) : [...this.writers.values()];
    await Promise.all(ws.map((w) => w.flush()));
  }

  /** Flushes and closes every open journal. */
  async close(): Promise<void> {
    this.detach();
    const ws = [...this.writers.values()];
    this.writers.clear();
    await Promise.all([...ws.map((w) => w.close()), ...this.closing]);
  }

  private report(sessionId: string, e: unknown): void {
    const err = e instanceof PaddockError ? e : new PaddockError('JOURNAL_WRITE_FAILED', `Cannot open the journal of session ${sessionId}: ${errorMessage(e)}`, { cause: e });
    this.opts.onFailure?.(sessionId, err);
  }
}
