import type { AnyValue, LogAttributes } from '@opentelemetry/api-logs';
import { SeverityNumber } from '@opentelemetry/api-logs';

/** How one session event becomes one OpenTelemetry log record. */
export interface OtelRecord {
  eventName: string;
  severityNumber: SeverityNumber;
  severityText: string;
  body: string;
  attributes: LogAttributes;
}

export interface RecordOptions {
  /** Policy switch: keep prompt text in exported records (default false: redacted). */
  logPrompts: boolean;
}

const NAMES: Record<string, string> = {
  'session.started': 'paddock.session_start',
  'session.ended': 'paddock.session_end',
  'user.prompt': 'paddock.user_prompt',
  'agent.prompt': 'paddock.user_prompt',
  'tool.request': 'paddock.tool_decision',
  'policy.decision': 'paddock.tool_decision',
  'tool.decision': 'paddock.tool_decision',
  'tool.result': 'paddock.tool_result',
  'mcp.call': 'paddock.mcp_call',
  'network.decision': 'paddock.network_decision',
  'approval.request': 'paddock.approval',
  'approval.answer': 'paddock.approval',
  'file.changes': 'paddock.file_changes',
  'container.lifecycle': 'paddock.container',
  'session.error': 'paddock.error',
};

/** Field names that carry the text of a user prompt. */
const PROMPT_FIELDS = ['prompt', 'text', 'content', 'message', 'input'];

export function otelEventName(kind: string): string {
  return NAMES[kind] ?? 'paddock.event';
}

/** Terminal traffic is not exported (volume; it may hold anything typed): the journal keeps it. */
export function isExported(kind: string): boolean {
  return !kind.startsWith('terminal.');
}

function attr(v: unknown): AnyValue | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return v;
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v;
  return JSON.stringify(v);
}

export function toOtelRecord(sessionId: string, kind: string, data: unknown, opts: RecordOptions): OtelRecord {
  const eventName = otelEventName(kind);
  const attributes: LogAttributes = { 'session.id': sessionId, 'paddock.event.kind': kind, 'event.name': eventName };
  const isPrompt = eventName === 'paddock.user_prompt';
  const o = typeof data === 'object' && data !== null && !Array.isArray(data) ? (data as Record<string, unknown>) : { value: data };
  for (const [k, v] of Object.entries(o)) {
    if (isPrompt && !opts.logPrompts && PROMPT_FIELDS.includes(k) && typeof v === 'string') {
      attributes[`paddock.${k}`] = '[redacted]';
      attributes[`paddock.${k}_length`] = v.length;
      continue;
    }
    const a = attr(v);
    if (a !== undefined) attributes[`paddock.${k}`] = a;
  }
  const decision = typeof o.decision === 'string' ? o.decision : undefined;
  const severityNumber = kind === 'session.error' ? SeverityNumber.ERROR : decision === 'deny' ? SeverityNumber.WARN : SeverityNumber.INFO;
  return {
    eventName,
    severityNumber,
    severityText: severityNumber === SeverityNumber.ERROR ? 'ERROR' : severityNumber === SeverityNumber.WARN ? 'WARN' : 'INFO',
    body: isPrompt && !opts.logPrompts ? `${kind} (text redacted)` : `${kind}${decision ? ` ${decision}` : ''}`,
    attributes,
  };
}
