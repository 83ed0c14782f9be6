// The contract test: the preload surface, the WebSocket bridge (and the EngineApi behind it) and
// the renderer's fake client each cover exactly the contract's procedures and events.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ApiHandlers, ApiImplementation, EventListener, EventName, EventPayload } from '../../electron/contract/index.js';
import { createApiClient, eventNames, procedureNames } from '../../electron/contract/index.js';
import { EngineApi } from '../../electron/engine/api/engine-api.js';
import { startWebBridge } from '../../electron/engine/api/web-bridge.js';
import { buildPreloadApi } from '../../electron/preload/preload-api.js';
import { createFakeApi } from '../../renderer/src/api/fake-api.js';
import { createWsTransport } from '../../renderer/src/api/ws-transport.js';

const sorted = (xs: Iterable<string>) => [...xs].sort();
const home = mkdtempSync(join(tmpdir(), 'paddock-contract-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** An implementation that answers every procedure with its own name and can emit any event. */
function echoImpl(): ApiImplementation & { emit<K extends EventName>(n: K, p: EventPayload<K>): void } {
  const listeners = new Set<EventListener>();
  const handlers = Object.fromEntries(procedureNames.map((n) => [n, () => Promise.resolve({ procedure: n })])) as unknown as ApiHandlers;
  return { handlers, subscribe: (l) => (listeners.add(l), () => listeners.delete(l)), emit: (n, p) => listeners.forEach((l) => l(n, p)) };
}

describe('the contract is covered exactly by every side', () => {
  it('the fake client', () => {
    expect(sorted(Object.keys(createFakeApi().handlers))).toEqual(sorted(procedureNames));
  });

  it('the preload surface', () => {
    const ipc = { invoke: () => Promise.resolve(), on: () => undefined, removeListener: () => undefined } as unknown as Parameters<typeof buildPreloadApi>[0];
    const api = buildPreloadApi(ipc);
    expect(sorted(Object.keys(api.call))).toEqual(sorted(procedureNames));
    expect(sorted(api.events)).toEqual(sorted(eventNames));
  });

  it('the engine API (what the bridge and IPC serve), even with no container engine', async () => {
    const api = await EngineApi.open({ home, connect: () => Promise.reject(new Error('no engine in unit tests')) });
    expect(sorted(Object.keys(api.handlers))).toEqual(sorted(procedureNames));
    const status = await api.handlers['engine.status']({});
    expect(status).toMatchObject({ connected: false, error: 'no engine in unit tests', dataDir: home });
    await expect(api.handlers['sessions.list']({})).resolves.toEqual([]);
    await api.close();
  });

  it('the WebSocket bridge carries every procedure and every event, and nothing else', async () => {
    const impl = echoImpl();
    const bridge = await startWebBridge({ api: impl, staticDir: null });
    const origin = `http://127.0.0.1:${bridge.port}`;
    class BrowserLikeWs extends WebSocket {
      constructor(url: string) {
        super(url, { origin });
      }
    }
    const transport = createWsTransport(`ws://127.0.0.1:${bridge.port}/${bridge.token}/ws`, BrowserLikeWs as unknown as typeof globalThis.WebSocket);
    const client = createApiClient(transport);
    try {
      for (const name of procedureNames) {
        // Inputs are validated before the handler runs: send a valid minimal input per procedure.
        const r = await transport.call(name, minimalInput(name));
        expect(r, name).toEqual({ ok: true, value: { procedure: name } });
      }
      expect(await transport.call('approvals.decide' as never, {})).toMatchObject({ ok: false, error: { code: 'UNKNOWN_PROCEDURE' } });
      const got: string[] = [];
      const offs = eventNames.map((n) => client.on(n, () => got.push(n)));
      const payloads: { [K in EventName]: EventPayload<K> } = {
        'sessions.changed': { id: 's' },
        'terminal.data': { id: 's', data: 'x', seq: 1 },
        'sessions.activity': { id: 's', kind: 'k', time: 1, summary: 's' },
        'engine.progress': { message: 'building image, step 1/3: base', time: 1 },
        'approvals.changed': { pending: 1, ids: ['a'] },
      };
      for (const n of eventNames) impl.emit(n, payloads[n]);
      await expect.poll(() => sorted(got)).toEqual(sorted(eventNames));
      offs.forEach((off) => off());
    } finally {
      transport.close();
      await bridge.close();
    }
  });
});

function minimalInput(name: string): unknown {
  const id = { id: 's' };
  const inputs: Record<string, unknown> = {
    'sessions.get': id,
    'sessions.start': { repo: '/tmp' },
    'sessions.stop': id,
    'sessions.input': { id: 's', data: 'x' },
    'sessions.resize': { id: 's', cols: 80, rows: 24 },
    'sessions.output': id,
    'sessions.pause': id,
    'sessions.resume': id,
    'sessions.network': id,
    'sessions.commands': id,
    'sessions.files': id,
    'sessions.fileDiff': { id: 's', path: 'a.txt' },
    'replay.events': { id: 's', from: 0, to: 1 },
    'replay.screenAt': { id: 's', t: 0 },
    'replay.search': { id: 's', query: 'q' },
    'export.session': { id: 's', format: 'html' },
    'policy.check': { command: 'ls' },
    'approvals.answer': { id: 'a', choice: 'deny', reason: 'not now' },
    'policy.source': { layer: 'user' },
    'policy.save': { layer: 'user', text: 'version: 1\n' },
  };
  return inputs[name] ?? {};
}
