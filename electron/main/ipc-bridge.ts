import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron';
import type { ApiImplementation, Result } from '../contract/index.js';
import { callChannel, dispatch, eventChannel, procedureNames } from '../contract/index.js';
import { isAppUrl } from './electron-api.js';

/** Only our own renderer's top frame may call: not an iframe, not a page navigated elsewhere. */
export function isTrustedSender(event: Pick<IpcMainInvokeEvent, 'senderFrame'>): boolean {
  const frame = event.senderFrame;
  if (!frame) return false;
  if (frame.parent !== null) return false;
  return isAppUrl(frame.url);
}

const FORBIDDEN: Result<never> = { ok: false, error: { code: 'FORBIDDEN', message: 'this IPC sender is not the Paddock window' } };

/**
 * The one registration path: one handler per contract procedure, each checking the sender,
 * parsing the input with the contract's zod schema (in `dispatch`) and returning the envelope.
 * Returns a function that removes every handler.
 */
export function registerIpc(ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>, impl: ApiImplementation, trusted = isTrustedSender): () => void {
  for (const name of procedureNames) {
    ipcMain.handle(callChannel(name), (event: IpcMainInvokeEvent, input: unknown) => (trusted(event) ? dispatch(impl.handlers, name, input) : Promise.resolve(FORBIDDEN)));
  }
  return () => procedureNames.forEach((name) => ipcMain.removeHandler(callChannel(name)));
}

/** Contract events to every window showing our renderer; returns the unsubscribe function. */
export function forwardEvents(impl: ApiImplementation, targets: () => Array<Pick<WebContents, 'send' | 'isDestroyed' | 'getURL'>>): () => void {
  return impl.subscribe((name, payload) => {
    for (const wc of targets()) if (!wc.isDestroyed() && isAppUrl(wc.getURL())) wc.send(eventChannel(name), payload);
  });
}
