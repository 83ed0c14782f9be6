#!/usr/bin/env node
// The CLI's entry: the CLI is compiled to out/node by `npm run build:node` (run by `prepare`).
// On Linux and macOS the npm bin is bin/paddock, a launcher that execs this file.
// `paddock run` first tries the warm engine of this PADDOCK_HOME (`paddock engine start`;
// bin/engine-client.js), which starts a session without paying for Node's module loading;
// PADDOCK_NO_ENGINE=1 runs it in this process.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../out/cli/main.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write('paddock: not built yet; run `npm run build:node` (npm install/ci does it for you)\n');
  process.exit(2);
}
const tracing = !!process.env.PADDOCK_TRACE;
const trace = tracing ? (m) => process.stderr.write(`paddock-trace: ${performance.now().toFixed(1).padStart(7)} ms  ${m}\n`) : undefined;

// bin/paddock started this process without NODE_EXTRA_CA_CERTS (it is only a client of the
// engine, and Node reads that bundle at every start): the environment is the user's again from
// here on, for the engine to compare and for whatever this process starts.
const CARRIED = 'PADDOCK_CLIENT_NODE_EXTRA_CA_CERTS';
const startedWithoutCa = process.env[CARRIED] !== undefined;
if (startedWithoutCa) {
  process.env.NODE_EXTRA_CA_CERTS = process.env[CARRIED];
  delete process.env[CARRIED];
  trace?.('started without NODE_EXTRA_CA_CERTS (bin/paddock: a warm engine is there)');
}

if (process.argv[2] === 'run' && !process.env.PADDOCK_NO_ENGINE && process.platform !== 'win32') {
  const { runThroughEngine } = await import('./engine-client.js');
  const r = await runThroughEngine({ buildIdFile: fileURLToPath(new URL('../out/cli/build-id', import.meta.url)), trace });
  if (r.lost) {
    process.stderr.write(`paddock: ${r.lost}\n`);
    process.exit(125);
  }
  if (r.fallback === undefined) exitLike(r);
  const opts = process.argv.slice(3, process.argv.includes('--') ? process.argv.indexOf('--') : undefined);
  if (tracing || (!r.quiet && (opts.includes('-v') || opts.includes('--verbose'))))
    process.stderr.write(`paddock: running this session in-process: ${r.fallback}\n`);
}
if (startedWithoutCa) relaunchWithCa();
else await import(entry.href);

/** End this process the way the session's program ended: its exit code, or its signal. */
function exitLike({ code, signal }) {
  if (signal) {
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
  }
  process.exit(code ?? 1);
}

/**
 * Run the CLI in a Node that has NODE_EXTRA_CA_CERTS (it is back in process.env), as if it were
 * this process: same terminal, arguments and cwd; its exit code or signal becomes ours.
 * SIGTERM and SIGHUP sent to this process are passed on. SIGINT is not: a Ctrl-C reaches the
 * child from the terminal already (it is in the foreground process group), and a second one
 * would make `paddock run` kill the sandboxed program instead of interrupting it.
 */
function relaunchWithCa() {
  trace?.('restarting Node with NODE_EXTRA_CA_CERTS to run in-process');
  const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(entry), ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: process.env,
  });
  process.on('SIGINT', () => {});
  for (const sig of ['SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  child.on('error', (e) => {
    process.stderr.write(`paddock: could not restart Node to run in-process: ${e.message}\n`);
    process.exit(125);
  });
  child.on('exit', (code, signal) => {
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.removeAllListeners(sig);
    exitLike({ code, signal });
  });
}
