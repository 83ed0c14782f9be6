import { connectEngine } from '../../engine/sandbox/docker-client.js';
import { SessionEventBus } from '../../engine/sessions/session-events.js';
import { SessionRunner } from '../../engine/sessions/session-runner.js';
import { PaddockError, errorMessage } from '../../engine/errors.js';
import { paddockHome } from '../../engine/paths.js';
import { watchFiles } from '../../engine/sessions/policy-watch.js';
import { join } from 'node:path';
import { JournalRecorder } from '../../engine/journal/journal-recorder.js';
import { attachTerminal } from '../terminal.js';
import { allowRules, credentialBindings, denyRules } from '../egress-flags.js';
import type { NetworkDecisionEvent } from '../../engine/egress/egress-events.js';
import { formatNetworkDecision } from '../../engine/egress/egress-events.js';
import { trace } from '../../engine/trace.js';
import { loadEffectivePolicy } from '../../engine/policy/policy-loader.js';
import { checkRepo } from '../../engine/sandbox/workspace.js';
import { OtlpEventExporter } from '../../engine/telemetry/otlp-exporter.js';
import { telemetryConfigFromPolicy } from '../../engine/telemetry/telemetry-config.js';
import { egressFromPolicy, workspaceFromPolicy } from '../../engine/sessions/session-policy.js';
import type { RunFlags } from './run.js';

/** Run one session in this terminal; resolves to the exit code `paddock run` should exit with. */
export async function runSession(args: string[], flags: RunFlags): Promise<number> {
  if (flags.cmd && args.length)
    throw new PaddockError('BAD_INPUT', 'give either --cmd "…" or a command after --, not both');
  const command = flags.cmd ? ['sh', '-c', flags.cmd] : args.length ? args : ['bash'];
  const tty = flags.tty ?? (!!process.stdin.isTTY && !!process.stdout.isTTY);
  const log = (m: string) => flags.verbose && process.stderr.write(`paddock: ${m}\n`);

  trace('cli loaded');
  const repo = await checkRepo(flags.repo);
  // The policy decides the sandbox's paths and network; a policy that fails to load stops here.
  const [{ docker }, policy] = await Promise.all([connectEngine(), loadEffectivePolicy({ repo })]);
  for (const w of policy.warnings)
    process.stderr.write(`paddock: policy: ${w.source.file}:${w.source.line}: ${w.message}\n`);
  trace('engine connected, policy loaded');
  const events = new SessionEventBus((e) => log(`event listener failed: ${String(e)}`));
  // The journal records every event; if it cannot, the session stops (fail closed).
  const journal = new JournalRecorder({
    onFailure: (sessionId, err) => {
      process.stderr.write(`paddock: ${err.message}\n`);
      void runner.abort(
        sessionId,
        `the session was stopped because its journal cannot be written (${err.message})`,
      );
    },
  });
  journal.attach(events);
  // OpenTelemetry logs when the policy switches them on (the managed layer can force it). The
  // exporter queues with a bound and never blocks the session; the journal stays the record.
  const t = policy.policy.telemetry;
  const telemetryConfig = telemetryConfigFromPolicy({
    enabled: t.enabled,
    endpoint: t.endpoint ?? undefined,
    headers: t.headers,
    logPrompts: t.log_prompts,
  });
  const telemetry = telemetryConfig ? new OtlpEventExporter(telemetryConfig) : null;
  telemetry?.attach(events);
  const runner: SessionRunner = new SessionRunner({
    docker,
    events,
    preStart: (sessionId) => {
      if (!journal.writerFor(sessionId))
        throw new PaddockError(
          'JOURNAL_WRITE_FAILED',
          `cannot open the journal of session ${sessionId}; nothing was started`,
        );
    },
  });
  const reaped = await runner.recover((m) => process.stderr.write(`paddock: ${m}\n`));
  trace('orphans checked');
  if (reaped.length) log(`reaped ${reaped.length} orphaned session(s): ${reaped.join(', ')}`);

  if (flags.network !== undefined && flags.network !== 'none' && flags.network !== 'egress')
    throw new PaddockError('BAD_INPUT', `--network ${String(flags.network)}: expected none or egress`);
  const egress =
    flags.network === 'none'
      ? undefined
      : egressFromPolicy(policy.policy, {
          extraRules: [...denyRules(flags.deny ?? []), ...allowRules(flags.allow ?? [])],
          force: flags.network === 'egress',
          // Nobody can answer a network question from a raw terminal yet: asks are denied.
          decider: null,
          credentials: credentialBindings(flags.credential ?? []),
        });
  const paths = workspaceFromPolicy(policy.policy);
  if (paths.unmountable.length)
    log(`policy paths enforced only on agent tools, not mounts: ${paths.unmountable.join(', ')}`);
  if (flags.verbose) {
    events.subscribe((e) => {
      if (e.kind === 'network.decision')
        process.stderr.write(`paddock: ${formatNetworkDecision(e.data as NetworkDecisionEvent)}\n`);
    });
  }

  const limits = {
    ...(flags.memory ? { memory: flags.memory } : {}),
    ...(flags.cpus ? { cpus: flags.cpus } : {}),
    ...(flags.pids ? { pids: flags.pids } : {}),
  };
  let detach = () => {};
  let stopWatch = () => {};
  // Policy files that change mid-session: new network rules apply at once, without a gap. A file
  // that no longer loads leaves the previous rules in force, loudly.
  const watchPolicy = (sessionId: string) =>
    watchFiles(
      [
        ...policy.layers.map((l) => l.file),
        join(paddockHome(), 'policy.yaml'),
        join(repo, '.paddock', 'policy.yaml'),
      ],
      () => {
        void (async () => {
          try {
            const next = await loadEffectivePolicy({ repo });
            const e = egressFromPolicy(next.policy, {
              extraRules: [...denyRules(flags.deny ?? []), ...allowRules(flags.allow ?? [])],
              force: true,
              decider: null,
            });
            const applied = e ? await runner.reloadNetwork(sessionId, e.rules, e.defaultDecision) : false;
            const note = applied
              ? undefined
              : 'this session has no network; restart it for network rules to apply';
            events.emit(sessionId, 'policy.reloaded', {
              ok: true,
              fingerprint: next.fingerprint,
              ...(note ? { note } : {}),
            });
            log(`policy reloaded (${next.fingerprint.slice(0, 12)})${note ? `: ${note}` : ''}`);
          } catch (err) {
            events.emit(sessionId, 'policy.reloaded', { ok: false, error: errorMessage(err) });
            process.stderr.write(
              `paddock: the changed policy does not load, the previous rules stay in force: ${errorMessage(err)}\n`,
            );
          }
        })();
      },
    );
  try {
    const session = await runner.start({
      repo,
      workspace: paths,
      policy: { fingerprint: policy.fingerprint, layers: policy.layers.map((l) => `${l.layer}:${l.file}`) },
      image: flags.image,
      agent: flags.cmd || args.length ? 'command' : 'shell',
      command,
      tty,
      limits,
      timeoutMs: flags.timeout,
      egress,
      ...(tty && process.stdout.columns ? { consoleSize: { cols: process.stdout.columns, rows: process.stdout.rows } } : {}),
      onProgress: (m) => process.stderr.write(`paddock: ${m}\n`),
      output: { stdout: process.stdout, stderr: process.stderr },
      // Signals and input are wired before the program starts, so none can slip past.
      beforeStart: (sandbox, id) => {
        detach = attachTerminal(sandbox, id, events, tty);
        stopWatch = watchPolicy(id);
      },
    });
    log(`session ${session.id} started in container ${session.sandbox.id.slice(0, 12)}`);
    const result = await session.done;
    detach();
    await journal.close(); // before the summary, so a late journal failure is reported above it
    if (result.message) process.stderr.write(`paddock: ${result.message}\n`);
    const ended = result.exitCode === null ? 'no exit code' : `exit ${result.exitCode}`;
    process.stderr.write(`paddock: session ${session.id} ended (${ended})\n`);
    if (flags.json) {
      const r = result.record;
      const summary = {
        session: r.id,
        repo: r.repo,
        image: r.image,
        imageDigest: r.imageDigest,
        command: r.command,
        exitCode: result.exitCode,
        reason: result.reason,
        message: result.message ?? null,
        startedAt: r.startedAt,
        endedAt: r.endedAt,
      };
      process.stderr.write(`${JSON.stringify(summary)}\n`);
    }
    if (result.reason === 'engine-lost') return 125;
    return result.exitCode ?? 125;
  } finally {
    stopWatch();
    detach();
    await journal.close();
    // Bounded: a collector that is down must not hold the terminal.
    await Promise.race([telemetry?.shutdown(), new Promise((r) => setTimeout(r, 3000).unref())]);
  }
}
