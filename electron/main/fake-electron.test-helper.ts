// A fake `electron` for unit tests of main (no Electron binary exists on the build machines).
// It records what main asks for: window options, handlers, tray state, dialog options.
import { EventEmitter } from 'node:events';
import type { ElectronApi } from './electron-api.js';

type Handler = (...args: unknown[]) => unknown;

export class FakeWebContents extends EventEmitter {
  url = '';
  destroyed = false;
  windowOpenHandler: ((d: { url: string }) => { action: string }) | null = null;
  sent: Array<[string, unknown]> = [];
  permissionHandler: ((wc: unknown, p: string, cb: (ok: boolean) => void) => void) | null = null;
  permissionCheck: (() => boolean) | null = null;
  session = {
    setPermissionRequestHandler: (h: FakeWebContents['permissionHandler']) => void (this.permissionHandler = h),
    setPermissionCheckHandler: (h: () => boolean) => void (this.permissionCheck = h),
  };
  setWindowOpenHandler(h: FakeWebContents['windowOpenHandler']) {
    this.windowOpenHandler = h;
  }
  send(channel: string, payload: unknown) {
    this.sent.push([channel, payload]);
  }
  isDestroyed() {
    return this.destroyed;
  }
  getURL() {
    return this.url;
  }
  /** Emits a cancellable event the way Electron does; returns whether it was prevented. */
  fire(name: string, ...args: unknown[]): boolean {
    let prevented = false;
    this.emit(name, { preventDefault: () => (prevented = true) }, ...args);
    return prevented;
  }
}

/**
 * `dialogResponses`: the button each successive message box answers; `'hold'` keeps that box open
 * until its `signal` aborts (then it answers its cancelId, as Electron does).
 */
export function createFakeElectron(opts: { dialogResponses?: Array<number | 'hold'>; singleInstance?: boolean } = {}) {
  const windows: FakeBrowserWindow[] = [];
  const handlers = new Map<string, Handler>();
  const dialogCalls: unknown[] = [];
  const responses = [...(opts.dialogResponses ?? [])];
  const opened: string[] = [];
  const notifications: Array<{ title: string; body: string }> = [];
  const trays: FakeTray[] = [];
  const protocolHandlers = new Map<string, (req: Request) => Promise<Response>>();
  const privileged: unknown[] = [];
  const appEvents = new EventEmitter();
  let focused: FakeBrowserWindow | null = null;
  const setFocus = (w: FakeBrowserWindow | null) => void (focused = w);

  class FakeBrowserWindow extends EventEmitter {
    webContents = new FakeWebContents();
    shown = false;
    destroyed = false;
    constructor(readonly options: Record<string, unknown>) {
      super();
      windows.push(this);
      appEvents.emit('web-contents-created', {}, this.webContents);
    }
    loadURL(url: string) {
      this.webContents.url = url;
      return Promise.resolve();
    }
    show() {
      this.shown = true;
    }
    focus() {
      setFocus(this);
    }
    isDestroyed() {
      return this.destroyed;
    }
    static getAllWindows() {
      return windows.filter((w) => !w.destroyed);
    }
    static getFocusedWindow() {
      return focused;
    }
  }

  class FakeTray extends EventEmitter {
    image: unknown;
    tooltip = '';
    title = '';
    menu: Array<Record<string, unknown>> = [];
    constructor(image: unknown) {
      super();
      this.image = image;
      trays.push(this);
    }
    setImage(i: unknown) {
      this.image = i;
    }
    setToolTip(t: string) {
      this.tooltip = t;
    }
    setTitle(t: string) {
      this.title = t;
    }
    setContextMenu(m: Array<Record<string, unknown>>) {
      this.menu = m;
    }
  }

  class FakeNotification {
    constructor(private readonly o: { title: string; body: string }) {}
    static isSupported() {
      return true;
    }
    show() {
      notifications.push({ title: this.o.title, body: this.o.body });
    }
  }

  let quitCalls = 0;
  const electron = {
    app: Object.assign(appEvents, {
      requestSingleInstanceLock: () => opts.singleInstance ?? true,
      quit: () => void (quitCalls += 1),
      whenReady: () => Promise.resolve(),
    }),
    BrowserWindow: FakeBrowserWindow,
    ipcMain: {
      handle: (channel: string, h: Handler) => {
        if (handlers.has(channel)) throw new Error(`second handler for ${channel}`);
        handlers.set(channel, h);
      },
      removeHandler: (channel: string) => void handlers.delete(channel),
    },
    dialog: {
      showMessageBox: (o: { signal?: AbortSignal; cancelId?: number }) => {
        dialogCalls.push(o);
        const r = responses.shift() ?? 0;
        if (r !== 'hold') return Promise.resolve({ response: r, checkboxChecked: false });
        return new Promise((resolve) => {
          const close = () => resolve({ response: o.cancelId ?? 0, checkboxChecked: false });
          if (o.signal?.aborted) close();
          else o.signal?.addEventListener('abort', close, { once: true });
        });
      },
    },
    Tray: FakeTray,
    Menu: { buildFromTemplate: (t: unknown) => t },
    nativeImage: { createFromPath: (p: string) => ({ path: p }) },
    protocol: {
      registerSchemesAsPrivileged: (s: unknown) => void privileged.push(s),
      handle: (scheme: string, h: (req: Request) => Promise<Response>) => void protocolHandlers.set(scheme, h),
    },
    shell: { openExternal: (url: string) => (opened.push(url), Promise.resolve()) },
    Notification: FakeNotification,
  };
  return {
    electron: electron as unknown as ElectronApi,
    windows,
    handlers,
    dialogCalls,
    opened,
    notifications,
    trays,
    protocolHandlers,
    privileged,
    appEvents,
    setFocused: (w: FakeBrowserWindow | null) => void (focused = w),
    get quitCalls() {
      return quitCalls;
    },
  };
}
