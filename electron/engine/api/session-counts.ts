// Approvals and denials per session, for the sessions list: counted from the live event stream
// for sessions this engine runs, and from the journal (once, then cached) for ended ones.
import { existsSync } from 'node:fs';
import { SELF_CHECK_CLIENT } from '../egress/tunnel-handlers.js';
import { readRecords } from '../journal/journal-read.js';
import type { SessionEvent } from '../sessions/session-events.js';

export interface SessionCountsView {
  /** Questions put to a human (or to the unattended setting). */
  approvals: number;
  /** Commands, tools and network requests refused (by the policy or by an answer). */
  denials: number;
}

/** One definition for both sources, so a session's numbers do not jump when it ends. */
export function countEvent(c: SessionCountsView, kind: string, data: unknown): void {
  const d = (data ?? {}) as Record<string, unknown>;
  if (kind === 'approval.request') c.approvals++;
  else if (kind === 'policy.decision' && d.decision === 'deny') c.denials++;
  else if (kind === 'network.decision' && d.decision === 'deny' && d.client !== SELF_CHECK_CLIENT) c.denials++;
}

export class SessionCounts {
  private readonly live = new Map<string, SessionCountsView>();
  private readonly ended = new Map<string, SessionCountsView>();

  constructor(private readonly journalOf: (id: string) => string) {}

  /** Feed every bus event (cheap: three kinds count). */
  onEvent(e: SessionEvent): void {
    if (e.kind === 'session.created') this.live.set(e.sessionId, { approvals: 0, denials: 0 });
    const c = this.live.get(e.sessionId);
    if (c) countEvent(c, e.kind, e.data);
  }

  /** The counts of a session, or null when nothing recorded it (no journal). */
  get(id: string, isEnded: boolean): SessionCountsView | null {
    const l = this.live.get(id);
    if (l) return { ...l };
    const cached = this.ended.get(id);
    if (cached) return { ...cached };
    const path = this.journalOf(id);
    if (!existsSync(path)) return null;
    const c = { approvals: 0, denials: 0 };
    try {
      for (const r of readRecords(path)) countEvent(c, r.kind, r.data);
    } catch {
      return null;
    }
    // An ended session's journal no longer changes; one still running elsewhere is read again.
    if (isEnded) this.ended.set(id, c);
    return { ...c };
  }
}
