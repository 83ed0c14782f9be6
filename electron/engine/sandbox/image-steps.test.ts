import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lineSink, normalizeModes, runLogged } from './image-steps.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'paddock-steps-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const mode = (p: string) => statSync(p).mode & 0o7777;

describe('normalizeModes', () => {
  it('makes everything world-readable, keeps executables executable, drops group/other write and setuid', () => {
    mkdirSync(join(dir, 'd'), { mode: 0o700 });
    writeFileSync(join(dir, 'd', 'data'), 'x');
    chmodSync(join(dir, 'd', 'data'), 0o666);
    writeFileSync(join(dir, 'd', 'bin'), '#!/bin/sh\n');
    chmodSync(join(dir, 'd', 'bin'), 0o4700);
    symlinkSync('bin', join(dir, 'd', 'link'));
    normalizeModes(dir);
    expect(mode(join(dir, 'd'))).toBe(0o755);
    expect(mode(join(dir, 'd', 'data'))).toBe(0o644);
    expect(mode(join(dir, 'd', 'bin'))).toBe(0o755);
  });
});

describe('lineSink', () => {
  it('splits chunks into lines across chunk boundaries and keeps a tail', () => {
    const got: string[] = [];
    const s = lineSink((l) => got.push(l), 2);
    s.push('a\nb');
    s.push('c\r\n\nd');
    s.flush();
    expect(got).toEqual(['a', 'bc', 'd']);
    expect(s.tail).toEqual(['bc', 'd']);
  });
});

describe('runLogged', () => {
  it('streams output and rejects with the last lines and exit code', async () => {
    const lines: string[] = [];
    await runLogged('sh', ['-c', 'echo one; echo two >&2'], (l) => lines.push(l), 'probe');
    expect(lines.sort()).toEqual(['one', 'two']);
    await expect(runLogged('sh', ['-c', 'echo why; exit 3'], () => undefined, 'probe')).rejects.toThrow(/probe failed \(sh exited 3\):\n {2}why/);
  });
});
