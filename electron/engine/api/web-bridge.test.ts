// `paddock serve`'s bridge on a real loopback socket: token on every request and socket, Host and
// Origin checks, static files confined to the renderer folder, the CSP header.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { ApiHandlers, ApiImplementation } from '../../contract/index.js';
import { procedureNames } from '../../contract/index.js';
import type { WebBridge } from './web-bridge.js';
import { startWebBridge } from './web-bridge.js';

const root = mkdtempSync(join(tmpdir(), 'paddock-ui-'));
const dir = join(root, 'renderer');
let bridge: WebBridge;
const impl: ApiImplementation = {
  handlers: Object.fromEntries(procedureNames.map((n) => [n, () => Promise.resolve({})])) as unknown as ApiHandlers,
  subscribe: () => () => {},
};

beforeAll(async () => {
  mkdirSync(join(dir, 'assets'), { recursive: true });
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Paddock</title>');
  writeFileSync(join(dir, 'assets', 'app.js'), 'console.log(1)');
  writeFileSync(join(dir, '.secret'), 'no');
  writeFileSync(join(dir, '..', 'outside.txt'), 'no');
  bridge = await startWebBridge({ api: impl, staticDir: dir });
});
afterAll(async () => {
  await bridge.close();
  rmSync(root, { recursive: true, force: true });
});

function get(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: bridge.port, path, method, headers: { host: `127.0.0.1:${bridge.port}`, ...headers } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function socket(path: string, origin?: string): Promise<'open' | number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${bridge.port}${path}`, origin ? { origin } : {});
    ws.on('open', () => (ws.close(), resolve('open')));
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('error', () => resolve(-1));
  });
}

describe('web bridge', () => {
  it('binds to 127.0.0.1 and prints a URL with the token', () => {
    expect(bridge.url).toBe(`http://127.0.0.1:${bridge.port}/${bridge.token}/`);
    expect(bridge.token.length).toBeGreaterThanOrEqual(32);
  });

  it('serves the renderer only under the token, with the CSP', async () => {
    const ok = await get(`/${bridge.token}/`);
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('<title>Paddock</title>');
    expect(ok.headers['content-security-policy']).toMatch(/^default-src 'none'; script-src 'self';/);
    expect(ok.headers['referrer-policy']).toBe('no-referrer');
    expect((await get(`/${bridge.token}/assets/app.js`)).status).toBe(200);
    expect((await get(`/${bridge.token}`)).status).toBe(301);
    for (const path of ['/', '/assets/app.js', `/${bridge.token.slice(0, -1)}x/`, `/${bridge.token}x/`, '/index.html']) {
      expect((await get(path)).status, path).toBe(404);
    }
  });

  it('serves nothing outside the renderer folder, and no dotfiles', async () => {
    for (const path of [`/${bridge.token}/../outside.txt`, `/${bridge.token}/%2e%2e/outside.txt`, `/${bridge.token}/.secret`, `/${bridge.token}/assets/../../outside.txt`]) {
      expect((await get(path)).status, path).toBe(404);
    }
  });

  it('refuses other Hosts (DNS rebinding) and other Origins; only GET and HEAD', async () => {
    expect((await get(`/${bridge.token}/`, { host: 'evil.example:80' })).status).toBe(421);
    expect((await get(`/${bridge.token}/`, { origin: 'http://evil.example' })).status).toBe(403);
    expect((await get(`/${bridge.token}/`, { origin: `http://127.0.0.1:${bridge.port}` })).status).toBe(200);
    expect((await get(`/${bridge.token}/`, { host: `localhost:${bridge.port}` })).status).toBe(200);
    expect((await get(`/${bridge.token}/`, {}, 'POST')).status).toBe(405);
  });

  it('a socket needs the token and this origin', async () => {
    const own = `http://127.0.0.1:${bridge.port}`;
    await expect(socket(`/${bridge.token}/ws`, own)).resolves.toBe('open');
    await expect(socket(`/${bridge.token}/ws`)).resolves.toBe(403);
    await expect(socket(`/${bridge.token}/ws`, 'http://evil.example')).resolves.toBe(403);
    await expect(socket('/wrong/ws', own)).resolves.toBe(404);
    await expect(socket(`/${bridge.token}/other`, own)).resolves.toBe(404);
  });

  it('closes a socket that sends something other than a contract call', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${bridge.port}/${bridge.token}/ws`, { origin: `http://127.0.0.1:${bridge.port}` });
    await new Promise((r) => ws.on('open', r));
    const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
    ws.send(JSON.stringify({ t: 'eval', code: '1' }));
    await expect(closed).resolves.toBe(1008);
  });

  it('says how to build the UI when it is not built', async () => {
    const empty = await startWebBridge({ api: impl, staticDir: join(dir, 'nope') });
    try {
      const r = await new Promise<{ status: number; body: string }>((resolve) => {
        request({ host: '127.0.0.1', port: empty.port, path: `/${empty.token}/` }, (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        }).end();
      });
      expect(r.status).toBe(503);
      expect(r.body).toContain('npx electron-vite build');
    } finally {
      await empty.close();
    }
  });
});
