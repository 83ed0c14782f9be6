// The live session's side panels: network feed, commands judged by the gate, changed files.
// The journal is the record they read (flushed first, so they are as fresh as the events);
// changed files of a running session are computed from the repo itself.
import { existsSync, readFileSync } from 'node:fs';
import type { ApiHandlers, ChangedFiles, CommandEntry, NetworkEntry } from '../../contract/index.js';
import type { PolicyDecisionEvent, ToolResultEvent } from '../gate/gate-events.js';
import type { NetworkDecisionEvent } from '../egress/egress-events.js';
import { SELF_CHECK_CLIENT } from '../egress/tunnel-handlers.js';
import { PaddockError } from '../errors.js';
import { journalLines, tornTailLength } from '../journal/journal-lines.js';
import { journalPaths } from '../journal/journal-paths.js';
import type { RepoChanges } from '../sessions/repo-changes.js';
import { diffSection, repoChanges, repoFileDiff, safeRelativePath } from '../sessions/repo-changes.js';
import type { RepoSnapshot } from '../sessions/repo-snapshot.js';
import type { SessionRecord } from '../sessions/session-store.js';

type PanelKeys = 'sessions.network' | 'sessions.commands' | 'sessions.files' | 'sessions.fileDiff';

export interface PanelDeps {
  home: string;
  /** The session's index record (an id prefix works; throws SESSION_NOT_FOUND). */
  record: (id: string) => Promise<SessionRecord>;
  flush: (id: string) => Promise<void>;
  /** The start snapshot of a non-git repo, for sessions this process started. */
  snapshot: (id: string) => RepoSnapshot | undefined;
}

const MAX_ENTRIES = 5000;

interface Rec<T = unknown> {
  seq: number;
  time: number;
  kind: string;
  data: T;
}

/** The journal's records of these kinds, in order; the kind is matched on the raw line before parsing. */
export function journalRecords(home: string, id: string, kinds: readonly string[]): Rec[] {
  const path = journalPaths(id, home).journal;
  if (!existsSync(path)) return [];
  const buf = readFileSync(path);
  const needles = kinds.map((k) => `"kind":${JSON.stringify(k)},`);
  const out: Rec[] = [];
  for (const l of journalLines(buf.subarray(0, buf.length - tornTailLength(buf)))) {
    if (!needles.some((n) => l.text.includes(n))) continue;
    try {
      const r = JSON.parse(l.text) as Rec;
      if (kinds.includes(r.kind)) out.push(r);
    } catch {
      /* a damaged line: `paddock verify` reports it; the panel shows the rest */
    }
  }
  return out;
}

export function toNetworkEntry(r: Rec<NetworkDecisionEvent>): NetworkEntry {
  const d = r.data;
  return {
    seq: r.seq,
    time: d.startedAt ?? r.time,
    decision: d.decision,
    asked: d.ruleDecision === 'ask',
    selfCheck: d.client === SELF_CHECK_CLIENT,
    protocol: d.protocol,
    method: d.method,
    host: d.host,
    port: d.port,
    rule: d.rule,
    reason: d.reason,
    bytesUp: d.bytesUp,
    bytesDown: d.bytesDown,
    durationMs: d.durationMs,
  };
}

/** Gate decisions, each with the tool result that followed it for the same command (if any). */
export function toCommandEntries(records: Rec[]): CommandEntry[] {
  const entries: CommandEntry[] = [];
  for (const r of records) {
    if (r.kind === 'policy.decision') {
      const d = r.data as PolicyDecisionEvent;
      entries.push({ seq: r.seq, time: r.time, command: d.command, decision: d.decision, policy: d.policy, rule: d.rule, justification: d.justification, by: d.by ?? null, outcome: null, output: null });
    } else if (r.kind === 'tool.result') {
      const d = r.data as ToolResultEvent;
      const e = entries.find((x) => x.command === d.command && x.decision === 'allow' && x.outcome === null);
      if (e) {
        e.outcome = d.ok ? 'ok' : 'failed';
        e.output = d.output.slice(0, 2000);
      }
    }
  }
  return entries;
}

const LIVE = new Set(['starting', 'running', 'paused']);

export function panelHandlers(deps: PanelDeps): Pick<ApiHandlers, PanelKeys> {
  const read = async (id: string, kinds: string[]) => {
    const r = await deps.record(id);
    await deps.flush(r.id);
    return { r, records: journalRecords(deps.home, r.id, kinds) };
  };
  /** Where the changes come from: the repo now (running), or the record made at the end. */
  // The start commit never changes: read once per session (the files panel polls while it runs).
  const starts = new Map<string, { commit: string | null }>();
  const changes = async (id: string): Promise<{ view: ChangedFiles; live: RepoChanges | null; snapshot?: RepoSnapshot }> => {
    const r = await deps.record(id);
    const live = LIVE.has(r.state);
    let created = starts.get(r.id);
    let recorded: RepoChanges | undefined;
    if (!created || !live) {
      const records = (await read(r.id, ['session.created', 'file.changes'])).records;
      const c = records.find((x) => x.kind === 'session.created')?.data as { commit?: string | null } | undefined;
      if (c) starts.set(r.id, (created = { commit: c.commit ?? null }));
      if (starts.size > 200) starts.delete(starts.keys().next().value!);
      recorded = records.find((x) => x.kind === 'file.changes')?.data as RepoChanges | undefined;
    }
    const commit = created?.commit ?? null;
    const none = (note: string) => ({ view: { basis: 'none' as const, since: commit, live: false, paths: [], note }, live: null });
    if (live) {
      const snapshot = deps.snapshot(r.id);
      if (commit) {
        const c = await repoChanges(r.repo, commit);
        if (!c) return none('git could not compare the repo with its start commit');
        return { view: { basis: 'git', since: commit, live: true, paths: c.paths, note: null }, live: c };
      }
      if (snapshot) {
        const c = await snapshot.changes();
        return { view: { basis: 'snapshot', since: null, live: true, paths: c.paths, note: c.truncated ? 'the repo is large: only its first 20,000 files are compared' : null }, live: c, snapshot };
      }
      return none(created ? 'the repo is not in git and this Paddock process did not start the session, so there is no snapshot to compare with' : 'the session has not started yet');
    }
    if (recorded) {
      const basis = recorded.since === 'snapshot' ? 'snapshot' : 'git';
      return { view: { basis, since: basis === 'git' ? recorded.since : null, live: false, paths: recorded.paths, note: recorded.truncated ? 'the recorded diff was truncated' : null }, live: null };
    }
    return none(commit ? 'no changes were recorded at the end of this session' : 'the repo is not in git and no snapshot was recorded for this session');
  };
  return {
    'sessions.network': async ({ id }) => {
      const { records } = await read(id, ['network.decision']);
      const entries = records.slice(-MAX_ENTRIES).map((x) => toNetworkEntry(x as Rec<NetworkDecisionEvent>));
      return { entries, truncated: records.length > MAX_ENTRIES };
    },
    'sessions.commands': async ({ id }) => {
      const { records } = await read(id, ['policy.decision', 'tool.result']);
      const entries = toCommandEntries(records);
      return { entries: entries.slice(-MAX_ENTRIES), truncated: entries.length > MAX_ENTRIES };
    },
    'sessions.files': async ({ id }) => (await changes(id)).view,
    'sessions.fileDiff': async ({ id, path }) => {
      const rel = safeRelativePath(path);
      const c = await changes(id);
      const entry = rel ? c.view.paths.find((p) => p.path === rel) : undefined;
      if (!rel || !entry) throw new PaddockError('BAD_INPUT', `${path} is not among the files this session changed`);
      if (c.snapshot) return { path: rel, ...(await c.snapshot.diff(rel)) };
      if (c.live && c.view.since) return { path: rel, ...(await repoFileDiff((await deps.record(id)).repo, c.view.since, rel)) };
      const { records } = await read(id, ['file.changes']);
      const recorded = records[0]?.data as RepoChanges | undefined;
      const section = recorded ? diffSection(recorded.diff, rel) : '';
      if (section) return { path: rel, diff: section, truncated: false };
      const why = entry.status === '?' ? 'a new file outside git: its content is not part of the record' : 'no diff of this file is in the record (binary, or the diff was truncated)';
      return { path: rel, diff: `${rel}: ${why}\n`, truncated: false };
    },
  };
}
