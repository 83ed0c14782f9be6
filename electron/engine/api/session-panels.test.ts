import { afterEach, describe, expect, it } from 'vitest';
import type { NetworkDecisionEvent } from '../egress/egress-events.js';
import { npmDecision } from '../egress/egress-test-kit.test-helper.js';
import type { PolicyDecisionEvent, ToolResultEvent } from '../gate/gate-events.js';
import { tempHome } from '../journal/journal-test-helpers.js';
import { JournalWriter } from '../journal/journal-writer.js';
import { SELF_CHECK_CLIENT } from '../egress/tunnel-handlers.js';
import { journalRecords, panelHandlers, toCommandEntries } from './session-panels.js';
import type { SessionRecord } from '../sessions/session-store.js';

const homes: Array<{ cleanup: () => void }> = [];
afterEach(() => homes.splice(0).forEach((h) => h.cleanup()));

const decision = (command: string, over: Partial<PolicyDecisionEvent> = {}): PolicyDecisionEvent => ({
  command,
  decision: 'allow',
  policy: 'allow',
  rule: 'read-only (default:4:3)',
  justification: 'reads files',
  part: null,
  reason: 'allowed by Paddock policy',
  durationMs: 2,
  ...over,
});
const result = (command: string, ok: boolean, output = ''): ToolResultEvent => ({ agent: 'claude', tool: 'Bash', command, ok, output });
/** A real journal with these events (and terminal noise between them). */
async function journal(events: Array<[string, unknown]>) {
  const h = tempHome();
  homes.push(h);
  let t = 1_700_000_000_000;
  const w = JournalWriter.open({ home: h.home, sessionId: 's1', now: () => t });
  for (const [kind, data] of events) {
    t += 10;
    w.append('terminal.output', { data: `"kind":"${kind}", in the output\r\n` }, t);
    w.append(kind, data, t);
  }
  await w.close();
  return h.home;
}

describe('side panels over the journal', () => {
  it('pairs each gate decision with the tool result that followed it; denials get no outcome', () => {
    const rec = (seq: number, kind: string, data: unknown) => ({ seq, time: seq, kind, data });
    const entries = toCommandEntries([
      rec(1, 'policy.decision', decision('npm test')),
      rec(2, 'policy.decision', decision('git push --force', { decision: 'deny', policy: 'forbid', rule: 'git-push-force (managed:9:5)' })),
      rec(3, 'tool.result', result('git push --force', false, 'not run')),
      rec(4, 'policy.decision', decision('npm test')),
      rec(5, 'tool.result', result('npm test', false, 'exit 1')),
      rec(6, 'tool.result', result('npm test', true, 'ok')),
      rec(7, 'policy.decision', decision('curl api.example.com', { policy: 'ask', by: 'dev (desktop)' })),
    ]);
    expect(entries.map((e) => [e.command, e.decision, e.policy, e.outcome, e.output, e.by])).toEqual([
      ['npm test', 'allow', 'allow', 'failed', 'exit 1', null],
      ['git push --force', 'deny', 'forbid', null, null, null],
      ['npm test', 'allow', 'allow', 'ok', 'ok', null],
      ['curl api.example.com', 'allow', 'ask', null, null, 'dev (desktop)'],
    ]);
  });

  it('reads only the wanted kinds from a real journal (text that merely mentions a kind is not a record of it)', async () => {
    const home = await journal([
      ['network.decision', npmDecision()],
      ['policy.decision', decision('ls')],
      ['network.decision', npmDecision({ host: 'evil.example', decision: 'deny', ruleDecision: 'ask', reason: 'ask timed out', bytesUp: 0, bytesDown: 0 })],
    ]);
    expect(journalRecords(home, 's1', ['network.decision']).map((r) => (r.data as NetworkDecisionEvent).host)).toEqual(['registry.npmjs.org', 'evil.example']);
    expect(journalRecords(home, 'missing', ['network.decision'])).toEqual([]);
  });

  it('network and commands procedures: entries from the journal, flushed first', async () => {
    const home = await journal([
      ['network.decision', npmDecision()],
      ['policy.decision', decision('npm test')],
      ['tool.result', result('npm test', true, 'passed')],
      ['network.decision', npmDecision({ host: 'evil.example', port: 80, method: 'GET', decision: 'deny', ruleDecision: 'ask', reason: 'ask timed out', bytesUp: 0, bytesDown: 0 })],
      ['network.decision', npmDecision({ client: SELF_CHECK_CLIENT, host: '172.30.0.1', port: 41234, decision: 'deny', ruleDecision: 'deny', reason: 'default' })],
    ]);
    const flushed: string[] = [];
    const h = panelHandlers({
      home,
      record: (id) => Promise.resolve({ id: id === 's' ? 's1' : id, repo: '/nope', state: 'ended' } as SessionRecord),
      flush: (id) => (flushed.push(id), Promise.resolve()),
      snapshot: () => undefined,
    });
    const feed = await h['sessions.network']({ id: 's' });
    expect(flushed).toEqual(['s1']);
    expect(feed.truncated).toBe(false);
    expect(feed.entries).toEqual([
      expect.objectContaining({ decision: 'allow', asked: false, host: 'registry.npmjs.org', port: 443, method: 'CONNECT', bytesUp: 10, bytesDown: 20, time: 1_700_000_000_500 }),
      expect.objectContaining({ decision: 'deny', asked: true, host: 'evil.example', port: 80, method: 'GET', reason: 'ask timed out', selfCheck: false }),
      expect.objectContaining({ decision: 'deny', host: '172.30.0.1', selfCheck: true }),
    ]);
    expect(feed.entries[0]!.selfCheck).toBe(false);
    const cmds = await h['sessions.commands']({ id: 's' });
    expect(cmds.entries).toEqual([expect.objectContaining({ command: 'npm test', decision: 'allow', outcome: 'ok', output: 'passed' })]);
    // An ended session with no record of its changes says why there is nothing.
    expect(await h['sessions.files']({ id: 's' })).toMatchObject({ basis: 'none', live: false, paths: [] });
    await expect(h['sessions.fileDiff']({ id: 's', path: 'README.md' })).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });
});
