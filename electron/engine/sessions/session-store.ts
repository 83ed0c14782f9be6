import { Low } from 'lowdb';
import { JSONFile } from 'lowdb/node';
import { z } from 'zod';
import { PaddockError } from '../errors.js';
import { withLockFile } from '../lock-file.js';

export const SessionState = z.enum(['starting', 'running', 'paused', 'ended', 'failed', 'interrupted']);
export type SessionState = z.infer<typeof SessionState>;

export const SessionRecord = z.object({
  id: z.string(),
  repo: z.string(),
  image: z.string(),
  imageDigest: z.string().nullable(),
  agent: z.string(),
  command: z.array(z.string()),
  state: SessionState,
  startedAt: z.string(),
  endedAt: z.string().nullable(),
  exitCode: z.number().int().nullable(),
  endReason: z.string().nullable(),
  message: z.string().nullable().optional(),
  containerId: z.string().nullable(),
  /** Placeholder dirs created in the repo; removed at the end (or by the reaper after a crash). */
  placeholders: z.array(z.string()).default([]),
  owner: z.object({ host: z.string(), pid: z.number(), start: z.string() }),
});
export type SessionRecord = z.infer<typeof SessionRecord>;

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
    const parsed = z
      .object({ version: z.literal(1), sessions: z.array(SessionRecord) })
      .safeParse(this.db.data);
    if (!parsed.success) {
      throw new PaddockError(
        'INTERNAL',
        `the sessions index ${this.path} has an unexpected shape: ${parsed.error.issues[0]?.message ?? ''} at ${parsed.error.issues[0]?.path.join('.') ?? ''}`,
      );
    }
    this.db.data = parsed.data;
  }
}

function uniquePrefix(all: SessionRecord[], prefix: string): SessionRecord | undefined {
  if (prefix.length < 4) return undefined;
  const hits = all.filter((s) => s.id.startsWith(prefix));
  return hits.length === 1 ? hits[0] : undefined;
}
