/**
 * `PADDOCK_TRACE=1` prints the time of each start-up phase on stderr (ms since process start):
 * the first thing to look at when a session starts slowly.
 */
const on = !!process.env.PADDOCK_TRACE;

export function trace(phase: string): void {
  if (on) process.stderr.write(`paddock-trace: ${performance.now().toFixed(1).padStart(7)} ms  ${phase}\n`);
}

if (on) process.on('exit', () => trace('process exit'));
