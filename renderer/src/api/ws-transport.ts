import type { EventName, ProcedureName, Result, ServerMessage, Transport, TransportStatus } from '../../../electron/contract/index.js';

/** The WebSocket URL of `paddock serve` for a page it served: same origin, same token path. */
export function bridgeUrl(loc: Pick<Location, 'protocol' | 'host' | 'pathname'>): string {
  const base = loc.pathname.slice(0, loc.pathname.lastIndexOf('/') + 1);
  return `${loc.protocol === 'https:' ? 'wss' : 'ws'}://${loc.host}${base}ws`;
}

/**
 * The contract over one WebSocket to `paddock serve`. Calls made while (re)connecting wait for
 * the socket; calls in flight when it drops fail with DISCONNECTED. Reconnects with backoff.
 */
export function createWsTransport(url: string, WS: typeof WebSocket = WebSocket): Transport & { close(): void } {
  let ws: WebSocket | null = null;
  let status: TransportStatus = 'connecting';
  let nextId = 1;
  let retry = 250;
  let closed = false;
  const pending = new Map<number, (r: Result<unknown>) => void>();
  const queue: string[] = [];
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  const statusListeners = new Set<(s: TransportStatus) => void>();
  const setStatus = (s: TransportStatus) => {
    status = s;
    for (const l of statusListeners) l(s);
  };

  const open = () => {
    ws = new WS(url);
    ws.onopen = () => {
      retry = 250;
      setStatus('open');
      for (const m of queue.splice(0)) ws?.send(m);
    };
    ws.onmessage = (ev: MessageEvent<string>) => {
      const msg = JSON.parse(ev.data) as ServerMessage;
      if (msg.t === 'result') {
        pending.get(msg.id)?.(msg.result);
        pending.delete(msg.id);
      } else for (const l of listeners.get(msg.name) ?? []) l(msg.payload);
    };
    ws.onclose = () => {
      for (const [, done] of pending) done({ ok: false, error: { code: 'DISCONNECTED', message: 'the connection to the Paddock engine dropped; reconnecting' } });
      pending.clear();
      ws = null;
      if (closed) return setStatus('closed');
      setStatus('connecting');
      setTimeout(open, retry);
      retry = Math.min(retry * 2, 5000);
    };
  };
  open();

  return {
    call(name: ProcedureName, input: unknown) {
      return new Promise<Result<unknown>>((resolve) => {
        const id = nextId++;
        pending.set(id, resolve);
        const msg = JSON.stringify({ t: 'call', id, name, input });
        if (ws && status === 'open') ws.send(msg);
        else queue.push(msg);
      });
    },
    on(name: EventName, listener: (p: unknown) => void) {
      const set = listeners.get(name) ?? new Set();
      listeners.set(name, set);
      set.add(listener);
      return () => set.delete(listener);
    },
    onStatus(listener) {
      statusListeners.add(listener);
      listener(status);
      return () => statusListeners.delete(listener);
    },
    close() {
      closed = true;
      ws?.close();
    },
  };
}
