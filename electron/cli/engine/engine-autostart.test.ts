import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { autostartSkipped } from './engine-autostart.js';
import type { AutostartContext } from './engine-autostart.js';

const home = mkdtempSync(join(tmpdir(), 'paddock-autostart-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));
const base: AutostartContext = {
  argv: ['node', 'paddock', 'run', '--repo', '.', '--', 'bash'],
  env: { PADDOCK_HOME: home },
  cwd: '/',
  platform: 'linux',
  interactive: true,
};

describe('when an in-process run starts a warm engine for the next ones', () => {
  it('an interactive run with no engine there does', () => {
    expect(autostartSkipped(base)).toBeNull();
    // --json after `--` belongs to the program, not to paddock.
    expect(autostartSkipped({ ...base, argv: [...base.argv, '--json'] })).toBeNull();
  });

  it('nothing else does, and says why', () => {
    const cases: Array<[Partial<AutostartContext>, string]> = [
      [{ argv: ['node', 'paddock', 'sessions'] }, 'not a run'],
      [{ platform: 'win32' }, 'no engine on Windows'],
      [{ env: { PADDOCK_HOME: home, PADDOCK_NO_ENGINE: '1' } }, 'PADDOCK_NO_ENGINE is set'],
      [{ env: { PADDOCK_HOME: home, PADDOCK_ENGINE_AUTOSTART: '0' } }, 'PADDOCK_ENGINE_AUTOSTART=0'],
      [{ env: { PADDOCK_HOME: home, CI: 'true' } }, 'CI is set'],
      [{ interactive: false }, 'not on a terminal'],
      [{ argv: ['node', 'paddock', 'run', '--json', '--cmd', 'true'] }, '--json'],
    ];
    for (const [change, why] of cases) expect(autostartSkipped({ ...base, ...change }), why).toBe(why);
  });

  it('an engine socket there already (an engine that declined, or a stale one): no second engine', () => {
    mkdirSync(join(home, 'engine'), { recursive: true });
    writeFileSync(join(home, 'engine', 'sock'), '');
    try {
      expect(autostartSkipped(base)).toBe('an engine socket exists');
    } finally {
      rmSync(join(home, 'engine'), { recursive: true, force: true });
    }
  });
});
