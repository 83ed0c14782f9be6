#!/usr/bin/env node
// Thin launcher: the CLI is compiled to out/node by `npm run build:node` (run by `prepare`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../out/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('paddock: not built yet; run `npm run build:node` (npm install/ci does it for you)\n');
  process.exit(2);
}
await import(entry.href);
