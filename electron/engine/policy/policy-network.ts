import type { EffectivePolicy } from './policy-types.js';

/** A network rule in the shape the egress proxy consumes (electron/engine/egress NetworkRule). */
export interface EgressRuleData {
  host: string;
  ports?: number[];
  methods?: string[];
  decision: 'allow' | 'ask' | 'deny';
  source?: { file: string; line?: number };
}

/**
 * The policy's network rules for the egress proxy: `port: 443` or `port: [80, 443]` become
 * `ports`, and each rule keeps its file:line. Presets are returned by name for the proxy to
 * expand (`presetsRules(names)` in the egress module).
 */
export function networkRulesFromPolicy(policy: Pick<EffectivePolicy, 'network'>): { default: 'allow' | 'ask' | 'deny'; presets: string[]; rules: EgressRuleData[] } {
  return {
    default: policy.network.default,
    presets: [...policy.network.presets],
    rules: policy.network.rules.map((r) => ({
      host: r.host,
      ...(r.port === undefined ? {} : { ports: Array.isArray(r.port) ? [...r.port] : [r.port] }),
      ...(r.methods ? { methods: [...r.methods] } : {}),
      decision: r.decision,
      source: { file: r.source.file, line: r.source.line },
    })),
  };
}
