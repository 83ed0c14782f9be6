import type { EventName, ProcedureName } from './contract-names.js';

/** Electron IPC channel of one procedure (ipcMain.handle / ipcRenderer.invoke). */
export const callChannel = (name: ProcedureName): string => `paddock:call:${name}`;
/** Electron IPC channel of one event (webContents.send / ipcRenderer.on). */
export const eventChannel = (name: EventName): string => `paddock:event:${name}`;
