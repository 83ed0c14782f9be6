import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import { PaddockError } from '../errors.js';
import { withLockFile } from '../lock-file.js';

export const SESSION_STATES = ['starting', 'running', 'paused', 'ended', 'failed', 'interrupted'] as const;
export type SessionState = (typeof SESSION_STATES)[number];

export interface SessionRecord {
  id: string;
  repo: string;
  image: string;
  imageDigest: string | null;
  agent: string;
  command: string[];
  state: SessionState;
  startedAt: string;
  endedAt: string | null;
  exitCode: number | null;
  endReason: string | null;
  message?: string | null;
  containerId: string | null;
  /** Placeholder dirs created in the repo; removed at the end (or by the reaper after a crash). */
  placeholders: string[];
  owner: { host: string; pid: number; start: string };
}

type Check = (v: unknown) => string | null;
const str: Check = (v) => (typeof v === 'string' ? null : 'expected a string');
const nullable = (c: Check): Check => (v) => (v === null ? null : c(v));
const int: Check = (v) => (Number.isInteger(v) ? null : 'expected an integer');
const num: Check = (v) => (typeof v === 'number' && Number.isFinite(v) ? null : 'expected a number');
const strings: Check = (v) => (Array.isArray(v) && v.every((x) => typeof x === 'string') ? null : 'expected an array of strings');
const state: Check = (v) => (SESSION_STATES.includes(v as SessionState) ? null : `expected one of ${SESSION_STATES.join(', ')}`);
const RECORD: Record<keyof SessionRecord, Check> = {
  id: str,
  repo: str,
  image: str,
  imageDigest: nullable(str),
  agent: str,
  command: strings,
  state,
  startedAt: str,
  endedAt: nullable(str),
  exitCode: nullable(int),
  endReason: nullable(str),
  message: (v) => (v === undefined ? null : nullable(str)(v)),
  containerId: nullable(str),
  placeholders: (v) => (v === undefined ? null : strings(v)),
  owner: (v) => {
    if (typeof v !== 'object' || v === null) return 'expected an object';
    const o = v as Record<string, unknown>;
    return str(o.host) ?? num(o.pid) ?? str(o.start);
  },
};

/**
 * Check one stored record (the index is a file anyone with the user's rights may edit): the
 * known fields, typed; unknown fields are dropped. Plain checks rather than a schema library,
 * which would be most of a short `paddock run`'s module loading.
 */
export function parseSessionRecord(v: unknown, at: string): SessionRecord {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error(`expected an object at ${at}`);
  const o = v as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, check] of Object.entries(RECORD)) {
    const problem = check(o[k]);
    if (problem) throw new Error(`${problem} at ${at}.${k}`);
    if (o[k] !== undefined) out[k] = k === 'owner' ? { ...(o[k] as object) } : o[k];
  }
  out.placeholders ??= [];
  const owner = o.owner as SessionRecord['owner'];
  out.owner = { host: owner.host, pid: owner.pid, start: owner.start };
  return out as unknown as SessionRecord;
}

interface IndexFile {
  version: 1;
  sessions: SessionRecord[];
}

/**
 * The sessions index (lowdb, one JSON file in the data dir). Several Paddock processes may run
 * at once, so every change is a locked read-modify-write.
 */
export class SessionStore {
  private readonly db: Low<IndexFile>;

  constructor(private readonly path: string) {
    this.db = new Low<IndexFile>(new JSONFile<IndexFile>(path), { version: 1, sessions: [] });
  }

  async list(): Promise<SessionRecord[]> {
    await this.read();
    return [...this.db.data.sessions].sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  }

  async get(id: string): Promise<SessionRecord> {
    const all = await this.list();
    const hit = all.find((s) => s.id === id) ?? uniquePrefix(all, id);
    if (!hit)
      throw new PaddockError('SESSION_NOT_FOUND', `no session ${id}; \`paddock sessions\` lists them`);
    return hit;
  }

  async put(record: SessionRecord): Promise<void> {
    await this.mutate((sessions) => {
      const i = sessions.findIndex((s) => s.id === record.id);
      if (i >= 0) sessions[i] = record;
      else sessions.push(record);
    });
  }

  async update(id: string, patch: Partial<SessionRecord>): Promise<SessionRecord> {
    let out: SessionRecord | undefined;
    await this.mutate((sessions) => {
      const s = sessions.find((x) => x.id === id);
      if (!s) throw new PaddockError('SESSION_NOT_FOUND', `no session ${id} in ${this.path}`);
      Object.assign(s, patch);
      out = s;
    });
    return out!;
  }

  /**
   * Replace the index with records rebuilt from the journals (the journals are the source of
   * truth; the index is a cache of them). Returns how many sessions it now lists.
   */
  async rebuild(records: SessionRecord[]): Promise<number> {
    await this.mutate((sessions) => {
      sessions.splice(0, sessions.length, ...records);
    });
    return records.length;
  }

  private async mutate(fn: (sessions: SessionRecord[]) => void): Promise<void> {
    await withLockFile(`${this.path}.lock`, async () => {
      await this.read();
      fn(this.db.data.sessions);
      await this.db.write();
    });
  }

  private async read(): Promise<void> {
    try {
      await this.db.read();
    } catch (e) {
      throw new PaddockError(
        'INTERNAL',
        `the sessions index ${this.path} is not valid JSON (${(e as Error).message}); move it aside and it will be recreated`,
      );
    }
    try {
      const data = this.db.data as unknown as { version?: unknown; sessions?: unknown };
      if (typeof data !== 'object' || data === null || data.version !== 1) throw new Error('expected version 1 at version');
      if (!Array.isArray(data.sessions)) throw new Error('expected an array at sessions');
      this.db.data = { version: 1, sessions: data.sessions.map((r, i) => parseSessionRecord(r, `sessions.${i}`)) };
    } catch (e) {
      throw new PaddockError(
        'INTERNAL',
        `the sessions index ${this.path} has an unexpected shape: ${(e as Error).message}`,
      );
    }
  }
}

function uniquePrefix(all: SessionRecord[], prefix: string): SessionRecord | undefined {
  if (prefix.length < 4) return undefined;
  const hits = all.filter((s) => s.id.startsWith(prefix));
  return hits.length === 1 ? hits[0] : undefined;
}
