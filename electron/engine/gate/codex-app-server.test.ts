import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { SessionEventBus } from '../sessions/session-events.js';
import type { SessionEvent } from '../sessions/session-events.js';
import { driveCodexAppServer } from './codex-app-server.js';
import type { GateJudge, GateVerdict } from './gate-judge.js';

/** A scripted stand-in for `codex app-server`'s side of the pipe: answers Paddock's requests, sends what the test says. */
function fakeCodex(opts: { approvalPolicy?: string } = {}) {
  const toCodex = new PassThrough();
  const fromCodex = new PassThrough();
  const display = new PassThrough();
  let shown = '';
  display.on('data', (c: Buffer) => (shown += c.toString()));
  const got: Record<string, unknown>[] = [];
  const waiters: Array<() => void> = [];
  let buf = '';
  toCodex.on('data', (c: Buffer) => {
    buf += c.toString();
    const lines = buf.split('\n');
    buf = lines.pop()!;
    for (const l of lines) {
      const m = JSON.parse(l) as Record<string, unknown> & { id?: number; method?: string };
      got.push(m);
      if (m.method === 'initialize') send({ id: m.id, result: { userAgent: 'codex' } });
      if (m.method === 'thread/start') send({ id: m.id, result: { thread: { id: 'th' }, approvalPolicy: opts.approvalPolicy ?? 'untrusted' } });
      if (m.method === 'turn/start') send({ id: m.id, result: { turn: { id: 'tu', status: 'inProgress' } } });
      if (m.method === 'turn/steer') send({ id: m.id, result: { turnId: 'tu' } });
    }
    waiters.splice(0).forEach((w) => w());
  });
  const send = (m: object) => fromCodex.write(`${JSON.stringify(m)}\n`);
  const until = (pred: () => boolean) =>
    new Promise<void>((resolve) => {
      const check = () => (pred() ? resolve() : waiters.push(check));
      check();
    });
  let stopped = 0;
  return { toCodex, fromCodex, display, got, send, until, shown: () => shown, stop: () => stopped++, stopped: () => stopped };
}

const judgeBy = (decide: (command: string) => GateVerdict): GateJudge => ({
  command: (command) => Promise.resolve(decide(command)),
  tool: (_t, input) => Promise.resolve(decide(String((input as { file_path?: string }).file_path))),
});
const allow: GateVerdict = { decision: 'allow', reason: 'ok', policy: 'allow', rule: 'r' };
const deny = (reason: string): GateVerdict => ({ decision: 'deny', reason, policy: 'forbid', rule: 'r' });

function drive(codex: ReturnType<typeof fakeCodex>, judge: GateJudge, events = new SessionEventBus()) {
  return driveCodexAppServer({ sessionId: 's', prompt: 'do it', judge, events, fromCodex: codex.fromCodex, toCodex: codex.toCodex, display: codex.display, stop: codex.stop, startTimeoutMs: 2000 });
}

describe('driveCodexAppServer', () => {
  it('initialize → thread (untrusted, full access, /workspace) → turn; approvals judged; a decline is preceded by a steer with the reason', async () => {
    const codex = fakeCodex();
    const events = new SessionEventBus();
    const seen: SessionEvent[] = [];
    events.subscribe((e) => seen.push(e));
    const done = drive(codex, judgeBy((c) => (c.includes('push') ? deny('Paddock policy forbids push') : allow)), events);
    await codex.until(() => codex.got.some((m) => m.method === 'turn/start'));
    expect(codex.got.map((m) => m.method ?? null)).toEqual(['initialize', 'initialized', 'thread/start', 'turn/start']);
    expect(codex.got[2]!.params).toEqual({ cwd: '/workspace', approvalPolicy: 'untrusted', sandbox: 'danger-full-access' });
    expect(codex.got[3]!.params).toMatchObject({ threadId: 'th', input: [{ type: 'text', text: 'do it' }], approvalPolicy: 'untrusted' });

    codex.send({ method: 'item/started', params: { item: { type: 'commandExecution', id: 'c1', command: "/bin/bash -c 'ls'", status: 'inProgress' } } });
    codex.send({ id: 0, method: 'item/commandExecution/requestApproval', params: { itemId: 'c1', command: "/bin/bash -c 'ls'", cwd: '/workspace' } });
    await codex.until(() => codex.got.some((m) => m.id === 0));
    expect(codex.got.find((m) => m.id === 0)).toEqual({ id: 0, result: { decision: 'accept' } });
    codex.send({ method: 'item/completed', params: { item: { type: 'commandExecution', id: 'c1', command: "/bin/bash -c 'ls'", status: 'completed', exitCode: 0, aggregatedOutput: 'README.md\n' } } });

    codex.send({ id: 1, method: 'item/commandExecution/requestApproval', params: { itemId: 'c2', command: 'git push -f', cwd: '/workspace' } });
    await codex.until(() => codex.got.some((m) => m.id === 1 && !m.method));
    const steer = codex.got.findIndex((m) => m.method === 'turn/steer');
    const answer = codex.got.findIndex((m) => m.id === 1 && !m.method);
    expect(steer).toBeGreaterThan(-1);
    expect(steer).toBeLessThan(answer); // the reason is in the turn before Codex hears the decline
    expect(codex.got[steer]!.params).toEqual({ threadId: 'th', expectedTurnId: 'tu', input: [{ type: 'text', text: '[Paddock] Paddock policy forbids push' }] });
    expect(codex.got[answer]).toEqual({ id: 1, result: { decision: 'decline' } });

    codex.send({ method: 'item/completed', params: { item: { type: 'agentMessage', id: 'm', text: 'Done.' } } });
    codex.send({ method: 'turn/completed', params: { threadId: 'th', turn: { id: 'tu', status: 'completed', items: [] } } });
    await expect(done).resolves.toEqual({ exitCode: 0 });
    expect(codex.stopped()).toBe(1);
    expect(codex.shown()).toBe(
      [
        "$ /bin/bash -c 'ls'",
        "paddock: allowed /bin/bash -c 'ls'",
        'README.md',
        '  (completed, exit 0)',
        'paddock: declined git push -f: Paddock policy forbids push',
        'codex: Done.',
        '',
      ].join('\n'),
    );
    expect(seen.find((e) => e.kind === 'user.prompt')?.data).toEqual({ agent: 'codex', prompt: 'do it' });
  });

  it('file changes are judged against the paths Codex announced', async () => {
    const codex = fakeCodex();
    const judged: string[] = [];
    const done = drive(codex, judgeBy((p) => (judged.push(p), p.includes('.git/') ? deny('protected') : allow)));
    await codex.until(() => codex.got.some((m) => m.method === 'turn/start'));
    codex.send({ method: 'item/started', params: { item: { type: 'fileChange', id: 'f1', changes: [{ path: '/workspace/a.txt', kind: { type: 'add' }, diff: 'x' }], status: 'inProgress' } } });
    codex.send({ id: 3, method: 'item/fileChange/requestApproval', params: { itemId: 'f1' } });
    codex.send({ method: 'item/started', params: { item: { type: 'fileChange', id: 'f2', changes: [{ path: '/workspace/.git/config', kind: { type: 'update' }, diff: 'x' }], status: 'inProgress' } } });
    codex.send({ id: 4, method: 'item/fileChange/requestApproval', params: { itemId: 'f2' } });
    codex.send({ id: 5, method: 'item/fileChange/requestApproval', params: { itemId: 'f3' } });
    await codex.until(() => [3, 4, 5].every((id) => codex.got.some((m) => m.id === id && !m.method)));
    const answer = (id: number) => codex.got.find((m) => m.id === id && !m.method);
    expect(answer(3)).toEqual({ id: 3, result: { decision: 'accept' } });
    expect(answer(4)).toEqual({ id: 4, result: { decision: 'decline' } });
    expect(answer(5)).toEqual({ id: 5, result: { decision: 'decline' } });
    expect(judged).toEqual(['/workspace/a.txt', '/workspace/.git/config']);
    codex.send({ method: 'turn/completed', params: { turn: { id: 'tu', status: 'completed' } } });
    await expect(done).resolves.toEqual({ exitCode: 0 });
  });

  it('a failed turn is exit 1 with its error', async () => {
    const codex = fakeCodex();
    const done = drive(codex, judgeBy(() => allow));
    await codex.until(() => codex.got.some((m) => m.method === 'turn/start'));
    codex.send({ method: 'turn/completed', params: { turn: { id: 'tu', status: 'failed', error: { message: 'model unavailable' } } } });
    await expect(done).resolves.toEqual({ exitCode: 1, message: 'the Codex turn ended failed: model unavailable' });
  });

  it('fails closed when Codex would not ask for every command (another approval policy won): no turn starts', async () => {
    const codex = fakeCodex({ approvalPolicy: 'on-request' });
    const r = await drive(codex, judgeBy(() => allow));
    expect(r.exitCode).toBe(1);
    expect(r.message).toMatch(/approval policy "on-request", not untrusted/);
    expect(codex.got.some((m) => m.method === 'turn/start')).toBe(false);
    expect(codex.stopped()).toBe(1);
  });

  it('Codex going away mid-turn is exit 1; an approval still being judged is never answered', async () => {
    const codex = fakeCodex();
    let release: (v: GateVerdict) => void = () => {};
    const judge: GateJudge = { command: () => new Promise((r) => (release = r)), tool: () => Promise.resolve(allow) };
    const done = drive(codex, judge);
    await codex.until(() => codex.got.some((m) => m.method === 'turn/start'));
    codex.send({ id: 9, method: 'item/commandExecution/requestApproval', params: { command: 'ls' } });
    await new Promise((r) => setImmediate(r));
    codex.fromCodex.end();
    await expect(done).resolves.toEqual({ exitCode: 1, message: 'codex app-server ended before the turn finished' });
    release(allow);
    await new Promise((r) => setImmediate(r));
    expect(codex.got.some((m) => m.id === 9 && !m.method)).toBe(false);
  });

  it('garbage from Codex is shown and recorded, and does not end the turn', async () => {
    const codex = fakeCodex();
    const events = new SessionEventBus();
    const seen: SessionEvent[] = [];
    events.subscribe((e) => seen.push(e));
    const done = drive(codex, judgeBy(() => allow), events);
    await codex.until(() => codex.got.some((m) => m.method === 'turn/start'));
    codex.fromCodex.write('{"id":1,"method":"item/commandExecution/requestApproval",\n');
    codex.send({ method: 'turn/completed', params: { turn: { id: 'tu', status: 'completed' } } });
    await expect(done).resolves.toEqual({ exitCode: 0 });
    expect(codex.shown()).toMatch(/ignored a message from codex app-server \(not JSON\)/);
    expect(seen.some((e) => e.kind === 'session.error' && (e.data as { code: string }).code === 'AGENT_PROTOCOL')).toBe(true);
  });
});
