import { describe, expect, it } from 'vitest';
import { SessionEventBus } from '../sessions/session-events.js';
import type { SessionEvent } from '../sessions/session-events.js';
import { ApprovalBroker } from './approval-broker.js';
import { callbackProvider, fixedProvider } from './approval-providers.js';
import type { ApprovalAnswer, ApprovalRequest, ApprovalSubject } from './approval-types.js';
import { ttyApprovalProvider } from './tty-provider.js';

const ctx = { sessionId: 's1', agent: 'claude', repo: '/repo' };
const cmd = (command: string, rule = 'commands.default'): ApprovalSubject => ({
  kind: 'command',
  command,
  cwd: '/workspace',
  parts: [{ text: command, argv: command.split(' '), decision: 'ask', via: [], rule }],
});
const ask = (command: string) => ({ subject: cmd(command), rule: 'commands.default', why: 'no rule matches' });

function setup(answer: (r: ApprovalRequest) => ApprovalAnswer | null, timeoutMs = 5000) {
  const events = new SessionEventBus();
  const seen: SessionEvent[] = [];
  events.subscribe((e) => seen.push(e));
  const asked: ApprovalRequest[] = [];
  const provider = callbackProvider('test', {
    onRequest: (r, reply) => {
      asked.push(r);
      const a = answer(r);
      if (a) setTimeout(() => reply(a), 5);
    },
  });
  const broker = new ApprovalBroker({ provider, events, timeoutMs });
  return { broker, seen, asked };
}

describe('ApprovalBroker', () => {
  it('sends a deny reason back and records who answered', async () => {
    const { broker, seen } = setup(() => ({ choice: 'deny', reason: 'use the staging branch', by: 'test:alice' }));
    const out = await broker.ask(ctx, ask('git push origin main'));
    expect(out.decision).toBe('deny');
    expect(out.reason).toContain('use the staging branch');
    const kinds = seen.map((e) => e.kind);
    expect(kinds).toEqual(['approval.request', 'approval.answer']);
    expect(seen[1]!.data).toMatchObject({ decision: 'deny', by: 'test:alice', command: 'git push origin main' });
  });

  it('denies on timeout with a model-facing reason', async () => {
    const { broker, seen } = setup(() => null, 50);
    const out = await broker.ask(ctx, ask('make deploy'));
    expect(out).toMatchObject({ decision: 'deny', choice: 'timeout' });
    expect(out.reason).toMatch(/nobody answered/);
    expect(seen.at(-1)!.data).toMatchObject({ decision: 'deny', choice: 'timeout' });
  });

  it('coalesces duplicates: one question, one answer for all waiters', async () => {
    const { broker, asked } = setup(() => ({ choice: 'allow-once', by: 't' }));
    const outs = await Promise.all([1, 2, 3].map(() => broker.ask(ctx, ask('npm publish'))));
    expect(asked).toHaveLength(1);
    expect(outs.map((o) => o.decision)).toEqual(['allow', 'allow', 'allow']);
    await broker.ask(ctx, ask('npm publish'));
    expect(asked).toHaveLength(2); // allow-once is not remembered
  });

  it('remembers allow-session per session and allow-1h per repo until it expires', async () => {
    let now = 1_000_000;
    const events = new SessionEventBus();
    let choice: ApprovalAnswer['choice'] = 'allow-session';
    let count = 0;
    const provider = callbackProvider('t', { onRequest: (_r, reply) => (count++, reply({ choice, by: 't' })) });
    const broker = new ApprovalBroker({ provider, events, now: () => now });
    await broker.ask(ctx, ask('cargo build'));
    expect((await broker.ask(ctx, ask('cargo  build'))).choice).toBe('remembered');
    await broker.ask({ ...ctx, sessionId: 's2' }, ask('cargo build'));
    expect(count).toBe(2);
    choice = 'allow-1h';
    await broker.ask(ctx, ask('make all'));
    expect((await broker.ask({ ...ctx, sessionId: 's3' }, ask('make all'))).choice).toBe('remembered');
    expect((await broker.ask({ ...ctx, sessionId: 's3', repo: '/other' }, ask('make all'))).choice).toBe('allow-1h');
    now += 3_600_001;
    expect((await broker.ask({ ...ctx, sessionId: 's4' }, ask('make all'))).choice).toBe('allow-1h');
  });

  it('a throwing provider means deny', async () => {
    const broker = new ApprovalBroker({ provider: { name: 'x', ask: () => Promise.reject(new Error('boom')) }, events: new SessionEventBus() });
    expect(await broker.ask(ctx, ask('x'))).toMatchObject({ decision: 'deny', choice: 'error' });
  });

  it('unattended providers: deny explains itself, allow allows', async () => {
    const d = new ApprovalBroker({ provider: fixedProvider('deny'), events: new SessionEventBus() });
    expect((await d.ask(ctx, ask('x'))).reason).toMatch(/unattended/);
    const a = new ApprovalBroker({ provider: fixedProvider('allow'), events: new SessionEventBus() });
    expect((await a.ask(ctx, ask('x'))).decision).toBe('allow');
  });

  it('always-project without a rule writer allows the rest of the session', async () => {
    const broker = new ApprovalBroker({ provider: fixedProviderChoice('always-project'), events: new SessionEventBus() });
    expect((await broker.ask(ctx, ask('frobnicate'))).decision).toBe('allow');
    expect((await broker.ask(ctx, ask('frobnicate'))).choice).toBe('remembered');
  });
});

describe('ttyApprovalProvider', () => {
  it('holds output while asking, takes keys, and a reason for deny', async () => {
    let screen = '';
    const out = { write: (s: string) => ((screen += s), true) } as unknown as NodeJS.WritableStream;
    let sandboxOut = '';
    const sink = { write: (s: Buffer | string) => ((sandboxOut += s.toString()), true) } as unknown as NodeJS.WritableStream;
    const tty = ttyApprovalProvider({ output: out, user: 'alice' });
    const held = tty.holdOutput(sink);
    const req: ApprovalRequest = { id: '1', sessionId: 's', agent: 'claude', repo: '/r', subject: cmd('git push'), rule: 'git-push', why: 'publishes', createdAt: Date.now(), expiresAt: Date.now() + 60_000 };
    expect(tty.feed('x')).toBe(false);
    const answer = tty.ask(req, new AbortController().signal);
    await new Promise((r) => setTimeout(r, 5));
    expect(tty.asking).toBe(true);
    held.write('agent output');
    expect(sandboxOut).toBe('');
    expect(tty.feed('dnox\x7fpe\r')).toBe(true);
    expect(await answer).toEqual({ choice: 'deny', reason: 'nope', by: 'tty:alice' });
    expect(sandboxOut).toBe('agent output');
    expect(screen).toContain('git push');
    const second = tty.ask({ ...req, id: '2' }, new AbortController().signal);
    await new Promise((r) => setTimeout(r, 5));
    tty.feed('s');
    expect((await second).choice).toBe('allow-session');
  });
});

function fixedProviderChoice(choice: ApprovalAnswer['choice']) {
  return { name: 'fixed', ask: () => Promise.resolve({ choice, by: 'test' }) };
}

describe('ApprovalBroker as the egress decider', () => {
  it('network asks go through the same broker, with the session from the request', async () => {
    const events = new SessionEventBus();
    const seen: SessionEvent[] = [];
    events.subscribe((e) => seen.push(e));
    const asked: ApprovalRequest[] = [];
    const broker = new ApprovalBroker({ provider: callbackProvider('t', { onRequest: (r, reply) => (asked.push(r), reply({ choice: 'allow-session', by: 't' })) }), events });
    const decider = broker.egressDecider({ agent: 'claude', repo: '/repo' });
    const req = { sessionId: 'net-s', protocol: 'connect' as const, method: 'CONNECT', host: 'registry.npmjs.org', port: 443, rule: 'session default' };
    expect(await decider.decide(req, new AbortController().signal)).toBe('allow');
    expect(await decider.decide({ ...req, method: 'SOCKS5' }, new AbortController().signal)).toBe('allow');
    expect(asked).toHaveLength(1);
    expect(asked[0]!.subject).toMatchObject({ kind: 'network', host: 'registry.npmjs.org', port: 443 });
    expect(seen.map((e) => [e.sessionId, e.kind])).toEqual([
      ['net-s', 'approval.request'],
      ['net-s', 'approval.answer'],
      ['net-s', 'approval.answer'],
    ]);
  });
});
