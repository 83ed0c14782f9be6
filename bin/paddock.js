#!/usr/bin/env node
// Thin launcher: the CLI is compiled to out/node by `npm run build:node` (run by `prepare`).
// `paddock run` first tries the warm engine of this PADDOCK_HOME (`paddock engine start`;
// bin/engine-client.js), which starts a session without paying for Node's module loading;
// PADDOCK_NO_ENGINE=1 runs it in this process.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../out/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('paddock: not built yet; run `npm run build:node` (npm install/ci does it for you)\n');
  process.exit(2);
}
if (process.argv[2] === 'run' && !process.env.PADDOCK_NO_ENGINE && process.platform !== 'win32') {
  const tracing = !!process.env.PADDOCK_TRACE;
  const trace = tracing ? (m) => process.stderr.write(`paddock-trace: ${performance.now().toFixed(1).padStart(7)} ms  ${m}\n`) : undefined;
  const { runThroughEngine } = await import('./engine-client.js');
  const r = await runThroughEngine({ buildIdFile: fileURLToPath(new URL('../out/cli/build-id', import.meta.url)), trace });
  if (r.lost) {
    process.stderr.write(`paddock: ${r.lost}\n`);
    process.exit(125);
  }
  if (r.fallback === undefined) {
    if (r.signal) {
      process.removeAllListeners(r.signal);
      process.kill(process.pid, r.signal);
    }
    process.exit(r.code);
  }
  const opts = process.argv.slice(3, process.argv.includes('--') ? process.argv.indexOf('--') : undefined);
  if (tracing || (!r.quiet && (opts.includes('-v') || opts.includes('--verbose'))))
    process.stderr.write(`paddock: running this session in-process: ${r.fallback}\n`);
}
await import(entry.href);
