// Preload: the one namespaced global the renderer sees. It grows from electron/contract.
import { contextBridge } from 'electron';

contextBridge.exposeInMainWorld('paddock', { version: '0.1.0' });
