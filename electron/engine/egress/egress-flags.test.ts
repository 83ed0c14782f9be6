import { describe, expect, it } from 'vitest';
import { errorMessage, isPaddockError } from '../errors.js';
import { allowRules, allowValue, credentialBindings, credentialProvider, denyRules, denyValue } from './egress-flags.js';

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

  it('a bad value is a BAD_INPUT naming the value and what was expected; the lists add the flag', () => {
    const bad = (f: () => unknown) => {
      try {
        f();
      } catch (e) {
        expect(isPaddockError(e) && e.code).toBe('BAD_INPUT');
        return errorMessage(e);
      }
      throw new Error('no error');
    };
    expect(bad(() => allowValue('http://x.test/'))).toMatch(/^"http:\/\/x\.test\/" is not a preset \(npm, pypi, .*\) or host\[:port\]; use e\.g\. api\.example\.com/);
    expect(bad(() => allowValue('x.test:70000'))).toMatch(/^"x\.test:70000" is not .* \(the port is not 1-65535\)$/);
    expect(bad(() => allowValue('bad host!!'))).toMatch(/^"bad host!!" is not .* \(host "bad host!!" is not a valid host name or IP address\)$/);
    expect(bad(() => denyValue(''))).toMatch(/^"" is not host\[:port\]; use e\.g\. .* \(it is empty\)$/);
    expect(bad(() => denyValue('  '))).toMatch(/\(it is empty\)$/);
    expect(bad(() => allowRules(['npm', 'bad host!!']))).toMatch(/^--allow "bad host!!" is not a preset/);
    expect(bad(() => denyRules(['ok.test', '']))).toMatch(/^--deny "" is not host\[:port\]/);
    expect(bad(() => credentialProvider('nope'))).toBe('"nope" is not a provider; use one of anthropic, openai, google');
    expect(bad(() => credentialProvider('toString'))).toMatch(/is not a provider/);
  });

  it('binds a provider key from the host environment, with a host base URL as upstream', () => {
    expect(credentialBindings(['anthropic'], { ANTHROPIC_API_KEY: 'k1' })).toEqual([{ provider: 'anthropic', secret: 'k1' }]);
    expect(credentialBindings(['google'], { GOOGLE_API_KEY: 'k2', GOOGLE_GEMINI_BASE_URL: 'https://gw.test' })).toEqual([
      { provider: 'google', secret: 'k2', upstream: 'https://gw.test' },
    ]);
    expect(() => credentialBindings(['openai'], {})).toThrow(/^--credential openai: set OPENAI_API_KEY in Paddock's environment/);
    expect(() => credentialBindings(['google'], { GEMINI_API_KEY: '' })).toThrow(/set GEMINI_API_KEY or GOOGLE_API_KEY/);
    expect(() => credentialBindings(['mistral'], {})).toThrow(/^--credential "mistral" is not a provider; use one of anthropic, openai, google$/);
  });
});
