import { isIP } from 'node:net';
import { PaddockError } from '../errors.js';
import { normaliseHost } from './host-normalise.js';

export type NetworkDecision = 'allow' | 'ask' | 'deny';

/**
 * One network rule, plain data so the policy file (owned elsewhere) can feed it.
 * - `host`: an exact name (`registry.npmjs.org`), a suffix pattern `*.example.com` (any name
 *   strictly below example.com, never example.com itself nor `evil-example.com`), an exact IP
 *   literal, or `*` (any destination).
 * - `ports`: absent = any port.
 * - `methods`: absent = any method. Only plain-HTTP requests reveal a method; a tunnel (CONNECT,
 *   SOCKS5) does not, so a method-limited `allow` never matches a tunnel, while a method-limited
 *   `deny`/`ask` does (the tunnel might carry that method).
 */
export interface NetworkRule {
  host: string;
  ports?: number[];
  methods?: string[];
  decision: NetworkDecision;
  /** Where the rule came from, for messages: a policy file and line, or `preset:<name>`. */
  source?: { file: string; line?: number };
}

export interface RuleQuery {
  /** Normalised host (see normaliseHost). */
  host: string;
  port: number;
  /** HTTP method, or null for a tunnel whose method the proxy cannot see. */
  method: string | null;
}

export interface RuleMatch {
  decision: NetworkDecision;
  /** The rule that decided, or null when the session default applied. */
  rule: NetworkRule | null;
  /** Index in the rule list, -1 for the default. */
  index: number;
}

interface CompiledRule {
  rule: NetworkRule;
  index: number;
  kind: 'exact' | 'suffix' | 'any';
  /** Exact host, or the suffix including its leading dot. */
  value: string;
  ports: ReadonlySet<number> | null;
  methods: ReadonlySet<string> | null;
}

const RANK: Record<NetworkDecision, number> = { deny: 3, ask: 2, allow: 1 };

/** An immutable, compiled rule set. Swapping one reference is the whole of a reload. */
export class RuleSet {
  private readonly compiled: readonly CompiledRule[];

  private constructor(
    readonly rules: readonly NetworkRule[],
    readonly defaultDecision: NetworkDecision,
  ) {
    this.compiled = rules.map((rule, index) => compileRule(rule, index));
    Object.freeze(this);
  }

  static compile(rules: readonly NetworkRule[], defaultDecision: NetworkDecision): RuleSet {
    const copy = rules.map((r) => Object.freeze(structuredClone(r)));
    return new RuleSet(Object.freeze(copy), defaultDecision);
  }

  /** deny > ask > allow among all matching rules; the earliest rule wins a tie; else the default. */
  evaluate(q: RuleQuery): RuleMatch {
    let best: CompiledRule | null = null;
    for (const c of this.compiled) {
      if (!matches(c, q)) continue;
      if (!best || RANK[c.rule.decision] > RANK[best.rule.decision]) best = c;
    }
    if (!best) return { decision: this.defaultDecision, rule: null, index: -1 };
    return { decision: best.rule.decision, rule: best.rule, index: best.index };
  }

  /** True when a non-deny rule names exactly this IP literal (and port): lifts the private-address refusal. */
  namesExactAddress(address: string, port: number): boolean {
    return this.compiled.some(
      (c) =>
        c.kind === 'exact' &&
        c.value === address &&
        c.rule.decision !== 'deny' &&
        (!c.ports || c.ports.has(port)),
    );
  }
}

function compileRule(rule: NetworkRule, index: number): CompiledRule {
  const where = rule.source
    ? ` (${rule.source.file}${rule.source.line ? `:${rule.source.line}` : ''})`
    : ` (rule #${index + 1})`;
  const bad = (what: string) => new PaddockError('BAD_INPUT', `network rule${where}: ${what}`);
  if (!['allow', 'ask', 'deny'].includes(rule.decision))
    throw bad(`decision must be allow, ask or deny, not ${JSON.stringify(rule.decision)}`);
  const ports = rule.ports ? new Set(rule.ports) : null;
  for (const p of rule.ports ?? [])
    if (!Number.isInteger(p) || p < 1 || p > 65535) throw bad(`port ${p} is not 1-65535`);
  if (rule.ports && rule.ports.length === 0) throw bad('ports is empty (leave it out to mean any port)');
  const methods = rule.methods ? new Set(rule.methods.map((m) => m.toUpperCase())) : null;
  if (rule.methods && rule.methods.length === 0)
    throw bad('methods is empty (leave it out to mean any method)');
  const base = { rule, index, ports, methods };
  const host = rule.host.trim();
  if (host === '*') return { ...base, kind: 'any', value: '' };
  if (host.startsWith('*.')) {
    const suffix = normaliseHost(host.slice(2));
    if (!suffix || isIP(suffix)) throw bad(`host pattern ${JSON.stringify(rule.host)} is not *.<domain>`);
    return { ...base, kind: 'suffix', value: `.${suffix}` };
  }
  if (host.includes('*'))
    throw bad(`host pattern ${JSON.stringify(rule.host)}: '*' is only allowed as a leading '*.' or alone`);
  const exact = normaliseHost(host);
  if (!exact) throw bad(`host ${JSON.stringify(rule.host)} is not a valid host name or IP address`);
  return { ...base, kind: 'exact', value: exact };
}

function matches(c: CompiledRule, q: RuleQuery): boolean {
  if (c.kind === 'exact' && q.host !== c.value) return false;
  if (c.kind === 'suffix' && !(q.host.endsWith(c.value) && q.host.length > c.value.length)) return false;
  if (c.ports && !c.ports.has(q.port)) return false;
  if (c.methods) {
    if (q.method === null) return c.rule.decision !== 'allow';
    if (!c.methods.has(q.method.toUpperCase())) return false;
  }
  return true;
}

/** `rule #3 (policy.toml:12) allow *.example.com ports 443` for messages and events. */
export function describeRule(rule: NetworkRule | null, index: number): string {
  if (!rule) return 'session default';
  const src = rule.source ? ` (${rule.source.file}${rule.source.line ? `:${rule.source.line}` : ''})` : '';
  const ports = rule.ports ? ` port ${rule.ports.join(',')}` : '';
  const methods = rule.methods ? ` method ${rule.methods.join(',')}` : '';
  return `rule #${index + 1}${src}: ${rule.decision} ${rule.host}${ports}${methods}`;
}
