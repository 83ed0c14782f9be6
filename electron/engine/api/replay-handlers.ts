import { stat } from 'node:fs/promises';
import type { ApiHandlers, ExportFormat } from '../../contract/index.js';
import { exportSession } from '../journal/journal-export.js';
import { journalPaths } from '../journal/journal-paths.js';
import { ReplayIndex } from '../journal/replay-index.js';
import { PaddockError } from '../errors.js';
import type { SessionEvent } from '../sessions/session-events.js';
import { activitySummary } from './api-views.js';

function recordSummary(kind: string, data: unknown): string {
  if (kind === 'terminal.output' || kind === 'terminal.input') return `${kind} (${String((data as { data?: string }).data?.length ?? 0)} characters)`;
  return activitySummary({ sessionId: '', kind, time: 0, data } as SessionEvent);
}

type ReplayKeys = 'replay.events' | 'replay.screenAt' | 'replay.search' | 'export.session';

interface ReplayDeps {
  home: string;
  /** A full session id from an id or prefix (throws SESSION_NOT_FOUND): only indexed sessions are read. */
  resolveId: (id: string) => Promise<string>;
  /** Makes every event recorded so far durable before reading the journal. */
  flush: (id: string) => Promise<void>;
}

const FORMATS: Record<ExportFormat, { ext: string; mime: string }> = {
  cast: { ext: 'cast', mime: 'application/x-asciicast' },
  jsonl: { ext: 'jsonl', mime: 'application/x-ndjson' },
  html: { ext: 'html', mime: 'text/html' },
};

/** Replay and export over the journal, with opened indexes kept while their journal does not grow. */
export function replayHandlers(deps: ReplayDeps): Pick<ApiHandlers, ReplayKeys> {
  const cache = new Map<string, { size: number; index: Promise<ReplayIndex> }>();
  const open = async (id: string): Promise<ReplayIndex> => {
    const full = await deps.resolveId(id);
    await deps.flush(full);
    const path = journalPaths(full, deps.home).journal;
    const size = (await stat(path).catch(() => null))?.size;
    if (size === undefined) throw new PaddockError('SESSION_NOT_FOUND', `session ${full} has no journal (sessions started before journaling was wired have none)`);
    const hit = cache.get(full);
    if (hit && hit.size === size) return hit.index;
    const index = ReplayIndex.open(full, { home: deps.home });
    index.catch(() => cache.delete(full));
    cache.set(full, { size, index });
    if (cache.size > 16) cache.delete(cache.keys().next().value!);
    return index;
  };
  return {
    'replay.events': async ({ id, from, to, kinds, notable, limit }) => {
      const ix = await open(id);
      const max = limit ?? 5000;
      const notableKinds = [...new Set(ix.events.map((e) => e.kind))];
      const wanted = notable ? (kinds ? kinds.filter((k) => notableKinds.includes(k)) : notableKinds) : kinds;
      const records = await ix.eventsBetween(from, to, { kinds: wanted, limit: max + 1 });
      return {
        startTime: ix.startTime,
        endTime: ix.endTime,
        count: ix.count,
        events: records.slice(0, max).map((r) => ({ seq: r.seq, time: r.time, kind: r.kind, data: r.data, summary: recordSummary(r.kind, r.data) })),
        truncated: records.length > max,
      };
    },
    'replay.screenAt': async ({ id, t }) => {
      const s = await (await open(id)).screenAt(t);
      return { time: s.time, seq: s.seq, cols: s.cols, rows: s.rows, lines: s.lines, ansi: s.ansi };
    },
    'replay.search': async ({ id, query }) => (await open(id)).search(query, { limit: 200 }),
    'export.session': async ({ id, format }) => {
      const full = await deps.resolveId(id);
      await deps.flush(full);
      const buf = exportSession(full, format, { home: deps.home });
      const f = FORMATS[format];
      return { filename: `paddock-${full}.${f.ext}`, mime: f.mime, content: buf.toString('utf8'), bytes: buf.length };
    },
  };
}
