// Renderer entry: pick the transport (Electron preload or `paddock serve`'s WebSocket) and render.
import '@xterm/xterm/css/xterm.css';
import './styles.css';
import { createRoot } from 'react-dom/client';
import { createApiClient } from '../../electron/contract/index.js';
import { createIpcTransport, preloadSurface } from './api/ipc-transport.js';
import { bridgeUrl, createWsTransport } from './api/ws-transport.js';
import { App } from './app.js';

const surface = preloadSurface();
const transport = surface ? createIpcTransport(surface) : createWsTransport(bridgeUrl(location));
const root = document.getElementById('root');
if (root) createRoot(root).render(<App client={createApiClient(transport)} />);
