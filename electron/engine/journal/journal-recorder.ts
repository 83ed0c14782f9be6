import { errorMessage, PaddockError } from '../errors.js';
import type { SessionEvent, SessionEventListener } from '../sessions/session-events.js';
import { JournalWriter, type JournalWriterOptions } from './journal-writer.js';

export interface JournalRecorderOptions extends Omit<JournalWriterOptions, 'sessionId' | 'onFailure'> {
  /** After `session.ended`, keep the journal open this long for late events (container removal...). */
  closeGraceMs?: number;
  /** The journal of `sessionId` cannot be written: pause/stop its agent and tell the user. */
  onFailure?: (sessionId: string, error: PaddockError) => void;
}

/**
 * Subscribes to the session event bus and writes every event of every session to that
 * session's journal. `session.ended` closes the journal (final signed checkpoint) after a short
 * grace period for late events.
 */
export class JournalRecorder {
  private readonly writers = new Map<string, JournalWriter>();
  private readonly closing = new Set<Promise<void>>();
  private readonly broken = new Set<string>();
  private readonly graceTimers = new Map<string, NodeJS.Timeout>();
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
      clearTimeout(this.graceTimers.get(event.sessionId));
      const t = setTimeout(() => void this.closeSession(event.sessionId), this.opts.closeGraceMs ?? 2000);
      t.unref();
      this.graceTimers.set(event.sessionId, t);
    }
  }

  /** Closes one session's journal now (final signed checkpoint). */
  closeSession(sessionId: string): Promise<void> {
    clearTimeout(this.graceTimers.get(sessionId));
    this.graceTimers.delete(sessionId);
    const w = this.writers.get(sessionId);
    if (!w) return Promise.resolve();
    this.writers.delete(sessionId);
    const p = w.close().catch((e: unknown) => this.report(sessionId, e));
    this.closing.add(p);
    void p.finally(() => this.closing.delete(p));
    return p;
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
    await Promise.all([...[...this.writers.keys()].map((id) => this.closeSession(id)), ...this.closing]);
  }

  private report(sessionId: string, e: unknown): void {
    const err = e instanceof PaddockError ? e : new PaddockError('JOURNAL_WRITE_FAILED', `Cannot open the journal of session ${sessionId}: ${errorMessage(e)}`, { cause: e });
    this.opts.onFailure?.(sessionId, err);
  }
}
