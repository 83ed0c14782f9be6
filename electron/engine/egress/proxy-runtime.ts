import type { IncomingMessage } from 'node:http';
import type { CredentialBinding } from './credential-broker.js';
import type { EgressProtocol, NetworkDecisionEvent } from './egress-events.js';
import type { JudgeContext, Resolver, Verdict } from './egress-judge.js';

/** What the protocol handlers need from the running proxy; a snapshot of the rules per request. */
export interface ProxyRuntime {
  sessionId: string;
  /** The context for one request: the rule set current at this moment (reload swaps it). */
  judgeContext(req: IncomingMessage | null): JudgeContext;
  /** True for the proxy's own live self-check request (token header, from its own address). */
  isSelfCheck(req: IncomingMessage): boolean;
  connectTimeoutMs: number;
  listenHost: string;
  port: number;
  credentials: ReadonlyMap<string, CredentialBinding>;
  resolver: Resolver;
  socksToken: string | null;
  emit(e: NetworkDecisionEvent): void;
}

export function clientOf(s: { remoteAddress?: string | undefined; remotePort?: number | undefined }): string {
  const a = s.remoteAddress ?? '?';
  return a.includes(':') ? `[${a}]:${s.remotePort ?? 0}` : `${a}:${s.remotePort ?? 0}`;
}

/** Build the event for a verdict; bytes and duration are filled in when the exchange ends. */
export function eventFor(
  client: string,
  protocol: EgressProtocol,
  method: string,
  v: Verdict,
  startedAt: number,
  extra?: Partial<NetworkDecisionEvent>,
): NetworkDecisionEvent {
  return {
    client,
    protocol,
    method,
    host: v.host,
    port: v.port,
    address: v.address,
    rule: v.rule,
    ruleDecision: v.ruleDecision,
    decision: v.decision,
    reason: v.reason,
    bytesUp: 0,
    bytesDown: 0,
    durationMs: Date.now() - startedAt,
    startedAt,
    ...extra,
  };
}
