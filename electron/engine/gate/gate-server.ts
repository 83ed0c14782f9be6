import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorMessage } from '../errors.js';
import type { SessionEventSink } from '../sessions/session-events.js';
import { claudeHookAnswer } from './claude-adapter.js';
import type { GateJudge, GateVerdict } from './gate-judge.js';
import { parseGateRequest } from './gate-protocol.js';

export interface GateServerOptions {
  sessionId: string;
  agent: string;
  /** The session network's gateway: reachable from the sandbox, nowhere else. */
  listenHost: string;
  listenPort?: number;
  /** Per-session secret; generated when absent. */
  token?: string;
  judge: GateJudge;
  events: SessionEventSink;
}

export interface GateServerHandle {
  host: string;
  port: number;
  /** `http://host:port` */
  url: string;
  token: string;
  close(): Promise<void>;
}

const MAX_BODY = 1 << 20;

/**
 * The gate for one session: a small HTTP server on the session network's gateway. Every
 * request carries `Authorization: Bearer <token>`. Routes (all POST):
 * - `/v1/check`: the versioned JSON protocol `{v:1, kind:'command'|'tool', …}` → `{v:1, decision, reason, rule}`
 * - `/v1/shell`: a raw command line (for the shell gate, no JSON in sh) → `allow\n` or `deny\n<reason>`
 * - `/v1/claude/<event>`: Claude Code hook input as-is → Claude Code hook output
 * - `/v1/codex/<event>`: Codex hook input → Codex hook output
 * Malformed requests get 400 and the client then denies (fail closed).
 */
export async function startGateServer(opts: GateServerOptions): Promise<GateServerHandle> {
  const token = opts.token ?? randomBytes(24).toString('base64url');
  const expected = Buffer.from(`Bearer ${token}`);
  const { judge, events, sessionId, agent } = opts;

  const authorised = (req: IncomingMessage) => {
    const got = Buffer.from(req.headers.authorization ?? '');
    return got.length === expected.length && timingSafeEqual(got, expected);
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, body: Buffer, gone: AbortSignal) => {
    const url = req.url ?? '/';
    const send = (status: number, payload: unknown, type = 'application/json') => {
      const text = type === 'application/json' ? JSON.stringify(payload) : String(payload);
      res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(text) }).end(text);
    };
    if (url === '/v1/shell') {
      const raw = req.headers['x-paddock-cwd'];
      let cwd: string | undefined;
      try {
        cwd = typeof raw === 'string' && raw.startsWith('/') ? decodeURIComponent(raw) : undefined;
      } catch {
        cwd = undefined; // a malformed escape: judge against the workspace
      }
      const v = await judge.command(body.toString('utf8'), cwd, gone);
      return send(200, v.decision === 'allow' ? 'allow\n' : `deny\n${v.reason}\n`, 'text/plain');
    }
    let json: unknown;
    try {
      json = JSON.parse(body.toString('utf8'));
    } catch {
      return send(400, { v: 1, decision: 'deny', reason: 'Paddock gate: the request was not JSON' });
    }
    if (url === '/v1/check') {
      const r = parseGateRequest(json);
      if (!r.ok) return send(400, { v: 1, decision: 'deny', reason: `Paddock gate: ${r.error}` });
      const v: GateVerdict = r.value.kind === 'command' ? await judge.command(r.value.command, r.value.cwd, gone) : await judge.tool(r.value.tool, r.value.input, r.value.cwd, gone);
      return send(200, { v: 1, decision: v.decision, reason: v.reason, rule: v.rule, policy: v.policy });
    }
    const m = /^\/v1\/(claude|codex)\/([a-z-]+)$/.exec(url);
    if (m) return send(200, await claudeHookAnswer(m[2]!, json, { judge, events, sessionId, agent, dialect: m[1] as 'claude' | 'codex', signal: gone }));
    return send(404, { v: 1, decision: 'deny', reason: `Paddock gate: no route ${url}` });
  };

  const server = createServer((req, res) => {
    if (req.method !== 'POST' || !authorised(req)) {
      req.resume();
      res.writeHead(req.method !== 'POST' ? 405 : 401, { 'content-type': 'text/plain' }).end('Paddock gate: denied\n');
      return;
    }
    const ac = new AbortController();
    res.on('close', () => !res.writableFinished && ac.abort());
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        res.writeHead(413).end('Paddock gate: request too large\n');
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => {
      handle(req, res, Buffer.concat(chunks), ac.signal).catch((e: unknown) => {
        events.emit(sessionId, 'session.error', { code: 'INTERNAL', message: `gate: ${errorMessage(e)}` });
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end('Paddock gate: internal error\n');
      });
    });
  });
  server.keepAliveTimeout = 60_000;
  server.headersTimeout = 10_000;
  // An ask may wait for a human for minutes: no request timeout on our side (the broker has one).
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.listenPort ?? 0, opts.listenHost, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.listenHost;
  return {
    host,
    port,
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
