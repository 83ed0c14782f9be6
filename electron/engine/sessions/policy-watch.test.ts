import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { watchFiles } from './policy-watch.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'paddock-watch-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function changed(files: string[], act: () => void): Promise<number> {
  return new Promise((resolve) => {
    let n = 0;
    const stop = watchFiles(files, () => n++, 50);
    act();
    setTimeout(() => {
      stop();
      resolve(n);
    }, 600);
  });
}

describe('watchFiles', () => {
  it('sees a write, a replace-by-rename and a creation, debounced', async () => {
    const f = join(dir, 'policy.yaml');
    writeFileSync(f, 'a');
    expect(await changed([f], () => writeFileSync(f, 'b'))).toBe(1);
    expect(
      await changed([f], () => {
        writeFileSync(join(dir, 'tmp'), 'c');
        renameSync(join(dir, 'tmp'), f);
      }),
    ).toBe(1);
    const g = join(dir, 'new.yaml');
    expect(await changed([g], () => writeFileSync(g, 'x'))).toBe(1);
  });

  it('ignores other files in the folder and folders that do not exist', async () => {
    const f = join(dir, 'policy.yaml');
    expect(await changed([f, join(dir, 'missing', 'p.yaml')], () => writeFileSync(join(dir, 'other'), 'x'))).toBe(0);
  });
});
