import { PaddockError } from '../errors.js';
import { callbackProvider } from './approval-providers.js';
import type { ApprovalAnswer, ApprovalChoice, ApprovalProvider, ApprovalRequest } from './approval-types.js';

/** Why a request left the inbox (kept a while, so a late answer gets a clear error). */
type Closed = { how: 'answered'; by: string; choice: ApprovalChoice } | { how: 'expired' };

const KEEP_CLOSED = 500;

/**
 * The approvals provider of the desktop app and the web UI: one per engine, across sessions.
 * Questions wait here (with their full context) until a front end answers one (`answer`), or the
 * broker withdraws it (timeout, the requester went away); either way it leaves the list and
 * listeners hear that the set changed. Who answers is recorded (`desktop:alice`, `web:alice`).
 */
export class ApprovalInbox {
  readonly provider: ApprovalProvider;
  private readonly open = new Map<
    string,
    { request: ApprovalRequest; answer: (a: ApprovalAnswer) => void }
  >();
  private readonly closed = new Map<string, Closed>();
  private readonly listeners = new Set<(pending: readonly ApprovalRequest[]) => void>();

  constructor(name = 'ui') {
    this.provider = callbackProvider(name, {
      onRequest: (request, answer) => {
        this.open.set(request.id, { request, answer });
        this.changed();
      },
      onWithdrawn: (id) => {
        if (!this.open.delete(id)) return;
        this.close(id, { how: 'expired' });
        this.changed();
      },
    });
  }

  /** Pending requests, oldest first; only one session's when `sessionId` is given. */
  list(sessionId?: string): ApprovalRequest[] {
    const all = [...this.open.values()].map((o) => o.request);
    return (sessionId ? all.filter((r) => r.sessionId === sessionId) : all).sort(
      (a, b) => a.createdAt - b.createdAt,
    );
  }

  get size(): number {
    return this.open.size;
  }

  /** Answer a pending request. Unknown, already answered and expired ids fail with a code saying which. */
  answer(id: string, answer: ApprovalAnswer): void {
    const o = this.open.get(id);
    if (!o) {
      const c = this.closed.get(id);
      if (!c)
        throw new PaddockError(
          'APPROVAL_NOT_FOUND',
          `no approval request ${id} (it never existed, or it ended long ago)`,
        );
      if (c.how === 'expired')
        throw new PaddockError(
          'APPROVAL_EXPIRED',
          `approval request ${id} is no longer pending: nobody answered in time (or the program stopped waiting), so it was denied`,
        );
      throw new PaddockError(
        'APPROVAL_ANSWERED',
        `approval request ${id} was already answered by ${c.by} (${c.choice})`,
      );
    }
    this.open.delete(id);
    this.close(id, { how: 'answered', by: answer.by, choice: answer.choice });
    o.answer(answer);
    this.changed();
  }

  /** Called with the pending set whenever it changes; returns the unsubscribe. */
  onChange(listener: (pending: readonly ApprovalRequest[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private close(id: string, c: Closed): void {
    this.closed.set(id, c);
    if (this.closed.size > KEEP_CLOSED) this.closed.delete(this.closed.keys().next().value!);
  }

  private changed(): void {
    const pending = this.list();
    for (const l of this.listeners) {
      try {
        l(pending);
      } catch {
        /* a listener never breaks the broker */
      }
    }
  }
}
