import { connect, type Socket } from 'node:net';
import { normaliseHost } from './host-normalise.js';
import { parseClientHelloSni } from './tls-sni.js';

/** Dial exactly this address (an IP literal: no lookup happens here). */
export function dial(
  address: string,
  port: number,
  timeoutMs: number,
  onread?: { buffer: Buffer | (() => Buffer); callback: (n: number, buf: Uint8Array) => boolean },
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: address, port, ...(onread ? { onread } : {}) });
    const t = setTimeout(() => {
      s.destroy();
      reject(new Error(`connect to ${address}:${port} timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    const onError = (e: Error) => {
      clearTimeout(t);
      reject(e);
    };
    s.once('error', onError);
    s.once('connect', () => {
      clearTimeout(t);
      s.removeListener('error', onError);
      s.on('error', () => s.destroy()); // until the caller attaches its own handling
      resolve(s);
    });
  });
}

/**
 * Read buffers for tunnel downloads, recycled instead of allocated per read. libuv reads straight
 * into a pooled buffer, the bytes are written on from that same buffer (no copy), and the buffer
 * goes back to the pool when the write completes. A socket starts with a small buffer and moves
 * up a size class each time a read fills it, so bulk transfers read up to 4 MiB at a time while
 * hundreds of idle tunnels hold only 16 KiB each. Profiling the previous design (one shared 1 MiB
 * buffer, each read copied into a fresh allocation) showed ~25% of the proxy's CPU in that copy
 * and the page faults of the fresh allocations. The 4 MiB class quarters the per-chunk work (the
 * stream bookkeeping and the syscalls of each chunk) of a bulk tunnel; in five A/B runs it cut the
 * proxy's CPU per GiB by 0–28% (median 20%; docs/egress.md, Measured).
 */
const SIZE_CLASSES = [16 << 10, 256 << 10, 1 << 20, 4 << 20] as const;
const POOL_KEEP = [256, 32, 16, 4] as const; // retained free buffers per class (≤ 44 MiB in all)
const pools: Buffer[][] = SIZE_CLASSES.map(() => []);

/**
 * Memory bound: a stalled tunnel (its client does not read) holds its read buffer plus one chunk
 * in flight. The more tunnels are open, the smaller the largest class they may use: ≤ 8 tunnels
 * up to 4 MiB, ≤ 32 up to 1 MiB (8 × 8 MiB and 32 × 2 MiB: 64 MiB either way), ≤ 512 up to
 * 256 KiB, beyond that 16 KiB (at the 4096-connection cap: ≈ 0.4 GiB worst case, where one 1 MiB
 * chunk per tunnel would be 4 GiB).
 */
let openTunnels = 0;
const largestClass = () => (openTunnels <= 8 ? 3 : openTunnels <= 32 ? 2 : openTunnels <= 512 ? 1 : 0);

function takeBuffer(cls: number): Buffer {
  return pools[cls]?.pop() ?? Buffer.allocUnsafeSlow(SIZE_CLASSES[cls] ?? SIZE_CLASSES[0]);
}

function giveBuffer(buf: Buffer): void {
  const cls = SIZE_CLASSES.indexOf(buf.length);
  const pool = pools[cls];
  if (pool && pool.length < (POOL_KEEP[cls] ?? 0)) pool.push(buf);
}

/** An upstream socket whose bytes are handed to a client once the tunnel is set up. */
export interface TunnelUpstream {
  socket: Socket;
  /** Start forwarding to `to` (bytes that arrived earlier are flushed first), with backpressure. */
  deliver(to: Socket, count: (n: number) => void): void;
}

export async function dialTunnel(address: string, port: number, timeoutMs: number): Promise<TunnelUpstream> {
  let target: Socket | null = null;
  let count: (n: number) => void = () => {};
  const early: Buffer[] = [];
  let ended = false;
  let socket: Socket | null = null;
  let cls = 0;
  const resume = () => socket?.resume();
  const callback = (n: number, buf: Uint8Array): boolean => {
    const full = buf as Buffer; // the buffer the generator below handed out
    const top = largestClass();
    if (cls > top) cls = top;
    else if (n === full.length && cls < top) cls++;
    const chunk = full.subarray(0, n);
    if (!target) {
      early.push(chunk);
      return false; // hold further reads until the tunnel is delivered
    }
    count(n);
    // Back to the pool only once libuv is done with it (not after a failed or cancelled write).
    if (!target.write(chunk, (err) => err || giveBuffer(full))) {
      target.once('drain', resume);
      return false;
    }
    return true;
  };
  socket = await dial(address, port, timeoutMs, { buffer: () => takeBuffer(cls), callback });
  const s = socket;
  openTunnels++;
  s.once('close', () => openTunnels--);
  s.once('end', () => {
    ended = true;
    target?.end();
  });
  return {
    socket: s,
    deliver(to, c) {
      count = c;
      for (const chunk of early) {
        c(chunk.length);
        to.write(chunk);
      }
      early.length = 0;
      target = to;
      if (ended) to.end();
      else s.resume();
    },
  };
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
  up: TunnelUpstream,
  head: Buffer,
  expectedHost: string,
): Promise<TunnelResult> {
  return new Promise((resolve) => {
    const upstream = up.socket;
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

    up.deliver(client, (n) => {
      result.bytesDown += n;
    });

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
