import type { BrowserWindow, BrowserWindowConstructorOptions, Shell, WebContents } from 'electron';
import type { ElectronApi } from './electron-api.js';
import { APP_URL, isAppUrl } from './electron-api.js';
import { secureWebPreferences } from './window-options.js';

/** Hosts `openExternal` may open (https only): documentation and the project's home. */
export const EXTERNAL_ALLOW = new Set(['github.com', 'paddock.dev', 'docs.paddock.dev']);

export function isAllowedExternal(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'https:' && EXTERNAL_ALLOW.has(u.hostname) && !u.username && !u.password;
  } catch {
    return false;
  }
}

export function openExternalSafely(shell: Pick<Shell, 'openExternal'>, url: string): boolean {
  if (!isAllowedExternal(url)) return false;
  void shell.openExternal(url);
  return true;
}

/**
 * Every webContents (windows, and anything else Electron creates): no new windows (allow-listed
 * https links go to the system browser), no navigation away from app://, no webviews, no
 * permission grants.
 */
export function hardenWebContents(contents: WebContents, shell: Pick<Shell, 'openExternal'>): void {
  contents.setWindowOpenHandler(({ url }) => {
    openExternalSafely(shell, url);
    return { action: 'deny' };
  });
  contents.on('will-navigate', (e, url) => {
    if (!isAppUrl(url)) e.preventDefault();
  });
  contents.on('will-redirect', (e, url) => {
    if (!isAppUrl(url)) e.preventDefault();
  });
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  contents.session.setPermissionCheckHandler(() => false);
}

export function mainWindowOptions(preload: string): BrowserWindowConstructorOptions {
  return { width: 1280, height: 820, minWidth: 760, minHeight: 480, show: false, title: 'Paddock', backgroundColor: '#111827', webPreferences: secureWebPreferences(preload) };
}

/** The app window: secure options, hardened contents, our renderer over app://. */
export function createMainWindow(electron: Pick<ElectronApi, 'BrowserWindow' | 'shell'>, preload: string, opts: { show: boolean }): BrowserWindow {
  const win = new electron.BrowserWindow(mainWindowOptions(preload));
  hardenWebContents(win.webContents, electron.shell);
  if (opts.show) win.once('ready-to-show', () => win.show());
  void win.loadURL(APP_URL);
  return win;
}
