import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import type { ApiHandlers, ApiImplementation, EventListener, EventName, EventPayload } from '../../contract/index.js';
import { errorMessage, PaddockError } from '../errors.js';
import type { JournalRecorder } from '../journal/journal-recorder.js';
import { journalPaths } from '../journal/journal-paths.js';
import { dataPaths, paddockHome } from '../paths.js';
import type { EngineEndpoint } from '../sandbox/docker-client.js';
import { connectEngine } from '../sandbox/docker-client.js';
import type { SessionEvent } from '../sessions/session-events.js';
import type { SessionRecord } from '../sessions/session-store.js';
import type { SessionEventBus } from '../sessions/session-events.js';
import type { SessionRunner } from '../sessions/session-runner.js';
import { Supervisor } from '../sessions/supervisor.js';
import { SessionStore } from '../sessions/session-store.js';
import { activitySummary, toSession } from './api-views.js';
import { engineStatus } from './engine-status.js';
import { imageHandlers } from './image-handlers.js';
import { LiveSession, LiveSessions } from './live-sessions.js';
import { policyHandlers } from './policy-handlers.js';
import { replayHandlers } from './replay-handlers.js';
import { panelHandlers } from './session-panels.js';
import { SessionCounts } from './session-counts.js';
import { agentOptions, networkOptions, startOptions } from './start-options.js';
import { repoHead } from '../sessions/repo-changes.js';
import { RepoSnapshot } from '../sessions/repo-snapshot.js';
import type { BatcherOptions } from './terminal-batcher.js';
import { answererName, UiApprovals } from './ui-approvals.js';

export interface EngineApiOptions {
  /** Data directory (default `paddockHome()`). */
  home?: string;
  /** How to reach the container engine (default: `connectEngine()`); tests inject a real one. */
  connect?: () => Promise<EngineEndpoint>;
  /** Terminal output batching (default ~16 ms / 200 KB). */
  batch?: BatcherOptions;
  /** Where diagnostics go (journal failures, reaped sessions). */
  log?: (message: string) => void;
  /** Which front end answers approvals (recorded as `desktop:<user>` / `web:<user>`; default web). */
  frontEnd?: 'desktop' | 'web';
}

const CHANGED_KINDS = new Set(['session.created', 'session.started', 'session.ended', 'session.error', 'session.paused', 'session.resumed']);

/**
 * The contract's procedures over the headless engine: sessions (SessionRunner + index), replay
 * and export (journal), policy, engine status. Emits contract events from the session event bus:
 * small invalidations (`sessions.changed`), batched `terminal.data`, and one-line activity.
 * Used by `paddock serve` (WebSocket) and by Electron main (IPC).
 */
export class EngineApi implements ApiImplementation {
  readonly handlers: ApiHandlers;
  readonly bus: SessionEventBus;
  private readonly listeners = new Set<EventListener>();
  private readonly live = new LiveSessions();
  private readonly supervisor: Supervisor;
  private readonly journal: JournalRecorder;
  private readonly store: SessionStore;
  private endpoint: EngineEndpoint | null = null;
  private engineError: string | null = null;
  private runner: SessionRunner | null = null;
  private readonly running = new Set<Promise<unknown>>();
  /** Start snapshots of non-git repos, for the changed-files panel (dropped when the session ends). */
  private readonly snapshots = new Map<string, RepoSnapshot>();
  readonly home: string;
  /** Approvals and denials per session, for the list. */
  private readonly counts: SessionCounts;
  /** The UI's approvals: pending requests across sessions, answered through `approvals.answer`. */
  readonly approvals: UiApprovals;

  private constructor(private readonly opts: EngineApiOptions) {
    this.home = opts.home ?? paddockHome();
    const log = opts.log ?? (() => {});
    // The Supervisor makes UI sessions obey exactly what CLI sessions obey: the layered policy
    // (paths, network, reloads), the journal (fail closed) and the policy's telemetry.
    this.supervisor = new Supervisor({
      home: this.home,
      connect: async () => {
        try {
          this.endpoint = await (opts.connect ?? connectEngine)();
          this.engineError = null;
          return this.endpoint;
        } catch (e) {
          this.engineError = errorMessage(e);
          throw e;
        }
      },
      log: (m) => log(m),
    });
    this.bus = this.supervisor.bus;
    this.journal = this.supervisor.journal;
    this.store = new SessionStore(dataPaths(this.home).index);
    this.counts = new SessionCounts((id) => journalPaths(id, this.home).journal);
    this.bus.subscribe((e) => this.onEngineEvent(e));
    this.approvals = new UiApprovals({ home: this.home, events: this.bus, answeredBy: answererName(opts.frontEnd ?? 'web') });
    this.approvals.inbox.onChange((pending) => this.emit('approvals.changed', { pending: pending.length, ids: pending.map((r) => r.id) }));
    const journaled = (id: string) => existsSync(journalPaths(id, this.home).journal);
    const view = (r: SessionRecord) => {
      const ended = r.state !== 'running' && r.state !== 'starting' && r.state !== 'paused';
      return toSession(r, this.live.get(r.id)?.attached ?? false, journaled(r.id), this.counts.get(r.id, ended));
    };
    const session = async (id: string) => view(await this.store.get(id));
    const resolveId = async (id: string) => (await this.store.get(id)).id;
    this.handlers = {
      'sessions.list': async () => (await this.store.list()).map(view),
      'sessions.get': async ({ id }) => session(id),
      'sessions.start': async (input) => session(await this.start(input)),
      'sessions.stop': async ({ id }) => {
        const s = this.attachedSession(await resolveId(id));
        await this.runner?.abort(s.id, 'stopped by the user from the Paddock UI');
        return {};
      },
      'sessions.pause': async ({ id }) => {
        const s = this.attachedSession(await resolveId(id));
        await (await this.ensureEngine()).pause(s.id, 'the user, from the Paddock UI');
        return {};
      },
      'sessions.resume': async ({ id }) => {
        const s = this.attachedSession(await resolveId(id));
        await (await this.ensureEngine()).resume(s.id, 'the user, from the Paddock UI');
        return {};
      },
      ...panelHandlers({ home: this.home, record: (id) => this.store.get(id), flush: (id) => this.journal.flush(id), snapshot: (id) => this.snapshots.get(id) }),
      'sessions.startOptions': () => Promise.resolve(startOptions(this.home)),
      'sessions.input': async ({ id, data }) => {
        const s = this.attachedSession(id);
        this.bus.emit(s.id, 'terminal.input', { data });
        await new Promise<void>((resolve, reject) => s.sandbox.stream.write(data, (e) => (e ? reject(e) : resolve())));
        return {};
      },
      'sessions.resize': async ({ id, cols, rows }) => {
        const s = this.attachedSession(id);
        this.bus.emit(s.id, 'terminal.resize', { cols, rows });
        await s.sandbox.resize(cols, rows);
        return {};
      },
      'sessions.output': async ({ id }) => {
        const full = await resolveId(id);
        return this.live.get(full)?.output() ?? { data: '', seq: 0, attached: false };
      },
      ...replayHandlers({ home: this.home, resolveId, flush: (id) => this.journal.flush(id) }),
      ...policyHandlers({ home: this.home, resolveRepo }),
      'engine.status': async () => {
        await this.ensureEngine().catch(() => null);
        const running = (await this.store.list()).filter((s) => s.state === 'running' || s.state === 'starting' || s.state === 'paused').length;
        return engineStatus({ endpoint: this.endpoint, error: this.engineError, home: this.home, running });
      },
      ...this.approvals.handlers(),
      ...imageHandlers({
        docker: async () => (await this.ensureEngine(), this.endpoint!.docker),
        progress: (message) => this.emit('engine.progress', { message, time: Date.now() }),
      }),
    };
  }

  /** Opens the API; a missing engine is not fatal (status says so, starting a session fails with what to do). */
  static async open(opts: EngineApiOptions = {}): Promise<EngineApi> {
    const api = new EngineApi(opts);
    const runner = await api.ensureEngine().catch(() => null);
    if (runner) {
      const reaped = await runner.recover((m) => opts.log?.(m)).catch(() => []);
      if (reaped.length) opts.log?.(`reaped ${reaped.length} orphaned session(s): ${reaped.join(', ')}`);
    }
    return api;
  }

  subscribe(listener: EventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Sessions this process runs now. */
  attachedCount(): number {
    return this.live.attached().length;
  }

  /** Stops every session this process runs and closes their journals. */
  async close(reason = 'the Paddock engine was shut down'): Promise<void> {
    const runner = this.runner;
    if (runner) await Promise.all(this.live.attached().map((s) => runner.abort(s.id, reason)));
    await Promise.all([...this.running]);
    await this.journal.close();
  }

  private emit<K extends EventName>(name: K, payload: EventPayload<K>): void {
    for (const l of this.listeners) {
      try {
        l(name, payload);
      } catch {
        /* a front end's listener never breaks the engine */
      }
    }
  }

  private onEngineEvent(e: SessionEvent): void {
    if (e.kind === 'terminal.output') {
      this.live.get(e.sessionId)?.batcher.push((e.data as { data: string }).data);
      return;
    }
    if (e.kind === 'terminal.input' || e.kind === 'terminal.resize') return;
    this.counts.onEvent(e);
    if (e.kind === 'session.ended') this.live.ended(e.sessionId);
    this.emit('sessions.activity', { id: e.sessionId, kind: e.kind, time: e.time, summary: activitySummary(e) });
    if (CHANGED_KINDS.has(e.kind)) this.emit('sessions.changed', { id: e.sessionId });
  }

  private attachedSession(id: string): LiveSession {
    const s = this.live.get(id) ?? [...this.live.attached()].find((x) => id.length >= 4 && x.id.startsWith(id));
    if (!s || !s.attached) throw new PaddockError('SESSION_NOT_FOUND', `session ${id} is not running in this Paddock process; only sessions started here take input`);
    return s;
  }

  private async ensureEngine(): Promise<SessionRunner> {
    const runner = this.runner ?? (await this.supervisor.runner());
    this.runner = runner;
    return runner;
  }

  private async start(input: Parameters<ApiHandlers['sessions.start']>[0]): Promise<string> {
    await this.ensureEngine();
    const repo = resolveRepo(input.repo);
    // The Supervisor checks the repo (missing, or a file) with the same codes as the CLI.
    const line = input.command?.trim() ?? '';
    const cols = input.cols ?? 100;
    const rows = input.rows ?? 30;
    const progress = (message: string) => this.emit('engine.progress', { message, time: Date.now() });
    const mode = input.approvals ?? 'ask';
    const net = networkOptions(input);
    // The user's own command line is not judged (absolute shell path); what it runs through
    // `sh -c` / `bash -c` is, by the session's gate, and asks go to the mode's provider. The gate
    // lives on the session network: with network "none" nothing can leave and nothing is judged.
    const run = { agent: line ? 'command' : 'shell', command: line ? ['/bin/sh', '-c', line] : ['/bin/bash'] };
    const gated = net.network !== 'none';
    const agentSetup = input.agent
      ? agentOptions(input, this.home, progress, this.approvals.broker(mode), mode).agentSetup
      : gated
        ? this.approvals.setup(mode, run)
        : undefined;
    // A repo outside git has no start commit to diff against: keep what it looked like instead.
    const snapshot = (await repoHead(repo)) ? null : await RepoSnapshot.take(repo).catch(() => null);
    const handle = await this.supervisor.start({
      repo,
      ...(input.preset ? { preset: input.preset } : {}),
      image: input.image,
      ...run,
      ...net,
      ...(gated ? { network: 'egress' as const } : {}),
      ...(agentSetup ? { agentSetup } : {}),
      ...(snapshot ? { changes: () => snapshot.changes() } : {}),
      tty: true,
      // The program starts at the viewer's size (where the engine supports ConsoleSize); the
      // resize after start covers engines that ignore it, and records the size in the journal.
      consoleSize: { cols, rows },
      term: 'xterm-256color', // the UI's terminal is xterm.js, whatever TERM the app was started with
      timeoutMs: input.timeoutSeconds ? input.timeoutSeconds * 1000 : undefined,
      onProgress: progress,
      beforeStart: (sandbox, id) => {
        if (snapshot) this.snapshots.set(id, snapshot);
        this.live.add(new LiveSession(id, sandbox, (sid, data, seq) => this.emit('terminal.data', { id: sid, data, seq }), this.opts.batch));
        sandbox.onStarted(() => {
          this.bus.emit(id, 'terminal.resize', { cols, rows });
          void sandbox.resize(cols, rows);
        });
      },
    });
    const done = handle.done
      .catch((e: unknown) => this.opts.log?.(`session ${handle.id}: ${errorMessage(e)}`))
      .finally(() => {
        this.live.ended(handle.id);
        this.snapshots.delete(handle.id);
        this.running.delete(done);
      });
    this.running.add(done);
    return handle.id;
  }
}

/** A repo path from the UI: `~` expanded, relative paths against the engine's working directory. */
export function resolveRepo(repo: string): string {
  const expanded = repo === '~' ? homedir() : repo.startsWith('~/') ? `${homedir()}${repo.slice(1)}` : repo;
  return resolve(expanded);
}
