import { policyError } from './policy-source.js';
import type { PolicySource, YamlPath } from './policy-source.js';
import { commandStrictness, networkStrictness } from './policy-types.js';
import type { EffectivePolicy } from './policy-types.js';

/**
 * A project policy ships inside the repository, so a hostile repo controls it: it may only
 * tighten. Any loosening is refused (POLICY_LOOSENING, file:line:col) rather than ignored, so
 * the user sees exactly what the repo tried; the fix is to move the entry to the user policy.
 */

/** Test runners a project may declare: they run repo code, which the sandbox contains anyway. */
const KNOWN_RUNNER =
  /^((npm|pnpm|yarn|bun) (test|run test[\w:.-]*)|npx (vitest|jest|mocha|playwright test)|pytest|python3? -m pytest|cargo (test|nextest)|go test|make (test|check)[\w.-]*|gradle test|\.\/gradlew test|mvn test|rspec|bundle exec rspec|tox|nox|deno test|bun test|dotnet test|ctest|vitest|jest|mocha)( |$)/;

export function assertProjectTightens(src: PolicySource, acc: EffectivePolicy, userFile: string): void {
  const d = src.data;
  const refuse = (path: YamlPath, what: string): never => {
    throw policyError(
      src.at(path),
      `a project policy may only tighten, but this ${what}. Remove it from ${src.file}, or put it in your user policy (${userFile}) if you trust this repository.`,
      'POLICY_LOOSENING',
    );
  };
  const c = d.commands;
  if (c?.default && commandStrictness(c.default) < commandStrictness(acc.commands.default)) {
    refuse(['commands', 'default'], `sets commands.default to "${c.default}", looser than "${acc.commands.default}"`);
  }
  c?.test_runners?.forEach((r, i) => {
    if (!KNOWN_RUNNER.test(r.trim())) refuse(['commands', 'test_runners', i], `declares "${r}" as a test runner, which is not a known test command`);
  });
  c?.rules?.forEach((rule, i) => {
    const at: YamlPath = ['commands', 'rules', i];
    if (rule.enabled === false) refuse([...at, 'enabled'], `disables rule "${rule.id}"`);
    const existing = acc.commands.rules.find((r) => r.id === rule.id);
    if (!existing) {
      if (rule.decision === 'allow') refuse([...at, 'decision'], `adds an allow rule ("${rule.id}")`);
      return;
    }
    if (commandStrictness(rule.decision) < commandStrictness(existing.decision)) {
      refuse([...at, 'decision'], `relaxes rule "${rule.id}" from ${existing.decision} to ${rule.decision}`);
    }
    const { decision: _a, justification: _b, examples: _c, source: _d, enabled: _e, ...was } = existing;
    const { decision: _f, justification: _g, examples: _h, enabled: _i, ...now } = rule;
    if (JSON.stringify(sorted(was)) !== JSON.stringify(sorted(now))) {
      refuse(at, `changes what rule "${rule.id}" matches (a project may only make an existing rule stricter, not narrower)`);
    }
  });
  const m = d.mcp;
  if (m?.default && commandStrictness(m.default) < commandStrictness(acc.mcp.default)) {
    refuse(['mcp', 'default'], `sets mcp.default to "${m.default}", looser than "${acc.mcp.default}"`);
  }
  m?.rules?.forEach((rule, i) => {
    const at: YamlPath = ['mcp', 'rules', i];
    if (rule.enabled === false) refuse([...at, 'enabled'], `disables MCP rule "${rule.id}"`);
    const existing = acc.mcp.rules.find((r) => r.id === rule.id);
    if (!existing) {
      if (rule.decision === 'allow') refuse([...at, 'decision'], `adds an MCP allow rule ("${rule.id}")`);
      return;
    }
    if (commandStrictness(rule.decision) < commandStrictness(existing.decision)) {
      refuse([...at, 'decision'], `relaxes MCP rule "${rule.id}" from ${existing.decision} to ${rule.decision}`);
    }
    if (rule.server !== existing.server || (rule.tool ?? '*') !== (existing.tool ?? '*')) {
      refuse(at, `changes what MCP rule "${rule.id}" matches (a project may only make an existing rule stricter, not narrower)`);
    }
  });
  const p = d.paths;
  if (p?.allowed_secrets?.length) refuse(['paths', 'allowed_secrets'], 'un-masks secret files (paths.allowed_secrets)');
  if (p?.writable_mounts?.length) refuse(['paths', 'writable_mounts'], 'mounts host directories writable (paths.writable_mounts)');
  const n = d.network;
  if (n?.default && networkStrictness(n.default) < networkStrictness(acc.network.default)) {
    refuse(['network', 'default'], `sets network.default to "${n.default}", looser than "${acc.network.default}"`);
  }
  if (n?.presets?.length) refuse(['network', 'presets'], 'enables network presets (they allow hosts)');
  n?.rules?.forEach((rule, i) => {
    if (rule.decision === 'allow') refuse(['network', 'rules', i, 'decision'], `allows network access to ${rule.host}`);
  });
  const a = d.approvals;
  if (a?.timeout_seconds !== undefined && a.timeout_seconds > acc.approvals.timeout_seconds) {
    refuse(['approvals', 'timeout_seconds'], `lengthens the approval timeout beyond ${acc.approvals.timeout_seconds}s`);
  }
  if (a?.unattended === 'allow' && acc.approvals.unattended !== 'allow') refuse(['approvals', 'unattended'], 'allows asks when nobody is watching');
  const g = d.agents;
  g?.allowed?.forEach((name, i) => {
    if (!acc.agents.allowed.includes(name)) refuse(['agents', 'allowed', i], `allows agent "${name}", which the user policy does not`);
  });
  if (g?.default && !(g.allowed ?? acc.agents.allowed).includes(g.default)) refuse(['agents', 'default'], `picks agent "${g.default}", which is not allowed`);
  for (const [name, s] of Object.entries(g?.settings ?? {})) {
    if (s.args?.length) refuse(['agents', 'settings', name, 'args'], `passes extra arguments to agent "${name}"`);
  }
  const t = d.telemetry;
  if (t?.endpoint !== undefined) refuse(['telemetry', 'endpoint'], 'sends telemetry to an endpoint of its choosing');
  if (t?.headers && Object.keys(t.headers).length > 0) refuse(['telemetry', 'headers'], 'sets telemetry headers');
  if (t?.enabled === true) refuse(['telemetry', 'enabled'], 'turns telemetry on');
  if (t?.log_prompts === true) refuse(['telemetry', 'log_prompts'], 'turns prompt logging on');
  if (d.engine?.autostart !== undefined) refuse(['engine', 'autostart'], 'sets engine.autostart, which is about how Paddock runs on your machine, not about this repository');
}

function sorted(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined).sort(([x], [y]) => x.localeCompare(y)));
}
