import { connect, createServer } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseClientHelloSni } from './tls-sni.js';

/** Capture the real ClientHello Node's TLS stack sends for a servername, on loopback. */
async function captureHello(servername: string | undefined): Promise<Buffer> {
  const server = createServer();
  const got = new Promise<Buffer>((resolve) => {
    server.on('connection', (s) => {
      const chunks: Buffer[] = [];
      s.on('data', (d: Buffer) => {
        chunks.push(d);
        const all = Buffer.concat(chunks);
        if (parseClientHelloSni(all).state !== 'need-more') {
          resolve(all);
          s.destroy();
        }
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  const raw = connect(port, '127.0.0.1');
  const tls = tlsConnect({ socket: raw, servername, rejectUnauthorized: false });
  tls.on('error', () => {});
  const hello = await got;
  tls.destroy();
  server.close();
  return hello;
}

describe('parseClientHelloSni', () => {
  let hello: Buffer;
  beforeAll(async () => {
    hello = await captureHello('api.example.com');
  });

  it('reads the SNI of a real ClientHello', () => {
    expect(parseClientHelloSni(hello)).toEqual({ state: 'ok', sni: 'api.example.com' });
  });

  it('asks for more on every strict prefix', () => {
    for (const n of [1, 3, 5, 9, 40, hello.length - 1])
      expect(parseClientHelloSni(hello.subarray(0, n)).state).toBe('need-more');
  });

  it('reads a ClientHello split across two TLS records', () => {
    const body = hello.subarray(5);
    const cut = 30;
    const rec = (b: Buffer) =>
      Buffer.concat([Buffer.from([0x16, 0x03, 0x01, b.length >> 8, b.length & 0xff]), b]);
    const split = Buffer.concat([rec(body.subarray(0, cut)), rec(body.subarray(cut))]);
    expect(parseClientHelloSni(split)).toEqual({ state: 'ok', sni: 'api.example.com' });
  });

  it('reports no SNI when the client sends none', async () => {
    const noSni = await captureHello(undefined);
    expect(parseClientHelloSni(noSni)).toEqual({ state: 'ok', sni: null });
  });

  it('says not-tls for plain text and malformed for junk handshakes', () => {
    expect(parseClientHelloSni(Buffer.from('GET / HTTP/1.1\r\n')).state).toBe('not-tls');
    expect(parseClientHelloSni(Buffer.from([0x16, 3, 1, 0, 4, 2, 0, 0, 0])).state).toBe('malformed');
    // A ClientHello whose handshake length promises more than its records carry is cut short.
    const lying = Buffer.from(hello.subarray(0, 9 + 40));
    lying.writeUInt16BE(4 + 40, 3);
    lying.writeUIntBE(40, 6, 3);
    expect(parseClientHelloSni(lying)).toMatchObject({ state: 'malformed' });
  });
});
