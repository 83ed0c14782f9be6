import type { MenuItemConstructorOptions, NativeImage, Tray } from 'electron';
import type { ElectronApi } from './electron-api.js';

export type TrayStatus = 'idle' | 'running' | 'waiting';

export interface TrayCounts {
  running: number;
  /** Approval requests waiting for a human. */
  waiting: number;
  /** Running sessions that are paused (counted in `running` too). */
  paused?: number;
}

export interface TrayActions {
  newSession(): void;
  openWindow(): void;
  showApprovals(): void;
  stopAll(): void;
  pauseAll(): void;
  resumeAll(): void;
  quit(): void;
}

export function trayStatus(c: TrayCounts): TrayStatus {
  return c.waiting > 0 ? 'waiting' : c.running > 0 ? 'running' : 'idle';
}

export function trayTooltip(c: TrayCounts): string {
  if (c.waiting > 0) return `Paddock — ${c.waiting} waiting for approval, ${c.running} running`;
  if (c.running > 0) return `Paddock — ${c.running} session${c.running === 1 ? '' : 's'} running${c.paused ? ` (${c.paused} paused)` : ''}`;
  return 'Paddock — idle';
}

/** The menu for these counts (pure: unit-tested as data). */
export function trayMenu(c: TrayCounts, a: TrayActions): MenuItemConstructorOptions[] {
  return [
    { id: 'status', label: trayTooltip(c).replace('Paddock — ', ''), enabled: false },
    { type: 'separator' },
    { id: 'new-session', label: 'New session…', click: () => a.newSession() },
    { id: 'open', label: 'Open Paddock', click: () => a.openWindow() },
    { id: 'approvals', label: c.waiting > 0 ? `Pending approvals (${c.waiting})` : 'No pending approvals', enabled: c.waiting > 0, click: () => a.showApprovals() },
    { id: 'pause-all', label: 'Pause all sessions', enabled: c.running > (c.paused ?? 0), click: () => a.pauseAll() },
    { id: 'resume-all', label: 'Resume all sessions', enabled: (c.paused ?? 0) > 0, click: () => a.resumeAll() },
    { id: 'stop-all', label: 'Stop all sessions', enabled: c.running > 0, click: () => a.stopAll() },
    { type: 'separator' },
    { id: 'quit', label: 'Quit Paddock', click: () => a.quit() },
  ];
}

/** The tray icon: its image, tooltip, title (macOS count) and menu follow the session counts. */
export class TrayController {
  readonly tray: Tray;
  private counts: TrayCounts = { running: 0, waiting: 0, paused: 0 };
  private readonly images: Record<TrayStatus, NativeImage>;

  constructor(
    private readonly electron: Pick<ElectronApi, 'Tray' | 'Menu' | 'nativeImage'>,
    icons: Record<TrayStatus, string>,
    private readonly actions: TrayActions,
  ) {
    this.images = {
      idle: electron.nativeImage.createFromPath(icons.idle),
      running: electron.nativeImage.createFromPath(icons.running),
      waiting: electron.nativeImage.createFromPath(icons.waiting),
    };
    this.tray = new electron.Tray(this.images.idle);
    this.tray.on('click', () => actions.openWindow());
    this.render();
  }

  get status(): TrayStatus {
    return trayStatus(this.counts);
  }

  update(counts: Partial<TrayCounts>): void {
    const next = { ...this.counts, ...counts };
    if (next.running === this.counts.running && next.waiting === this.counts.waiting && next.paused === this.counts.paused) return;
    this.counts = next;
    this.render();
  }

  private render(): void {
    this.tray.setImage(this.images[this.status]);
    this.tray.setToolTip(trayTooltip(this.counts));
    this.tray.setTitle(this.counts.waiting > 0 ? String(this.counts.waiting) : '');
    this.tray.setContextMenu(this.electron.Menu.buildFromTemplate(trayMenu(this.counts, this.actions)));
  }
}
