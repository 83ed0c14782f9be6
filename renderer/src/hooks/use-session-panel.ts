import { useEffect } from 'react';
import type { ApiClient } from '../../../electron/contract/index.js';
import type { QueryState } from './use-query.js';
import { useInvalidate, useQuery } from './use-query.js';

/**
 * One side panel's data: fetched, then re-fetched (debounced) when the session reports activity
 * of these kinds or changes state; optionally polled while it runs (changes nobody announces,
 * e.g. files written in the repo).
 */
export function useSessionPanel<T>(
  client: ApiClient,
  id: string,
  fetch: () => Promise<T>,
  opts: { kinds: readonly string[]; pollMs?: number; key: string },
): QueryState<T> {
  const q = useQuery(fetch, `${opts.key}:${id}`);
  const kinds = opts.kinds;
  useInvalidate(client, 'sessions.activity', q.refetch, (p) => p.id === id && kinds.includes(p.kind), 250);
  useInvalidate(client, 'sessions.changed', q.refetch, (p) => p.id === id, 250);
  const { pollMs } = opts;
  const { refetch } = q;
  useEffect(() => {
    if (!pollMs) return;
    const t = setInterval(refetch, pollMs);
    return () => clearInterval(t);
  }, [pollMs, refetch]);
  return q;
}
