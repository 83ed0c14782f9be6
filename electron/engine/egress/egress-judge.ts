import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { classifyAddress, describeAddressClass } from './address-class.js';
import type { ApprovalDecider } from './approval-decider.js';
import { askWithTimeout } from './approval-decider.js';
import type { EgressProtocol } from './egress-events.js';
import { normaliseHost } from './host-normalise.js';
import type { NetworkDecision, RuleSet } from './network-rules.js';
import { describeRule } from './network-rules.js';

/** Name resolution, injectable: the system resolver in production, a fixed map in tests. */
export interface Resolver {
  /** All addresses for a name; throws (or returns []) when there are none. */
  resolve(host: string): Promise<string[]>;
}

export function systemResolver(): Resolver {
  return {
    async resolve(host) {
      const all = await lookup(host, { all: true, verbatim: true });
      return all.map((a) => a.address);
    },
  };
}

/** Test-only resolver: names map to fixed addresses; anything else does not exist. */
export function mapResolver(map: Record<string, string | readonly string[]>): Resolver {
  const table = new Map(
    Object.entries(map).map(([k, v]) => [normaliseHost(k) ?? k, typeof v === 'string' ? [v] : [...v]]),
  );
  return {
    resolve(host) {
      const hit = table.get(host);
      return hit
        ? Promise.resolve(hit)
        : Promise.reject(new Error(`${host}: no such name in the test resolver map`));
    },
  };
}

export interface JudgeContext {
  sessionId: string;
  rules: RuleSet;
  resolver: Resolver;
  decider: ApprovalDecider | null;
  askTimeoutMs: number;
  /** The proxy's own listen addresses and port: never a destination, whatever the rules say. */
  self: { addresses: ReadonlySet<string>; port: number };
}

export interface JudgeQuery {
  protocol: EgressProtocol;
  /** HTTP method; `CONNECT`/`SOCKS5` for tunnels (whose inner method is unknown). */
  method: string;
  tunnel: boolean;
  rawHost: string;
  port: number;
}

export type DenyKind = 'bad-host' | 'rule' | 'default' | 'ask' | 'resolve' | 'address' | 'self';

export interface Verdict {
  decision: 'allow' | 'deny';
  host: string;
  port: number;
  address: string | null;
  ruleDecision: NetworkDecision | null;
  rule: string;
  /** Short reason for events. */
  reason: string;
  denyKind?: DenyKind;
  /** Full sentence for the 403 body. */
  detail?: string;
}

/** Rules, then (ask), then resolution, then the address checks. Names are resolved only once allowed. */
export async function judge(ctx: JudgeContext, q: JudgeQuery, clientGone?: AbortSignal): Promise<Verdict> {
  const host = normaliseHost(q.rawHost);
  const base = { host: host ?? q.rawHost, port: q.port, address: null };
  if (!host || !Number.isInteger(q.port) || q.port < 1 || q.port > 65535) {
    return {
      ...base,
      decision: 'deny',
      ruleDecision: null,
      rule: 'none',
      reason: 'bad destination',
      denyKind: 'bad-host',
      detail: `${JSON.stringify(q.rawHost)}:${q.port} is not a valid destination`,
    };
  }
  const m = ctx.rules.evaluate({ host, port: q.port, method: q.tunnel ? null : q.method });
  const rule = describeRule(m.rule, m.index);
  const ruled = { ...base, ruleDecision: m.decision, rule };
  if (m.decision === 'deny') {
    return m.rule
      ? { ...ruled, decision: 'deny', reason: 'rule', denyKind: 'rule', detail: `${rule} denies it` }
      : {
          ...ruled,
          decision: 'deny',
          reason: 'default',
          denyKind: 'default',
          detail: 'no rule matched; default deny',
        };
  }
  let reason = m.rule ? 'rule' : 'default';
  if (m.decision === 'ask') {
    const asked = await askWithTimeout(
      ctx.decider,
      { sessionId: ctx.sessionId, protocol: q.protocol, method: q.method, host, port: q.port, rule },
      ctx.askTimeoutMs,
      clientGone,
    );
    if (asked.decision === 'deny')
      return {
        ...ruled,
        decision: 'deny',
        reason: asked.reason,
        denyKind: 'ask',
        detail: `${rule} asks for approval, and the answer was: ${asked.reason}`,
      };
    reason = 'approved';
  }
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : await ctx.resolver.resolve(host);
  } catch (e) {
    addresses = [];
    void e;
  }
  if (addresses.length === 0)
    return {
      ...ruled,
      decision: 'deny',
      reason: 'does not resolve',
      denyKind: 'resolve',
      detail: `${host} does not resolve`,
    };
  // IPv4 first; dial the first address that passes, and only that one.
  const ordered = [...addresses.filter((a) => isIP(a) === 4), ...addresses.filter((a) => isIP(a) === 6)];
  let firstRefusal: Verdict | null = null;
  for (const address of ordered) {
    if (isSelf(ctx, address, q.port)) {
      firstRefusal ??= {
        ...ruled,
        address,
        decision: 'deny',
        reason: 'proxy itself',
        denyKind: 'self',
        detail: `${host} is the egress proxy itself (${address}); the proxy never connects to itself`,
      };
      continue;
    }
    const cls = classifyAddress(address);
    if (cls !== 'public' && !ctx.rules.namesExactAddress(address, q.port)) {
      firstRefusal ??= {
        ...ruled,
        address,
        decision: 'deny',
        reason: `${cls} address`,
        denyKind: 'address',
        detail: `${host} resolved to ${address}, ${describeAddressClass(cls)}; such addresses are refused unless a rule names that exact address`,
      };
      continue;
    }
    return { ...ruled, address, decision: 'allow', reason };
  }
  return firstRefusal ?? { ...ruled, decision: 'deny', reason: 'does not resolve', denyKind: 'resolve' };
}

function isSelf(ctx: JudgeContext, address: string, port: number): boolean {
  // Other ports on the proxy's address (the host, seen from the session network) are private
  // addresses anyway: refused unless a rule names that exact address.
  if (port !== ctx.self.port) return false;
  const cls = classifyAddress(address);
  return ctx.self.addresses.has(address) || cls === 'loopback' || cls === 'unspecified';
}
