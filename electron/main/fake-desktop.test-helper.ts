// Starting the desktop shell over a fake `electron` and a fake engine, for main's unit tests.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiHandlers } from '../contract/index.js';
import { procedureNames } from '../contract/index.js';
import type { DesktopEngine } from './desktop-app.js';
import { startDesktop } from './desktop-app.js';
import { createFakeElectron } from './fake-electron.test-helper.js';

/** Every procedure of the contract answering `{}`: the base a fake engine overrides. */
export function stubHandlers(): ApiHandlers {
  return Object.fromEntries(procedureNames.map((n) => [n, () => Promise.resolve({})])) as unknown as ApiHandlers;
}

/**
 * `startDesktop` on a fake electron (`electron`: its dialog answers, single-instance lock) with
 * `engine`, the test icons, and a renderer directory holding only an index.html.
 */
export async function startFakeDesktop(engine: DesktopEngine, opts: { electron?: Parameters<typeof createFakeElectron>[0]; startHidden: boolean }) {
  const fake = createFakeElectron(opts.electron);
  const dir = mkdtempSync(join(tmpdir(), 'paddock-renderer-'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Paddock</title>');
  const app = await startDesktop(fake.electron, {
    preload: '/app/out/preload/index.mjs',
    rendererDir: dir,
    icons: { idle: 'idle.png', running: 'running.png', waiting: 'waiting.png' },
    openEngine: () => Promise.resolve(engine),
    startHidden: opts.startHidden,
  });
  return { fake, app: app! };
}
