import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { extname, join, normalize, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiImplementation, ServerMessage } from '../../contract/index.js';
import { ClientMessageSchema, dispatch, MAX_CLIENT_MESSAGE } from '../../contract/index.js';

export interface WebBridgeOptions {
  api: ApiImplementation;
  /** The built renderer (index.html + assets); null or missing serves a page saying how to build it. */
  staticDir: string | null;
  /** 0 (default) picks a free port. */
  port?: number;
  /** Default: 24 random bytes, base64url. */
  token?: string;
  log?: (message: string) => void;
}

export interface WebBridge {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

/** The renderer's Content-Security-Policy (also in renderer/index.html). See docs/desktop.md for 'unsafe-inline' styles. */
export const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.map': 'application/json',
};
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);
/** A socket this far behind is closed; the client reconnects and re-reads the terminal backlog. */
const MAX_BUFFERED = 32 * 1024 * 1024;

function sameToken(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Why a request is refused, or null. The token is the first path segment of every URL (assets
 * are relative, so they carry it too); the Host must be a loopback name (no DNS rebinding), and
 * an Origin, when sent (always for WebSockets), must be this very origin.
 */
export function refusal(req: IncomingMessage, token: string, needOrigin: boolean): { status: number; why: string } | null {
  const host = (req.headers.host ?? '').toLowerCase();
  const hostname = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
  if (!LOOPBACK_HOSTS.has(hostname)) return { status: 421, why: 'Host is not a loopback name' };
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== `http://${host}`) return { status: 403, why: 'Origin is not this server' };
  if (needOrigin && origin === undefined) return { status: 403, why: 'no Origin' };
  const first = (req.url ?? '/').split('?')[0]!.split('/')[1] ?? '';
  if (!sameToken(first, token)) return { status: 404, why: 'no or wrong token' };
  return null;
}

export async function startWebBridge(opts: WebBridgeOptions): Promise<WebBridge> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const log = opts.log ?? (() => {});
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE });
  const server = createServer((req, res) => serveHttp(req, res, token, opts.staticDir));
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const bad = refusal(req, token, true);
    const path = (req.url ?? '').split('?')[0];
    if (bad || path !== `/${token}/ws`) {
      if (bad) log(`refused a WebSocket: ${bad.why}`);
      socket.end(`HTTP/1.1 ${bad?.status ?? 404} Refused\r\nConnection: close\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => connect(ws, opts.api));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/${token}/`,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function connect(ws: WebSocket, api: ApiImplementation): void {
  const send = (m: ServerMessage) => {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > MAX_BUFFERED) {
      ws.close(1013, 'client too slow; reconnect');
      return;
    }
    ws.send(JSON.stringify(m));
  };
  const unsubscribe = api.subscribe((name, payload) => send({ t: 'event', name, payload }));
  ws.on('close', unsubscribe);
  ws.on('message', (raw: Buffer, isBinary) => {
    if (isBinary) return ws.close(1003, 'text frames only');
    let msg: unknown;
    try {
      msg = JSON.parse(raw.toString('utf8'));
    } catch {
      return ws.close(1007, 'not JSON');
    }
    const parsed = ClientMessageSchema.safeParse(msg);
    if (!parsed.success) return ws.close(1008, 'not a contract call');
    const { id, name, input } = parsed.data;
    void dispatch(api.handlers, name, input).then((result) => send({ t: 'result', id, result }));
  });
}

function securityHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CSP);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
}

function serveHttp(req: IncomingMessage, res: ServerResponse, token: string, staticDir: string | null): void {
  securityHeaders(res);
  const bad = refusal(req, token, false);
  if (bad) return plain(res, bad.status, bad.status === 404 ? 'Not found' : `Refused: ${bad.why}`);
  if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'Method not allowed');
  const path = decodeURIComponent((req.url ?? '/').split('?')[0]!).slice(token.length + 1);
  if (path === '') {
    res.writeHead(301, { Location: `/${token}/` });
    return void res.end();
  }
  if (!staticDir || !existsSync(join(staticDir, 'index.html'))) {
    return plain(res, 503, `The UI is not built (${staticDir ?? 'no directory'} has no index.html). Run \`npx electron-vite build\` in the Paddock checkout, then reload.`);
  }
  const rel = path === '/' ? 'index.html' : normalize(path.slice(1));
  const file = join(staticDir, rel);
  if (rel.startsWith('..') || rel.split(sep).some((s) => s.startsWith('.')) || !file.startsWith(staticDir + sep)) return plain(res, 404, 'Not found');
  const st = existsSync(file) ? statSync(file) : null;
  if (!st?.isFile()) return plain(res, 404, 'Not found');
  res.writeHead(200, {
    'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
    'Content-Length': st.size,
    'Cache-Control': rel === 'index.html' ? 'no-store' : 'private, max-age=3600',
  });
  if (req.method === 'HEAD') return void res.end();
  createReadStream(file).pipe(res);
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(`${text}\n`);
}
