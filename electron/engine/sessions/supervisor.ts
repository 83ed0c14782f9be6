import { join } from 'node:path';
import type { ApprovalDecider } from '../egress/approval-decider.js';
import type { CredentialBinding } from '../egress/credential-broker.js';
import type { NetworkRule } from '../egress/network-rules.js';
import { PaddockError, errorMessage } from '../errors.js';
import { JournalRecorder } from '../journal/journal-recorder.js';
import { paddockHome } from '../paths.js';
import { loadEffectivePolicy } from '../policy/policy-loader.js';
import type { EffectivePolicyResult } from '../policy/policy-types.js';
import type { EngineEndpoint } from '../sandbox/docker-client.js';
import { connectEngine } from '../sandbox/docker-client.js';
import { checkRepo } from '../sandbox/workspace.js';
import { trace } from '../trace.js';
import { watchFiles } from './policy-watch.js';
import { SessionEventBus } from './session-events.js';
import { egressFromPolicy, workspaceFromPolicy } from './session-policy.js';
import type Docker from 'dockerode';
import type { EgressOptions } from './session-egress.js';
import type { SessionHandle, SessionRunOptions } from './session-runner.js';
import { SessionRunner } from './session-runner.js';

export interface SupervisorOptions {
  home?: string;
  connect?: () => Promise<EngineEndpoint>;
  /**
   * Reap orphans (containers and records of dead owners) when connecting, before the first
   * session starts (default). The warm engine turns it off and reaps off the start path instead.
   */
  recover?: boolean;
  /** Lines for the user: `warn` always matters (journal failure, policy problems), `info` is detail. */
  log?: (message: string, level: 'info' | 'warn') => void;
}

/** What an agent adds to a session (image, command, gate), given the policy the session runs under. */
export interface AgentSetup {
  run: Pick<SessionRunOptions, 'agent' | 'image' | 'command' | 'extras'> & Partial<Pick<SessionRunOptions, 'tty' | 'driver'>>;
  /** Merge the agent's needs into the session's egress (decider, model-API credentials). */
  egress: (base: EgressOptions | undefined) => EgressOptions;
  /**
   * Who answers network asks when a human does (terminal prompt, UI inbox): then a policy whose
   * `network.default` is `ask` asks for unmatched hosts instead of denying them (unattended).
   */
  decider?: ApprovalDecider;
}

export interface SupervisedStart extends Omit<SessionRunOptions, 'repo' | 'workspace' | 'egress' | 'policy'> {
  /** Turn the session into an agent session once the policy is known (see agent-session.ts). */
  agentSetup?: (ctx: {
    docker: Docker;
    policy: EffectivePolicyResult;
    repo: string;
    events: SessionEventBus;
  }) => Promise<AgentSetup>;
  repo: string;
  /** A policy preset (policy-presets.ts) applied between the user and the project layer. */
  preset?: string;
  /** 'none' forces no network; 'egress' forces the proxy; default: egress when anything may leave. */
  network?: 'none' | 'egress';
  /** Rules from the front end (e.g. `--allow`), added to the policy's. */
  extraRules?: readonly NetworkRule[];
  credentials?: readonly CredentialBinding[];
  /** Who answers network asks; null: nobody (asks are denied). */
  decider?: ApprovalDecider | null;
}

export interface SupervisedSession extends SessionHandle {
  policy: EffectivePolicyResult;
}

/**
 * Everything that must hold for every session, whichever front end starts it (CLI, desktop,
 * web bridge): the layered policy decides paths and network and a bad one stops the start; the
 * journal records every event and a journal that cannot be written stops the session; telemetry
 * follows the policy; a changed policy file reloads the network rules mid-session.
 */
export class Supervisor {
  readonly bus: SessionEventBus;
  readonly journal: JournalRecorder;
  readonly home: string;
  private runnerP: Promise<SessionRunner> | null = null;
  private runnerReady: SessionRunner | null = null;
  private readonly log: (m: string, level?: 'info' | 'warn') => void;

  constructor(private readonly opts: SupervisorOptions = {}) {
    this.home = opts.home ?? paddockHome();
    this.log = (m, level = 'info') => opts.log?.(m, level);
    this.bus = new SessionEventBus((e) => this.log(`event listener failed: ${errorMessage(e)}`, 'warn'));
    this.journal = new JournalRecorder({
      home: this.home,
      onFailure: (sessionId, err) => {
        this.log(err.message, 'warn');
        void this.runnerReady?.abort(
          sessionId,
          `the session was stopped because its journal cannot be written (${err.message})`,
        );
      },
    });
    this.journal.attach(this.bus);
  }

  /** The runner, connected to the engine once; orphans of dead engine processes are reaped then. */
  runner(): Promise<SessionRunner> {
    this.runnerP ??= (async () => {
      const { docker } = await (this.opts.connect ?? connectEngine)();
      const runner = new SessionRunner({
        docker,
        events: this.bus,
        home: this.home,
        preStart: (sessionId) => {
          if (!this.journal.writerFor(sessionId)) {
            throw new PaddockError(
              'JOURNAL_WRITE_FAILED',
              `cannot open the journal of session ${sessionId}; nothing was started`,
            );
          }
        },
      });
      const reaped = this.opts.recover === false ? [] : await runner.recover((m) => this.log(m, 'warn'));
      if (reaped.length) this.log(`reaped ${reaped.length} orphaned session(s): ${reaped.join(', ')}`);
      this.runnerReady = runner;
      return runner;
    })().catch((e: unknown) => {
      this.runnerP = null; // try again next time (e.g. the engine was started meanwhile)
      throw e;
    });
    return this.runnerP;
  }

  async start({ preset, ...opts }: SupervisedStart): Promise<SupervisedSession> {
    const repo = await checkRepo(opts.repo);
    const [runner, policy] = await Promise.all([
      this.runner(),
      loadEffectivePolicy({ repo, home: this.home, commandParser: false, preset: preset ?? null }),
    ]);
    trace('engine connected, policy loaded');
    for (const w of policy.warnings)
      this.log(`policy: ${w.source.file}:${w.source.line}: ${w.message}`, 'warn');
    const agent = opts.agentSetup
      ? await opts.agentSetup({ docker: runner.docker, policy, repo, events: this.bus })
      : null;
    const egressFor = (p: EffectivePolicyResult, force: boolean) => {
      const base =
        opts.network === 'none'
          ? undefined
          : egressFromPolicy(p.policy, {
              extraRules: opts.extraRules,
              force,
              decider: agent?.decider ?? opts.decider ?? null,
              credentials: opts.credentials,
            });
      // An agent always gets egress: its model API is reached through the credential broker.
      return agent ? agent.egress(base) : base;
    };
    const telemetry = await this.telemetryFor(policy);
    const paths = workspaceFromPolicy(policy.policy);
    if (paths.unmountable.length)
      this.log(`policy paths enforced on agent tools only, not as mounts: ${paths.unmountable.join(', ')}`);
    const cleanups: Array<() => Promise<void> | void> = [];
    const cleanup = async () => {
      for (const c of cleanups.splice(0).reverse()) await c();
    };
    try {
      const handle = await runner.start({
        ...opts,
        ...(agent?.run ?? {}),
        repo,
        workspace: paths,
        policy: { fingerprint: policy.fingerprint, layers: policy.layers.map((l) => `${l.layer}:${l.file}`) },
        egress: egressFor(policy, opts.network === 'egress'),
        onWarning: opts.onWarning ?? ((m) => this.log(m, 'warn')),
        beforeStart: (sandbox, id) => {
          if (telemetry) cleanups.push(telemetry(id));
          cleanups.push(this.watchPolicy(id, repo, preset ?? null, policy, (p) => egressFor(p, true)));
          opts.beforeStart?.(sandbox, id);
        },
      });
      const done = handle.done.finally(cleanup);
      return { ...handle, done, policy };
    } catch (e) {
      await cleanup();
      throw e;
    }
  }

  /** Stop every session this process runs, then flush and close the journals. */
  async close(): Promise<void> {
    await this.journal.close();
  }

  /**
   * OpenTelemetry logs for one session when its policy turns them on. The config check and the
   * SDK are loaded only then (they are a large part of start-up otherwise); attaching is
   * synchronous so no event is missed. (The policy schema has already checked the section.)
   */
  private async telemetryFor(
    policy: EffectivePolicyResult,
  ): Promise<((sessionId: string) => () => Promise<void>) | null> {
    const t = policy.policy.telemetry;
    if (!t.enabled) return null;
    const { telemetryConfigFromPolicy } = await import('../telemetry/telemetry-config.js');
    const config = telemetryConfigFromPolicy({
      enabled: t.enabled,
      endpoint: t.endpoint ?? undefined,
      headers: t.headers,
      logPrompts: t.log_prompts,
    });
    if (!config) return null;
    const { OtlpEventExporter } = await import('../telemetry/otlp-exporter.js');
    return (sessionId) => {
      const exporter = new OtlpEventExporter(config);
      const detach = exporter.attach({
        subscribe: (l) => this.bus.subscribe((e) => e.sessionId === sessionId && l(e)),
      });
      return async () => {
        // Let the record of the session's end arrive, then stop, bounded: a collector that is
        // down must not hold anything up; the journal stays the record.
        await new Promise((r) => setImmediate(r));
        detach();
        await Promise.race([exporter.shutdown(), new Promise((r) => setTimeout(r, 3000).unref())]);
      };
    };
  }

  /** A changed policy file: new network rules at once, without a gap; one that no longer loads keeps the old, loudly. */
  private watchPolicy(
    sessionId: string,
    repo: string,
    preset: string | null,
    policy: EffectivePolicyResult,
    egressFor: (p: EffectivePolicyResult) => ReturnType<typeof egressFromPolicy>,
  ): () => void {
    const files = [
      ...policy.layers.map((l) => l.file),
      join(this.home, 'policy.yaml'),
      join(repo, '.paddock', 'policy.yaml'),
    ];
    return watchFiles(files, () => {
      void (async () => {
        try {
          const next = await loadEffectivePolicy({ repo, home: this.home, commandParser: false, preset });
          const e = egressFor(next);
          const applied = e
            ? await this.runnerReady!.reloadNetwork(sessionId, e.rules, e.defaultDecision)
            : false;
          const note = applied
            ? undefined
            : 'this session has no network; restart it for network rules to apply';
          this.bus.emit(sessionId, 'policy.reloaded', {
            ok: true,
            fingerprint: next.fingerprint,
            ...(note ? { note } : {}),
          });
          this.log(`policy reloaded (${next.fingerprint.slice(0, 12)})${note ? `: ${note}` : ''}`);
        } catch (err) {
          this.bus.emit(sessionId, 'policy.reloaded', { ok: false, error: errorMessage(err) });
          this.log(
            `the changed policy does not load, the previous rules stay in force: ${errorMessage(err)}`,
            'warn',
          );
        }
      })();
    });
  }
}
