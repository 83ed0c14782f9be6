import { describe, expect, it } from 'vitest';
import { PathMatcher, globToRegExp } from './glob.js';

describe('glob', () => {
  it('matches basenames anywhere when the pattern has no slash', () => {
    const m = new PathMatcher(['.env', '.env.*', '*.pem', 'id_{rsa,ed25519}']);
    expect(m.matches('.env')).toBe(true);
    expect(m.matches('app/.env.production')).toBe(true);
    expect(m.matches('certs/server.pem')).toBe(true);
    expect(m.matches('home/id_rsa')).toBe(true);
    expect(m.matches('src/id_utils.ts')).toBe(false);
    expect(m.matches('.envrc')).toBe(false);
    expect(m.matches('notes.pem.txt')).toBe(false);
  });

  it('anchors patterns with a slash at the repo root', () => {
    const m = new PathMatcher(['config/*.key', 'secrets/**']);
    expect(m.matches('config/a.key')).toBe(true);
    expect(m.matches('x/config/a.key')).toBe(false);
    expect(m.matches('secrets/a/b/c')).toBe(true);
  });

  it('escapes regex metacharacters and rejects unclosed braces', () => {
    expect(globToRegExp('a+b(1).txt').test('a+b(1).txt')).toBe(true);
    expect(globToRegExp('a+b(1).txt').test('aab(1)xtxt')).toBe(false);
    expect(() => globToRegExp('{a,b')).toThrow(/unclosed/);
  });
});
