import { request } from 'node:http';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PaddockError } from '../errors.js';
import { fixedDecider } from './approval-decider.js';
import { formatNetworkDecision } from './egress-events.js';
import { mapResolver } from './egress-judge.js';
import { startEgressProxy, type EgressProxyOptions } from './egress-proxy.js';
import { CollectingSink, fakeHttpUpstream, npmDecision, type FakeUpstream } from './egress-test-kit.test-helper.js';
import { RuleSet } from './network-rules.js';
import { judgeCanaries, liveSelfCheck } from './self-check.js';

let up: FakeUpstream;
beforeAll(async () => {
  up = await fakeHttpUpstream();
});
afterAll(() => up.close());

const resolver = mapResolver({ 'allowed.test': '127.0.0.1' });
const allow = () => [
  { host: 'allowed.test', ports: [up.port], decision: 'allow' as const },
  { host: '127.0.0.1', ports: [up.port], decision: 'allow' as const },
];

/** A proxy on loopback for session `s`: the allow rules above, deny by default, no decider; `over` changes any option. */
function startProxy(over: Partial<EgressProxyOptions> = {}) {
  return startEgressProxy({
    sessionId: 's',
    listenHost: '127.0.0.1',
    rules: allow(),
    defaultDecision: 'deny',
    decider: null,
    events: new CollectingSink(),
    resolver,
    ...over,
  });
}

function get(port: number, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: url, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    })
      .on('error', reject)
      .end();
  });
}

describe('reload and self-check', () => {
  it('self-checks at start (and logs it), swaps rules without closing the listener, and keeps denying itself', async () => {
    const sink = new CollectingSink();
    const proxy = await startProxy({ events: sink });
    try {
      expect(sink.all().filter((e) => e.client === 'paddock-self-check')).toMatchObject([
        { decision: 'deny', host: '127.0.0.1', port: proxy.port },
      ]);
      const url = `http://allowed.test:${up.port}/`;
      expect(await get(proxy.port, url)).toBe(200);
      await proxy.reload([{ host: 'allowed.test', decision: 'deny' }, ...allow()]);
      expect(await get(proxy.port, url)).toBe(403);
      await proxy.reload(allow(), 'ask');
      expect(await get(proxy.port, `http://other.test:${up.port}/`)).toBe(403); // ask with no decider → deny
      expect(await get(proxy.port, url)).toBe(200);
      expect((await proxy.selfCheck()).ok).toBe(true);
      expect(sink.all().filter((e) => e.client === 'paddock-self-check')).toHaveLength(4);
    } finally {
      await proxy.close();
    }
  });

  it('has no gap: requests running across 20 reloads all get an answer from one rule set or the other', async () => {
    const proxy = await startProxy();
    try {
      const url = `http://allowed.test:${up.port}/`;
      let stop = false;
      const statuses: number[] = [];
      const traffic = (async () => {
        while (!stop) statuses.push(await get(proxy.port, url).catch(() => -1));
      })();
      for (let i = 0; i < 20; i++) {
        await proxy.reload(
          i % 2 === 0 ? [{ host: 'allowed.test', decision: 'deny' as const }, ...allow()] : allow(),
        );
        await new Promise((r) => setTimeout(r, 5));
      }
      stop = true;
      await traffic;
      expect(statuses.length).toBeGreaterThan(10);
      expect(statuses.filter((s) => s !== 200 && s !== 403)).toEqual([]);
      expect(proxy.accepting).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it('a malformed reload is refused and the old rules stay', async () => {
    const proxy = await startProxy();
    try {
      await expect(proxy.reload([{ host: 'bad*host', decision: 'allow' }])).rejects.toThrow(PaddockError);
      expect(await get(proxy.port, `http://allowed.test:${up.port}/`)).toBe(200);
      expect(proxy.accepting).toBe(true);
    } finally {
      await proxy.close();
    }
  });

  it('judgeCanaries reports a context that would let a canary through', async () => {
    const rules = RuleSet.compile(
      [
        { host: '127.0.0.1', decision: 'allow' },
        { host: '169.254.169.254', decision: 'allow' },
      ],
      'deny',
    );
    const broken = {
      sessionId: 's',
      rules,
      resolver,
      decider: fixedDecider('allow'),
      askTimeoutMs: 10,
      self: { addresses: new Set<string>(), port: 1 },
    };
    // self is misconfigured (wrong port), so the proxy's own address looks like any loopback address a rule names
    const failures = await judgeCanaries(broken, '127.0.0.1', 2);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toContain('127.0.0.1:2 was allowed');
    const sound = await judgeCanaries(
      { ...broken, rules: RuleSet.compile([], 'deny'), self: { addresses: new Set(['127.0.0.1']), port: 2 } },
      '127.0.0.1',
      2,
    );
    expect(sound).toEqual([]);
  });

  it('liveSelfCheck fails on anything but a 403', async () => {
    const liar = createServer((s) => {
      s.on('error', () => {});
      s.end('HTTP/1.1 200 Connection Established\r\n\r\n');
    });
    await new Promise<void>((r) => liar.listen(0, '127.0.0.1', r));
    const port = (liar.address() as { port: number }).port;
    expect(await liveSelfCheck('127.0.0.1', port, 'tok')).toMatch(/expected 403/);
    liar.close();
  });

  it('selfCheck after close says the proxy is not accepting; reload after close throws', async () => {
    const proxy = await startProxy({ rules: [] });
    await proxy.close();
    expect(await proxy.selfCheck()).toMatchObject({
      ok: false,
      failures: ['proxy is not accepting connections'],
    });
    await expect(proxy.reload([])).rejects.toThrow(/closed/);
  });
});

describe('formatNetworkDecision', () => {
  it('prints one compact line', () => {
    // This event's client, sizes, duration and time; the CONNECT to registry.npmjs.org:443 and its rule are npmDecision's.
    const line = formatNetworkDecision(
      npmDecision({
        client: '172.18.0.2:40000',
        bytesUp: 2048,
        bytesDown: 3 * 1024 * 1024,
        durationMs: 321.4,
        startedAt: Date.UTC(2026, 0, 1, 12, 0, 5),
      }),
    );
    expect(line).toBe(
      '12:00:05 net ALLOW CONNECT registry.npmjs.org:443 → 104.16.0.1 (rule; rule #1 (preset:npm): allow registry.npmjs.org port 443) ↑2.0kB ↓3.0MB 321ms',
    );
    expect(line).not.toContain('\n');
  });
});

describe('fail closed', () => {
  it('stops accepting when the self-check after a reload fails, and says so', async () => {
    const closed: string[] = [];
    const proxy = await startProxy({ maxConnections: 1, onFailClosed: (r) => closed.push(r) });
    // One client holds the only connection slot, so the live self-check after the reload is dropped.
    const { connect } = await import('node:net');
    const holder = connect(proxy.port, '127.0.0.1');
    await new Promise<void>((r) => holder.once('connect', () => r()));
    holder.on('error', () => {});
    await new Promise((r) => setTimeout(r, 20));
    await expect(proxy.reload(allow())).rejects.toThrow(/fail closed/);
    expect(proxy.accepting).toBe(false);
    expect(closed).toHaveLength(1);
    await new Promise((r) => holder.once('close', r)); // open connections are dropped too
    await expect(get(proxy.port, `http://allowed.test:${up.port}/`)).rejects.toThrow(/ECONNREFUSED/);
  });
});
