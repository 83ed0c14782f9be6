import type { CommandDecision } from './policy-schema.js';
import { commandStrictness, ENGINE_SOURCE } from './policy-types.js';
import type { EffectiveMcpRule, EffectivePolicy, Provenance, SourceRef } from './policy-types.js';

/**
 * MCP rules: a decision for a tool call `mcp__<server>__<tool>` (Claude Code's tool name for
 * MCP tools). Like command rules, the strictest matching enabled rule wins (forbid > ask >
 * allow); a call no rule matches gets `mcp.default` (ask, so it goes to the approvals broker).
 */
export interface McpVerdict {
  decision: CommandDecision;
  server: string;
  tool: string;
  rule: { id: string; source: SourceRef };
  justification: string;
}

export interface McpJudge {
  /** Judge a tool name; null when it is not an MCP tool name (`mcp__server__tool`). */
  judge(toolName: string): McpVerdict | null;
}

/** `mcp__github__create_issue` → { server: 'github', tool: 'create_issue' }; the server is up to the next `__`. */
export function splitMcpToolName(name: string): { server: string; tool: string } | null {
  if (!name.startsWith('mcp__')) return null;
  const rest = name.slice(5);
  const at = rest.indexOf('__');
  if (at <= 0 || at + 2 >= rest.length) return null;
  return { server: rest.slice(0, at), tool: rest.slice(at + 2) };
}

/** `a|b*` → whole-name regular expression; `*` is any run of characters. */
export function namePatternRegExp(pattern: string): RegExp {
  const alts = pattern.split('|').map((a) => a.replace(/[.+?^${}()[\]\\-]/g, '\\$&').replace(/\*/g, '.*'));
  return new RegExp(`^(?:${alts.join('|')})$`);
}

export function createMcpJudge(policy: Pick<EffectivePolicy, 'mcp'>, provenance: Provenance = {}): McpJudge {
  const rules = policy.mcp.rules
    .filter((r) => r.enabled)
    .map((r: EffectiveMcpRule) => ({ r, server: namePatternRegExp(r.server), tool: namePatternRegExp(r.tool ?? '*') }));
  const defaultRef = { id: 'mcp.default', source: provenance['mcp.default'] ?? ENGINE_SOURCE };
  return {
    judge(toolName) {
      const name = splitMcpToolName(toolName);
      if (!name) return null;
      let best: EffectiveMcpRule | null = null;
      for (const c of rules) {
        if (best && commandStrictness(c.r.decision) <= commandStrictness(best.decision)) continue;
        if (c.server.test(name.server) && c.tool.test(name.tool)) best = c.r;
      }
      if (!best) {
        return { ...name, decision: policy.mcp.default, rule: defaultRef, justification: `no MCP rule matches tool ${name.tool} of server ${name.server}; the policy default applies` };
      }
      return { ...name, decision: best.decision, rule: { id: best.id, source: best.source }, justification: best.justification ?? `MCP rule ${best.id}` };
    },
  };
}
