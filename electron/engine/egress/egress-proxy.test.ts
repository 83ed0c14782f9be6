import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { connect, createServer } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ApprovalDecider, ApprovalRequest } from './approval-decider.js';
import { fixedDecider } from './approval-decider.js';
import { mapResolver } from './egress-judge.js';
import type { EgressProxyHandle, EgressProxyOptions } from './egress-proxy.js';
import { startEgressProxy } from './egress-proxy.js';
import {
  CollectingSink,
  fakeHttpUpstream,
  fakeTcpUpstream,
  rawExchange,
  type FakeUpstream,
} from './egress-test-kit.test-helper.js';
import type { NetworkRule } from './network-rules.js';

// Loopback only. The proxy refuses loopback destinations unless a rule names 127.0.0.1
// exactly, so every positive case below carries such a rule for the upstream's port.
let up: FakeUpstream;
let tcp: Awaited<ReturnType<typeof fakeTcpUpstream>>;
const open: EgressProxyHandle[] = [];
const resolver = mapResolver({
  'allowed.test': '127.0.0.1',
  'a.allowed.test': '127.0.0.1',
  'evil-allowed.test': '127.0.0.1',
  'denied.test': '127.0.0.1',
  'xn--bcher-kva.test': '127.0.0.1',
  'rebind.test': '127.0.0.1',
});

beforeAll(async () => {
  up = await fakeHttpUpstream();
  tcp = await fakeTcpUpstream();
});
afterAll(async () => {
  await up.close();
  await tcp.close();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

function baseRules(): NetworkRule[] {
  return [
    { host: 'allowed.test', ports: [up.port, tcp.port], decision: 'allow' },
    { host: '*.allowed.test', ports: [up.port], decision: 'allow' },
    { host: 'bücher.test', ports: [up.port], decision: 'allow' },
    { host: 'rebind.test', decision: 'allow' },
    { host: 'denied.test', decision: 'deny', source: { file: 'policy.toml', line: 4 } },
    { host: '127.0.0.1', ports: [up.port, tcp.port], decision: 'allow' },
  ];
}

async function start(
  over: Partial<EgressProxyOptions> = {},
): Promise<{ proxy: EgressProxyHandle; sink: CollectingSink }> {
  const sink = new CollectingSink();
  const proxy = await startEgressProxy({
    sessionId: 's-test',
    listenHost: '127.0.0.1',
    rules: baseRules(),
    defaultDecision: 'deny',
    decider: null,
    events: sink,
    resolver,
    ...over,
  });
  open.push(proxy);
  return { proxy, sink };
}

/** An absolute-form request through the proxy. */
function viaProxy(
  proxy: EgressProxyHandle,
  url: string,
  method = 'GET',
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port: proxy.port,
        method,
        path: url,
        headers: { host: new URL(url).host, ...headers },
        agent: false,
      },
      (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

describe('HTTP forward proxy', () => {
  it('forwards an allowed absolute-form request and emits the decision with bytes', async () => {
    const { proxy, sink } = await start();
    const r = await viaProxy(proxy, `http://allowed.test:${up.port}/hello`);
    expect(r).toMatchObject({ status: 200, body: 'hello GET /hello' });
    expect(up.seen.at(-1)?.headers.host).toBe(`allowed.test:${up.port}`);
    const [ev] = await sink.waitFor(1);
    expect(ev).toMatchObject({
      protocol: 'http',
      method: 'GET',
      host: 'allowed.test',
      port: up.port,
      address: '127.0.0.1',
      decision: 'allow',
      reason: 'rule',
    });
    expect(ev?.bytesDown).toBeGreaterThan(0);
  });

  it.each([
    ['ALLOWED.TEST', 'allow'],
    ['allowed.test.', 'allow'],
    ['a.allowed.test', 'allow'],
    ['evil-allowed.test', 'deny'],
    ['xn--bcher-kva.test', 'allow'],
  ])('normalises %s before matching → %s', async (host, want) => {
    const { proxy } = await start();
    const r = await viaProxy(proxy, `http://${host}:${up.port}/n`);
    expect(r.status).toBe(want === 'allow' ? 200 : 403);
  });

  it('answers 403 naming the deny rule, or the default, and how to allow', async () => {
    const { proxy, sink } = await start();
    const byRule = await viaProxy(proxy, `http://denied.test:${up.port}/`);
    expect(byRule.status).toBe(403);
    expect(byRule.body).toContain('policy.toml:4');
    expect(byRule.body).toContain('deny denied.test');
    const byDefault = await viaProxy(proxy, `http://unknown.test:${up.port}/`);
    expect(byDefault.status).toBe(403);
    expect(byDefault.body).toContain('no rule matched; default deny');
    expect(byDefault.body).toContain(`allow unknown.test port ${up.port}`);
    const evs = await sink.waitFor(2);
    expect(evs.map((e) => [e.decision, e.reason])).toEqual([
      ['deny', 'rule'],
      ['deny', 'default'],
    ]);
  });

  it('refuses an allowed name that resolves to loopback unless a rule names the exact address', async () => {
    const { proxy } = await start({ rules: baseRules().filter((r) => r.host !== '127.0.0.1') });
    const r = await viaProxy(proxy, `http://rebind.test:${up.port}/`);
    expect(r.status).toBe(403);
    expect(r.body).toMatch(/resolved to 127\.0\.0\.1, a loopback address/);
    expect(up.seen.some((s) => s.url === '/never')).toBe(false);
  });

  it('judges a redirect target on its own', async () => {
    const { proxy } = await start();
    const first = await viaProxy(proxy, `http://allowed.test:${up.port}/redirect`);
    expect(first.status).toBe(302);
    const second = await viaProxy(proxy, String(first.headers.location));
    expect(second.status).toBe(403);
  });

  it('refuses requests to the proxy itself', async () => {
    const { proxy } = await start({ rules: [...baseRules(), { host: '127.0.0.1', decision: 'allow' }] });
    const r = await viaProxy(proxy, `http://127.0.0.1:${proxy.port}/x`);
    expect(r.status).toBe(400); // origin server = the proxy: not a proxied request
    const c = await rawExchange(proxy.port, `CONNECT 127.0.0.1:${proxy.port} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(c.text).toMatch(/^HTTP\/1\.1 403/);
    expect(c.text).toContain('the proxy never connects to itself');
  });
});

describe('CONNECT', () => {
  it('tunnels to an allowed host:port, server-first protocols included', async () => {
    const { proxy, sink } = await start();
    const r = await rawExchange(
      proxy.port,
      `CONNECT allowed.test:${tcp.port} HTTP/1.1\r\nHost: allowed.test\r\n\r\nplain bytes`,
      '220 greetings',
    );
    expect(r.text).toMatch(/^HTTP\/1\.1 200/);
    await new Promise((res) => setTimeout(res, 50));
    expect(tcp.received().toString()).toContain('plain bytes');
    r.socket.destroy();
    const [ev] = await sink.waitFor(1);
    expect(ev).toMatchObject({ protocol: 'connect', decision: 'allow', host: 'allowed.test' });
  });

  it('forwards bulk downloads byte for byte through concurrent tunnels (recycled read buffers), counting every byte', async () => {
    // Distinct random bytes per tunnel: a read buffer handed back to the pool too early, or
    // shared between tunnels, would show up as a wrong digest.
    const size = 12 << 20;
    const payloads = [randomBytes(size), randomBytes(size), randomBytes(size)];
    const bulk = createServer((s) => {
      s.on('error', () => {});
      s.once('data', (d: Buffer) => s.end(payloads[Number(d.toString())] ?? ''));
    });
    await new Promise<void>((r) => bulk.listen(0, '127.0.0.1', r));
    const bulkPort = (bulk.address() as { port: number }).port;
    const { proxy, sink } = await start({ rules: [{ host: '127.0.0.1', ports: [bulkPort], decision: 'allow' }] });
    const download = (i: number, slow: boolean) =>
      new Promise<{ digest: string; bytes: number }>((resolve, reject) => {
        const s = connect(proxy.port, '127.0.0.1');
        const hash = createHash('sha256');
        let head = '';
        let bytes = 0;
        s.on('error', reject);
        s.write(`CONNECT 127.0.0.1:${bulkPort} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n${i}`);
        s.on('data', (d: Buffer) => {
          if (!head.endsWith('\r\n\r\n')) {
            const text = head + d.toString('latin1');
            const end = text.indexOf('\r\n\r\n');
            if (end < 0) return void (head = text);
            head = text.slice(0, end + 4);
            d = d.subarray(d.length - (text.length - head.length));
          }
          bytes += d.length;
          hash.update(d);
          if (slow && bytes % 7 === 0) {
            s.pause(); // backpressure all the way to the upstream read side
            setTimeout(() => s.resume(), 2);
          }
        });
        s.on('end', () => resolve({ digest: hash.digest('hex'), bytes }));
      });
    const got = await Promise.all([download(0, false), download(1, true), download(2, false)]);
    got.forEach((g, i) => {
      expect(g.bytes).toBe(size);
      expect(g.digest).toBe(createHash('sha256').update(payloads[i] ?? '').digest('hex'));
    });
    const evs = await sink.waitFor(3);
    expect(evs.map((e) => [e.protocol, e.decision, e.bytesUp, e.bytesDown])).toEqual([
      ['connect', 'allow', 1, size],
      ['connect', 'allow', 1, size],
      ['connect', 'allow', 1, size],
    ]);
    await new Promise((r) => bulk.close(() => r(undefined)));
  });

  it('answers 403 before any tunnel for a disallowed port', async () => {
    const { proxy } = await start();
    const r = await rawExchange(proxy.port, `CONNECT allowed.test:25 HTTP/1.1\r\nHost: allowed.test\r\n\r\n`);
    expect(r.text).toMatch(/^HTTP\/1\.1 403/);
    expect(r.text).toContain('no rule matched; default deny');
  });

  async function tlsThroughConnect(
    proxy: EgressProxyHandle,
    connectHost: string,
    servername: string,
  ): Promise<string> {
    const before = tcp.received().length;
    const s = connect(proxy.port, '127.0.0.1');
    await new Promise<void>((res) => s.once('connect', () => res()));
    s.write(`CONNECT ${connectHost}:${tcp.port} HTTP/1.1\r\nHost: ${connectHost}\r\n\r\n`);
    await new Promise<void>((res) => s.once('data', () => res()));
    const t = tlsConnect({ socket: s, servername, rejectUnauthorized: false });
    t.on('error', () => {});
    await new Promise<void>((res) => s.once('close', () => res()).setTimeout(300, () => res()));
    t.destroy();
    return tcp.received().subarray(before).toString('latin1');
  }

  it('passes a ClientHello whose SNI matches and cuts one that does not', async () => {
    const { proxy, sink } = await start();
    expect(await tlsThroughConnect(proxy, 'allowed.test', 'allowed.test')).toContain('allowed.test');
    expect(await tlsThroughConnect(proxy, 'allowed.test', 'denied.test')).toBe('');
    const evs = await sink.waitFor(2);
    expect(evs.find((e) => e.reason === 'sni mismatch')).toMatchObject({
      decision: 'deny',
      host: 'allowed.test',
    });
  });
});

describe('SOCKS5', () => {
  function socks(
    proxyPort: number,
    host: string,
    port: number,
    token?: string,
  ): Promise<{ reply: number; socket: ReturnType<typeof connect> }> {
    return new Promise((resolve, reject) => {
      const s = connect(proxyPort, '127.0.0.1');
      const steps: Buffer[] = [];
      let stage = 0;
      s.on('error', reject);
      s.on('connect', () => s.write(Buffer.from(token ? [5, 1, 2] : [5, 1, 0])));
      s.on('data', (d: Buffer) => {
        steps.push(d);
        if (stage === 0 && token) {
          stage = 1;
          s.write(
            Buffer.concat([
              Buffer.from([1, 1]),
              Buffer.from('u'),
              Buffer.from([token.length]),
              Buffer.from(token),
            ]),
          );
          return;
        }
        if (stage <= 1) {
          stage = 2;
          const name = Buffer.from(host);
          const portBuf = Buffer.alloc(2);
          portBuf.writeUInt16BE(port);
          s.write(Buffer.concat([Buffer.from([5, 1, 0, 3, name.length]), name, portBuf]));
          return;
        }
        resolve({ reply: d[1] ?? -1, socket: s });
      });
      s.on('close', () => resolve({ reply: -1, socket: s }));
    });
  }

  it('connects allowed targets and refuses others with "not allowed by ruleset"', async () => {
    const { proxy, sink } = await start();
    const ok = await socks(proxy.port, 'allowed.test', tcp.port);
    expect(ok.reply).toBe(0);
    ok.socket.destroy();
    const no = await socks(proxy.port, 'evil-allowed.test', tcp.port);
    expect(no.reply).toBe(2);
    const evs = await sink.waitFor(2);
    expect(evs.map((e) => [e.protocol, e.decision]).sort()).toEqual([
      ['socks5', 'allow'],
      ['socks5', 'deny'],
    ]);
  });

  it('requires the token when one is set', async () => {
    const { proxy } = await start({ socksToken: 'sekret' });
    expect((await socks(proxy.port, 'allowed.test', tcp.port, 'sekret')).reply).toBe(0);
    expect((await socks(proxy.port, 'allowed.test', tcp.port, 'wrong!')).reply).not.toBe(0);
  });
});

describe('ask', () => {
  it('holds the request while the decider decides', async () => {
    const asked: ApprovalRequest[] = [];
    const decider: ApprovalDecider = {
      decide: (r) => (asked.push(r), new Promise((res) => setTimeout(() => res('allow'), 20))),
    };
    const { proxy, sink } = await start({ defaultDecision: 'ask', decider });
    const r = await viaProxy(proxy, `http://unknown.test:${up.port}/`);
    // approved, then refused anyway: unknown.test is not in the resolver map
    expect(asked).toMatchObject([{ host: 'unknown.test', port: up.port, rule: 'session default' }]);
    expect(r.status).toBe(403);
    expect(r.body).toContain('does not resolve');
    const ok = await viaProxy(proxy, `http://allowed.test:${up.port}/x`);
    expect(ok.status).toBe(200);
    expect(asked).toHaveLength(1);
    expect((await sink.waitFor(2))[0]?.reason).toBe('does not resolve');
  });

  it('asks once for a burst of concurrent requests to the same destination', async () => {
    let asked = 0;
    const decider: ApprovalDecider = {
      decide: () => (asked++, new Promise((res) => setTimeout(() => res('allow'), 30))),
    };
    const { proxy } = await start({
      rules: [...baseRules(), { host: 'allowed.test', decision: 'ask' }],
      decider,
    });
    const rs = await Promise.all(
      Array.from({ length: 5 }, () => viaProxy(proxy, `http://allowed.test:${up.port}/burst`)),
    );
    expect(rs.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(asked).toBe(1);
  });

  it('denies on refusal and on timeout, saying which', async () => {
    const never: ApprovalDecider = {
      decide: (_r, signal) =>
        new Promise((_res, rej) => signal.addEventListener('abort', () => rej(new Error('aborted')))),
    };
    const slow = await start({
      rules: [...baseRules(), { host: 'ask.test', decision: 'ask' }],
      decider: never,
      askTimeoutMs: 30,
    });
    const r = await viaProxy(slow.proxy, `http://ask.test:${up.port}/`);
    expect(r.status).toBe(403);
    expect(r.body).toContain('ask timed out');
    const refuse = await start({ defaultDecision: 'ask', decider: fixedDecider('deny') });
    const r2 = await viaProxy(refuse.proxy, `http://allowed.test:1/`);
    expect(r2.body).toContain('the answer was: refused');
  });
});

describe('robustness', () => {
  it('drops a client that connects and says nothing, and one that stalls mid SOCKS5 handshake', async () => {
    const { proxy } = await start({ handshakeTimeoutMs: 50 });
    const silent = await rawExchange(proxy.port, Buffer.alloc(0));
    expect(silent.text).toBe('');
    const stalled = await rawExchange(proxy.port, Buffer.from([5, 1]));
    expect(stalled.text).toBe('');
  });

  it('a SOCKS5 client waiting on an ask outlives the handshake timeout', async () => {
    const decider: ApprovalDecider = {
      decide: () => new Promise((res) => setTimeout(() => res('allow'), 120)),
    };
    const { proxy } = await start({
      handshakeTimeoutMs: 40,
      rules: [...baseRules(), { host: 'allowed.test', decision: 'ask' }],
      decider,
    });
    const s = connect(proxy.port, '127.0.0.1');
    const replies: Buffer[] = [];
    s.on('data', (d: Buffer) => {
      replies.push(d);
      if (replies.length === 1) {
        const name = Buffer.from('allowed.test');
        const port = Buffer.alloc(2);
        port.writeUInt16BE(tcp.port);
        s.write(Buffer.concat([Buffer.from([5, 1, 0, 3, name.length]), name, port]));
      }
    });
    s.on('connect', () => s.write(Buffer.from([5, 1, 0])));
    await new Promise<void>((r) => {
      const check = () => (replies.length >= 2 ? r() : setTimeout(check, 10));
      check();
    });
    expect(replies[1]?.[1]).toBe(0);
    s.destroy();
  });

  it('answers 501 to plain-HTTP upgrades instead of proxying them', async () => {
    const { proxy } = await start();
    const r = await rawExchange(
      proxy.port,
      `GET http://allowed.test:${up.port}/ws HTTP/1.1\r\nHost: allowed.test\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n`,
    );
    expect(r.text).toMatch(/^HTTP\/1\.1 501/);
  });

  it('judges every request on a keep-alive connection on its own', async () => {
    const { proxy } = await start();
    const two = `GET http://allowed.test:${up.port}/one HTTP/1.1\r\nHost: allowed.test\r\n\r\nGET http://denied.test:${up.port}/two HTTP/1.1\r\nHost: denied.test\r\n\r\n`;
    const r = await rawExchange(proxy.port, two);
    expect(r.text).toContain('hello GET /one');
    expect(r.text).toContain('403 Forbidden');
    expect(up.seen.some((s) => s.url === '/two')).toBe(false);
  });
});
