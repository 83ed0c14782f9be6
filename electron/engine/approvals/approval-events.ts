import type { ApprovalChoice, ApprovalSubject } from './approval-types.js';

/** `approval.request`: a question was put to a human (coalesced duplicates are not repeated). */
export interface ApprovalRequestEvent {
  id: string;
  agent: string;
  /** One line: the command, `Write path`, or `CONNECT host:port`. */
  command: string;
  subject: ApprovalSubject;
  rule: string;
  why: string;
  provider: string;
  expiresAt: number;
}

/** `approval.answer`: how it was answered, by whom (a remembered decision says so). */
export interface ApprovalAnswerEvent {
  id: string;
  command: string;
  decision: 'allow' | 'deny';
  choice: ApprovalChoice | 'timeout' | 'remembered' | 'error';
  by: string;
  reason: string;
  /** Set for `always-project`: the file and rule id written. */
  writtenRule?: { file: string; id: string } | null;
  waitedMs: number;
}

declare module '../sessions/session-events.js' {
  interface SessionEventMap {
    'approval.request': ApprovalRequestEvent;
    'approval.answer': ApprovalAnswerEvent;
  }
}

/** The one-line form of a subject, for events, prompts and the journal. */
export function subjectLine(s: ApprovalSubject): string {
  if (s.kind === 'command') return s.command;
  if (s.kind === 'tool') return s.summary;
  const dest = s.host.includes(':') ? `[${s.host}]:${s.port}` : `${s.host}:${s.port}`;
  return `${s.method} ${dest}`;
}
