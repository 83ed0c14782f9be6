/**
 * Everything `paddock run` needs from its surroundings, as a parameter instead of `process.*`:
 * the in-process CLI passes this process's terminal (`processIO()`), the warm engine passes a
 * client connection's (electron/cli/engine/connection-io.ts). Sessions run side by side in the
 * engine, so nothing on the run path may touch process-wide state (signals, raw mode, cwd,
 * exit code) directly.
 */
export type ForwardedSignal = 'SIGINT' | 'SIGTERM' | 'SIGHUP';

export interface TermSize {
  cols: number;
  rows: number;
}

export interface CliIO {
  stdin: NodeJS.ReadableStream;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdinIsTTY: boolean;
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
  /** Colour support of stdout/stderr as commander judges it (TTY and hasColors()). */
  stdoutHasColors: boolean;
  stderrHasColors: boolean;
  /** The terminal's size (stdout), when stdout is a terminal. */
  size(): TermSize | undefined;
  /** Called when the terminal is resized; returns the unsubscribe function. */
  onResize(fn: () => void): () => void;
  /** Raw mode of the terminal on stdin (only called when stdinIsTTY). */
  setRawMode(on: boolean): void;
  /** Ctrl-C, termination and hang-up of the front end; returns the unsubscribe function. */
  onSignal(sig: ForwardedSignal, fn: () => void): () => void;
  /** The environment the command was given (the engine only accepts runs whose relevant variables equal its own). */
  env: NodeJS.ProcessEnv;
  /** Where relative paths (e.g. --repo) are resolved. */
  cwd: string;
  /** Set when the front end is gone (the engine's client disconnected): stop the session, nobody watches it. */
  abandoned?: AbortSignal;
  /** Told when a session starts and ends (the engine counts live sessions and stops them on `engine stop`). */
  sessions?: {
    started(id: string, stop: (reason: string) => Promise<void>): void;
    ended(id: string): void;
  };
  /**
   * The front end reaps orphans itself, off the start path (the warm engine: at its start and
   * after every session); a session then skips the reaping every in-process start does.
   */
  reapsOrphans?: boolean;
  /** The command's exit code, set by the action (the in-process CLI exits with it). */
  exitCode?: number;
}

/** This process's own terminal, signals and environment. */
export function processIO(): CliIO {
  const { stdin, stdout, stderr } = process;
  return {
    stdin,
    stdout,
    stderr,
    stdinIsTTY: !!stdin.isTTY,
    stdoutIsTTY: !!stdout.isTTY,
    stderrIsTTY: !!stderr.isTTY,
    stdoutHasColors: !!stdout.isTTY && !!stdout.hasColors?.(),
    stderrHasColors: !!stderr.isTTY && !!stderr.hasColors?.(),
    size: () => (stdout.isTTY && stdout.columns ? { cols: stdout.columns, rows: stdout.rows } : undefined),
    onResize(fn) {
      stdout.on('resize', fn);
      return () => stdout.off('resize', fn);
    },
    setRawMode: (on) => {
      if (stdin.isTTY) stdin.setRawMode(on);
    },
    onSignal(sig, fn) {
      process.on(sig, fn);
      return () => process.off(sig, fn);
    },
    env: process.env,
    cwd: process.cwd(),
  };
}
