// Electron smoke test: launches the app with Playwright's _electron when an Electron binary is
// installed (it cannot be downloaded on the build machines), and says so explicitly otherwise.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { ROOT, assert, buildOnce, cleanup, shotPath, tempDir } from './harness.mjs';

function electronBinary() {
  try {
    const path = createRequire(import.meta.url)('electron');
    return typeof path === 'string' && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

export const tests = [
  {
    name: 'the desktop app opens a secure window that reaches the engine over IPC',
    async run(t) {
      const bin = electronBinary();
      if (!bin) t.skip('no Electron binary (node_modules/electron/dist is missing; it cannot be downloaded on this machine)');
      buildOnce();
      const home = tempDir('paddock-electron-home-');
      const { _electron } = await import('playwright-core');
      const args = [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), join(ROOT, 'out/main/index.js')];
      const app = await _electron.launch({ executablePath: bin, args, env: { ...process.env, PADDOCK_HOME: home } });
      try {
        const win = await app.firstWindow();
        await win.locator('[data-app-state="ready"]').waitFor();
        assert(win.url().startsWith('app://paddock/'), `renderer over app:// (${win.url()})`);
        const keys = await win.evaluate(() => Object.keys(globalThis.paddock?.call ?? {}).length);
        assert(keys > 0, 'the preload exposes window.paddock');
        const prefs = await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0].webContents.getLastWebPreferences());
        assert(prefs.contextIsolation === true && prefs.sandbox === true && prefs.nodeIntegration === false, 'secure webPreferences');
        await win.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
        await win.getByTestId('engine-state').waitFor();
        await win.screenshot({ path: shotPath('20-electron-settings') });
      } finally {
        await app.close();
        cleanup(home);
      }
    },
  },
];
