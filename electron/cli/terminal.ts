import type { SessionEventSink } from '../engine/sessions/session-events.js';
import type { SandboxContainer } from '../engine/sandbox/sandbox-container.js';
import type { CliIO } from './cli-io.js';

/**
 * Connect a front end's terminal (`io`: this process's, or an engine client's) to a session: raw
 * mode and resizes when there is a TTY (Ctrl-C then reaches the sandboxed program as a byte),
 * signals forwarded otherwise, stdin EOF passed on. Returns a function that restores the terminal.
 */
export function attachTerminal(sandbox: SandboxContainer, id: string, events: SessionEventSink, tty: boolean, io: CliIO): () => void {
  const stdin = io.stdin;

  const onInput = (chunk: Buffer) => {
    if (tty) events.emit(id, 'terminal.input', { data: chunk.toString('utf8') });
    sandbox.stream.write(chunk);
  };
  const onEnd = () => {
    if (!tty) sandbox.stream.end();
  };
  stdin.on('data', onInput);
  stdin.on('end', onEnd);

  const size = () => io.size() ?? { cols: 80, rows: 24 };
  const cleanups: Array<() => void> = [];
  if (tty && io.stdinIsTTY) {
    io.setRawMode(true);
    cleanups.push(() => io.setRawMode(false));
    const resize = () => {
      const { cols, rows } = size();
      events.emit(id, 'terminal.resize', { cols, rows });
      void sandbox.resize(cols, rows);
    };
    sandbox.onStarted(resize);
    cleanups.push(io.onResize(resize));
  } else if (tty) {
    sandbox.onStarted(() => void sandbox.resize(size().cols, size().rows));
  }

  let interrupts = 0;
  const forward = (sig: NodeJS.Signals) => () => {
    if (sig === 'SIGINT' && ++interrupts > 1) void sandbox.signal('SIGKILL');
    else void sandbox.signal(sig);
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) cleanups.push(io.onSignal(sig, forward(sig)));
  stdin.resume();

  return () => {
    stdin.off('data', onInput);
    stdin.off('end', onEnd);
    stdin.pause();
    for (const c of cleanups.reverse()) c();
  };
}
