import type { JournalRecord } from './journal-record.js';

/**
 * Tolerant readers for event shapes owned by other parts (gate, policy, approvals, egress,
 * file tracking). Shapes may change; these accept the field names in use and fall back to a
 * generic rendering, so the journal never drops or misreads an event it does not know.
 */
export type Verdict = 'allow' | 'deny' | 'ask' | 'unknown';

export function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** First string-like field among `keys` (numbers stringified, arrays of strings joined). */
export function pick(data: unknown, keys: string[]): string | undefined {
  const o = obj(data);
  for (const k of keys) {
    const v = o[k];
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number') return String(v);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join(' ');
    if (typeof v === 'object' && v !== null) {
      const inner = pick(v, ['command', 'name', 'text', 'value', 'id', 'user']);
      if (inner) return inner;
    }
  }
  return undefined;
}

export function verdictOf(data: unknown): Verdict {
  const raw = (pick(data, ['decision', 'verdict', 'answer', 'outcome', 'action', 'result']) ?? '').toLowerCase();
  if (/^(allow|allowed|approve|approved|accept|accepted|yes|granted|grant)/.test(raw)) return 'allow';
  if (/^(deny|denied|reject|rejected|block|blocked|no|forbid|forbidden)/.test(raw)) return 'deny';
  if (/^(ask|asked|prompt|pending)/.test(raw)) return 'ask';
  const o = obj(data);
  if (o.approved === true || o.allowed === true) return 'allow';
  if (o.approved === false || o.allowed === false) return 'deny';
  return 'unknown';
}

export function commandOf(data: unknown): string | undefined {
  return pick(data, ['command', 'cmd', 'commandLine', 'tool_input', 'input', 'tool', 'toolName', 'name', 'request']);
}

export function hostOf(data: unknown): string | undefined {
  const host = pick(data, ['host', 'hostname', 'domain', 'target', 'url']);
  const port = obj(data).port;
  return host && typeof port === 'number' ? `${host}:${port}` : host;
}

export function whoOf(data: unknown): string | undefined {
  return pick(data, ['by', 'answeredBy', 'answered_by', 'user', 'approver', 'who', 'source']);
}

export function pathsOf(data: unknown): string[] {
  const o = obj(data);
  for (const k of ['paths', 'files', 'changed', 'changes']) {
    const v = o[k];
    if (Array.isArray(v)) return v.map((x) => (typeof x === 'string' ? x : (pick(x, ['path', 'file', 'name']) ?? JSON.stringify(x))));
  }
  const one = pick(data, ['path', 'file']);
  return one ? [one] : [];
}

/** The categories `paddock replay` jumps between (keys a, d, n, f). */
export type JumpKind = 'approval' | 'denial' | 'network' | 'file';

export function jumpKindsOf(kind: string, data: unknown): JumpKind[] {
  const out: JumpKind[] = [];
  if (kind.startsWith('approval.')) out.push('approval');
  if (kind === 'network.decision') out.push('network');
  if (kind === 'file.changes' || kind.startsWith('file.')) out.push('file');
  if ((kind === 'policy.decision' || kind === 'network.decision' || kind === 'approval.answer' || kind === 'tool.decision') && verdictOf(data) === 'deny') out.push('denial');
  return out;
}

/** One line describing any event, for timelines, markers and the replay status line. */
export function summarize(r: Pick<JournalRecord, 'kind' | 'data'>, max = 160): string {
  const d = r.data;
  let s: string;
  switch (r.kind) {
    case 'session.started':
      s = `started ${pick(d, ['command']) ?? ''} in ${pick(d, ['repo']) ?? '?'} (${pick(d, ['image']) ?? '?'})`;
      break;
    case 'session.ended':
      s = `ended: ${pick(d, ['reason']) ?? '?'}, exit ${pick(d, ['exitCode']) ?? 'none'}`;
      break;
    case 'tool.request':
    case 'policy.decision':
      s = `${verdictOf(d) === 'unknown' ? '' : `${verdictOf(d)}: `}${commandOf(d) ?? compact(d)}${pick(d, ['rule']) ? ` [${pick(d, ['rule'])}]` : ''}`;
      break;
    case 'approval.request':
      s = `asked: ${commandOf(d) ?? hostOf(d) ?? compact(d)}`;
      break;
    case 'approval.answer':
      s = `${verdictOf(d)} by ${whoOf(d) ?? '?'}${commandOf(d) ? `: ${commandOf(d)}` : ''}`;
      break;
    case 'network.decision':
      s = `${verdictOf(d)} ${hostOf(d) ?? '?'}${pick(d, ['rule']) ? ` [${pick(d, ['rule'])}]` : ''}`;
      break;
    case 'file.changes':
      s = `${pathsOf(d).length} file(s): ${pathsOf(d).slice(0, 5).join(', ')}`;
      break;
    default:
      s = compact(d);
  }
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function compact(d: unknown): string {
  const s = JSON.stringify(d) ?? '';
  return s.length > 200 ? `${s.slice(0, 199)}…` : s;
}
