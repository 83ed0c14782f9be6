import { describe, expect, it } from 'vitest';
import type { Approval, EventListener } from '../contract/index.js';
import { approvalDialogOptions } from './approval-dialog.js';
import { approvalPrompt, CHOICE_FOR_SCOPE } from './approval-watch.js';
import type { DesktopEngine } from './desktop-app.js';
import { startFakeDesktop, stubHandlers } from './fake-desktop.test-helper.js';

const approval = (id: string, over: Partial<Approval> = {}): Approval => ({
  id,
  sessionId: '20260101-120000-abcdef',
  agent: 'command',
  repo: '/home/dev/project',
  subject: {
    kind: 'command',
    command: 'npm install left-pad',
    cwd: '/workspace',
    parts: [
      {
        text: 'npm install left-pad',
        argv: ['npm', 'install', 'left-pad'],
        decision: 'ask',
        via: [],
        rule: 'commands.default',
      },
    ],
  },
  rule: 'commands.default (default-policy.yaml:11:12)',
  why: 'no rule matches this command; the policy default applies',
  createdAt: Date.now(),
  expiresAt: Date.now() + 300_000,
  ...over,
});

/** An engine whose pending approvals the test controls; answers remove them, as the real one does. */
function approvalsEngine() {
  const listeners = new Set<EventListener>();
  const pending: Approval[] = [];
  const answers: Array<{ id: string; choice: string }> = [];
  const changed = () =>
    listeners.forEach((l) =>
      l('approvals.changed', { pending: pending.length, ids: pending.map((a) => a.id) }),
    );
  const engine: DesktopEngine = {
    handlers: {
      ...stubHandlers(),
      'sessions.list': () => Promise.resolve([]),
      'approvals.list': () => Promise.resolve([...pending]),
      'approvals.answer': ({ id, choice }) => {
        const i = pending.findIndex((a) => a.id === id);
        if (i < 0)
          return Promise.reject(
            Object.assign(new Error(`no approval ${id}`), { code: 'APPROVAL_NOT_FOUND' }),
          );
        answers.push({ id, choice });
        pending.splice(i, 1);
        changed();
        return Promise.resolve({});
      },
    },
    subscribe: (l) => (listeners.add(l), () => listeners.delete(l)),
    attachedCount: () => 0,
    close: () => Promise.resolve(),
  };
  return {
    engine,
    answers,
    ask: (a: Approval) => (pending.push(a), changed()),
    /** Answered elsewhere (the inbox) or timed out: it leaves the set without a dialog answer. */
    drop: (id: string) => (
      pending.splice(
        pending.findIndex((a) => a.id === id),
        1,
      ),
      changed()
    ),
  };
}

async function start(dialogResponses: Array<number | 'hold'>) {
  const eng = approvalsEngine();
  return { ...(await startFakeDesktop(eng.engine, { electron: { dialogResponses }, startHidden: true })), eng };
}

const settle = async () => {
  for (let i = 0; i < 20; i++) await new Promise((r) => setImmediate(r));
};

describe('approvals in Electron main (fake electron)', () => {
  it('a pending approval raises a native dialog parented to no window; its button is answered as the right scope', async () => {
    for (const [button, choice] of [
      [0, 'allow-once'],
      [1, 'allow-session'],
      [2, 'allow-1h'],
      [3, 'always-project'],
      [4, 'deny'],
    ] as const) {
      const { fake, eng } = await start([button]);
      eng.ask(approval(`a${button}`));
      await settle();
      expect(fake.dialogCalls).toHaveLength(1);
      const o = fake.dialogCalls[0] as { message: string; detail: string; buttons: string[] };
      expect(o.message).toBe('command wants to run: npm install left-pad');
      expect(o.detail).toContain('Repository: /home/dev/project');
      expect(o.detail).toContain('Why Paddock asks: no rule matches this command');
      expect(eng.answers).toEqual([{ id: `a${button}`, choice }]);
    }
    expect(Object.values(CHOICE_FOR_SCOPE)).toEqual([
      'allow-once',
      'allow-session',
      'allow-1h',
      'always-project',
      'deny',
    ]);
  });

  it('the tray shows how many wait; the app not focused also gets an OS notification', async () => {
    const { fake, eng, app } = await start(['hold', 'hold']);
    const tray = fake.trays[0]!;
    expect(tray.title).toBe('');
    eng.ask(approval('a1'));
    eng.ask(
      approval('a2', {
        subject: {
          kind: 'network',
          method: 'CONNECT',
          host: 'registry.npmjs.org',
          port: 443,
          protocol: 'https',
        },
      }),
    );
    await settle();
    expect(tray.title).toBe('2');
    expect(app.tray.status).toBe('waiting');
    expect(tray.tooltip).toBe('Paddock — 2 waiting for approval, 0 running');
    expect(tray.menu.find((m) => m.id === 'approvals')).toMatchObject({
      label: 'Pending approvals (2)',
      enabled: true,
    });
    expect(fake.notifications.map((n) => n.body)).toEqual([
      'command wants to run: npm install left-pad',
      'command wants to connect to registry.npmjs.org:443 (CONNECT)',
    ]);
    eng.drop('a1');
    eng.drop('a2');
    await settle();
    expect(tray.title).toBe('');
    expect(app.tray.status).toBe('idle');
  });

  it('a request answered elsewhere closes its open dialog and skips its queued one, without answering', async () => {
    const { fake, eng } = await start(['hold', 1]);
    eng.ask(approval('a1'));
    eng.ask(approval('a2'));
    await settle();
    expect(fake.dialogCalls).toHaveLength(1);
    const shown = fake.dialogCalls[0] as { signal: AbortSignal };
    eng.drop('a2'); // the queued one: answered in the inbox
    eng.drop('a1'); // the open one: timed out
    await settle();
    expect(shown.signal.aborted).toBe(true);
    expect(fake.dialogCalls).toHaveLength(1);
    expect(eng.answers).toEqual([]);
    // A later request still gets its dialog.
    eng.ask(approval('a3'));
    await settle();
    expect(fake.dialogCalls).toHaveLength(2);
    expect(eng.answers).toEqual([{ id: 'a3', choice: 'allow-session' }]);
  });

  it('the prompt carries the parsed parts and the time left', () => {
    const a = approval('x', {
      subject: {
        kind: 'command',
        command: 'cd x && git push',
        cwd: '/workspace',
        parts: [
          { text: 'cd x', argv: ['cd', 'x'], decision: 'allow', via: [], rule: 'r1' },
          { text: 'git push', argv: ['git', 'push'], decision: 'ask', via: [], rule: 'r2' },
        ],
      },
    });
    const o = approvalDialogOptions(approvalPrompt(a));
    expect(o.message).toBe('command wants to run: "cd x && git push"');
    expect(o.detail).toContain('Parts: cd x [allow] · git push [ask]');
    expect(o.detail).toMatch(/Denied automatically in about 5 minute\(s\)/);
  });
});
