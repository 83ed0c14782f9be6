import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { dataPaths, paddockHome } from '../paths.js';
import { readRecords } from './journal-read.js';
import { buildReport } from './report-model.js';

/** Summary stats of one session, derived from its journal alone (what the sessions index holds). */
export interface SessionSummary {
  id: string;
  journal: string;
  repo: string | null;
  image: string | null;
  imageDigest: string | null;
  command: string | null;
  user: string | null;
  host: string | null;
  startedAt: string | null;
  endedAt: string | null;
  durationMs: number | null;
  exitCode: number | null;
  endReason: string | null;
  /** True once `session.ended` is in the journal. */
  ended: boolean;
  events: number;
  lastSeq: number;
  commands: { allowed: number; denied: number; asked: number; total: number };
  approvals: number;
  network: { hosts: number; allowed: number; denied: number };
  filesChanged: number;
  errors: number;
  recoveries: number;
  outputBytes: number;
}

const iso = (t: number | null) => (t == null ? null : new Date(t).toISOString());

/** Reads a journal file and folds it into index stats (never throws on damaged lines: they are skipped). */
export function summarizeJournal(path: string, sessionId = sessionIdFromPath(path)): SessionSummary {
  const r = buildReport(sessionId, readRecords(path));
  const ended = r.endReason !== undefined;
  return {
    id: sessionId,
    journal: path,
    repo: r.repo ?? null,
    image: r.image ?? null,
    imageDigest: r.imageDigest ?? null,
    command: r.command ?? null,
    user: r.user ?? null,
    host: r.host ?? null,
    startedAt: iso(r.startedAt),
    endedAt: ended ? iso(r.endedAt) : null,
    durationMs: r.startedAt != null && r.endedAt != null ? r.endedAt - r.startedAt : null,
    exitCode: r.exitCode,
    endReason: r.endReason ?? null,
    ended,
    events: r.events,
    lastSeq: r.lastSeq,
    commands: {
      allowed: r.commands.filter((c) => c.verdict === 'allow').length,
      denied: r.commands.filter((c) => c.verdict === 'deny').length,
      asked: r.commands.filter((c) => c.verdict === 'ask').length,
      total: r.commands.length,
    },
    approvals: r.approvals.length,
    network: { hosts: r.hosts.length, allowed: r.hosts.reduce((n, h) => n + h.allowed, 0), denied: r.hosts.reduce((n, h) => n + h.denied, 0) },
    filesChanged: r.files.length,
    errors: r.errors.length,
    recoveries: r.recoveries,
    outputBytes: r.terminal.outputBytes,
  };
}

function sessionIdFromPath(path: string): string {
  const parts = path.split(/[\\/]/);
  return parts.at(-2) ?? path;
}

/** Regenerates the summaries of every session that has a journal (newest first). */
export function rebuildIndex(home = paddockHome()): SessionSummary[] {
  const dir = dataPaths(home).sessions;
  if (!existsSync(dir)) return [];
  const out: SessionSummary[] = [];
  for (const id of readdirSync(dir)) {
    const journal = join(dir, id, 'journal.jsonl');
    if (existsSync(journal)) out.push(summarizeJournal(journal, id));
  }
  return out.sort((a, b) => (b.startedAt ?? '').localeCompare(a.startedAt ?? ''));
}
