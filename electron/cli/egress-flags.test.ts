import { describe, expect, it } from 'vitest';
import { allowRules, credentialBindings, denyRules } from './egress-flags.js';

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

  it('accepts what a policy rule accepts: IDN names, IPv6 literals', () => {
    expect(allowRules(['bücher.example'])[0]?.host).toBe('bücher.example');
    expect(allowRules(['[fd00::1]:8080'])[0]).toMatchObject({ host: 'fd00::1', ports: [8080] });
  });

  it('says what it expected for bad input', () => {
    expect(() => allowRules(['http://x.test/'])).toThrow(/expected a preset .* or host\[:port\]/);
    expect(() => allowRules(['x.test:70000'])).toThrow(/host\[:port\]/);
  });

  it('binds a provider key from the host environment, with a host base URL as upstream', () => {
    expect(credentialBindings(['anthropic'], { ANTHROPIC_API_KEY: 'k1' })).toEqual([{ provider: 'anthropic', secret: 'k1' }]);
    expect(credentialBindings(['google'], { GOOGLE_API_KEY: 'k2', GOOGLE_GEMINI_BASE_URL: 'https://gw.test' })).toEqual([
      { provider: 'google', secret: 'k2', upstream: 'https://gw.test' },
    ]);
    expect(() => credentialBindings(['openai'], {})).toThrow(/set OPENAI_API_KEY/);
    expect(() => credentialBindings(['mistral'], {})).toThrow(/expected one of anthropic, openai, google/);
  });
});
