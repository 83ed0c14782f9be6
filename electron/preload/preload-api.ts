import type { IpcRenderer, IpcRendererEvent } from 'electron';
// Only zod-free parts of the contract: a sandboxed preload is one CommonJS file with no imports but electron.
import type { Result } from '../contract/contract.js';
import type { EventName, ProcedureName } from '../contract/contract-names.js';
import { eventNames, isEventName, procedureNames } from '../contract/contract-names.js';
import { callChannel, eventChannel } from '../contract/ipc-channels.js';

export interface PreloadApi {
  /** One function per contract procedure; resolves to the result envelope. */
  call: Record<ProcedureName, (input: unknown) => Promise<Result<unknown>>>;
  /** Listen to one contract event; the listener gets the payload only (never the IPC event). Returns the unsubscribe. */
  on(name: EventName, listener: (payload: unknown) => void): () => void;
  procedures: readonly ProcedureName[];
  events: readonly EventName[];
}

/** The `window.paddock` surface, derived from the contract (unit-tested with a fake ipcRenderer). */
export function buildPreloadApi(ipc: Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>): PreloadApi {
  const call = Object.fromEntries(procedureNames.map((name) => [name, (input: unknown) => ipc.invoke(callChannel(name), input) as Promise<Result<unknown>>])) as PreloadApi['call'];
  return Object.freeze({
    call: Object.freeze(call),
    on(name: EventName, listener: (payload: unknown) => void) {
      if (!isEventName(name)) throw new Error(`no event ${String(name)} in the Paddock contract`);
      const handler = (_e: IpcRendererEvent, payload: unknown) => listener(payload);
      ipc.on(eventChannel(name), handler);
      return () => void ipc.removeListener(eventChannel(name), handler);
    },
    procedures: Object.freeze([...procedureNames]),
    events: Object.freeze([...eventNames]),
  });
}
