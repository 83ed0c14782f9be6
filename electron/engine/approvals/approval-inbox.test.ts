import { describe, expect, it } from 'vitest';
import { ApprovalBroker } from './approval-broker.js';
import { ApprovalInbox } from './approval-inbox.js';
import type { AskInput } from './approval-broker.js';

const events = () => {
  const seen: Array<{ kind: string; data: unknown }> = [];
  return {
    seen,
    sink: { emit: (_id: string, kind: string, data: unknown) => void seen.push({ kind, data }) } as never,
  };
};
const ask = (command: string): AskInput => ({
  subject: {
    kind: 'command',
    command,
    cwd: '/workspace',
    parts: [{ text: command, argv: command.split(' '), decision: 'ask', via: [], rule: 'commands.default' }],
  },
  rule: 'commands.default (default-policy.yaml:11:12)',
  why: 'no rule matches this command',
});

describe('the UI approvals inbox', () => {
  it('keeps pending requests across sessions with their context, resolves on answer, records who answered', async () => {
    const inbox = new ApprovalInbox();
    const ev = events();
    const broker = new ApprovalBroker({ provider: inbox.provider, events: ev.sink, timeoutMs: 60_000 });
    const sets: number[] = [];
    inbox.onChange((p) => sets.push(p.length));
    const a = broker.ask({ sessionId: 's1', agent: 'claude', repo: '/r1' }, ask('npm install'));
    const b = broker.ask(
      { sessionId: 's2', agent: 'command', repo: '/r2', timeoutMs: 30_000 },
      ask('make deploy'),
    );
    await Promise.resolve();
    expect(
      inbox
        .list()
        .map((r) => [r.sessionId, r.agent, r.repo, r.subject.kind === 'command' && r.subject.command]),
    ).toEqual([
      ['s1', 'claude', '/r1', 'npm install'],
      ['s2', 'command', '/r2', 'make deploy'],
    ]);
    const [r1, r2] = inbox.list();
    expect(r2!.expiresAt - r2!.createdAt).toBe(30_000);
    expect(r1!.expiresAt - r1!.createdAt).toBe(60_000);
    expect(inbox.list('s2').map((r) => r.id)).toEqual([r2!.id]);
    inbox.answer(r1!.id, { choice: 'allow-session', by: 'desktop:alice' });
    inbox.answer(r2!.id, { choice: 'deny', reason: 'not on Fridays', by: 'web:bob' });
    await expect(a).resolves.toMatchObject({
      decision: 'allow',
      choice: 'allow-session',
      by: 'desktop:alice',
    });
    await expect(b).resolves.toMatchObject({
      decision: 'deny',
      by: 'web:bob',
      reason: expect.stringContaining('not on Fridays') as string,
    });
    expect(inbox.list()).toEqual([]);
    expect(sets).toEqual([1, 2, 1, 0]);
    const answers = ev.seen.filter((e) => e.kind === 'approval.answer').map((e) => e.data as { by: string });
    expect(answers.map((x) => x.by)).toEqual(['desktop:alice', 'web:bob']);
    expect(() => inbox.answer(r1!.id, { choice: 'deny', by: 'web:bob' })).toThrow(
      expect.objectContaining({ code: 'APPROVAL_ANSWERED' }) as Error,
    );
    expect(() => inbox.answer('nope', { choice: 'deny', by: 'web:bob' })).toThrow(
      expect.objectContaining({ code: 'APPROVAL_NOT_FOUND' }) as Error,
    );
  });

  it('a timed-out request leaves the list and a late answer says it expired', async () => {
    const inbox = new ApprovalInbox();
    const broker = new ApprovalBroker({ provider: inbox.provider, events: events().sink, timeoutMs: 20 });
    const sets: number[] = [];
    inbox.onChange((p) => sets.push(p.length));
    const out = broker.ask({ sessionId: 's1', agent: 'claude', repo: '/r' }, ask('npm publish'));
    await Promise.resolve();
    const [r] = inbox.list();
    await expect(out).resolves.toMatchObject({ decision: 'deny', choice: 'timeout' });
    expect(inbox.list()).toEqual([]);
    expect(sets).toEqual([1, 0]);
    expect(() => inbox.answer(r!.id, { choice: 'allow-once', by: 'web:bob' })).toThrow(
      expect.objectContaining({ code: 'APPROVAL_EXPIRED' }) as Error,
    );
  });
});
