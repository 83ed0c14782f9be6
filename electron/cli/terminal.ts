import type { SessionEventSink } from '../engine/sessions/session-events.js';
import type { SandboxContainer } from '../engine/sandbox/sandbox-container.js';

/**
 * Connect this process's terminal to a session: raw mode and resizes when there is a TTY
 * (Ctrl-C then reaches the sandboxed program as a byte), signals forwarded otherwise, stdin EOF
 * passed on. Returns a function that restores the terminal.
 */
export function attachTerminal(sandbox: SandboxContainer, id: string, events: SessionEventSink, tty: boolean): () => void {
  const stdin = process.stdin;

  const onInput = (chunk: Buffer) => {
    if (tty) events.emit(id, 'terminal.input', { data: chunk.toString('utf8') });
    sandbox.stream.write(chunk);
  };
  const onEnd = () => {
    if (!tty) sandbox.stream.end();
  };
  stdin.on('data', onInput);
  stdin.on('end', onEnd);

  const cleanups: Array<() => void> = [];
  if (tty && stdin.isTTY) {
    stdin.setRawMode(true);
    cleanups.push(() => stdin.setRawMode(false));
    const resize = () => {
      const cols = process.stdout.columns ?? 80;
      const rows = process.stdout.rows ?? 24;
      events.emit(id, 'terminal.resize', { cols, rows });
      void sandbox.resize(cols, rows);
    };
    sandbox.onStarted(resize);
    process.stdout.on('resize', resize);
    cleanups.push(() => process.stdout.off('resize', resize));
  } else if (tty) {
    sandbox.onStarted(() => void sandbox.resize(process.stdout.columns ?? 80, process.stdout.rows ?? 24));
  }

  let interrupts = 0;
  const forward = (sig: NodeJS.Signals) => () => {
    if (sig === 'SIGINT' && ++interrupts > 1) void sandbox.signal('SIGKILL');
    else void sandbox.signal(sig);
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const h = forward(sig);
    process.on(sig, h);
    cleanups.push(() => process.off(sig, h));
  }
  stdin.resume();

  return () => {
    stdin.off('data', onInput);
    stdin.off('end', onEnd);
    stdin.pause();
    for (const c of cleanups.reverse()) c();
  };
}
