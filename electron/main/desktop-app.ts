import type { BrowserWindow } from 'electron';
import type { ApiImplementation } from '../contract/index.js';
import { ApprovalDialogs, confirmQuit } from './approval-dialog.js';
import { watchApprovals } from './approval-watch.js';
import type { ElectronApi } from './electron-api.js';
import { APP_URL } from './electron-api.js';
import { forwardEvents, registerIpc } from './ipc-bridge.js';
import { registerAppScheme, serveAppProtocol } from './app-protocol.js';
import type { TrayStatus } from './tray-controller.js';
import { TrayController } from './tray-controller.js';
import { createMainWindow, hardenWebContents } from './window-security.js';

/** What the shell needs from the engine (EngineApi in production). */
export interface DesktopEngine extends ApiImplementation {
  attachedCount(): number;
  close(reason?: string): Promise<void>;
}

export interface DesktopOptions {
  preload: string;
  rendererDir: string;
  icons: Record<TrayStatus, string>;
  openEngine: () => Promise<DesktopEngine>;
  /** Start minimised to the tray (no window until asked). */
  startHidden: boolean;
}

export interface DesktopApp {
  tray: TrayController;
  dialogs: ApprovalDialogs;
  engine: DesktopEngine;
  showWindow(hash?: string): BrowserWindow;
  quit(): Promise<boolean>;
}

/**
 * Composes the Electron shell: single instance, the app:// protocol, hardened web contents, the
 * contract over IPC, the tray and approval dialogs. Everything of substance is in the engine.
 */
export async function startDesktop(e: ElectronApi, o: DesktopOptions): Promise<DesktopApp | null> {
  if (!e.app.requestSingleInstanceLock()) {
    e.app.quit();
    return null;
  }
  registerAppScheme(e.protocol);
  e.app.on('web-contents-created', (_ev, contents) => hardenWebContents(contents, e.shell));
  await e.app.whenReady();
  serveAppProtocol(e.protocol, o.rendererDir);
  const engine = await o.openEngine();
  registerIpc(e.ipcMain, engine);
  forwardEvents(engine, () => e.BrowserWindow.getAllWindows().map((w) => w.webContents));

  let win: BrowserWindow | null = null;
  const showWindow = (hash = '') => {
    if (!win || win.isDestroyed()) {
      win = createMainWindow(e, o.preload, { show: true });
      if (hash) void win.loadURL(`${APP_URL}${hash}`);
    } else {
      if (hash) void win.loadURL(`${APP_URL}${hash}`);
      win.show();
      win.focus();
    }
    return win;
  };
  let quitting = false;
  const quit = async () => {
    if (quitting) return true;
    if (!(await confirmQuit(e.dialog, engine.attachedCount()))) return false;
    quitting = true;
    await engine.close('Paddock was quit');
    e.app.quit();
    return true;
  };
  const stopAll = async () => {
    const sessions = await engine.handlers['sessions.list']({});
    await Promise.all(sessions.filter((s) => s.attached).map((s) => engine.handlers['sessions.stop']({ id: s.id }).catch(() => ({}))));
  };
  // Pause/resume every session this process runs that is in the other state (docker pause).
  const setPausedAll = async (pause: boolean) => {
    const sessions = await engine.handlers['sessions.list']({});
    const from = pause ? 'running' : 'paused';
    const name = pause ? 'sessions.pause' : 'sessions.resume';
    await Promise.all(sessions.filter((s) => s.attached && s.state === from).map((s) => engine.handlers[name]({ id: s.id }).catch(() => ({}))));
  };
  const tray = new TrayController(e, o.icons, {
    newSession: () => showWindow('#/sessions'),
    openWindow: () => showWindow(),
    showApprovals: () => showWindow('#/approvals'),
    stopAll: () => void stopAll(),
    pauseAll: () => void setPausedAll(true),
    resumeAll: () => void setPausedAll(false),
    quit: () => void quit(),
  });
  const dialogs = new ApprovalDialogs(e, () => e.BrowserWindow.getFocusedWindow() !== null);
  // Every pending request gets a native dialog; the tray shows how many wait (answered anywhere).
  watchApprovals(engine, dialogs, (waiting) => tray.update({ waiting }), (m) => process.stderr.write(`paddock: ${m}\n`));
  engine.subscribe((name) => {
    if (name !== 'sessions.changed') return;
    tray.update({ running: engine.attachedCount() });
    void engine.handlers['sessions.list']({}).then(
      (all) => tray.update({ paused: all.filter((s) => s.attached && s.state === 'paused').length }),
      () => {},
    );
  });
  e.app.on('second-instance', () => showWindow());
  // The tray keeps Paddock alive with no window; quitting goes through `quit` (it asks first).
  e.app.on('window-all-closed', () => {});
  e.app.on('before-quit', (ev) => {
    if (quitting || engine.attachedCount() === 0) return;
    ev.preventDefault();
    void quit();
  });
  if (!o.startHidden) showWindow();
  return { tray, dialogs, engine, showWindow, quit };
}
