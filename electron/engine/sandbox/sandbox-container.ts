import type Docker from 'dockerode';
import type { Duplex, Readable } from 'node:stream';
import { PaddockError, errorMessage } from '../errors.js';

export type ExitReason = 'exited' | 'oom' | 'killed' | 'timeout' | 'engine-lost';

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
  private events: Readable | null = null;
  private waitResult: Promise<{ StatusCode: number }> | null = null;

  private constructor(
    private readonly docker: Docker,
    readonly container: Docker.Container,
    readonly stream: Duplex,
    readonly tty: boolean,
  ) {}

  static async create(docker: Docker, spec: Docker.ContainerCreateOptions): Promise<SandboxContainer> {
    let container: Docker.Container;
    try {
      container = await docker.createContainer(spec);
    } catch (e) {
      const msg = errorMessage(e);
      if (/no such image/i.test(msg)) throw new PaddockError('IMAGE_NOT_FOUND', `image ${spec.Image} does not exist in the engine; build it with \`paddock images build\` or name another with --image`);
      throw new PaddockError('CONTAINER_FAILED', `could not create the sandbox container: ${msg}`, { cause: e });
    }
    try {
      const stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as unknown as Duplex;
      return new SandboxContainer(docker, container, stream, !!spec.Tty);
    } catch (e) {
      await container.remove({ force: true }).catch(() => {});
      throw new PaddockError('CONTAINER_FAILED', `could not attach to the sandbox container: ${errorMessage(e)}`, { cause: e });
    }
  }

  get id(): string {
    return this.container.id;
  }

  /** Write the container's output to these streams (demultiplexed when there is no TTY). */
  pipeOutput(stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): void {
    if (this.tty) this.stream.pipe(stdout, { end: false });
    else this.docker.modem.demuxStream(this.stream, stdout, stderr);
  }

  async start(): Promise<void> {
    await this.watchEvents();
    this.waitResult = this.container.wait({ condition: 'next-exit' }) as Promise<{ StatusCode: number }>;
    this.waitResult.catch(() => {}); // observed in wait()
    try {
      await this.container.start();
    } catch (e) {
      throw new PaddockError('CONTAINER_FAILED', `the sandbox container did not start: ${errorMessage(e)}`, { cause: e });
    }
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

  /** Stop after `ms`: SIGTERM, then SIGKILL after a grace period. */
  async timeout(graceMs = 5000): Promise<void> {
    this.timedOut = true;
    await this.signal('SIGTERM');
    setTimeout(() => void this.signal('SIGKILL'), graceMs).unref();
  }

  async wait(): Promise<SandboxExit> {
    if (!this.waitResult) throw new Error('wait() before start()');
    let status: number;
    try {
      status = (await this.waitResult).StatusCode;
    } catch (e) {
      return { exitCode: null, reason: 'engine-lost', message: `the container engine stopped answering mid-session (${errorMessage(e)}); the sandbox will be removed at the next start` };
    } finally {
      this.events?.destroy();
    }
    const state = await this.container.inspect().then((i) => i.State, () => null);
    if (state?.OOMKilled) {
      return { exitCode: status, reason: 'oom', message: 'the sandboxed program ran out of memory and was killed by the memory limit' };
    }
    if (this.timedOut) return { exitCode: status, reason: 'timeout', message: 'the session reached its time limit and was stopped' };
    if (this.externalKill) {
      return { exitCode: status, reason: 'killed', message: `the sandbox container was killed from outside Paddock (signal ${this.externalKill})` };
    }
    if (!state) return { exitCode: status, reason: 'killed', message: 'the sandbox container was removed from outside Paddock' };
    return { exitCode: status, reason: 'exited' };
  }

  async remove(): Promise<void> {
    this.stream.destroy();
    await this.container.remove({ force: true, v: true }).catch((e: unknown) => {
      if (!/no such container|404|already in progress/i.test(errorMessage(e))) throw e;
    });
  }

  private async watchEvents(): Promise<void> {
    const events = (await this.docker.getEvents({
      filters: { container: [this.container.id], event: ['kill'] },
    })) as Readable;
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
