import type { EgressProtocol } from './egress-events.js';

/** What an `ask` rule (or an `ask` session default) puts in front of a human. */
export interface ApprovalRequest {
  sessionId: string;
  protocol: EgressProtocol;
  method: string;
  host: string;
  port: number;
  /** The rule that asked, as text, or `session default`. */
  rule: string;
}

/** The approvals broker implements this; a terminal prompt is enough for now. */
export interface ApprovalDecider {
  decide(request: ApprovalRequest, signal: AbortSignal): Promise<'allow' | 'deny'>;
}

export type AskOutcome = {
  decision: 'allow' | 'deny';
  reason: 'approved' | 'refused' | 'ask timed out' | 'ask failed' | 'no approver';
};

/** Ask with a deadline: timeout, a throwing decider or a missing decider all mean deny. */
export async function askWithTimeout(
  decider: ApprovalDecider | null,
  request: ApprovalRequest,
  timeoutMs: number,
  clientGone?: AbortSignal,
): Promise<AskOutcome> {
  if (!decider) return { decision: 'deny', reason: 'no approver' };
  const ac = new AbortController();
  const onGone = () => ac.abort();
  clientGone?.addEventListener('abort', onGone, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<AskOutcome>((resolve) => {
    timer = setTimeout(() => {
      ac.abort();
      resolve({ decision: 'deny', reason: 'ask timed out' });
    }, timeoutMs);
  });
  const asked = decider.decide(request, ac.signal).then(
    (d): AskOutcome =>
      d === 'allow' ? { decision: 'allow', reason: 'approved' } : { decision: 'deny', reason: 'refused' },
    (): AskOutcome => ({ decision: 'deny', reason: 'ask failed' }),
  );
  try {
    return await Promise.race([asked, timeout]);
  } finally {
    clearTimeout(timer);
    clientGone?.removeEventListener('abort', onGone);
  }
}

/** A decider that always answers the same; for unattended sessions and tests. */
export function fixedDecider(answer: 'allow' | 'deny'): ApprovalDecider {
  return { decide: () => Promise.resolve(answer) };
}

/**
 * Concurrent asks for the same thing (method, host, port; tunnels count as one method) share
 * one question: a burst of 20 connections to one host asks once. The shared question is
 * withdrawn only when every waiter has given up.
 */
export function coalescingDecider(inner: ApprovalDecider): ApprovalDecider {
  const pending = new Map<
    string,
    { answer: Promise<'allow' | 'deny'>; ac: AbortController; waiters: number }
  >();
  return {
    decide(r, signal) {
      const method = r.method === 'CONNECT' || r.method === 'SOCKS5' ? 'tunnel' : r.method;
      const key = `${method} ${r.host}:${r.port}`;
      let entry = pending.get(key);
      if (!entry) {
        const ac = new AbortController();
        const answer = inner.decide(r, ac.signal).finally(() => pending.delete(key));
        entry = { answer, ac, waiters: 0 };
        pending.set(key, entry);
      }
      const e = entry;
      e.waiters++;
      signal.addEventListener(
        'abort',
        () => {
          if (--e.waiters === 0) e.ac.abort();
        },
        { once: true },
      );
      return e.answer;
    },
  };
}
