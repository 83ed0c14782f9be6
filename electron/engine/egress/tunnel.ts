import { connect, type Socket } from 'node:net';
import { normaliseHost } from './host-normalise.js';
import { parseClientHelloSni } from './tls-sni.js';

/** Dial exactly this address (an IP literal: no lookup happens here). */
export function dial(address: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: address, port });
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error(`connect to ${address}:${port} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(t);
      s.removeAllListeners('error');
      resolve(s);
    });
    s.once('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
  });
}

export interface TunnelResult {
  bytesUp: number;
  bytesDown: number;
  /** Set when the tunnel was cut because of what the client sent first. */
  refused?: { reason: string; detail: string };
}

/**
 * Splice client ⇄ upstream. The client's first bytes are held until they are known not to be a
 * TLS ClientHello, or are one whose SNI matches the requested host (an absent SNI is accepted:
 * the destination address is already the allowed one). A mismatch or a malformed hello cuts both.
 * Server-first protocols work: upstream → client flows from the start.
 */
export function runTunnel(
  client: Socket,
  upstream: Socket,
  head: Buffer,
  expectedHost: string,
): Promise<TunnelResult> {
  return new Promise((resolve) => {
    const result: TunnelResult = { bytesUp: 0, bytesDown: 0 };
    client.setTimeout(0);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    let pending: Buffer = head;
    let judged = false;
    let closed = 0;
    const finish = () => {
      if (++closed === 2) resolve(result);
    };
    const cut = (reason: string, detail: string) => {
      result.refused = { reason, detail };
      client.destroy();
      upstream.destroy();
    };
    client.once('close', finish);
    upstream.once('close', finish);
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());

    upstream.on('data', (d: Buffer) => {
      result.bytesDown += d.length;
    });
    upstream.pipe(client);

    const release = () => {
      judged = true;
      client.removeListener('data', onFirst);
      if (pending.length > 0) {
        result.bytesUp += pending.length;
        upstream.write(pending);
      }
      pending = Buffer.alloc(0);
      client.on('data', (d: Buffer) => {
        result.bytesUp += d.length;
      });
      client.pipe(upstream);
    };
    const check = () => {
      const r = parseClientHelloSni(pending);
      if (r.state === 'need-more') return;
      if (r.state === 'malformed') return cut('malformed tls', `the TLS ClientHello is malformed (${r.why})`);
      if (r.state === 'ok' && r.sni !== null) {
        const sni = normaliseHost(r.sni);
        if (sni !== expectedHost)
          return cut(
            'sni mismatch',
            `TLS SNI ${JSON.stringify(r.sni)} does not match the requested host ${expectedHost}`,
          );
      }
      release();
    };
    const onFirst = (d: Buffer) => {
      if (judged) return;
      pending = Buffer.concat([pending, d]);
      check();
    };
    client.on('data', onFirst);
    if (pending.length > 0) check();
    if (!judged) client.resume();
  });
}

/** Run `fn` with a signal that aborts if the socket closes meanwhile (an ask stops waiting). */
export async function whileOpen<T>(s: Socket, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  const onClose = () => ac.abort();
  s.once('close', onClose);
  try {
    return await fn(ac.signal);
  } finally {
    s.removeListener('close', onClose);
  }
}
