import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { denyBody } from './deny-response.js';
import type { EgressProtocol } from './egress-events.js';
import type { Verdict } from './egress-judge.js';
import { judge } from './egress-judge.js';
import { splitAuthority } from './host-normalise.js';
import type { ProxyRuntime } from './proxy-runtime.js';
import { clientOf, eventFor } from './proxy-runtime.js';
import { SOCKS_REPLY, reply, socksHandshake } from './socks5.js';
import { dialTunnel, runTunnel, whileOpen, type TunnelUpstream } from './tunnel.js';

/** The `client` of the events the proxy's own self-check produces. */
export const SELF_CHECK_CLIENT = 'paddock-self-check';

/** CONNECT host:port — judged before any answer; a denial is a 403 and no tunnel. */
export async function handleConnect(
  rt: ProxyRuntime,
  req: IncomingMessage,
  client: Socket,
  head: Buffer,
): Promise<void> {
  const startedAt = Date.now();
  const who = rt.isSelfCheck(req) ? SELF_CHECK_CLIENT : clientOf(client);
  client.on('error', () => client.destroy());
  const target = splitAuthority(req.url ?? '');
  if (!target) {
    client.end(
      'HTTP/1.1 400 Bad Request\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nPaddock egress proxy: CONNECT needs host:port.\n',
    );
    return;
  }
  const v = await whileOpen(client, (gone) =>
    judge(
      rt.judgeContext(req),
      { protocol: 'connect', method: 'CONNECT', tunnel: true, rawHost: target.host, port: target.port },
      gone,
    ),
  );
  if (v.decision === 'deny' || !v.address) {
    const body = denyBody(rt.sessionId, 'CONNECT', v);
    client.end(
      `HTTP/1.1 403 Forbidden\r\ncontent-type: text/plain; charset=utf-8\r\nx-paddock-decision: deny\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    );
    return rt.emit(eventFor(who, 'connect', 'CONNECT', v, startedAt));
  }
  let upstream: TunnelUpstream;
  try {
    upstream = await dialTunnel(v.address, v.port, rt.connectTimeoutMs);
  } catch (e) {
    client.end(
      `HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain\r\nconnection: close\r\n\r\nPaddock egress proxy: could not connect to ${v.host}:${v.port}: ${(e as Error).message}\n`,
    );
    return rt.emit(eventFor(who, 'connect', 'CONNECT', v, startedAt, { reason: 'connect failed' }));
  }
  client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
  await splice(rt, 'connect', 'CONNECT', who, client, upstream, head, v, startedAt);
}

/** A SOCKS5 client (first byte 0x05) on the same port, under the same rules. */
export async function handleSocks(rt: ProxyRuntime, client: Socket, first: Buffer): Promise<void> {
  const startedAt = Date.now();
  const who = clientOf(client);
  client.on('error', () => client.destroy());
  const hs = await socksHandshake(client, first, rt.socksToken);
  if (!hs.ok) {
    client.end();
    return;
  }
  client.setTimeout(0); // handshake done; an ask may now take as long as its own timeout
  const v = await whileOpen(client, (gone) =>
    judge(
      rt.judgeContext(null),
      { protocol: 'socks5', method: 'SOCKS5', tunnel: true, rawHost: hs.target.host, port: hs.target.port },
      gone,
    ),
  );
  if (v.decision === 'deny' || !v.address) {
    reply(client, SOCKS_REPLY.notAllowed);
    client.end();
    return rt.emit(eventFor(who, 'socks5', 'SOCKS5', v, startedAt));
  }
  let upstream: TunnelUpstream;
  try {
    upstream = await dialTunnel(v.address, v.port, rt.connectTimeoutMs);
  } catch {
    reply(client, SOCKS_REPLY.hostUnreachable);
    client.end();
    return rt.emit(eventFor(who, 'socks5', 'SOCKS5', v, startedAt, { reason: 'connect failed' }));
  }
  reply(client, SOCKS_REPLY.ok);
  await splice(rt, 'socks5', 'SOCKS5', who, client, upstream, hs.rest, v, startedAt);
}

async function splice(
  rt: ProxyRuntime,
  protocol: EgressProtocol,
  method: string,
  who: string,
  client: Socket,
  upstream: TunnelUpstream,
  head: Buffer,
  v: Verdict,
  startedAt: number,
): Promise<void> {
  const r = await runTunnel(client, upstream, head, v.host);
  const extra = r.refused ? { decision: 'deny' as const, reason: r.refused.reason } : {};
  rt.emit(
    eventFor(who, protocol, method, v, startedAt, {
      bytesUp: r.bytesUp,
      bytesDown: r.bytesDown,
      durationMs: Date.now() - startedAt,
      ...extra,
    }),
  );
}
