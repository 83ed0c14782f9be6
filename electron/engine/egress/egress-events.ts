import type { NetworkDecision } from './network-rules.js';

export type EgressProtocol = 'http' | 'connect' | 'socks5' | 'credential' | 'dns';

/** One decision of the egress proxy, emitted when the connection or request is over. */
export interface NetworkDecisionEvent {
  /** Client address:port as the proxy saw it (the container). */
  client: string;
  protocol: EgressProtocol;
  /** HTTP method, `CONNECT`, `SOCKS5` or `DNS`. */
  method: string;
  host: string;
  port: number;
  /** The address actually dialled (or that resolution produced and was refused), null if none. */
  address: string | null;
  /** The rule that decided, as text (`rule #2 (preset:npm): allow registry.npmjs.org port 443`), or `session default`. */
  rule: string;
  /** What the rules said before any approval. */
  ruleDecision: NetworkDecision | null;
  /** Final outcome. */
  decision: 'allow' | 'deny';
  /** Why, in one phrase: `rule`, `default`, `approved`, `ask timed out`, `private address`, `sni mismatch`, ... */
  reason: string;
  bytesUp: number;
  bytesDown: number;
  durationMs: number;
  /** Milliseconds since the epoch when the request arrived. */
  startedAt: number;
}

declare module '../sessions/session-events.js' {
  interface SessionEventMap {
    'network.decision': NetworkDecisionEvent;
  }
}

/** One compact line for `paddock run --verbose`. */
export function formatNetworkDecision(e: NetworkDecisionEvent, time = e.startedAt): string {
  const t = new Date(time).toISOString().slice(11, 19);
  const verdict = e.decision === 'allow' ? 'ALLOW' : 'DENY ';
  const dest = e.host.includes(':') ? `[${e.host}]:${e.port}` : `${e.host}:${e.port}`;
  const addr = e.address && e.address !== e.host ? ` → ${e.address}` : '';
  const bytes = e.decision === 'allow' ? ` ↑${human(e.bytesUp)} ↓${human(e.bytesDown)}` : '';
  return `${t} net ${verdict} ${e.method} ${dest}${addr} (${e.reason}; ${e.rule})${bytes} ${Math.round(e.durationMs)}ms`;
}

function human(n: number): string {
  if (n < 1024) return `${n}B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)}kB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)}MB`;
  return `${(n / 1024 ** 3).toFixed(2)}GB`;
}
