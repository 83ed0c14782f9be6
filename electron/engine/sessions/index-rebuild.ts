import type { SessionSummary } from '../journal/journal-summary.js';
import type { SessionRecord } from './session-store.js';

/** A sessions-index record from a journal's summary (what the journal does not hold stays empty). */
export function recordFromSummary(s: SessionSummary): SessionRecord {
  const ended = s.ended;
  return {
    id: s.id,
    repo: s.repo ?? '',
    image: s.image ?? '',
    imageDigest: s.imageDigest,
    agent: 'command',
    command: s.command ? [s.command] : [],
    state: ended ? 'ended' : 'interrupted',
    startedAt: s.startedAt ?? new Date(0).toISOString(),
    endedAt: s.endedAt,
    exitCode: s.exitCode,
    endReason: ended ? s.endReason : 'interrupted',
    message: ended ? null : 'rebuilt from a journal that has no session end',
    containerId: null,
    placeholders: [],
    owner: { host: s.host ?? '', pid: 0, start: '' },
  };
}
