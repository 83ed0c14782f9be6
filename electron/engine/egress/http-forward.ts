import type { IncomingMessage, ServerResponse } from 'node:http';
import { request as httpRequest } from 'node:http';
import type { Socket } from 'node:net';
import { CRED_PREFIX, forwardWithCredential } from './credential-broker.js';
import { denyBody } from './deny-response.js';
import { judge } from './egress-judge.js';
import { normaliseHost, splitAuthority } from './host-normalise.js';
import type { ProxyRuntime } from './proxy-runtime.js';
import { clientOf, eventFor } from './proxy-runtime.js';
import { dial, whileOpen } from './tunnel.js';

const HOP = [
  'connection',
  'proxy-connection',
  'keep-alive',
  'proxy-authorization',
  'proxy-authenticate',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
];

/** A plain-HTTP request: absolute-form through the proxy, or origin-form to the credential broker. */
export async function handleHttpRequest(
  rt: ProxyRuntime,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const startedAt = Date.now();
  const client = clientOf(req.socket);
  const method = req.method ?? 'GET';
  const raw = req.url ?? '/';
  let url: URL | null = null;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(raw)) {
    try {
      url = new URL(raw);
    } catch {
      url = null;
    }
    if (!url) return void plain(res, 400, 'Paddock egress proxy: unparseable request URL.\n');
  }
  const toSelf =
    !url ||
    (normaliseHost(url.hostname) === normaliseHost(rt.listenHost) && Number(url.port || 80) === rt.port);
  if (toSelf || !url) {
    const path = url ? url.pathname + url.search : raw;
    if (path.startsWith(CRED_PREFIX)) return broker(rt, req, res, path, client, startedAt);
    return void plain(
      res,
      400,
      'Paddock egress proxy: this is a proxy; send absolute-form requests (http://host/path) or use CONNECT.\n',
    );
  }
  if (url.protocol !== 'http:')
    return void plain(
      res,
      400,
      `Paddock egress proxy: ${url.protocol} URLs go through CONNECT, not as a plain request.\n`,
    );
  if (url.username || url.password)
    return void plain(res, 400, 'Paddock egress proxy: credentials in the URL are refused.\n');
  const port = Number(url.port || 80);
  const v = await whileOpen(req.socket, (gone) =>
    judge(
      rt.judgeContext(req),
      { protocol: 'http', method, tunnel: false, rawHost: url.hostname, port },
      gone,
    ),
  );
  const ev = eventFor(client, 'http', method, v, startedAt);
  if (v.decision === 'deny' || !v.address) {
    res.writeHead(403, {
      'content-type': 'text/plain; charset=utf-8',
      'x-paddock-decision': 'deny',
      connection: 'close',
    });
    res.end(denyBody(rt.sessionId, method, v));
    return rt.emit({ ...ev, durationMs: Date.now() - startedAt });
  }
  let sock: Socket;
  try {
    sock = await dial(v.address, port, rt.connectTimeoutMs);
  } catch (e) {
    plain(
      res,
      502,
      `Paddock egress proxy: could not connect to ${v.host}:${port} (${v.address}): ${(e as Error).message}\n`,
    );
    return rt.emit({ ...ev, reason: 'connect failed', durationMs: Date.now() - startedAt });
  }
  const headers: Record<string, string | string[]> = {};
  for (const [k, val] of Object.entries(req.headers))
    if (val !== undefined && !HOP.includes(k)) headers[k] = val;
  headers.host = url.host; // the URL's authority is what was judged; Host follows it
  headers.connection = 'close';
  let bytesUp = 0;
  let bytesDown = 0;
  await new Promise<void>((resolve) => {
    const up = httpRequest(
      { createConnection: () => sock, method, path: url.pathname + url.search, headers, setHost: false },
      (ur) => {
        const rh = { ...ur.headers };
        for (const h of HOP) delete rh[h];
        res.writeHead(ur.statusCode ?? 502, ur.statusMessage, rh);
        ur.on('data', (d: Buffer) => (bytesDown += d.length));
        ur.pipe(res);
        ur.once('end', resolve);
        ur.once('error', () => {
          res.destroy();
          resolve();
        });
      },
    );
    up.once('error', (e) => {
      if (!res.headersSent)
        plain(res, 502, `Paddock egress proxy: upstream ${v.host}:${port} failed: ${e.message}\n`);
      else res.destroy();
      resolve();
    });
    req.on('data', (d: Buffer) => (bytesUp += d.length));
    req.pipe(up);
  });
  rt.emit({ ...ev, bytesUp, bytesDown, durationMs: Date.now() - startedAt });
}

async function broker(
  rt: ProxyRuntime,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  client: string,
  startedAt: number,
): Promise<void> {
  const o = await forwardWithCredential(req, res, rt.credentials, rt.resolver, path);
  rt.emit({
    client,
    protocol: 'credential',
    method: req.method ?? 'GET',
    host: o.host || o.name,
    port: o.port,
    address: o.address,
    rule: `credential:${o.name}`,
    ruleDecision: null,
    decision: o.status === 404 ? 'deny' : 'allow',
    reason:
      o.status === 404
        ? 'no such credential'
        : o.error
          ? `upstream failed: ${o.error}`
          : `credential injected (HTTP ${o.status})`,
    bytesUp: o.bytesUp,
    bytesDown: o.bytesDown,
    durationMs: Date.now() - startedAt,
    startedAt,
  });
}

function plain(res: ServerResponse, status: number, body: string): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' }).end(body);
}

/** Parse a CONNECT target; null when malformed. */
export function connectTarget(url: string | undefined): { host: string; port: number } | null {
  return splitAuthority(url ?? '');
}
