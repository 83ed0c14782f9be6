import { describe, expect, it } from 'vitest';
import { normaliseHost, splitAuthority } from './host-normalise.js';

describe('normaliseHost', () => {
  it.each([
    ['Example.COM', 'example.com'],
    ['example.com.', 'example.com'],
    ['EXAMPLE.com..', 'example.com'],
    ['bücher.de', 'xn--bcher-kva.de'],
    ['XN--BCHER-KVA.de', 'xn--bcher-kva.de'],
    ['a_b.example', 'a_b.example'],
    ['[::FFFF:127.0.0.1]', '::ffff:7f00:1'],
    ['0x7f.1', '127.0.0.1'],
    ['2130706433', '127.0.0.1'],
    ['1.2.3.4', '1.2.3.4'],
  ])('%s → %s', (raw, want) => {
    expect(normaliseHost(raw)).toBe(want);
  });

  it.each([
    '',
    '.',
    'a..b',
    'evil.com/x',
    'user@evil.com',
    'ex ample.com',
    'a:b',
    'x'.repeat(64) + '.com',
    'evil.com#x',
  ])('rejects %j', (raw) => {
    expect(normaliseHost(raw)).toBeNull();
  });
});

describe('splitAuthority', () => {
  it('splits names, v4 and bracketed v6', () => {
    expect(splitAuthority('example.com:443')).toEqual({ host: 'example.com', port: 443 });
    expect(splitAuthority('[::1]:8080')).toEqual({ host: '::1', port: 8080 });
    expect(splitAuthority('example.com', 80)).toEqual({ host: 'example.com', port: 80 });
  });
  it('rejects bad ports and missing ports', () => {
    expect(splitAuthority('example.com')).toBeNull();
    expect(splitAuthority('example.com:0')).toBeNull();
    expect(splitAuthority('example.com:65536')).toBeNull();
    expect(splitAuthority('a:b:c')).toBeNull();
  });
});
