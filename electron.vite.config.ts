import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';

// Main and preload are thin (see ARCHITECTURE.md); the renderer is a plain web app that also
// runs in a browser against `paddock serve`.
export default defineConfig({
  main: {
    build: { outDir: 'out/main', rollupOptions: { input: { index: resolve(__dirname, 'electron/main/index.ts') } } },
  },
  preload: {
    build: { outDir: 'out/preload', rollupOptions: { input: { index: resolve(__dirname, 'electron/preload/index.ts') } } },
  },
  renderer: {
    root: 'renderer',
    build: { outDir: 'out/renderer', rollupOptions: { input: { index: resolve(__dirname, 'renderer/index.html') } } },
  },
});
