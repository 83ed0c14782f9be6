import type { Socket } from 'node:net';

/**
 * SOCKS5 (RFC 1928) server side, CONNECT only: no-auth, or username/password (RFC 1929) used
 * as a session token when one is configured. Reads from a paused socket with a small buffer.
 */
export interface SocksTarget {
  host: string;
  port: number;
}

export const SOCKS_REPLY = {
  ok: 0x00,
  failure: 0x01,
  notAllowed: 0x02,
  hostUnreachable: 0x04,
  refused: 0x05,
  commandNotSupported: 0x07,
  addressNotSupported: 0x08,
} as const;

class Reader {
  private buf: Buffer = Buffer.alloc(0);
  private waiting: (() => void) | null = null;
  private ended = false;
  constructor(
    private readonly socket: Socket,
    first: Buffer,
  ) {
    this.buf = first;
    socket.on('data', this.onData);
    socket.once('end', this.onEnd);
    socket.once('close', this.onEnd);
  }
  private readonly onData = (d: Buffer) => {
    this.buf = Buffer.concat([this.buf, d]);
    if (this.buf.length > 1024) this.socket.destroy();
    this.waiting?.();
  };
  private readonly onEnd = () => {
    this.ended = true;
    this.waiting?.();
  };
  async take(n: number): Promise<Buffer> {
    while (this.buf.length < n) {
      if (this.ended) throw new Error('client went away during the SOCKS5 handshake');
      await new Promise<void>((r) => (this.waiting = r));
      this.waiting = null;
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(n);
    return out;
  }
  /** Stop reading; return whatever the client sent past the handshake. */
  detach(): Buffer {
    this.socket.removeListener('data', this.onData);
    this.socket.removeListener('end', this.onEnd);
    this.socket.removeListener('close', this.onEnd);
    this.socket.pause();
    return this.buf;
  }
}

export type SocksHandshake = { ok: true; target: SocksTarget; rest: Buffer } | { ok: false; why: string };

export async function socksHandshake(
  socket: Socket,
  first: Buffer,
  token: string | null,
): Promise<SocksHandshake> {
  const r = new Reader(socket, first);
  socket.resume();
  try {
    const [ver, nMethods] = await r.take(2);
    if (ver !== 5) return fail(r, 'not SOCKS version 5');
    const methods = [...(await r.take(nMethods ?? 0))];
    const want = token === null ? 0x00 : 0x02;
    if (!methods.includes(want)) {
      socket.write(Buffer.from([5, 0xff]));
      return fail(
        r,
        token === null
          ? 'client offers no usable auth method'
          : 'client did not offer username/password (token) auth',
      );
    }
    socket.write(Buffer.from([5, want]));
    if (token !== null) {
      const [, ulen] = await r.take(2);
      await r.take(ulen ?? 0);
      const [plen] = await r.take(1);
      const pass = (await r.take(plen ?? 0)).toString('utf8');
      const good = pass === token;
      socket.write(Buffer.from([1, good ? 0 : 1]));
      if (!good) return fail(r, 'wrong SOCKS5 token');
    }
    const [v, cmd, , atyp] = await r.take(4);
    if (v !== 5) return fail(r, 'bad SOCKS5 request');
    let host: string;
    if (atyp === 1) host = [...(await r.take(4))].join('.');
    else if (atyp === 3) {
      const [len] = await r.take(1);
      host = (await r.take(len ?? 0)).toString('latin1');
    } else if (atyp === 4) {
      const b = await r.take(16);
      host = Array.from({ length: 8 }, (_, i) => b.readUInt16BE(i * 2).toString(16)).join(':');
    } else {
      reply(socket, SOCKS_REPLY.addressNotSupported);
      return fail(r, 'unknown SOCKS5 address type');
    }
    const port = (await r.take(2)).readUInt16BE(0);
    if (cmd !== 1) {
      reply(socket, SOCKS_REPLY.commandNotSupported);
      return fail(r, 'only the SOCKS5 CONNECT command is supported');
    }
    return { ok: true, target: { host, port }, rest: r.detach() };
  } catch (e) {
    return fail(r, e instanceof Error ? e.message : 'SOCKS5 handshake failed');
  }
}

function fail(r: Reader, why: string): SocksHandshake {
  r.detach();
  return { ok: false, why };
}

/** Reply with an all-zero bound address (clients do not use it). */
export function reply(socket: Socket, code: number): void {
  socket.write(Buffer.from([5, code, 0, 1, 0, 0, 0, 0, 0, 0]));
}
