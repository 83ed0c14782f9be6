import type Docker from 'dockerode';
import { stat } from 'node:fs/promises';
import { hostname, userInfo } from 'node:os';
import { PassThrough } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { PaddockError, errorMessage } from '../errors.js';
import { dataPaths } from '../paths.js';
import { trace } from '../trace.js';
import type { SandboxLimits } from '../sandbox/container-spec.js';
import { buildContainerSpec, defaultLimits, sandboxUser } from '../sandbox/container-spec.js';
import { resolveImage } from '../sandbox/image-builder.js';
import type { OwnerIdentity } from '../sandbox/owner.js';
import { currentOwner, ownerAlive } from '../sandbox/owner.js';
import { reapOrphans } from '../sandbox/reaper.js';
import type { SandboxExit } from '../sandbox/sandbox-container.js';
import { SandboxContainer } from '../sandbox/sandbox-container.js';
import type { WorkspaceOptions } from '../sandbox/workspace.js';
import { checkRepo, prepareWorkspace, releaseWorkspace } from '../sandbox/workspace.js';
import type { SessionEventSink } from './session-events.js';
import type { EgressOptions, SessionEgress } from './session-egress.js';
import { newSessionId } from './session-id.js';
import type { RepoChanges } from './repo-changes.js';
import { repoChanges, repoHead } from './repo-changes.js';
import type { SessionRecord } from './session-store.js';
import { SessionStore } from './session-store.js';

export interface SessionRunOptions {
  repo: string;
  /** Image name; undefined = Paddock's default image. */
  image?: string;
  /** 'shell', 'command', or an agent name. */
  agent?: string;
  command: string[];
  tty: boolean;
  env?: Record<string, string>;
  limits?: Partial<SandboxLimits>;
  /** Stop the session after this many ms. */
  timeoutMs?: number;
  workspace?: Omit<WorkspaceOptions, 'emptyFile'>;
  onProgress?: (message: string) => void;
  /** Lines the user must see even without `--verbose` (e.g. a session running without the host firewall). */
  onWarning?: (message: string) => void;
  /**
   * Where the container's output goes as it arrives (TTY: everything on stdout). Output is also
   * emitted as `terminal.output` events; with no sinks, events are the only consumer.
   */
  output?: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream };
  /** The effective policy this session runs under (recorded with the session). */
  policy?: { fingerprint: string; layers: string[] };
  /** The terminal's size when the session starts (TTY sessions). */
  consoleSize?: { cols: number; rows: number };
  /**
   * The terminal type of the session's front end (TERM in a TTY session's container): the
   * client's own for `paddock run`, xterm for the UI's xterm.js. Never the engine process's.
   */
  term?: string;
  /** Egress through Paddock's proxy; without it the sandbox has no network at all. */
  egress?: EgressOptions;
  /**
   * Per-session services started once the session network exists (the approvals gate): extra
   * env and read-only mounts for the container; closed after the container is removed.
   */
  extras?: (ctx: { sessionId: string; egress: SessionEgress | null }) => Promise<SessionExtras>;
  /** Called once the container is created and attached, just before it starts (wire input here). */
  beforeStart?: (sandbox: SandboxContainer, sessionId: string) => void;
  /**
   * A program Paddock talks to over the container's stdio instead of a terminal (`codex
   * app-server`; no TTY). Its stdout goes to the driver, not to `output`; what the driver writes
   * to `display` is the session's output. The driver's verdict is the session's exit code.
   */
  driver?: (io: SessionDriverIo) => Promise<SessionDriverResult>;
  /**
   * What changed in the repo, for a repo that is not in git (a snapshot taken before the start;
   * see repo-snapshot.ts). Git repos are diffed against their start commit instead.
   */
  changes?: () => Promise<RepoChanges | null>;
}

export interface SessionDriverIo {
  sessionId: string;
  /** The program's stdout. */
  fromProgram: PassThrough;
  /** The program's stdin. */
  toProgram: NodeJS.WritableStream;
  /** Readable text for the terminal and the journal. */
  display: NodeJS.WritableStream;
  /** Close the program's stdin; signal it if it has not exited 10 s later. */
  stop: () => void;
}

export interface SessionDriverResult {
  exitCode: number;
  message?: string;
}

export interface SessionExtras {
  env: Record<string, string>;
  mounts: { source: string; target: string }[];
  close(): Promise<void>;
}

export interface SessionResult extends SandboxExit {
  record: SessionRecord;
}

export interface SessionHandle {
  id: string;
  record: SessionRecord;
  sandbox: SandboxContainer;
  done: Promise<SessionResult>;
}

export interface SessionRunnerDeps {
  docker: Docker;
  events: SessionEventSink;
  /**
   * Called after `session.created` is emitted and before the program starts; throwing aborts
   * the session (e.g. the journal could not be opened: nothing runs unrecorded).
   */
  preStart?: (sessionId: string) => void;
  home?: string;
  owner?: OwnerIdentity;
}

/** Starts and supervises sandbox sessions; usable from the CLI, the desktop app and tests. */
export class SessionRunner {
  readonly store: SessionStore;
  private readonly paths: ReturnType<typeof dataPaths>;
  private readonly owner: OwnerIdentity;
  private readonly live = new Map<string, SandboxContainer>();
  private readonly liveEgress = new Map<string, SessionEgress>();

  /** The engine this runner talks to (for callers that must prepare images or networks). */
  get docker(): Docker {
    return this.deps.docker;
  }

  constructor(private readonly deps: SessionRunnerDeps) {
    this.paths = dataPaths(deps.home);
    this.store = new SessionStore(this.paths.index);
    this.owner = deps.owner ?? currentOwner();
  }

  /**
   * New network rules for a running session (e.g. the policy file changed). Without a gap; if
   * the proxy's self-check fails afterwards it fails closed and the session is stopped.
   */
  async reloadNetwork(sessionId: string, rules: EgressOptions['rules'], defaultDecision: EgressOptions['defaultDecision']): Promise<boolean> {
    const egress = this.liveEgress.get(sessionId);
    if (!egress) return false;
    await egress.reload(rules, defaultDecision);
    return true;
  }

  /** Stop a running session now, saying why (fail closed: e.g. its journal cannot be written). */
  async abort(sessionId: string, message: string): Promise<void> {
    await this.live.get(sessionId)?.abort(message);
  }

  /**
   * Freeze a running session (`docker pause`): its processes stop where they are; the approval
   * broker's timeouts, the session's time limit and Stop keep working. Journaled with who asked.
   */
  async pause(sessionId: string, by: string): Promise<void> {
    await this.setPaused(sessionId, true, by);
  }

  async resume(sessionId: string, by: string): Promise<void> {
    await this.setPaused(sessionId, false, by);
  }

  private async setPaused(sessionId: string, paused: boolean, by: string): Promise<void> {
    const sandbox = this.live.get(sessionId);
    if (!sandbox) throw new PaddockError('SESSION_NOT_FOUND', `session ${sessionId} is not running in this Paddock process`);
    const r = await this.store.get(sessionId);
    if (r.state !== (paused ? 'running' : 'paused')) {
      throw new PaddockError('BAD_INPUT', `session ${sessionId} is ${r.state}; only a ${paused ? 'running session can be paused' : 'paused session can be resumed'}`);
    }
    try {
      await (paused ? sandbox.pause() : sandbox.unpause());
    } catch (e) {
      throw new PaddockError('CONTAINER_FAILED', `could not ${paused ? 'pause' : 'resume'} session ${sessionId}: ${errorMessage(e)}`, { cause: e });
    }
    // The program may have ended meanwhile (a kill works on a paused container): keep its end state.
    if (this.live.has(sessionId)) await this.store.update(sessionId, { state: paused ? 'paused' : 'running' });
    this.deps.events.emit(sessionId, paused ? 'session.paused' : 'session.resumed', { by });
  }

  /** Reap containers and session records left by a dead engine process. Run at engine start. */
  async recover(onError: (m: string) => void = () => {}): Promise<string[]> {
    const reaped = await reapOrphans(this.deps.docker, onError, this.owner);
    const recovered = new Set(reaped.map((r) => r.sessionId));
    for (const s of await this.store.list()) {
      if (s.state !== 'running' && s.state !== 'starting' && s.state !== 'paused') continue;
      if (!recovered.has(s.id) && ownerAlive(s.owner, this.owner)) continue;
      await releaseWorkspace({ repo: s.repo, placeholders: s.placeholders });
      await this.store.update(s.id, {
        state: 'interrupted',
        endedAt: new Date().toISOString(),
        endReason: 'interrupted',
        message: 'the engine process that ran this session died; its container was reaped',
      });
      recovered.add(s.id);
    }
    return [...recovered];
  }

  async start(opts: SessionRunOptions): Promise<SessionHandle> {
    const repo = await checkRepo(opts.repo);
    const progress = opts.onProgress ?? (() => {});
    const id = newSessionId();
    const emptyFile = `${this.paths.scratch}/empty`;
    // Independent steps run together: they are most of a short session's start-up.
    const startCommit = repoHead(repo);
    const [imageR, wsR] = await Promise.allSettled([
      resolveImage(this.deps.docker, opts.image, {
        onProgress: (e) =>
          e.type === 'step' && progress(`building image, step ${e.index}/${e.count}: ${e.name}`),
      }),
      prepareWorkspace(repo, { ...opts.workspace, emptyFile }),
    ]);
    if (imageR.status === 'rejected' || wsR.status === 'rejected') {
      if (wsR.status === 'fulfilled') await releaseWorkspace(wsR.value);
      throw imageR.status === 'rejected' ? imageR.reason : (wsR as PromiseRejectedResult).reason;
    }
    const image = imageR.value;
    const ws = wsR.value;
    trace('image resolved, workspace prepared');
    const record: SessionRecord = {
      id,
      repo,
      image: image.tag,
      imageDigest: image.digest ?? image.id,
      agent: opts.agent ?? 'command',
      command: opts.command,
      state: 'starting',
      startedAt: new Date().toISOString(),
      endedAt: null,
      exitCode: null,
      endReason: null,
      containerId: null,
      placeholders: ws.placeholders,
      owner: this.owner,
    };
    let sandbox: SandboxContainer | null = null;
    let egress: SessionEgress | null = null;
    let extras: SessionExtras | null = null;
    let recorded: Promise<void> | null = null;
    const owner = await stat(repo);
    const user = sandboxUser(owner);
    if (owner.uid !== user.uid) {
      progress(
        `${repo} belongs to uid ${owner.uid}; the sandbox runs as uid ${user.uid}, which can read it but may not be able to write to it`,
      );
    }
    try {
      // Recorded as `starting`, with its placeholders (so a crash can be cleaned up), before the
      // program can start; the write overlaps with opening the network and creating the container.
      recorded = this.store.put(record).then(() => trace('session recorded'));
      recorded.catch(() => {}); // awaited before the start, or before the failure is recorded
      if (opts.egress) {
        const { openSessionEgress } = await import('./session-egress.js'); // the proxy stack loads only for sessions with a network
        egress = await openSessionEgress(this.deps.docker, id, this.deps.events, opts.egress, (reason) => {
          void this.abort(id, `the session was stopped because the egress proxy failed closed (${reason})`);
        });
        this.liveEgress.set(id, egress);
        for (const n of egress.notes) progress(n);
        for (const w of egress.warnings) (opts.onWarning ?? progress)(w);
        trace('egress ready');
      }
      if (opts.extras) extras = await opts.extras({ sessionId: id, egress });
      const spec = buildContainerSpec({
        sessionId: id,
        image: image.tag,
        command: opts.command,
        tty: opts.tty,
        workspace: ws,
        emptyFile,
        owner: this.owner,
        user,
        limits: { ...defaultLimits(), ...opts.limits },
        env: { ...opts.env, ...extras?.env, ...egress?.env },
        readOnlyMounts: extras?.mounts,
        network: egress?.network,
        ...(opts.consoleSize ? { consoleSize: opts.consoleSize } : {}),
        ...(opts.term ? { term: opts.term } : {}),
        dns: egress?.dns,
        sysctls: egress?.sysctls,
      });
      sandbox = await SandboxContainer.create(this.deps.docker, spec);
      trace('container created and attached');
      const stdout = this.tapOutput(id, 'stdout', opts.output?.stdout);
      const stderr = this.tapOutput(id, 'stderr', opts.output?.stderr);
      let driven: { fromProgram: PassThrough; verdict: Promise<SessionDriverResult> } | null = null;
      if (opts.driver) {
        if (opts.tty) throw new PaddockError('BAD_INPUT', 'a driven session talks to its program over stdio; it cannot have a TTY');
        const fromProgram = new PassThrough();
        sandbox.pipeOutput(fromProgram, stderr);
        const box = sandbox;
        let stopping = false;
        const verdict = opts.driver({
          sessionId: id,
          fromProgram,
          toProgram: sandbox.stream,
          display: stdout,
          stop: () => {
            if (stopping) return;
            stopping = true;
            box.stream.end();
            setTimeout(() => void box.signal('SIGTERM'), 10_000).unref();
          },
        });
        driven = { fromProgram, verdict };
      } else sandbox.pipeOutput(stdout, stderr);
      opts.beforeStart?.(sandbox, id);
      const limits = spec.HostConfig!;
      this.deps.events.emit(id, 'session.created', {
        repo,
        image: image.tag,
        imageDigest: record.imageDigest,
        agent: record.agent,
        command: opts.command,
        user: userInfo().username,
        host: hostname(),
        sandboxUser: `${user.uid}:${user.gid}`,
        protectedPaths: ws.protected,
        maskedFiles: ws.masked,
        limits: {
          memory: limits.Memory ?? 0,
          cpus: (limits.NanoCpus ?? 0) / 1e9,
          pids: limits.PidsLimit ?? 0,
        },
        policy: opts.policy ?? null,
        network: egress ? egress.network : 'none',
        commit: await startCommit,
      });
      this.deps.preStart?.(id);
      await recorded;
      this.live.set(id, sandbox);
      await sandbox.start();
      trace('container started');
      record.containerId = sandbox.id;
      record.state = 'running';
      await this.store.put(record);
      this.deps.events.emit(id, 'container.lifecycle', { containerId: sandbox.id, state: 'started' });
      this.deps.events.emit(id, 'session.started', {
        repo,
        image: image.tag,
        imageDigest: record.imageDigest,
        command: opts.command,
        containerId: sandbox.id,
      });
      const timer = opts.timeoutMs ? setTimeout(() => void sandbox?.timeout(), opts.timeoutMs) : null;
      const since = await startCommit;
      const done = this.finish(record, sandbox, ws, stdout, stderr, egress, extras, since, driven, opts.changes).finally(
        () => timer && clearTimeout(timer),
      );
      return { id, record, sandbox, done };
    } catch (e) {
      this.live.delete(id);
      this.liveEgress.delete(id);
      await sandbox?.remove().catch(() => {});
      await egress?.close();
      await extras?.close();
      await releaseWorkspace(ws);
      const err =
        e instanceof PaddockError ? e : new PaddockError('CONTAINER_FAILED', errorMessage(e), { cause: e });
      await recorded?.catch(() => {});
      await this.store
        .update(id, {
          state: 'failed',
          endedAt: new Date().toISOString(),
          endReason: 'error',
          message: err.message,
        })
        .catch(() => {});
      this.deps.events.emit(id, 'session.error', { code: err.code, message: err.message });
      throw err;
    }
  }

  private async finish(
    record: SessionRecord,
    sandbox: SandboxContainer,
    ws: Parameters<typeof releaseWorkspace>[0],
    stdout: PassThrough,
    stderr: PassThrough,
    egress: SessionEgress | null,
    extras: SessionExtras | null = null,
    since: string | null = null,
    driven: { fromProgram: PassThrough; verdict: Promise<SessionDriverResult> } | null = null,
    changesOf?: () => Promise<RepoChanges | null>,
  ): Promise<SessionResult> {
    let exit = await sandbox.wait();
    if (driven) {
      driven.fromProgram.end(); // the driver sees the end of the program's output, if it has not finished
      const v = await driven.verdict.catch((e: unknown): SessionDriverResult => ({ exitCode: 1, message: errorMessage(e) }));
      // A plain exit takes the driver's verdict (a failed turn fails the session); a kill, a
      // timeout or an OOM stay what they were.
      if (exit.reason === 'exited' && (exit.exitCode === 0 || exit.exitCode === null))
        exit = { ...exit, exitCode: v.exitCode, ...(v.message ? { message: v.message } : {}) };
    }
    this.live.delete(record.id);
    this.liveEgress.delete(record.id);
    trace('container exited');
    // The container is removed while the rest of the end is done: nothing writes to the repo once
    // the program has exited, so what it changed is read meanwhile (the placeholders are empty
    // directories, which git does not list), and the placeholders, mounted nowhere any more, are
    // released. The session's network and services go only after the container (the network
    // cannot while the container is attached); the session ends only once all of it is gone.
    const removed = (async () => {
      if (exit.reason !== 'engine-lost') await sandbox.remove().catch(() => {});
      await egress?.close();
      await extras?.close();
      trace('container removed');
    })();
    removed.catch(() => {}); // awaited below
    const changesP = since ? repoChanges(ws.repo, since) : (changesOf?.().catch(() => null) ?? Promise.resolve(null));
    const [, changes] = await Promise.all([releaseWorkspace(ws), changesP]);
    trace('workspace released, changes read');
    await removed;
    stdout.end();
    stderr.end();
    const patch: Partial<SessionRecord> = {
      state: exit.reason === 'exited' ? 'ended' : exit.reason === 'engine-lost' ? 'failed' : 'ended',
      endedAt: new Date().toISOString(),
      exitCode: exit.exitCode,
      endReason: exit.reason,
      message: exit.message ?? null,
    };
    this.deps.events.emit(record.id, 'container.lifecycle', {
      containerId: sandbox.id,
      state: exit.reason === 'oom' ? 'oom' : 'removed',
    });
    // What the session changed in the repo, against the commit it started from.
    if (changes) this.deps.events.emit(record.id, 'file.changes', changes);
    // The index says "ended" only right before `session.ended`: whoever sees it there (the API)
    // finds the session's events complete.
    const updated = await this.store.update(record.id, patch).catch(() => ({ ...record, ...patch }));
    trace('session end recorded');
    this.deps.events.emit(record.id, 'session.ended', {
      exitCode: exit.exitCode,
      reason: exit.reason,
      ...(exit.message ? { message: exit.message } : {}),
    });
    return { ...exit, record: updated };
  }

  /** A stream that records every chunk as an event and forwards it, unaltered, to the sink. */
  private tapOutput(id: string, name: 'stdout' | 'stderr', sink?: NodeJS.WritableStream): PassThrough {
    const stream = new PassThrough();
    const decoder = new StringDecoder('utf8');
    stream.on('data', (chunk: Buffer) => {
      sink?.write(chunk);
      const data = decoder.write(chunk);
      if (data) this.deps.events.emit(id, 'terminal.output', { data, stream: name });
    });
    return stream;
  }
}
