import { describe, expect, it } from 'vitest';
import { PaddockError } from '../errors.js';
import { RuleSet, type NetworkRule } from './network-rules.js';
import { PRESET_NAMES, presetRules } from './presets.js';

const q = (host: string, port = 443, method: string | null = null) => ({ host, port, method });

describe('RuleSet', () => {
  it('matches exact hosts and *.suffix, never a look-alike or the apex', () => {
    const rs = RuleSet.compile(
      [
        { host: '*.allowed.com', decision: 'allow' },
        { host: 'exact.org', decision: 'allow' },
      ],
      'deny',
    );
    expect(rs.evaluate(q('a.allowed.com')).decision).toBe('allow');
    expect(rs.evaluate(q('a.b.allowed.com')).decision).toBe('allow');
    expect(rs.evaluate(q('evil-allowed.com')).decision).toBe('deny');
    expect(rs.evaluate(q('allowed.com')).decision).toBe('deny');
    expect(rs.evaluate(q('allowed.com.evil.net')).decision).toBe('deny');
    expect(rs.evaluate(q('exact.org')).decision).toBe('allow');
    expect(rs.evaluate(q('sub.exact.org')).decision).toBe('deny');
  });

  it('normalises rule hosts the same way as destinations (case, trailing dot, IDN)', () => {
    const rs = RuleSet.compile(
      [
        { host: 'Bücher.DE.', decision: 'allow' },
        { host: '*.EXAMPLE.com', decision: 'allow' },
      ],
      'deny',
    );
    expect(rs.evaluate(q('xn--bcher-kva.de')).decision).toBe('allow');
    expect(rs.evaluate(q('www.example.com')).decision).toBe('allow');
  });

  it('puts deny over ask over allow regardless of order, and reports the deciding rule', () => {
    const rules: NetworkRule[] = [
      { host: '*.x.com', decision: 'allow' },
      { host: 'a.x.com', decision: 'ask' },
      { host: 'a.x.com', ports: [443], decision: 'deny', source: { file: 'policy.toml', line: 7 } },
    ];
    const rs = RuleSet.compile(rules, 'allow');
    expect(rs.evaluate(q('a.x.com', 443))).toMatchObject({ decision: 'deny', index: 2 });
    expect(rs.evaluate(q('a.x.com', 80))).toMatchObject({ decision: 'ask', index: 1 });
    expect(rs.evaluate(q('b.x.com', 80))).toMatchObject({ decision: 'allow', index: 0 });
    expect(rs.evaluate(q('other.net'))).toEqual({ decision: 'allow', rule: null, index: -1 });
  });

  it('applies ports and methods; method-limited allows never match a tunnel, denies do', () => {
    const rs = RuleSet.compile(
      [
        { host: 'api.x.com', ports: [80], methods: ['get'], decision: 'allow' },
        { host: 'up.x.com', methods: ['POST'], decision: 'deny' },
        { host: 'up.x.com', decision: 'allow' },
      ],
      'ask',
    );
    expect(rs.evaluate(q('api.x.com', 80, 'GET')).decision).toBe('allow');
    expect(rs.evaluate(q('api.x.com', 80, 'POST')).decision).toBe('ask');
    expect(rs.evaluate(q('api.x.com', 443, 'GET')).decision).toBe('ask');
    expect(rs.evaluate(q('api.x.com', 80, null)).decision).toBe('ask');
    expect(rs.evaluate(q('up.x.com', 80, 'GET')).decision).toBe('allow');
    expect(rs.evaluate(q('up.x.com', 443, null)).decision).toBe('deny');
  });

  it('names exact addresses only through exact, non-deny rules', () => {
    const rs = RuleSet.compile(
      [
        { host: '127.0.0.1', ports: [8080], decision: 'allow' },
        { host: '*', decision: 'allow' },
      ],
      'deny',
    );
    expect(rs.namesExactAddress('127.0.0.1', 8080)).toBe(true);
    expect(rs.namesExactAddress('127.0.0.1', 8081)).toBe(false);
    expect(rs.namesExactAddress('127.0.0.2', 8080)).toBe(false);
  });

  it('rejects malformed rules with where and what', () => {
    const bad: NetworkRule[][] = [
      [{ host: 'a*.com', decision: 'allow' }],
      [{ host: '*.', decision: 'allow' }],
      [{ host: 'ok.com', ports: [0], decision: 'allow' }],
      [{ host: 'ok.com', ports: [], decision: 'allow' }],
      [{ host: 'ok.com', decision: 'maybe' as 'allow' }],
      [{ host: 'exa mple.com', decision: 'deny', source: { file: 'p.toml', line: 3 } }],
    ];
    for (const rules of bad) expect(() => RuleSet.compile(rules, 'deny')).toThrow(PaddockError);
    expect(() => RuleSet.compile(bad[5] ?? [], 'deny')).toThrow(/p\.toml:3/);
  });

  it('is immutable: changing the input after compiling changes nothing', () => {
    const rules: NetworkRule[] = [{ host: 'a.com', decision: 'allow' }];
    const rs = RuleSet.compile(rules, 'deny');
    (rules[0] as NetworkRule).decision = 'deny';
    expect(rs.evaluate(q('a.com')).decision).toBe('allow');
    expect(Object.isFrozen(rs.rules)).toBe(true);
  });
});

describe('presets', () => {
  it('every preset is a list of HTTPS-or-git allow rules that compiles', () => {
    for (const name of PRESET_NAMES) {
      const rules = presetRules(name);
      expect(rules.length).toBeGreaterThan(0);
      expect(rules.every((r) => r.decision === 'allow' && r.source?.file === `preset:${name}`)).toBe(true);
      expect(() => RuleSet.compile(rules, 'deny')).not.toThrow();
    }
    expect(PRESET_NAMES).toEqual(
      expect.arrayContaining(['npm', 'pypi', 'crates', 'go', 'github', 'anthropic', 'openai', 'google']),
    );
    const npm = RuleSet.compile(presetRules('npm'), 'deny');
    expect(npm.evaluate(q('registry.npmjs.org', 443)).decision).toBe('allow');
    expect(npm.evaluate(q('registry.npmjs.org', 80)).decision).toBe('deny');
  });
  it('unknown preset names fail with the list of known ones', () => {
    expect(() => presetRules('nmp')).toThrow(/known presets: npm/);
  });
});
