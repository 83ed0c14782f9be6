import { compileRule, ruleMatches, resolveContext, splitArgs } from './command-rules.js';
import { policyError } from './policy-source.js';
import type { PolicySource, YamlPath } from './policy-source.js';
import { ENGINE_SOURCE } from './policy-types.js';
import type { EffectiveCommandRule, EffectivePolicy, PolicyWarning, Provenance, SourceRef } from './policy-types.js';
import { analyseCommandLine } from './shell-analyse.js';

/** Mutable state while layers are applied lowest first. */
export interface MergeState {
  policy: EffectivePolicy;
  provenance: Provenance;
  warnings: PolicyWarning[];
}

export function emptyState(): MergeState {
  const policy: EffectivePolicy = {
    commands: { default: 'ask', test_runners: [], rules: [], approved: [] },
    paths: { protected: [], masked: [], allowed_secrets: [], writable_mounts: [] },
    network: { default: 'ask', presets: [], rules: [] },
    mcp: { default: 'ask', rules: [] },
    approvals: { timeout_seconds: 300, unattended: 'deny' },
    agents: { default: 'claude', allowed: [], settings: {} },
    telemetry: { enabled: false, endpoint: null, headers: {}, log_prompts: false },
    engine: { autostart: true },
    ceilings: {},
    repo: null,
  };
  const provenance: Provenance = {};
  for (const k of ['commands.default', 'network.default', 'mcp.default', 'approvals.timeout_seconds', 'approvals.unattended', 'agents.default', 'telemetry.enabled', 'telemetry.log_prompts', 'engine.autostart']) {
    provenance[k] = { ...ENGINE_SOURCE };
  }
  return { policy, provenance, warnings: [] };
}

/** Apply one layer on top of `st`. `lockedRules`: rule ids lower layers may not replace or disable. */
export function applyLayer(st: MergeState, src: PolicySource, lockedRules: ReadonlySet<string> = new Set()): void {
  const d = src.data;
  const { policy: p, provenance: prov } = st;
  const set = <T>(path: YamlPath, value: T | undefined, assign: (v: T) => void): void => {
    if (value === undefined) return;
    assign(value);
    prov[path.join('.')] = src.at(path);
  };
  if (d.ceilings && src.layer !== 'managed') {
    throw policyError(src.at(['ceilings']), 'ceilings may only be set by the managed policy; remove this section');
  }
  if (d.projects && src.layer !== 'user') {
    throw policyError(src.at(['projects']), `projects (per-repository approvals) may only be set in the user policy, not in the ${src.layer} policy; remove this section`);
  }
  set(['commands', 'default'], d.commands?.default, (v) => (p.commands.default = v));
  set(['mcp', 'default'], d.mcp?.default, (v) => (p.mcp.default = v));
  set(['network', 'default'], d.network?.default, (v) => (p.network.default = v));
  set(['approvals', 'timeout_seconds'], d.approvals?.timeout_seconds, (v) => (p.approvals.timeout_seconds = v));
  set(['approvals', 'unattended'], d.approvals?.unattended, (v) => (p.approvals.unattended = v));
  set(['agents', 'default'], d.agents?.default, (v) => (p.agents.default = v));
  set(['agents', 'allowed'], d.agents?.allowed, (v) => (p.agents.allowed = [...v]));
  set(['telemetry', 'enabled'], d.telemetry?.enabled, (v) => (p.telemetry.enabled = v));
  set(['telemetry', 'endpoint'], d.telemetry?.endpoint, (v) => (p.telemetry.endpoint = v));
  set(['telemetry', 'log_prompts'], d.telemetry?.log_prompts, (v) => (p.telemetry.log_prompts = v));
  set(['engine', 'autostart'], d.engine?.autostart, (v) => (p.engine.autostart = v));
  for (const [k, v] of Object.entries(d.telemetry?.headers ?? {})) {
    p.telemetry.headers[k] = v;
    prov[`telemetry.headers.${k}`] = src.at(['telemetry', 'headers', k]);
  }
  for (const [k, v] of Object.entries(d.agents?.settings ?? {})) {
    p.agents.settings[k] = v;
    prov[`agents.settings.${k}`] = src.at(['agents', 'settings', k]);
  }
  const union = (key: string, path: YamlPath, target: string[], values: string[] | undefined): void => {
    values?.forEach((v, i) => {
      if (target.includes(v)) return;
      target.push(v);
      prov[`${key}[${v}]`] = src.at([...path, i]);
    });
  };
  union('commands.test_runners', ['commands', 'test_runners'], p.commands.test_runners, d.commands?.test_runners);
  union('paths.protected', ['paths', 'protected'], p.paths.protected, d.paths?.protected);
  union('paths.masked', ['paths', 'masked'], p.paths.masked, d.paths?.masked);
  union('paths.allowed_secrets', ['paths', 'allowed_secrets'], p.paths.allowed_secrets, d.paths?.allowed_secrets);
  union('network.presets', ['network', 'presets'], p.network.presets, d.network?.presets);
  d.paths?.writable_mounts?.forEach((m, i) => {
    p.paths.writable_mounts = [...p.paths.writable_mounts.filter((x) => x.container !== m.container), m];
    prov[`paths.writable_mounts[${m.container}]`] = src.at(['paths', 'writable_mounts', i]);
  });
  d.network?.rules?.forEach((r, i) => {
    const source = src.at(['network', 'rules', i]);
    const key = r.id ?? `${r.host}:${String(r.port ?? '*')}`;
    const rest = p.network.rules.filter((x) => (x.id ?? `${x.host}:${String(x.port ?? '*')}`) !== key);
    p.network.rules = [...rest, { ...r, source }];
    prov[`network.rules.${key}`] = source;
  });
  d.commands?.rules?.forEach((r, i) => {
    const source = src.at(['commands', 'rules', i]);
    const rule: EffectiveCommandRule = { ...r, enabled: r.enabled ?? true, source };
    checkRule(rule, src, ['commands', 'rules', i]);
    const at = p.commands.rules.findIndex((x) => x.id === r.id);
    if (at >= 0 && lockedRules.has(r.id)) {
      st.warnings.push({ source, message: `rule "${r.id}" is locked by the managed policy; this ${src.layer} override is ignored` });
      return;
    }
    if (at >= 0) p.commands.rules[at] = rule;
    else p.commands.rules.push(rule);
    prov[`commands.rules.${r.id}`] = source;
  });
  d.mcp?.rules?.forEach((r, i) => {
    const source = src.at(['mcp', 'rules', i]);
    const at = p.mcp.rules.findIndex((x) => x.id === r.id);
    if (at >= 0 && lockedRules.has(`mcp:${r.id}`)) {
      st.warnings.push({ source, message: `MCP rule "${r.id}" is locked by the managed policy; this ${src.layer} override is ignored` });
      return;
    }
    const rule = { ...r, enabled: r.enabled ?? true, source };
    if (at >= 0) p.mcp.rules[at] = rule;
    else p.mcp.rules.push(rule);
    prov[`mcp.rules.${r.id}`] = source;
  });
  if (src.layer === 'managed' && d.ceilings) {
    p.ceilings = d.ceilings;
    prov.ceilings = src.at(['ceilings']);
  }
}

/** Compile a rule and check its own examples; a contradiction fails the load at the rule's file:line. */
export function checkRule(rule: EffectiveCommandRule, src: PolicySource, at: YamlPath): void {
  let compiled;
  try {
    compiled = compileRule(rule);
  } catch (e) {
    throw policyError(src.at(rule.args_regex === undefined ? at : [...at, 'args_regex']), `rule "${rule.id}": ${(e as Error).message}`);
  }
  const ctx = resolveContext();
  const matches = (line: string): boolean =>
    analyseCommandLine(line).some((part) => part.kind === 'command' && ruleMatches(compiled, part, splitArgs(part), ctx));
  rule.examples?.match?.forEach((line, i) => {
    if (!matches(line)) throw policyError(src.at([...at, 'examples', 'match', i]), `rule "${rule.id}" does not match its own example "${line}" (examples.match)`);
  });
  rule.examples?.not_match?.forEach((line, i) => {
    if (matches(line)) throw policyError(src.at([...at, 'examples', 'not_match', i]), `rule "${rule.id}" matches "${line}", which it lists under examples.not_match`);
  });
}

export function warn(st: MergeState, source: SourceRef, message: string): void {
  st.warnings.push({ source, message });
}
