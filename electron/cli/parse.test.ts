import { describe, expect, it } from 'vitest';
import { parseBytes, parseDuration, parsePositive } from './parse.js';

describe('cli value parsers', () => {
  it('parses durations', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('5m')).toBe(300_000);
    expect(parseDuration('1500ms')).toBe(1500);
    expect(parseDuration('2')).toBe(2000);
    expect(() => parseDuration('soon')).toThrow(/not a duration/);
  });
  it('parses sizes', () => {
    expect(parseBytes('512m')).toBe(512 * 1024 ** 2);
    expect(parseBytes('2g')).toBe(2 * 1024 ** 3);
    expect(parseBytes('1024')).toBe(1024);
    expect(() => parseBytes('lots')).toThrow(/not a size/);
  });
  it('parses positive numbers', () => {
    expect(parsePositive('1.5')).toBe(1.5);
    expect(() => parsePositive('0')).toThrow(/positive/);
  });
});
