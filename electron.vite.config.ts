import react from '@vitejs/plugin-react';
import { defineConfig } from 'electron-vite';
import { resolve } from 'node:path';

// Main and preload are thin (see ARCHITECTURE.md); the renderer is a plain web app that also
// runs in a browser against `paddock serve`. `base: './'` keeps asset URLs relative, so they
// carry serve's token path and work under the app:// protocol alike.
export default defineConfig({
  main: {
    build: { outDir: 'out/main', rollupOptions: { input: { index: resolve(__dirname, 'electron/main/index.ts') } } },
  },
  preload: {
    // A sandboxed preload cannot load ES modules or anything but `electron`: one CommonJS file.
    build: { outDir: 'out/preload', rollupOptions: { input: { index: resolve(__dirname, 'electron/preload/index.ts') }, output: { format: 'cjs', entryFileNames: '[name].cjs' } } },
  },
  renderer: {
    root: 'renderer',
    base: './',
    plugins: [react()],
    build: { outDir: resolve(__dirname, 'out/renderer'), emptyOutDir: true, rollupOptions: { input: { index: resolve(__dirname, 'renderer/index.html') } } },
  },
});
