import { createSocket, type Socket } from 'node:dgram';
import type { SessionEventSink } from '../sessions/session-events.js';
import './egress-events.js';

/**
 * The sandbox's only DNS server. The runner sets the container's DNS to the session gateway;
 * Docker's embedded resolver forwards there from the container's namespace, and this answers
 * REFUSED to every query (names are resolved by the proxy, on the host) and logs each one as a
 * denied decision. Port 53 needs privilege: when it cannot bind, returns null and queries just
 * fail (no resolver answers; the network is internal either way).
 */
export interface DnsRefuser {
  port: number;
  close(): Promise<void>;
}

export async function startDnsRefuser(opts: {
  sessionId: string;
  listenHost: string;
  port?: number;
  events: SessionEventSink;
}): Promise<DnsRefuser | null> {
  const sock: Socket = createSocket(opts.listenHost.includes(':') ? 'udp6' : 'udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      sock.once('error', reject);
      sock.bind(opts.port ?? 53, opts.listenHost, () => resolve());
    });
  } catch {
    sock.close();
    return null;
  }
  sock.on('error', () => {});
  sock.on('message', (msg, rinfo) => {
    const startedAt = Date.now();
    if (msg.length < 12) return;
    const q = readQuestion(msg);
    const resp = Buffer.from(msg.subarray(0, q ? q.end : 12));
    resp[2] = ((resp[2] ?? 0) | 0x80) & ~0x02; // QR=1, TC=0
    resp[3] = ((resp[3] ?? 0) & 0xf0) | 5; // RCODE=REFUSED
    resp.writeUInt16BE(q ? 1 : 0, 4);
    resp.fill(0, 6, 12); // no answers, authority or additional records
    sock.send(resp, rinfo.port, rinfo.address);
    opts.events.emit(opts.sessionId, 'network.decision', {
      client: `${rinfo.address}:${rinfo.port}`,
      protocol: 'dns',
      method: 'DNS',
      host: q?.name ?? '?',
      port: 53,
      address: null,
      rule: 'dns: the sandbox has no resolver',
      ruleDecision: null,
      decision: 'deny',
      reason: 'dns refused',
      bytesUp: msg.length,
      bytesDown: resp.length,
      durationMs: Date.now() - startedAt,
      startedAt,
    });
  });
  return { port: sock.address().port, close: () => new Promise((r) => sock.close(() => r())) };
}

function readQuestion(msg: Buffer): { name: string; end: number } | null {
  if (msg.readUInt16BE(4) < 1) return null;
  const labels: string[] = [];
  let p = 12;
  while (p < msg.length) {
    const len = msg[p] ?? 0;
    if (len === 0) break;
    if (len > 63 || p + 1 + len > msg.length) return null;
    labels.push(msg.subarray(p + 1, p + 1 + len).toString('latin1'));
    p += 1 + len;
  }
  if (p + 5 > msg.length) return null;
  return { name: labels.join('.').toLowerCase(), end: p + 5 };
}
