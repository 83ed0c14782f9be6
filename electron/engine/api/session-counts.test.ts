import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SELF_CHECK_CLIENT } from '../egress/tunnel-handlers.js';
import type { SessionEvent } from '../sessions/session-events.js';
import { SessionCounts } from './session-counts.js';

const dirs: string[] = [];
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));
const ev = (sessionId: string, kind: string, data: Record<string, unknown> = {}) => ({ sessionId, kind, time: 1, data }) as unknown as SessionEvent;
const stream = (id: string) => [
  ev(id, 'session.created'),
  ev(id, 'approval.request', { command: 'npm publish' }),
  ev(id, 'policy.decision', { decision: 'deny' }),
  ev(id, 'policy.decision', { decision: 'allow' }),
  ev(id, 'network.decision', { decision: 'deny', client: '10.0.0.2' }),
  ev(id, 'network.decision', { decision: 'deny', client: SELF_CHECK_CLIENT }),
  ev(id, 'network.decision', { decision: 'allow', client: '10.0.0.2' }),
];

describe('SessionCounts', () => {
  it('counts asks and refusals live, leaving out the proxy self-check', () => {
    const c = new SessionCounts(() => '/nonexistent');
    for (const e of stream('a')) c.onEvent(e);
    expect(c.get('a', false)).toEqual({ approvals: 1, denials: 2 });
    expect(c.get('b', true)).toBeNull(); // no journal, never seen
  });

  it('reads an ended session from its journal the same way, once', () => {
    const dir = mkdtempSync(join(tmpdir(), 'paddock-counts-'));
    dirs.push(dir);
    const file = join(dir, 'j.jsonl');
    writeFileSync(file, stream('x').map((e, i) => `${JSON.stringify({ seq: i + 1, time: 1, kind: e.kind, data: e.data, prev: '', hash: '' })}\n`).join(''));
    const c = new SessionCounts(() => file);
    expect(c.get('x', true)).toEqual({ approvals: 1, denials: 2 });
    writeFileSync(file, ''); // an ended journal does not change: the first reading stands
    expect(c.get('x', true)).toEqual({ approvals: 1, denials: 2 });
  });
});
