import { describe, expect, it } from 'vitest';
import type { EventListener, EventPayload, Session } from '../contract/index.js';
import { callChannel, eventChannel, procedureNames } from '../contract/index.js';
import type { DesktopEngine } from './desktop-app.js';
import { startDesktop } from './desktop-app.js';
import { startFakeDesktop, stubHandlers } from './fake-desktop.test-helper.js';
import type { FakeWebContents } from './fake-electron.test-helper.js';
import { createFakeElectron } from './fake-electron.test-helper.js';

function fakeEngine() {
  const listeners = new Set<EventListener>();
  const stopped: string[] = [];
  const pausedCalls: string[] = [];
  const resumedCalls: string[] = [];
  let attached = 0;
  let closed = false;
  const running = { id: 's1', attached: true, state: 'running' } as Session;
  const engine: DesktopEngine = {
    handlers: {
      ...stubHandlers(),
      'sessions.list': () => Promise.resolve(attached ? [running, { id: 's0', attached: false } as Session] : []),
      'sessions.stop': ({ id }) => (stopped.push(id), Promise.resolve({})),
      'sessions.pause': ({ id }) => (pausedCalls.push(id), (running.state = 'paused'), Promise.resolve({})),
      'sessions.resume': ({ id }) => (resumedCalls.push(id), (running.state = 'running'), Promise.resolve({})),
      'sessions.get': ({ id }) => Promise.resolve({ id } as Session),
      'approvals.list': () => Promise.resolve([]),
    },
    subscribe: (l) => (listeners.add(l), () => listeners.delete(l)),
    attachedCount: () => attached,
    close: () => ((closed = true), Promise.resolve()),
  };
  return {
    engine,
    stopped,
    pausedCalls,
    resumedCalls,
    setAttached: (n: number) => void (attached = n),
    emit: <K extends 'sessions.changed' | 'approvals.changed'>(name: K, payload: EventPayload<K>) => listeners.forEach((l) => l(name, payload)),
    get closed() {
      return closed;
    },
  };
}

async function start(opts: Parameters<typeof createFakeElectron>[0] = {}, startHidden = false) {
  const eng = fakeEngine();
  return { ...(await startFakeDesktop(eng.engine, { electron: opts, startHidden })), eng };
}

const frame = (url: string, parent: unknown = null) => ({ senderFrame: { url, parent } });

describe('Electron main (fake electron)', () => {
  it('sets the security options on every window and hardens every web contents', async () => {
    const { fake, app } = await start();
    app.showWindow();
    fake.windows[0]!.destroyed = true;
    app.showWindow('#/sessions');
    expect(fake.windows).toHaveLength(2);
    for (const w of fake.windows) {
      expect(w.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, nodeIntegrationInWorker: false, webviewTag: false, preload: '/app/out/preload/index.mjs' });
      const wc: FakeWebContents = w.webContents;
      expect(wc.url.startsWith('app://paddock/index.html')).toBe(true);
      expect(wc.windowOpenHandler!({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
      expect(wc.fire('will-navigate', 'https://evil.example/')).toBe(true);
      expect(wc.fire('will-navigate', 'file:///etc/passwd')).toBe(true);
      expect(wc.fire('will-navigate', 'app://paddock/index.html#/policy')).toBe(false);
      expect(wc.fire('will-attach-webview')).toBe(true);
      let granted: boolean | null = null;
      wc.permissionHandler!(wc, 'media', (ok) => (granted = ok));
      expect(granted).toBe(false);
    }
    // window.open: only allow-listed https URLs reach the system browser, and never a new window.
    const wc = fake.windows[1]!.webContents;
    expect(wc.windowOpenHandler!({ url: 'https://github.com/paddock' })).toEqual({ action: 'deny' });
    wc.windowOpenHandler!({ url: 'http://github.com/' });
    wc.windowOpenHandler!({ url: 'https://user:pw@github.com/' });
    expect(fake.opened).toEqual(['https://github.com/paddock']);
  });

  it('registers exactly the contract procedures, each checking the sender and the input', async () => {
    const { fake } = await start();
    expect([...fake.handlers.keys()].sort()).toEqual(procedureNames.map(callChannel).sort());
    const get = fake.handlers.get(callChannel('sessions.get'))!;
    await expect(get(frame('app://paddock/index.html'), { id: 's1' })).resolves.toEqual({ ok: true, value: { id: 's1' } });
    for (const bad of [frame('https://evil.example/'), frame('app://paddock/index.html', { url: 'app://paddock/' }), frame('app://other/index.html'), { senderFrame: null }]) {
      await expect(get(bad, { id: 's1' })).resolves.toMatchObject({ ok: false, error: { code: 'FORBIDDEN' } });
    }
    await expect(get(frame('app://paddock/index.html'), { id: 42 })).resolves.toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
    await expect(get(frame('app://paddock/index.html'), { id: 's1', extra: true })).resolves.toMatchObject({ ok: false, error: { code: 'BAD_INPUT' } });
  });

  it('sends contract events only to windows that show our renderer', async () => {
    const { fake, eng, app } = await start();
    app.showWindow();
    const other = new fake.electron.BrowserWindow({}) as unknown as { webContents: FakeWebContents };
    other.webContents.url = 'https://evil.example/';
    eng.emit('sessions.changed', { id: 's1' });
    expect(fake.windows[0]!.webContents.sent).toEqual([[eventChannel('sessions.changed'), { id: 's1' }]]);
    expect(other.webContents.sent).toEqual([]);
  });

  it('the tray follows the state: idle, running, waiting for approval (with a count), idle', async () => {
    const { fake, eng, app } = await start({}, true);
    const tray = fake.trays[0]!;
    expect(fake.windows).toHaveLength(0); // started hidden
    expect(app.tray.status).toBe('idle');
    expect(tray.image).toEqual({ path: 'idle.png' });
    expect(tray.menu.find((m) => m.id === 'stop-all')!.enabled).toBe(false);

    eng.setAttached(1);
    eng.emit('sessions.changed', { id: 's1' });
    expect(app.tray.status).toBe('running');
    expect(tray.image).toEqual({ path: 'running.png' });
    expect(tray.tooltip).toBe('Paddock — 1 session running');
    expect(tray.menu.find((m) => m.id === 'stop-all')!.enabled).toBe(true);

    // The engine's pending approvals (see approval-watch.test.ts for their dialogs).
    eng.emit('approvals.changed', { pending: 2, ids: ['a1', 'a2'] });
    expect(app.tray.status).toBe('waiting');
    expect(tray.title).toBe('2');
    expect(tray.menu.find((m) => m.id === 'approvals')!.label).toBe('Pending approvals (2)');
    eng.emit('approvals.changed', { pending: 0, ids: [] });
    expect(app.tray.status).toBe('running');

    (tray.menu.find((m) => m.id === 'stop-all')!.click as () => void)();
    await new Promise((r) => setImmediate(r));
    expect(eng.stopped).toEqual(['s1']);
    eng.setAttached(0);
    eng.emit('sessions.changed', { id: 's1' });
    expect(app.tray.status).toBe('idle');
    expect(tray.title).toBe('');
  });

  it('the tray pauses all running sessions and resumes them', async () => {
    const { fake, eng, app } = await start({}, true);
    const tray = fake.trays[0]!;
    const item = (id: string) => tray.menu.find((m) => m.id === id)!;
    expect(item('pause-all')).toMatchObject({ label: 'Pause all sessions', enabled: false });
    expect(item('resume-all').enabled).toBe(false);
    eng.setAttached(1);
    eng.emit('sessions.changed', { id: 's1' });
    expect(item('pause-all').enabled).toBe(true);
    (item('pause-all').click as () => void)();
    await new Promise((r) => setImmediate(r));
    expect(eng.pausedCalls).toEqual(['s1']); // only the attached, running one (s0 runs elsewhere)
    eng.emit('sessions.changed', { id: 's1' });
    await new Promise((r) => setImmediate(r));
    expect(tray.tooltip).toBe('Paddock — 1 session running (1 paused)');
    expect(item('pause-all').enabled).toBe(false);
    expect(item('resume-all').enabled).toBe(true);
    (item('resume-all').click as () => void)();
    await new Promise((r) => setImmediate(r));
    expect(eng.resumedCalls).toEqual(['s1']);
    eng.emit('sessions.changed', { id: 's1' });
    await new Promise((r) => setImmediate(r));
    expect(item('resume-all').enabled).toBe(false);
    expect(app.tray.status).toBe('running');
  });

  it('quitting with running sessions asks; keeping them running does not quit', async () => {
    const { fake, eng, app } = await start({ dialogResponses: [1, 0] });
    eng.setAttached(2);
    await expect(app.quit()).resolves.toBe(false);
    expect(eng.closed).toBe(false);
    expect(fake.quitCalls).toBe(0);
    expect(fake.dialogCalls[0]).toMatchObject({ message: '2 sessions are still running', buttons: ['Stop sessions and quit', 'Keep running'], cancelId: 1 });
    await expect(app.quit()).resolves.toBe(true);
    expect(eng.closed).toBe(true);
    expect(fake.quitCalls).toBe(1);
  });

  it('a second instance quits at once', async () => {
    const fake = createFakeElectron({ singleInstance: false });
    const r = await startDesktop(fake.electron, { preload: 'p', rendererDir: '/nope', icons: { idle: 'i', running: 'r', waiting: 'w' }, openEngine: () => Promise.reject(new Error('not reached')), startHidden: true });
    expect(r).toBeNull();
    expect(fake.quitCalls).toBe(1);
  });

  it('app:// serves the built renderer with the CSP, and nothing outside it', async () => {
    const { fake } = await start();
    expect(fake.privileged).toEqual([[{ scheme: 'app', privileges: { standard: true, secure: true, supportFetchAPI: true } }]]);
    const handle = fake.protocolHandlers.get('app')!;
    const ok = await handle(new Request('app://paddock/index.html'));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-security-policy')).toMatch(/^default-src 'none'; script-src 'self'/);
    expect(await ok.text()).toContain('<title>Paddock</title>');
    for (const bad of ['app://paddock/../../etc/passwd', 'app://paddock/%2e%2e/%2e%2e/etc/passwd', 'app://other/index.html', 'app://paddock/.env']) {
      expect((await handle(new Request(bad))).status, bad).toBe(404);
    }
  });
});
