import type Docker from 'dockerode';
import type { Duplex, Readable } from 'node:stream';
import { PaddockError, errorMessage } from '../errors.js';
import { withTimeout } from './docker-client.js';

export type ExitReason = 'exited' | 'oom' | 'killed' | 'timeout' | 'aborted' | 'engine-lost';

export interface SandboxExit {
  exitCode: number | null;
  reason: ExitReason;
  /** One line for the user when the reason is not a plain exit. */
  message?: string;
}

/** Signals Paddock itself sends, so a kill we did not send can be told apart ("killed from outside"). */
const SIGNAL_NUMBERS: Record<string, string> = { SIGHUP: '1', SIGINT: '2', SIGQUIT: '3', SIGKILL: '9', SIGTERM: '15', SIGWINCH: '28' };

/**
 * One created container, attached before start so no output is lost. Knows why it ended:
 * a plain exit, the OOM killer, a kill from outside Paddock, a timeout, or the engine going away.
 */
export class SandboxContainer {
  private readonly sentSignals = new Set<string>();
  private externalKill: string | null = null;
  private timedOut = false;
  private abortMessage: string | null = null;
  private events: Readable | null = null;
  private waitResult: Promise<{ StatusCode: number }> | null = null;
  private readonly streamClosed: Promise<void>;

  private constructor(
    private readonly docker: Docker,
    readonly container: Docker.Container,
    readonly stream: Duplex,
    readonly tty: boolean,
  ) {
    this.streamClosed = new Promise((resolve) => {
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('error', () => resolve());
    });
  }

  static async create(docker: Docker, spec: Docker.ContainerCreateOptions): Promise<SandboxContainer> {
    let container: Docker.Container;
    try {
      container = await docker.createContainer(spec);
    } catch (e) {
      const msg = errorMessage(e);
      if (/no such image/i.test(msg)) throw new PaddockError('IMAGE_NOT_FOUND', `image ${spec.Image} does not exist in the engine; build it with \`paddock images build\` or name another with --image`);
      throw new PaddockError('CONTAINER_FAILED', `could not create the sandbox container: ${msg}`, { cause: e });
    }
    // Attach (so no output is lost) and subscribe to its kill events (so a kill from outside is
    // told apart) together: both must be in place before start, and neither needs the other.
    const [attached, events] = await Promise.allSettled([
      container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true }) as Promise<unknown> as Promise<Duplex>,
      docker.getEvents({ filters: { container: [container.id], event: ['kill'] } }) as Promise<unknown> as Promise<Readable>,
    ]);
    if (attached.status === 'rejected' || events.status === 'rejected') {
      if (attached.status === 'fulfilled') attached.value.destroy();
      if (events.status === 'fulfilled') events.value.destroy();
      await container.remove({ force: true }).catch(() => {});
      const what = attached.status === 'rejected' ? 'attach to' : 'watch the events of';
      const reason: unknown = attached.status === 'rejected' ? attached.reason : (events as PromiseRejectedResult).reason;
      throw new PaddockError('CONTAINER_FAILED', `could not ${what} the sandbox container: ${errorMessage(reason)}`, { cause: reason });
    }
    const sandbox = new SandboxContainer(docker, container, attached.value, !!spec.Tty);
    sandbox.watchEvents(events.value);
    return sandbox;
  }

  get id(): string {
    return this.container.id;
  }

  /** Write the container's output to these streams (demultiplexed when there is no TTY). */
  pipeOutput(stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): void {
    if (this.tty) this.stream.pipe(stdout, { end: false });
    else this.docker.modem.demuxStream(this.stream, stdout, stderr);
  }

  private readonly startedHooks: Array<() => void> = [];

  /** Run `fn` once the container has started (a TTY can only be resized then). */
  onStarted(fn: () => void): void {
    this.startedHooks.push(fn);
  }

  async start(): Promise<void> {
    try {
      await this.container.start();
    } catch (e) {
      throw new PaddockError('CONTAINER_FAILED', `the sandbox container did not start: ${errorMessage(e)}`, { cause: e });
    }
    // Once start has returned the container is running or already exited, never "created", so
    // `not-running` cannot fire early, and unlike `next-exit` it cannot miss a fast exit.
    this.waitResult = this.container.wait({ condition: 'not-running' }) as Promise<{ StatusCode: number }>;
    this.waitResult.catch(() => {}); // observed in wait()
    for (const fn of this.startedHooks.splice(0)) fn();
  }

  async resize(cols: number, rows: number): Promise<void> {
    if (!this.tty || cols <= 0 || rows <= 0) return;
    await this.container.resize({ w: cols, h: rows }).catch(() => {});
  }

  async signal(signal: string): Promise<void> {
    const n = SIGNAL_NUMBERS[signal];
    if (n) this.sentSignals.add(n);
    await this.container.kill({ signal }).catch(() => {});
  }

  /** Freeze every process of the container (cgroup freezer); a kill still works while paused. */
  async pause(): Promise<void> {
    await this.container.pause();
  }

  async unpause(): Promise<void> {
    await this.container.unpause();
  }

  /** Stop after `ms`: SIGTERM, then SIGKILL after a grace period. */
  async timeout(graceMs = 5000): Promise<void> {
    this.timedOut = true;
    await this.signal('SIGTERM');
    setTimeout(() => void this.signal('SIGKILL'), graceMs).unref();
  }

  /** Stop now because Paddock cannot supervise it any more (fail closed), saying why. */
  async abort(message: string): Promise<void> {
    this.abortMessage ??= message;
    await this.signal('SIGKILL');
  }

  async wait(): Promise<SandboxExit> {
    if (!this.waitResult) throw new Error('wait() before start()');
    let status: number;
    try {
      status = (await this.waitOrDetectLoss(this.waitResult)).StatusCode;
    } catch (e) {
      return { exitCode: null, reason: 'engine-lost', message: `the container engine stopped answering mid-session (${errorMessage(e)}); the sandbox will be removed at the next start` };
    } finally {
      this.events?.removeAllListeners('close');
      this.events?.destroy();
    }
    // The exit can overtake the last output on the attach connection: drain it first, as
    // `docker run` does (bounded, in case the engine never closes the stream).
    // The container has stopped, so its state is final: inspect it (OOM?) meanwhile.
    const [, state] = await Promise.all([
      Promise.race([this.streamClosed, new Promise((r) => setTimeout(r, 2000).unref())]),
      this.container.inspect().then((i) => i.State, () => null),
    ]);
    if (state?.OOMKilled) {
      return { exitCode: status, reason: 'oom', message: 'the sandboxed program ran out of memory and was killed by the memory limit' };
    }
    if (this.abortMessage) return { exitCode: status, reason: 'aborted', message: this.abortMessage };
    if (this.timedOut) return { exitCode: status, reason: 'timeout', message: 'the session reached its time limit and was stopped' };
    if (this.externalKill) {
      return { exitCode: status, reason: 'killed', message: `the sandbox container was killed from outside Paddock (signal ${this.externalKill})` };
    }
    if (!state) return { exitCode: status, reason: 'killed', message: 'the sandbox container was removed from outside Paddock' };
    return { exitCode: status, reason: 'exited' };
  }

  /**
   * dockerode's wait never settles if the engine connection dies after the response headers.
   * Once the engine's event stream closes (it only does when the connection is gone), poll
   * the container with a timeout: an answer gives the exit, silence means the engine is lost.
   */
  private waitOrDetectLoss(waitResult: Promise<{ StatusCode: number }>): Promise<{ StatusCode: number }> {
    return new Promise((resolve, reject) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const settle = (f: () => void) => {
        if (settled) return;
        settled = true;
        clearInterval(timer);
        f();
      };
      waitResult.then((v) => settle(() => resolve(v)), (e: unknown) => settle(() => reject(asError(e))));
      const check = async () => {
        try {
          const st = (await withTimeout(this.container.inspect(), 3000, 'the engine did not answer within 3 s')).State;
          if (!st.Running) settle(() => resolve({ StatusCode: st.ExitCode }));
        } catch (e) {
          if (/no such container|404/i.test(errorMessage(e))) settle(() => resolve({ StatusCode: 137 }));
          else settle(() => reject(asError(e)));
        }
      };
      const onEventsClosed = () => {
        if (settled) return;
        void check();
        timer = setInterval(() => void check(), 2000);
      };
      if (!this.events || this.events.destroyed) onEventsClosed();
      else this.events.once('close', onEventsClosed);
    });
  }

  async remove(): Promise<void> {
    this.stream.destroy();
    this.events?.destroy();
    await this.container.remove({ force: true, v: true }).catch((e: unknown) => {
      if (!/no such container|404|already in progress/i.test(errorMessage(e))) throw e;
    });
  }

  private watchEvents(events: Readable): void {
    this.events = events;
    let buf = '';
    events.on('data', (chunk: Buffer) => {
      buf += chunk.toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          const ev = JSON.parse(line) as { Action?: string; Actor?: { Attributes?: Record<string, string> } };
          const sig = ev.Actor?.Attributes?.signal;
          if (ev.Action === 'kill' && sig && !this.sentSignals.has(sig) && !this.externalKill) this.externalKill = sig;
        } catch {
          /* partial or foreign line */
        }
      }
    });
    events.on('error', () => {});
  }
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
