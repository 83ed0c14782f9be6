import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { callChannel, eventChannel, eventNames, procedureNames } from '../contract/index.js';
import { buildPreloadApi } from './preload-api.js';

function fakeIpc() {
  const emitter = new EventEmitter();
  const invoked: Array<[string, unknown]> = [];
  return {
    emitter,
    invoked,
    ipc: ({
      invoke: (channel: string, input: unknown) => (invoked.push([channel, input]), Promise.resolve({ ok: true, value: channel })),
      on: (channel: string, l: (...a: unknown[]) => void) => (emitter.on(channel, l), undefined as never),
      removeListener: (channel: string, l: (...a: unknown[]) => void) => (emitter.removeListener(channel, l), undefined as never),
    } as unknown as Parameters<typeof buildPreloadApi>[0]),
  };
}

describe('preload surface', () => {
  it('covers exactly the contract procedures and events', async () => {
    const f = fakeIpc();
    const api = buildPreloadApi(f.ipc);
    expect(Object.keys(api.call).sort()).toEqual([...procedureNames].sort());
    expect([...api.events].sort()).toEqual([...eventNames].sort());
    await expect(api.call['sessions.get']({ id: 'x' })).resolves.toEqual({ ok: true, value: callChannel('sessions.get') });
    expect(f.invoked).toEqual([[callChannel('sessions.get'), { id: 'x' }]]);
    expect(() => api.on('approvals.decided' as never, () => {})).toThrow(/no event/);
  });

  it('listeners get the payload only, never the IPC event, and unsubscribe', () => {
    const f = fakeIpc();
    const api = buildPreloadApi(f.ipc);
    const got: unknown[][] = [];
    const off = api.on('terminal.data', (...args: unknown[]) => got.push(args));
    f.emitter.emit(eventChannel('terminal.data'), { sender: 'secret' }, { id: 's', data: 'hi', seq: 1 });
    off();
    f.emitter.emit(eventChannel('terminal.data'), { sender: 'secret' }, { id: 's', data: 'again', seq: 2 });
    expect(got).toEqual([[{ id: 's', data: 'hi', seq: 1 }]]);
    expect(f.emitter.listenerCount(eventChannel('terminal.data'))).toBe(0);
  });
});
