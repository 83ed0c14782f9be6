// Preload: the one namespaced global the renderer sees, derived from electron/contract.
import { contextBridge, ipcRenderer } from 'electron';
import { buildPreloadApi } from './preload-api.js';

contextBridge.exposeInMainWorld('paddock', buildPreloadApi(ipcRenderer));
