import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { Readable, Writable } from 'node:stream';
import type { CliIO, ForwardedSignal, TermSize } from '../cli-io.js';
import type { Hello } from './engine-protocol.js';
import { Frame, encodeFrame } from './engine-protocol.js';

const SIGNALS: readonly string[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

/**
 * A client's terminal inside the engine: what `paddock run` reads and writes goes over the
 * connection as frames. Stdin is only read from the client once the session asks for it (as the
 * in-process CLI only reads its stdin once the session is wired), so a declined or failed run
 * leaves the client's stdin untouched.
 */
export class ConnectionIO {
  readonly io: CliIO;
  private readonly events = new EventEmitter();
  private readonly stdin: Readable;
  private termSize: TermSize | undefined;
  private readonly abandon = new AbortController();

  constructor(
    private readonly socket: Socket,
    hello: Hello,
    sessions: CliIO['sessions'],
  ) {
    const send = (type: (typeof Frame)[keyof typeof Frame], payload?: Buffer | string) => {
      if (!socket.destroyed && socket.writable) socket.write(encodeFrame(type, payload));
    };
    let asked = false;
    this.stdin = new Readable({
      read() {
        if (asked) return;
        asked = true;
        send(Frame.readStdin);
      },
    });
    const sink = (type: typeof Frame.stdout | typeof Frame.stderr) =>
      new Writable({
        write(chunk: Buffer | string, enc, cb) {
          send(type, typeof chunk === 'string' ? Buffer.from(chunk, enc) : chunk);
          cb();
        },
      });
    if (hello.stdoutIsTTY && hello.cols && hello.rows) this.termSize = { cols: hello.cols, rows: hello.rows };
    this.io = {
      stdin: this.stdin,
      stdout: sink(Frame.stdout),
      stderr: sink(Frame.stderr),
      stdinIsTTY: !!hello.stdinIsTTY,
      stdoutIsTTY: !!hello.stdoutIsTTY,
      stderrIsTTY: !!hello.stderrIsTTY,
      stdoutHasColors: !!hello.stdoutHasColors,
      stderrHasColors: !!hello.stderrHasColors,
      size: () => this.termSize,
      onResize: (fn) => {
        this.events.on('resize', fn);
        return () => this.events.off('resize', fn);
      },
      setRawMode: (on) => send(Frame.rawMode, Buffer.from([on ? 1 : 0])),
      onSignal: (sig, fn) => {
        this.events.on(sig, fn);
        return () => this.events.off(sig, fn);
      },
      env: hello.env ?? {},
      cwd: hello.cwd ?? '/',
      abandoned: this.abandon.signal,
      reapsOrphans: true,
      ...(sessions ? { sessions } : {}),
    };
  }

  /** A frame from the client, after the hello. Returns a signal nobody handles (the client then ends as if it had received it). */
  receive(type: number, payload: Buffer): ForwardedSignal | null {
    if (type === Frame.stdin) {
      if (!this.stdinEnded) this.stdin.push(payload);
    } else if (type === Frame.stdinEnd) this.endStdin();
    else if (type === Frame.resize) {
      const { cols, rows } = JSON.parse(payload.toString('utf8')) as TermSize;
      if (Number.isInteger(cols) && Number.isInteger(rows) && cols > 0 && rows > 0) {
        this.termSize = { cols, rows };
        this.events.emit('resize');
      }
    } else if (type === Frame.signal) {
      const sig = payload.toString('utf8');
      if (!SIGNALS.includes(sig)) return null;
      if (this.events.listenerCount(sig) === 0) return sig as ForwardedSignal;
      this.events.emit(sig);
    }
    return null;
  }

  /** The client is gone (or must be let go, e.g. `engine stop`): stop its session, saying why. */
  abandonWith(reason: string): void {
    if (this.abandon.signal.aborted) return;
    this.abandon.abort(reason);
    this.endStdin();
  }

  private stdinEnded = false;
  private endStdin(): void {
    if (this.stdinEnded) return;
    this.stdinEnded = true;
    this.stdin.push(null);
  }
}
