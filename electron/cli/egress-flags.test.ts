import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { collectAllow, collectCredential, collectDeny } from './egress-flags.js';

describe('--allow/--deny/--credential argParsers', () => {
  it('collect good values in order', () => {
    expect(collectAllow('api.test', collectAllow('npm'))).toEqual(['npm', 'api.test']);
    expect(collectDeny('evil.test:8080')).toEqual(['evil.test:8080']);
    expect(collectCredential('openai', ['anthropic'])).toEqual(['anthropic', 'openai']);
  });

  it('a bad value is an InvalidArgumentError (commander prints it as a bad flag value) saying what is expected', () => {
    const cases: Array<[() => unknown, RegExp]> = [
      [() => collectAllow('bad host!!'), /^"bad host!!" is not a preset \(npm, .*\) or host\[:port\]; use e\.g\. api\.example\.com or \*\.example\.com:8443 \(/],
      [() => collectAllow('x.test:0', ['npm']), /^"x\.test:0" is not .*\(the port is not 1-65535\)$/],
      [() => collectDeny(''), /^"" is not host\[:port\]; use e\.g\. .*\(it is empty\)$/],
      [() => collectCredential('nope'), /^"nope" is not a provider; use one of anthropic, openai, google$/],
    ];
    for (const [parse, message] of cases) {
      let err: unknown;
      try {
        parse();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect((err as Error).message).toMatch(message);
    }
  });
});
