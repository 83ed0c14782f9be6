import { useEffect, useState } from 'react';
import type { ApiClient, Approval } from '../../../electron/contract/index.js';
import type { QueryState } from './use-query.js';
import { useInvalidate, useQuery } from './use-query.js';

/** Pending approvals (all sessions, or one), re-queried whenever the engine says the set changed. */
export function useApprovals(client: ApiClient, sessionId?: string): QueryState<Approval[]> {
  const q = useQuery(
    () => client.call('approvals.list', sessionId ? { sessionId } : {}),
    `approvals:${sessionId ?? '*'}`,
  );
  useInvalidate(client, 'approvals.changed', q.refetch, () => true, 30);
  // After a reconnect the events in between were missed: ask again.
  useEffect(() => {
    let wasOpen = true;
    return client.onStatus((st) => {
      if (st === 'open' && !wasOpen) q.refetch();
      wasOpen = st === 'open';
    });
  }, [client, q.refetch]);
  return q;
}

/** The current time, ticking (for "time left" countdowns). */
export function useNow(everyMs = 1000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

/** m:ss until the broker denies on its own. */
export function timeLeft(expiresAt: number, now: number): string {
  const s = Math.max(0, Math.ceil((expiresAt - now) / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}
