// Electron entry: hands the real `electron` module to the composition in desktop-app.ts (which
// unit tests drive with a fake). Everything of substance lives in electron/engine.
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeImage, Notification, protocol, shell, Tray } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EngineApi } from '../engine/api/engine-api.js';
import { startDesktop } from './desktop-app.js';

const here = dirname(fileURLToPath(import.meta.url));
const resources = app.isPackaged ? join(process.resourcesPath, 'resources') : join(here, '../../resources');
const icon = (name: string) => join(resources, 'icons', `tray-${name}.png`);

void startDesktop(
  { app, BrowserWindow, dialog, ipcMain, Menu, nativeImage, Notification, protocol, shell, Tray },
  {
    preload: join(here, '../preload/index.cjs'),
    rendererDir: join(here, '../renderer'),
    icons: { idle: icon('idle'), running: icon('running'), waiting: icon('waiting') },
    openEngine: () => EngineApi.open({ frontEnd: 'desktop', log: (m) => process.stderr.write(`paddock: ${m}\n`) }),
    startHidden: process.argv.includes('--hidden') || process.env.PADDOCK_START_HIDDEN === '1',
  },
);
