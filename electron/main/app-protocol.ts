import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { Protocol } from 'electron';
import { APP_HOST, APP_SCHEME } from './electron-api.js';

/** Same policy as `paddock serve` (docs/desktop.md explains the inline styles). */
export const APP_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png', '.woff2': 'font/woff2' };

/** Must run before `app.whenReady()`: app:// is a standard, secure scheme (like https, not file://). */
export function registerAppScheme(protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>): void {
  protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);
}

/** The response for one app:// request: files of the built renderer only, with the CSP header. */
export async function appResponse(rendererDir: string, url: string): Promise<Response> {
  const u = new URL(url);
  if (u.host !== APP_HOST) return new Response('Not found', { status: 404 });
  const rel = normalize(decodeURIComponent(u.pathname).replace(/^\/+/, '') || 'index.html');
  const file = join(rendererDir, rel);
  if (rel.startsWith('..') || !file.startsWith(rendererDir + sep) || rel.split(sep).some((s) => s.startsWith('.'))) return new Response('Not found', { status: 404 });
  try {
    const body = await readFile(file);
    return new Response(body, { status: 200, headers: { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Security-Policy': APP_CSP, 'X-Content-Type-Options': 'nosniff' } });
  } catch {
    return new Response('Not found', { status: 404 });
  }
}

export function serveAppProtocol(protocol: Pick<Protocol, 'handle'>, rendererDir: string): void {
  protocol.handle(APP_SCHEME, (req) => appResponse(rendererDir, req.url));
}
