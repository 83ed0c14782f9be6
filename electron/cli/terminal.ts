import type { SessionEventSink } from '../engine/sessions/session-events.js';
import type { SessionHandle } from '../engine/sessions/session-runner.js';

/**
 * Connect this process's terminal to a session: raw mode and resizes when there is a TTY
 * (Ctrl-C then reaches the sandboxed program as a byte), signals forwarded otherwise, stdin EOF
 * passed on. Returns a function that restores the terminal.
 */
export function attachTerminal(session: SessionHandle, events: SessionEventSink, tty: boolean): () => void {
  const { sandbox, id } = session;
  const stdin = process.stdin;
  session.stdout.pipe(process.stdout, { end: false });
  session.stderr.pipe(process.stderr, { end: false });

  const onInput = (chunk: Buffer) => {
    if (tty) events.emit(id, 'terminal.input', { data: chunk.toString('utf8') });
    sandbox.stream.write(chunk);
  };
  const onEnd = () => sandbox.stream.end();
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
    resize();
    process.stdout.on('resize', resize);
    cleanups.push(() => process.stdout.off('resize', resize));
  } else if (tty) {
    void sandbox.resize(process.stdout.columns ?? 80, process.stdout.rows ?? 24);
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
    session.stdout.unpipe(process.stdout);
    session.stderr.unpipe(process.stderr);
    for (const c of cleanups.reverse()) c();
  };
}
