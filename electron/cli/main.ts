import { setFlagsFromString } from 'node:v8';
import { trace } from '../engine/trace.js';
import { processIO } from './cli-io.js';
import { runCli } from './cli-program.js';

trace('main loaded');
const wanted = process.argv[2];
// Short-lived commands compile the 1.3 MB bash grammar (policy engine) with V8's baseline wasm
// compiler only: optimising it costs ~1.2 s of CPU that a one-shot command never earns back
// (and stalls the event loop meanwhile). The long-running `serve` and the warm engine
// (`engine run`, which serves many sessions) keep the optimising tier.
if (wanted !== 'serve' && !(wanted === 'engine' && process.argv[3] === 'run')) setFlagsFromString('--liftoff-only');

const io = processIO();
const { exitCode, failed } = await runCli(process.argv, io);
if (wanted === 'run' && !failed) {
  // An interactive run that had no warm engine starts one for the next runs (ADR 0010); not
  // after a bad flag or a run Paddock could not start.
  const { autostartEngine } = await import('./engine/engine-autostart.js');
  const context = { argv: process.argv, env: process.env, cwd: process.cwd(), platform: process.platform, interactive: !!process.stdin.isTTY && !!process.stdout.isTTY };
  await autostartEngine(context, (m) => io.stderr.write(`paddock: ${m}\n`)).catch((e: unknown) =>
    io.stderr.write(`paddock: could not start a warm engine for the next runs: ${e instanceof Error ? e.message : String(e)}\n`),
  );
}
// A bad flag, --help, --version or a failure exits now, as it always has; a command that
// succeeded exits when its work is done, with the code it set.
if (failed) process.exit(exitCode);
if (exitCode !== undefined) process.exitCode = exitCode;
