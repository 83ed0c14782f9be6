import type { EffectivePolicyResult, ProvenanceEntry, SourceRef } from './policy-types.js';

/** Human-readable `paddock policy explain`: every effective value with the layer and file:line:col that set it. */
export function formatExplain(r: EffectivePolicyResult): string {
  const out: string[] = [];
  const at = (s: SourceRef | ProvenanceEntry | undefined): string => {
    if (!s || s.layer === 'engine') return '[engine]';
    const note = 'note' in s && s.note ? `; ${s.note}` : '';
    return `[${s.layer} ${s.file}:${s.line}:${s.col}${note}]`;
  };
  const prov = r.provenance;
  const p = r.policy;
  out.push('Layers (lowest first):');
  for (const l of r.layers) out.push(`  ${l.layer.padEnd(8)} ${l.file}  sha256:${l.sha256.slice(0, 16)}${l.signed === undefined ? '' : l.signed ? '  signed' : '  unsigned'}`);
  out.push(`Fingerprint: ${r.fingerprint}`, '');
  out.push('commands:');
  out.push(`  default: ${p.commands.default}  ${at(prov['commands.default'])}`);
  out.push('  test_runners:');
  for (const t of p.commands.test_runners) out.push(`    - ${t}  ${at(prov[`commands.test_runners[${t}]`])}`);
  out.push('  rules:');
  for (const rule of p.commands.rules) {
    const state = rule.enabled ? '' : ' (disabled)';
    const pattern = rule.pattern.length > 60 ? `${rule.pattern.slice(0, 57)}...` : rule.pattern;
    out.push(`    - ${rule.id}: ${rule.decision} "${pattern}"${state}  ${at(rule.source)}`);
  }
  out.push(`  approved (always for this project${p.repo ? `: ${p.repo}` : '; no repository given'}):`);
  for (const a of p.commands.approved) out.push(`    - ${a.id}: allow "${a.command}" (overrides a built-in or user ask)  ${at(a.source)}`);
  out.push('mcp:');
  out.push(`  default: ${p.mcp.default}  ${at(prov['mcp.default'])}`);
  out.push('  rules:');
  for (const rule of p.mcp.rules) {
    out.push(`    - ${rule.id}: ${rule.decision} server "${rule.server}" tool "${rule.tool ?? '*'}"${rule.enabled ? '' : ' (disabled)'}  ${at(rule.source)}`);
  }
  const list = (title: string, key: string, items: string[]) => {
    out.push(`  ${title}:`);
    for (const i of items) out.push(`    - ${i}  ${at(prov[`${key}[${i}]`])}`);
  };
  out.push('paths:');
  list('protected', 'paths.protected', p.paths.protected);
  list('masked', 'paths.masked', p.paths.masked);
  list('allowed_secrets', 'paths.allowed_secrets', p.paths.allowed_secrets);
  out.push('  writable_mounts:');
  for (const m of p.paths.writable_mounts) out.push(`    - ${m.host} -> ${m.container}  ${at(prov[`paths.writable_mounts[${m.container}]`])}`);
  out.push('network:', `  default: ${p.network.default}  ${at(prov['network.default'])}`);
  list('presets', 'network.presets', p.network.presets);
  out.push('  rules:');
  for (const n of p.network.rules) {
    const port = n.port === undefined ? '' : `:${Array.isArray(n.port) ? n.port.join(',') : n.port}`;
    out.push(`    - ${n.decision} ${n.host}${port}${n.methods ? ` ${n.methods.join(',')}` : ''}  ${at(n.source)}`);
  }
  out.push('approvals:');
  out.push(`  timeout_seconds: ${p.approvals.timeout_seconds}  ${at(prov['approvals.timeout_seconds'])}`);
  out.push(`  unattended: ${p.approvals.unattended}  ${at(prov['approvals.unattended'])}`);
  out.push('agents:');
  out.push(`  default: ${p.agents.default}  ${at(prov['agents.default'])}`);
  out.push(`  allowed: ${p.agents.allowed.join(', ')}  ${at(prov['agents.allowed'])}`);
  for (const [name, s] of Object.entries(p.agents.settings)) out.push(`  ${name}: ${JSON.stringify(s)}  ${at(prov[`agents.settings.${name}`])}`);
  out.push('telemetry:');
  out.push(`  enabled: ${p.telemetry.enabled}  ${at(prov['telemetry.enabled'])}`);
  out.push(`  endpoint: ${p.telemetry.endpoint ?? '(none)'}  ${at(prov['telemetry.endpoint'])}`);
  out.push(`  log_prompts: ${p.telemetry.log_prompts}  ${at(prov['telemetry.log_prompts'])}`);
  for (const h of Object.keys(p.telemetry.headers)) out.push(`  header ${h}: (set)  ${at(prov[`telemetry.headers.${h}`])}`);
  out.push('engine:');
  out.push(`  autostart: ${p.engine.autostart}  ${at(prov['engine.autostart'])}`);
  if (Object.keys(p.ceilings).length > 0) out.push(`ceilings: ${JSON.stringify(p.ceilings)}  ${at(prov.ceilings)}`);
  if (r.warnings.length > 0) {
    out.push('', 'Warnings:');
    for (const w of r.warnings) out.push(`  ${w.source.file}:${w.source.line}:${w.source.col}: ${w.message}`);
  }
  return `${out.join('\n')}\n`;
}
