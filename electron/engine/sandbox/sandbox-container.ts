import type Docker from 'dockerode';
import type { IncomingMessage } from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import { PaddockError, errorMessage } from '../errors.js';
import { withTimeout } from './docker-client.js';
import { latestWins } from './latest-wins.js';

export type ExitReason = 'exited' | 'oom' | 'killed' | 'timeout' | 'aborted' | 'engine-lost';

export interface SandboxExit {
  exitCode: number | null;
  reason: ExitReason;
  /** One line for the user when the reason is not a plain exit. */
  message?: string;
}

/** Signals Paddock itself sends, so a kill we did not send can be told apart ("killed from outside"). */
const SIGNAL_NUMBERS: Record<string, string> = { SIGHUP: '1', SIGINT: '2', SIGQUIT: '3', SIGKILL: '9', SIGTERM: '15', SIGWINCH: '28' };

/** The engine events a session container is watched for, in the engine's order. */
const WATCHED_EVENTS = ['kill', 'oom', 'die'];

/** A wait the engine has registered (the headers of its answer came back); `status` settles at the exit. */
interface EngineWait {
  status: Promise<number>;
  cancel(): void;
}

/**
 * One created container, attached before start so no output is lost. Knows why it ended:
 * a plain exit, the OOM killer, a kill from outside Paddock, a timeout, or the engine going away.
 *
 * The exit is learnt from whichever says it first: a `next-exit` wait registered before start
 * (as `docker run` does), the engine's `die` event (subscribed before start too), or a
 * `not-running` wait sent once start has returned (for engines that answer a wait's headers
 * before registering it). The engine logs `kill` and `oom` before `die`, so once `die` has
 * arrived the events say whether the OOM killer or someone else killed the program, without an
 * inspect after the exit.
 */
export class SandboxContainer {
  private readonly sentSignals = new Set<string>();
  private externalKill: string | null = null;
  private timedOut = false;
  private abortMessage: string | null = null;
  private events: Readable | null = null;
  private oomSeen = false;
  private dieSeen = false;
  private readonly died: Promise<void>;
  private markDied: () => void = () => {};
  /** The exit code the `die` event carried (settles only if it carried one). */
  private readonly diedWith: Promise<number>;
  private resolveDiedWith: (code: number) => void = () => {};
  private lateWait: Promise<EngineWait> | null = null;
  /** Where the exit status can come from, once started (see the class comment). */
  private exitSources: Promise<number>[] | null = null;
  private readonly streamClosed: Promise<void>;

  private constructor(
    private readonly docker: Docker,
    readonly container: Docker.Container,
    readonly stream: Duplex,
    readonly tty: boolean,
    private readonly earlyWait: EngineWait,
  ) {
    this.streamClosed = new Promise((resolve) => {
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('error', () => resolve());
    });
    this.died = new Promise((resolve) => (this.markDied = resolve));
    this.diedWith = new Promise((resolve) => (this.resolveDiedWith = resolve));
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
    // Attach (so no output is lost), subscribe to its events (so a kill from outside and the OOM
    // killer are told apart) and register the wait for its exit, together: all must be in place
    // before start, and none needs the others.
    const [attached, events, waited] = await Promise.allSettled([
      container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true }) as Promise<unknown> as Promise<Duplex>,
      docker.getEvents({ filters: { container: [container.id], event: WATCHED_EVENTS } }) as Promise<unknown> as Promise<Readable>,
      registerWait(docker, container.id, 'next-exit'),
    ]);
    if (attached.status === 'rejected' || events.status === 'rejected' || waited.status === 'rejected') {
      if (attached.status === 'fulfilled') attached.value.destroy();
      if (events.status === 'fulfilled') events.value.destroy();
      if (waited.status === 'fulfilled') waited.value.cancel();
      await container.remove({ force: true }).catch(() => {});
      const [what, reason] =
        attached.status === 'rejected'
          ? ['attach to', attached.reason as unknown]
          : events.status === 'rejected'
            ? ['watch the events of', events.reason as unknown]
            : ['wait for', (waited as PromiseRejectedResult).reason as unknown];
      throw new PaddockError('CONTAINER_FAILED', `could not ${what} the sandbox container: ${errorMessage(reason)}`, { cause: reason });
    }
    const sandbox = new SandboxContainer(docker, container, attached.value, !!spec.Tty, waited.value);
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
      this.earlyWait.cancel(); // nothing will exit: no wait is left behind
      throw new PaddockError('CONTAINER_FAILED', `the sandbox container did not start: ${errorMessage(e)}`, { cause: e });
    }
    // Once start has returned the container is running or already exited, never "created", so
    // `not-running` cannot fire early, and unlike `next-exit` it cannot miss a fast exit even on
    // an engine that registers a wait only after answering its headers. On Docker the early wait
    // or the `die` event answers first; this one costs no time on the way.
    this.lateWait = registerWait(this.docker, this.container.id, 'not-running').catch((e: unknown): EngineWait => {
      // Gone already (removed from outside between start and this request): it was killed.
      if (/no such container|404/i.test(errorMessage(e))) return { status: Promise.resolve(137), cancel: () => {} };
      return { status: Promise.reject(asError(e)), cancel: () => {} };
    });
    this.exitSources = [this.earlyWait.status, this.lateWait.then((w) => w.status), this.diedWith];
    for (const p of this.exitSources) p.catch(() => {}); // observed in wait()
    for (const fn of this.startedHooks.splice(0)) fn();
  }

  /** One resize request at a time, the newest size last (two in flight may reach the engine in either order). */
  private readonly sendSize = latestWins(async (size: { w: number; h: number }) => {
    await this.container.resize(size).catch(() => {});
  });

  async resize(cols: number, rows: number): Promise<void> {
    if (!this.tty || cols <= 0 || rows <= 0) return;
    await this.sendSize({ w: cols, h: rows });
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
    if (!this.exitSources) throw new Error('wait() before start()');
    let status: number;
    try {
      status = await this.waitOrDetectLoss(this.exitSources);
    } catch (e) {
      this.cancelWaits();
      this.stopWatching();
      return { exitCode: null, reason: 'engine-lost', message: `the container engine stopped answering mid-session (${errorMessage(e)}); the sandbox will be removed at the next start` };
    }
    this.cancelWaits();
    // The exit can overtake the last output on the attach connection: drain it first, as
    // `docker run` does (bounded, in case the engine never closes the stream). Meanwhile learn
    // how it ended (OOM? removed?), from the events or, when they cannot tell, an inspect.
    const [, state] = await Promise.all([
      Promise.race([this.streamClosed, delay(2000)]),
      this.finalState(status),
    ]);
    this.stopWatching();
    if (state.oom) {
      return { exitCode: status, reason: 'oom', message: 'the sandboxed program ran out of memory and was killed by the memory limit' };
    }
    if (this.abortMessage) return { exitCode: status, reason: 'aborted', message: this.abortMessage };
    if (this.timedOut) return { exitCode: status, reason: 'timeout', message: 'the session reached its time limit and was stopped' };
    if (this.externalKill) {
      return { exitCode: status, reason: 'killed', message: `the sandbox container was killed from outside Paddock (signal ${this.externalKill})` };
    }
    if (state.gone) return { exitCode: status, reason: 'killed', message: 'the sandbox container was removed from outside Paddock' };
    return { exitCode: status, reason: 'exited' };
  }

  /**
   * Whether the OOM killer struck and whether the container is gone, once it has stopped. The
   * engine sets the OOM flag and logs `oom` before it logs `die`, in order on one stream, so the
   * events up to `die` say it without a request. A SIGKILL status (137) is checked with an
   * inspect as well: an OOM the engine learns of only after the exit, or a removal from outside,
   * shows only there. Without `die` (the exit came on a wait first, or the events are gone),
   * inspect, and take the events if `die` arrives meanwhile.
   */
  private async finalState(status: number): Promise<{ oom: boolean; gone: boolean }> {
    const fromEvents = () => ({ oom: this.oomSeen, gone: false });
    const inspect = () =>
      this.container.inspect().then(
        (i) => ({ oom: this.oomSeen || !!i.State.OOMKilled, gone: false }),
        () => ({ oom: this.oomSeen, gone: true }),
      );
    if (!this.dieSeen && this.events && !this.events.destroyed) {
      const inspected = inspect();
      // `die` is usually a moment behind the wait's answer; once the inspect has answered, give
      // it a little longer, then go by the inspect.
      await Promise.race([this.died, inspected.then(() => Promise.race([this.died, delay(250)]))]);
      if (!this.dieSeen || (status === 137 && !this.oomSeen)) return inspected;
      return fromEvents();
    }
    if (this.dieSeen && (this.oomSeen || status !== 137)) return fromEvents();
    return inspect();
  }

  /**
   * The first exit status any source gives. A wait whose connection drops, or an event stream
   * that closes, says nothing about the container (and a connection can also die without ever
   * closing): then poll the container with a timeout. An answer gives the exit (or says it is
   * still running: poll on), silence means the engine is lost.
   */
  private waitOrDetectLoss(sources: Promise<number>[]): Promise<number> {
    return new Promise((resolve, reject) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const settle = (f: () => void) => {
        if (settled) return;
        settled = true;
        clearInterval(timer);
        this.events?.off('close', poll);
        f();
      };
      const check = async () => {
        try {
          const st = (await withTimeout(this.container.inspect(), 3000, 'the engine did not answer within 3 s')).State;
          if (!st.Running) settle(() => resolve(st.ExitCode));
        } catch (e) {
          if (/no such container|404/i.test(errorMessage(e))) settle(() => resolve(137));
          else settle(() => reject(asError(e)));
        }
      };
      function poll() {
        if (settled || timer) return;
        void check();
        timer = setInterval(() => void check(), 2000);
      }
      for (const p of sources) p.then((v) => settle(() => resolve(v)), poll);
      if (!this.events || this.events.destroyed) poll();
      else this.events.once('close', poll);
    });
  }

  async remove(): Promise<void> {
    this.cancelWaits();
    this.stream.destroy();
    this.stopWatching();
    await this.container.remove({ force: true, v: true }).catch((e: unknown) => {
      if (!/no such container|404|already in progress/i.test(errorMessage(e))) throw e;
    });
  }

  /** Close the waits still open (the exit is known, or there will be none). */
  private cancelWaits(): void {
    this.earlyWait.cancel();
    void this.lateWait?.then((w) => w.cancel());
  }

  private stopWatching(): void {
    this.events?.removeAllListeners('close');
    this.events?.destroy();
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
        let ev: { Action?: string; Actor?: { Attributes?: Record<string, string> } };
        try {
          ev = JSON.parse(line) as typeof ev;
        } catch {
          continue; // partial or foreign line
        }
        const attrs = ev.Actor?.Attributes ?? {};
        if (ev.Action === 'kill') {
          const sig = attrs.signal;
          if (sig && !this.sentSignals.has(sig) && !this.externalKill) this.externalKill = sig;
        } else if (ev.Action === 'oom') {
          this.oomSeen = true;
        } else if (ev.Action === 'die' && !this.dieSeen) {
          this.dieSeen = true;
          this.markDied();
          const code = Number(attrs.exitCode);
          if (attrs.exitCode !== undefined && Number.isInteger(code)) this.resolveDiedWith(code);
        }
      }
    });
    events.on('error', () => {});
  }
}

/**
 * POST /containers/{id}/wait, resolved once the engine has answered its headers: Docker sends
 * them only after it has registered the wait, so a `next-exit` wait resolved here cannot miss an
 * exit that follows. dockerode's own `wait` resolves only with the body, at the exit, too late to
 * know that. `cancel` closes the request (e.g. the start failed).
 */
export function registerWait(docker: Docker, id: string, condition: 'next-exit' | 'not-running'): Promise<EngineWait> {
  return new Promise((registered, failed) => {
    docker.modem.dial(
      {
        path: `/containers/${id}/wait?`,
        method: 'POST',
        options: { condition },
        isStream: true,
        statusCodes: { 200: true, 400: 'bad parameter', 404: 'no such container', 500: 'server error' },
      },
      (err, res) => {
        if (err || !res) {
          failed(err ?? new Error('the engine gave no answer to a wait'));
          return;
        }
        const body = res as IncomingMessage;
        const status = new Promise<number>((resolve, reject) => {
          let text = '';
          body.setEncoding('utf8');
          body.on('data', (c: string) => (text += c));
          body.on('end', () => {
            let code: unknown;
            try {
              code = (JSON.parse(text) as { StatusCode?: unknown }).StatusCode;
            } catch {
              /* reported below */
            }
            if (typeof code === 'number') resolve(code);
            else reject(new Error(`the engine answered a wait with ${JSON.stringify(text.slice(0, 200))}`));
          });
          body.on('error', (e) => reject(e));
          body.on('close', () => reject(new Error('the connection of a wait closed before the container stopped')));
        });
        status.catch(() => {}); // observed by whoever awaits it; a cancelled wait rejects unobserved
        registered({ status, cancel: () => body.destroy() });
      },
    );
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms).unref());
}

function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
