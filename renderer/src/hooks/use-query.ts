import { useCallback, useEffect, useRef, useState } from 'react';
import type { ApiClient, EventName, EventPayload } from '../../../electron/contract/index.js';
import { ApiCallError } from '../../../electron/contract/index.js';

export interface QueryState<T> {
  data: T | undefined;
  error: ApiCallError | null;
  loading: boolean;
  refetch: () => void;
}

/** Runs `fn` when `key` changes and on refetch; keeps the last data while refetching. */
export function useQuery<T>(fn: () => Promise<T>, key: string): QueryState<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<ApiCallError | null>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const fnRef = useRef(fn);
  fnRef.current = fn;
  useEffect(() => {
    let live = true;
    setLoading(true);
    fnRef.current().then(
      (v) => {
        if (!live) return;
        setData(v);
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (!live) return;
        setError(e instanceof ApiCallError ? e : new ApiCallError('INTERNAL', e instanceof Error ? e.message : String(e)));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [key, tick]);
  const refetch = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, refetch };
}

/** Events invalidate, queries fetch: call `refetch` (debounced) when the event fires and matches. */
export function useInvalidate<K extends EventName>(client: ApiClient, name: K, refetch: () => void, match: (p: EventPayload<K>) => boolean = () => true, delayMs = 120): void {
  const matchRef = useRef(match);
  matchRef.current = match;
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = client.on(name, (p) => {
      if (!matchRef.current(p)) return;
      if (timer) clearTimeout(timer);
      timer = setTimeout(refetch, delayMs);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [client, name, refetch, delayMs]);
}
