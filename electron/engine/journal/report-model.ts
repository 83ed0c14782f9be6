import { commandOf, hostOf, obj, pathsOf, pick, summarize, verdictOf, whoOf, type Verdict } from './event-view.js';
import type { JournalRecord } from './journal-record.js';

export interface CommandRow {
  seq: number;
  time: number;
  command: string;
  verdict: Verdict | 'requested';
  rule?: string;
}
export interface HostRow {
  host: string;
  allowed: number;
  denied: number;
  rules: string[];
}
export interface ApprovalRow {
  seq: number;
  time: number;
  subject: string;
  verdict: Verdict | 'pending';
  by?: string;
  answeredAt?: number;
}
export interface TimelineRow {
  seq: number;
  time: number;
  kind: string;
  summary: string;
}

/** Everything a reviewer needs about one session, folded from its journal records. */
export interface SessionReport {
  sessionId: string;
  user?: string;
  host?: string;
  repo?: string;
  image?: string;
  imageDigest?: string | null;
  command?: string;
  startedAt: number | null;
  endedAt: number | null;
  exitCode: number | null;
  endReason?: string;
  events: number;
  lastSeq: number;
  commands: CommandRow[];
  hosts: HostRow[];
  approvals: ApprovalRow[];
  files: string[];
  diff?: string;
  errors: TimelineRow[];
  recoveries: number;
  terminal: { outputBytes: number; inputBytes: number; resizes: number };
  timeline: TimelineRow[];
  /** Timeline rows left out past the cap. */
  timelineOmitted: number;
}

const TIMELINE_CAP = 5000;

export function buildReport(sessionId: string, records: Iterable<JournalRecord>): SessionReport {
  const r: SessionReport = {
    sessionId,
    startedAt: null,
    endedAt: null,
    exitCode: null,
    events: 0,
    lastSeq: 0,
    commands: [],
    hosts: [],
    approvals: [],
    files: [],
    errors: [],
    recoveries: 0,
    terminal: { outputBytes: 0, inputBytes: 0, resizes: 0 },
    timeline: [],
    timelineOmitted: 0,
  };
  const hosts = new Map<string, HostRow>();
  const files = new Set<string>();
  const pendingApprovals = new Map<string, ApprovalRow>();
  for (const e of records) {
    r.events++;
    r.lastSeq = Math.max(r.lastSeq, e.seq);
    r.startedAt ??= e.time;
    r.endedAt = Math.max(r.endedAt ?? e.time, e.time);
    const d = e.data;
    switch (e.kind) {
      case 'terminal.output':
        r.terminal.outputBytes += Buffer.byteLength(pick(d, ['data']) ?? '');
        continue;
      case 'terminal.input':
        r.terminal.inputBytes += Buffer.byteLength(pick(d, ['data']) ?? '');
        continue;
      case 'terminal.resize':
        r.terminal.resizes++;
        continue;
      case 'journal.header':
        r.user = pick(d, ['user']);
        r.host = pick(d, ['host']);
        break;
      case 'session.started':
        r.repo = pick(d, ['repo']);
        r.image = pick(d, ['image']);
        r.imageDigest = pick(d, ['imageDigest']) ?? null;
        r.command = pick(d, ['command']);
        r.user = pick(d, ['user', 'osUser']) ?? r.user;
        break;
      case 'session.ended': {
        const code = obj(d).exitCode;
        r.exitCode = typeof code === 'number' ? code : null;
        r.endReason = pick(d, ['reason']);
        break;
      }
      case 'tool.request':
      case 'policy.decision': {
        const cmd = commandOf(d) ?? summarize(e);
        const v = verdictOf(d);
        // A request followed by its decision shows once, with the decision.
        const prev = r.commands.at(-1);
        if (e.kind === 'policy.decision' && prev && prev.command === cmd && prev.verdict === 'requested') {
          prev.verdict = v;
          prev.rule = pick(d, ['rule', 'ruleId', 'reason']);
        } else r.commands.push({ seq: e.seq, time: e.time, command: cmd, verdict: e.kind === 'tool.request' && v === 'unknown' ? 'requested' : v, rule: pick(d, ['rule', 'ruleId', 'reason']) });
        break;
      }
      case 'approval.request': {
        const row: ApprovalRow = { seq: e.seq, time: e.time, subject: commandOf(d) ?? hostOf(d) ?? summarize(e), verdict: 'pending' };
        r.approvals.push(row);
        pendingApprovals.set(pick(d, ['id', 'requestId', 'approvalId']) ?? `#${r.approvals.length}`, row);
        break;
      }
      case 'approval.answer': {
        const id = pick(d, ['id', 'requestId', 'approvalId']);
        const row = (id && pendingApprovals.get(id)) || [...r.approvals].reverse().find((a) => a.verdict === 'pending');
        const target = row ?? { seq: e.seq, time: e.time, subject: commandOf(d) ?? summarize(e), verdict: 'pending' as const };
        if (!row) r.approvals.push(target);
        target.verdict = verdictOf(d);
        target.by = whoOf(d);
        target.answeredAt = e.time;
        break;
      }
      case 'network.decision': {
        const host = hostOf(d) ?? '?';
        const h = hosts.get(host) ?? { host, allowed: 0, denied: 0, rules: [] };
        if (verdictOf(d) === 'deny') h.denied++;
        else h.allowed++;
        const rule = pick(d, ['rule']);
        if (rule && !h.rules.includes(rule) && h.rules.length < 5) h.rules.push(rule);
        hosts.set(host, h);
        break;
      }
      case 'file.changes': {
        for (const p of pathsOf(d)) files.add(p);
        const diff = pick(d, ['diff', 'patch']);
        if (diff) r.diff = diff;
        break;
      }
      case 'journal.recovered':
        r.recoveries++;
        break;
      case 'session.error':
        r.errors.push({ seq: e.seq, time: e.time, kind: e.kind, summary: summarize(e) });
        break;
    }
    if (r.timeline.length < TIMELINE_CAP) r.timeline.push({ seq: e.seq, time: e.time, kind: e.kind, summary: summarize(e) });
    else r.timelineOmitted++;
  }
  r.hosts = [...hosts.values()].sort((a, b) => b.denied - a.denied || a.host.localeCompare(b.host));
  r.files = [...files].sort();
  return r;
}
