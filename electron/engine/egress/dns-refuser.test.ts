import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { startDnsRefuser } from './dns-refuser.js';
import { CollectingSink } from './egress-test-kit.test-helper.js';

function query(name: string): Buffer {
  const head = Buffer.from([0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0]);
  const labels = name.split('.').map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)]));
  return Buffer.concat([head, ...labels, Buffer.from([0, 0, 1, 0, 1])]);
}

describe('dns refuser', () => {
  it('answers REFUSED to every query on loopback and logs it as a denial', async () => {
    const sink = new CollectingSink();
    const r = await startDnsRefuser({ sessionId: 's', listenHost: '127.0.0.1', port: 0, events: sink });
    if (!r) throw new Error('could not bind a loopback UDP port');
    const c = createSocket('udp4');
    const answer = await new Promise<Buffer>((resolve) => {
      c.once('message', (m) => resolve(m));
      c.send(query('Exfil.Example.com'), r.port, '127.0.0.1');
    });
    c.close();
    await r.close();
    expect(answer.readUInt16BE(0)).toBe(0x1234);
    expect((answer[2] ?? 0) & 0x80).toBe(0x80);
    expect((answer[3] ?? 0) & 0x0f).toBe(5);
    expect(answer.readUInt16BE(6)).toBe(0);
    expect(sink.decisions()).toMatchObject([
      { protocol: 'dns', host: 'exfil.example.com', decision: 'deny' },
    ]);
  });
});
