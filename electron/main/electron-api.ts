// The parts of Electron that main uses, as types only: every module takes them as a parameter, so
// unit tests inject a fake (no Electron binary exists on the build machines) and only index.ts
// imports the real module.
import type * as Electron from 'electron';

export type ElectronApi = Pick<typeof Electron, 'app' | 'BrowserWindow' | 'ipcMain' | 'dialog' | 'Tray' | 'Menu' | 'nativeImage' | 'protocol' | 'shell' | 'Notification'>;

export const APP_SCHEME = 'app';
export const APP_HOST = 'paddock';
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

/** True for a URL of our own renderer (app://paddock/...). `new URL().origin` is "null" for custom schemes, so compare parts. */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}
