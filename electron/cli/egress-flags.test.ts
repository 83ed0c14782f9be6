import { describe, expect, it } from 'vitest';
import { allowRules, denyRules } from './egress-flags.js';

describe('egress flags', () => {
  it('expands presets and host patterns', () => {
    const rules = allowRules(['npm', '*.example.com:8443', 'api.test']);
    expect(rules.filter((r) => r.source?.file === 'preset:npm').map((r) => r.host)).toContain(
      'registry.npmjs.org',
    );
    expect(rules).toContainEqual({
      host: '*.example.com',
      ports: [8443],
      decision: 'allow',
      source: { file: '--allow' },
    });
    expect(rules).toContainEqual({
      host: 'api.test',
      ports: [443, 80],
      decision: 'allow',
      source: { file: '--allow' },
    });
  });

  it('denies a host on every port unless one is given', () => {
    expect(denyRules(['evil.test'])).toEqual([
      { host: 'evil.test', decision: 'deny', source: { file: '--deny' } },
    ]);
  });

  it('says what it expected for bad input', () => {
    expect(() => allowRules(['http://x.test/'])).toThrow(/expected a preset .* or host\[:port\]/);
    expect(() => allowRules(['x.test:70000'])).toThrow(/host\[:port\]/);
  });
});
