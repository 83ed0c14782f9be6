// Pure decisions: judge() resolves through the map and classifies, it never connects anywhere.
import { describe, expect, it } from 'vitest';
import { fixedDecider } from './approval-decider.js';
import type { JudgeContext } from './egress-judge.js';
import { judge, mapResolver } from './egress-judge.js';
import { RuleSet, type NetworkRule } from './network-rules.js';

function ctx(rules: NetworkRule[], over: Partial<JudgeContext> = {}): JudgeContext {
  return {
    sessionId: 's',
    rules: RuleSet.compile(rules, 'deny'),
    resolver: mapResolver({
      'meta.test': '169.254.169.254',
      'priv.test': '10.0.0.5',
      'cgnat.test': '100.64.1.1',
      'mapped.test': '::ffff:10.0.0.5',
      'mixed.test': ['10.0.0.5', '93.184.216.34'],
      'pub.test': '93.184.216.34',
      'gw.test': '172.18.0.1',
    }),
    decider: null,
    askTimeoutMs: 50,
    self: { addresses: new Set(['172.18.0.1']), port: 3128 },
    ...over,
  };
}
const q = (rawHost: string, port = 443) => ({
  protocol: 'connect' as const,
  method: 'CONNECT',
  tunnel: true,
  rawHost,
  port,
});

describe('judge', () => {
  it.each([
    ['meta.test', 'metadata address'],
    ['priv.test', 'private address'],
    ['cgnat.test', 'cgnat address'],
    ['mapped.test', 'ipv4-embedded address'],
    ['169.254.169.254', 'metadata address'],
    ['[::ffff:169.254.169.254]', 'ipv4-embedded address'],
    ['0x7f.1', 'loopback address'],
  ])('refuses %s after resolution (%s) even when the name is allowed', async (host, reason) => {
    const v = await judge(ctx([{ host: '*', decision: 'allow' }]), q(host));
    expect(v).toMatchObject({ decision: 'deny', reason, denyKind: 'address' });
  });

  it('dials the first acceptable address of a mixed answer, and only that one', async () => {
    const v = await judge(ctx([{ host: 'mixed.test', decision: 'allow' }]), q('mixed.test'));
    expect(v).toMatchObject({ decision: 'allow', address: '93.184.216.34' });
  });

  it('lets a rule naming the exact private address through, on its port only', async () => {
    const rules: NetworkRule[] = [
      { host: 'priv.test', decision: 'allow' },
      { host: '10.0.0.5', ports: [5432], decision: 'allow' },
    ];
    expect(await judge(ctx(rules), q('priv.test', 5432))).toMatchObject({
      decision: 'allow',
      address: '10.0.0.5',
    });
    expect(await judge(ctx(rules), q('priv.test', 443))).toMatchObject({
      decision: 'deny',
      denyKind: 'address',
    });
  });

  it('never connects to itself, whatever the rules say', async () => {
    const rules: NetworkRule[] = [
      { host: '*', decision: 'allow' },
      { host: '172.18.0.1', decision: 'allow' },
    ];
    expect(await judge(ctx(rules), q('gw.test', 3128))).toMatchObject({ decision: 'deny', denyKind: 'self' });
    expect(await judge(ctx(rules), q('127.0.0.1', 3128))).toMatchObject({
      decision: 'deny',
      denyKind: 'self',
    });
  });

  it('does not resolve a name the rules deny (no DNS leak for denied names)', async () => {
    let lookups = 0;
    const counting = {
      resolve: (h: string) => (
        lookups++,
        Promise.resolve([h === 'pub.test' ? '93.184.216.34' : '93.184.216.35'])
      ),
    };
    await judge(ctx([{ host: 'pub.test', decision: 'deny' }], { resolver: counting }), q('pub.test'));
    await judge(ctx([], { resolver: counting }), q('unknown.test'));
    expect(lookups).toBe(0);
    await judge(ctx([{ host: 'pub.test', decision: 'allow' }], { resolver: counting }), q('pub.test'));
    expect(lookups).toBe(1);
  });

  it('asks before resolving and denies a refused ask without resolving', async () => {
    let lookups = 0;
    const counting = { resolve: () => (lookups++, Promise.resolve(['93.184.216.34'])) };
    const v = await judge(
      ctx([{ host: 'pub.test', decision: 'ask' }], { resolver: counting, decider: fixedDecider('deny') }),
      q('pub.test'),
    );
    expect(v).toMatchObject({ decision: 'deny', denyKind: 'ask', reason: 'refused' });
    expect(lookups).toBe(0);
    const ok = await judge(
      ctx([{ host: 'pub.test', decision: 'ask' }], { decider: fixedDecider('allow') }),
      q('pub.test'),
    );
    expect(ok).toMatchObject({ decision: 'allow', reason: 'approved', ruleDecision: 'ask' });
  });

  it('refuses malformed hosts and ports', async () => {
    expect(await judge(ctx([{ host: '*', decision: 'allow' }]), q('evil.com/x'))).toMatchObject({
      decision: 'deny',
      denyKind: 'bad-host',
    });
    expect(await judge(ctx([{ host: '*', decision: 'allow' }]), q('pub.test', 0))).toMatchObject({
      decision: 'deny',
      denyKind: 'bad-host',
    });
  });
});
