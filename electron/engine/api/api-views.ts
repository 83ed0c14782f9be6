// Engine data → contract shapes (plain JSON; the renderer never sees engine classes).
import type { PolicyRow, PolicyView, Session, Source, Verdict } from '../../contract/index.js';
import type { CommandVerdict, EffectivePolicyResult, ProvenanceEntry, SourceRef } from '../policy/index.js';
import { SHELL_TOOLS } from '../gate/gate-events.js';
import type { SessionEvent } from '../sessions/session-events.js';
import type { SessionRecord } from '../sessions/session-store.js';

export function toSession(r: SessionRecord, attached: boolean, journaled: boolean, counts: Session['counts'] = null): Session {
  const end = r.endedAt ? Date.parse(r.endedAt) : null;
  const start = Date.parse(r.startedAt);
  return {
    id: r.id,
    repo: r.repo,
    image: r.image,
    agent: r.agent,
    command: r.command,
    state: r.state,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    durationMs: end !== null && Number.isFinite(start) ? Math.max(0, end - start) : null,
    exitCode: r.exitCode,
    endReason: r.endReason,
    message: r.message ?? null,
    attached,
    journaled,
    counts,
  };
}

function source(s: SourceRef | ProvenanceEntry | undefined): Source | null {
  if (!s) return null;
  return { layer: s.layer, file: s.file, line: s.line, col: s.col, ...('note' in s && s.note ? { note: s.note } : {}) };
}

/** Every effective value with where it came from, in the order `paddock policy explain` prints. */
export function toPolicyView(r: EffectivePolicyResult, repo: string | null): PolicyView {
  const rows: PolicyRow[] = [];
  const prov = r.provenance;
  const p = r.policy;
  const add = (section: string, key: string, value: string, src: SourceRef | ProvenanceEntry | undefined) => {
    const s = source(src);
    rows.push({ section, key, value, source: s, locked: s?.layer === 'managed' });
  };
  add('commands', 'default', p.commands.default, prov['commands.default']);
  for (const t of p.commands.test_runners) add('commands', 'test runner', t, prov[`commands.test_runners[${t}]`]);
  for (const rule of p.commands.rules) add('commands', `rule ${rule.id}`, `${rule.decision} ${rule.pattern}${rule.enabled ? '' : ' (disabled)'}`, rule.source);
  for (const a of p.commands.approved) add('commands', `approved ${a.id}`, `allow "${a.command}" (always for this project)`, a.source);
  add('mcp', 'default', p.mcp.default, prov['mcp.default']);
  for (const rule of p.mcp.rules) add('mcp', `rule ${rule.id}`, `${rule.decision} server ${rule.server} tool ${rule.tool ?? '*'}${rule.enabled ? '' : ' (disabled)'}`, rule.source);
  for (const [key, items] of [
    ['protected', p.paths.protected],
    ['masked', p.paths.masked],
    ['allowed_secrets', p.paths.allowed_secrets],
  ] as const) {
    for (const i of items) add('paths', key, i, prov[`paths.${key}[${i}]`]);
  }
  for (const m of p.paths.writable_mounts) add('paths', 'writable mount', `${m.host} -> ${m.container}`, prov[`paths.writable_mounts[${m.container}]`]);
  add('network', 'default', p.network.default, prov['network.default']);
  for (const preset of p.network.presets) add('network', 'preset', preset, prov[`network.presets[${preset}]`]);
  for (const n of p.network.rules) {
    const port = n.port === undefined ? '' : `:${Array.isArray(n.port) ? n.port.join(',') : n.port}`;
    add('network', 'rule', `${n.decision} ${n.host}${port}${n.methods ? ` ${n.methods.join(',')}` : ''}`, n.source);
  }
  add('approvals', 'timeout_seconds', String(p.approvals.timeout_seconds), prov['approvals.timeout_seconds']);
  add('approvals', 'unattended', p.approvals.unattended, prov['approvals.unattended']);
  add('agents', 'default', p.agents.default, prov['agents.default']);
  add('agents', 'allowed', p.agents.allowed.join(', '), prov['agents.allowed']);
  add('telemetry', 'enabled', String(p.telemetry.enabled), prov['telemetry.enabled']);
  add('telemetry', 'endpoint', p.telemetry.endpoint ?? '(none)', prov['telemetry.endpoint']);
  add('telemetry', 'log_prompts', String(p.telemetry.log_prompts), prov['telemetry.log_prompts']);
  add('engine', 'autostart', String(p.engine.autostart), prov['engine.autostart']);
  if (Object.keys(p.ceilings).length > 0) add('ceilings', 'ceilings', JSON.stringify(p.ceilings), prov.ceilings);
  return {
    repo,
    fingerprint: r.fingerprint,
    layers: r.layers.map((l) => ({ layer: l.layer, file: l.file, sha256: l.sha256, ...(l.signed === undefined ? {} : { signed: l.signed }) })),
    rows,
    warnings: r.warnings.map((w) => ({ message: w.message, source: source(w.source)! })),
  };
}

export function toVerdict(commandLine: string, v: CommandVerdict): Verdict {
  return {
    commandLine,
    decision: v.decision,
    justification: v.justification,
    rule: { id: v.rule.id, source: source(v.rule.source)! },
    parts: v.parts.map((p) => ({
      text: p.kind === 'command' ? p.argv.join(' ') : p.text.replace(/\s+/g, ' '),
      decision: p.decision,
      ruleId: p.rule.id,
      via: p.via,
      justification: p.justification,
    })),
  };
}

/** One line for a live feed; agent-controlled strings stay plain text (the UI renders text only). */
export function activitySummary(e: SessionEvent): string {
  const d = e.data as unknown as Record<string, unknown>;
  switch (e.kind as string) {
    case 'session.created':
      return `created: ${(d.command as string[]).join(' ')} in ${String(d.repo)}`;
    case 'session.started':
      return `started in container ${String(d.containerId).slice(0, 12)}`;
    case 'session.ended':
      return `ended: ${typeof d.exitCode === 'number' ? `exit ${d.exitCode}` : 'no exit code'} (${String(d.reason)})${typeof d.message === 'string' ? ` — ${d.message}` : ''}`;
    case 'session.error':
      return `error ${String(d.code)}: ${String(d.message)}`;
    case 'journal.header':
      return `journal opened (signing key ${String(d.keyId).slice(0, 12)})`;
    case 'session.paused':
      return `paused by ${String(d.by)}`;
    case 'session.resumed':
      return `resumed by ${String(d.by)}`;
    case 'container.lifecycle':
      return `container ${String(d.state)}`;
    case 'approval.request':
      return `approval asked: ${String(d.command)} (${String(d.rule)})`;
    case 'approval.answer':
      return `approval ${d.decision === 'allow' ? 'allowed' : 'denied'} (${String(d.choice)}, by ${String(d.by)}): ${String(d.command)}`;
    case 'tool.request':
      // Shell tools carry the command line; other tools' line already names the tool (`Write path`).
      return `${String(d.agent)} wants ${SHELL_TOOLS.has(String(d.tool)) ? 'to run ' : ''}${String(d.command)}`;
    case 'policy.decision':
      return `${d.decision === 'allow' ? 'allowed' : 'denied'} (policy ${String(d.policy)}${typeof d.by === 'string' ? `, answered by ${d.by}` : ''}; ${String(d.rule)}): ${String(d.command)}`;
    case 'tool.result':
      return `${d.ok ? 'done' : 'failed'}: ${String(d.command)}`;
    case 'user.prompt':
      return `prompt: ${String(d.prompt).slice(0, 200)}`;
    case 'network.decision':
      return `network ${String(d.decision)} ${String(d.method)} ${String(d.host)}:${String(d.port)} (${String(d.reason)})`;
    default: {
      const json = JSON.stringify(e.data) ?? '';
      return `${e.kind} ${json.length > 200 ? `${json.slice(0, 197)}...` : json}`;
    }
  }
}
