import type { NetworkDecisionEvent } from '../../engine/egress/egress-events.js';
import { formatNetworkDecision } from '../../engine/egress/egress-events.js';
import { PaddockError } from '../../engine/errors.js';
import { Supervisor } from '../../engine/sessions/supervisor.js';
import { trace } from '../../engine/trace.js';
import { allowRules, credentialBindings, denyRules } from '../../engine/egress/egress-flags.js';
import { resolve } from 'node:path';
import { Writable } from 'node:stream';
import type { CliIO } from '../cli-io.js';
import type { AgentSession } from '../../engine/sessions/agent-session.js';
import type { SandboxContainer } from '../../engine/sandbox/sandbox-container.js';
import { attachTerminal } from '../terminal.js';
import type { RunFlags } from './run.js';

/**
 * Run one session on a front end's terminal (`io`: this process's, or a warm engine's client's);
 * resolves to the exit code `paddock run` should exit with.
 */
export async function runSession(args: string[], flags: RunFlags, io: CliIO): Promise<number> {
  if (flags.cmd && args.length)
    throw new PaddockError('BAD_INPUT', 'give either --cmd "…" or a command after --, not both');
  if (flags.network !== undefined && flags.network !== 'none' && flags.network !== 'egress')
    throw new PaddockError('BAD_INPUT', `--network ${String(flags.network)}: expected none or egress`);
  if (flags.agent && flags.cmd)
    throw new PaddockError('BAD_INPUT', '--agent runs the agent; give it arguments after --, not --cmd');
  if (flags.prompt !== undefined && !flags.agent)
    throw new PaddockError('BAD_INPUT', '--prompt gives an agent its task; use it with --agent codex');
  if (flags.approvals && !['tty', 'deny', 'allow'].includes(flags.approvals))
    throw new PaddockError(
      'BAD_INPUT',
      `--approvals ${String(flags.approvals)}: expected tty, deny or allow`,
    );
  // Each value was checked as commander parsed it; a provider's key comes from the front end's
  // environment (the warm engine's client's), so a missing one is found here, before any work.
  const extraRules = [...denyRules(flags.deny ?? []), ...allowRules(flags.allow ?? [])];
  const credentials = credentialBindings(flags.credential ?? [], io.env);
  const command = flags.cmd ? ['sh', '-c', flags.cmd] : args.length ? args : ['bash'];
  const tty = flags.tty ?? (io.stdinIsTTY && io.stdoutIsTTY);
  const say = (m: string) => io.stderr.write(`paddock: ${m}\n`);
  const size = tty ? io.size() : undefined;
  trace('cli loaded');

  const supervisor = new Supervisor({
    log: (m, level) => (level === 'warn' || flags.verbose) && say(m),
    ...(io.reapsOrphans ? { recover: false } : {}),
  });
  if (flags.verbose) {
    supervisor.bus.subscribe((e) => {
      if (e.kind === 'network.decision') say(formatNetworkDecision(e.data as NetworkDecisionEvent));
    });
  }
  const limits = {
    ...(flags.memory ? { memory: flags.memory } : {}),
    ...(flags.cpus ? { cpus: flags.cpus } : {}),
    ...(flags.pids ? { pids: flags.pids } : {}),
  };
  let detach = () => {};
  // With --agent and approvals on this terminal, output is held while a question is open and
  // keystrokes answer it; `agent` is set once the policy is known (inside supervisor.start).
  let agent: AgentSession | null = null;
  let out: NodeJS.WritableStream = io.stdout;
  let gated = (sandbox: SandboxContainer) => sandbox;
  const stdout = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out.write(chunk);
      cb();
    },
  });
  // When the front end is gone (an engine client disconnected), nobody watches the session: it
  // is stopped as the UI's Stop does (aborted, journaled). Before the program runs, the stop
  // waits for it to start (a container that is only created cannot be killed).
  let stopSession: ((reason: string) => Promise<void>) | null = null;
  let stopWanted: string | null = null;
  const ABANDONED = 'the session was stopped because its terminal went away (the client of the Paddock engine disconnected)';
  const onAbandon = () => {
    const reason = typeof io.abandoned?.reason === 'string' ? io.abandoned.reason : ABANDONED;
    stopWanted ??= reason;
    void stopSession?.(reason);
  };
  if (io.abandoned?.aborted) throw new PaddockError('BAD_INPUT', 'the terminal of this run went away before the session started');
  io.abandoned?.addEventListener('abort', onAbandon, { once: true });
  let sessionId: string | null = null;
  try {
    const session = await supervisor.start({
      repo: resolve(io.cwd, flags.repo),
      ...(flags.preset ? { preset: flags.preset } : {}),
      image: flags.image,
      agent: flags.cmd || args.length ? 'command' : 'shell', // an agent session overrides this
      command,
      tty,
      limits,
      timeoutMs: flags.timeout,
      network: flags.network,
      extraRules,
      credentials,
      // Nobody can answer a network question from a raw terminal yet: asks are denied.
      decider: null,
      ...(size ? { consoleSize: size } : {}),
      ...(tty && io.env.TERM ? { term: io.env.TERM } : {}),
      onProgress: say,
      output: { stdout, stderr: io.stderr },
      ...(flags.agent
        ? {
            agentSetup: async (ctx) => {
              const { prepareAgentSession, gatedSandbox, drivenSandbox } = await import('../../engine/sessions/agent-session.js'); // only agent runs load the gate
              agent = await prepareAgentSession({
                ...ctx,
                agent: flags.agent!,
                approvals: flags.approvals,
                args,
                interactive: tty,
                env: io.env,
                promptOutput: io.stderr,
                ...(flags.prompt !== undefined ? { prompt: flags.prompt } : {}),
                ...(credentials.length ? { credentials } : {}),
                onProgress: say,
              });
              const a = agent;
              const prompt = a.tty;
              if (prompt) out = prompt.holdOutput(io.stdout);
              if (a.driven) gated = (sandbox) => drivenSandbox(sandbox, prompt);
              else if (prompt) gated = (sandbox) => gatedSandbox(sandbox, prompt);
              return { run: a.runOptions, egress: (base) => a.egress(base), ...(a.decider ? { decider: a.decider } : {}) };
            },
          }
        : {}),
      // Signals and input are wired before the program starts, so none can slip past.
      beforeStart: (sandbox, id) => {
        detach = attachTerminal(gated(sandbox), id, supervisor.bus, tty, io);
        sessionId = id;
        let started = false;
        stopSession = async (reason) => {
          stopWanted ??= reason;
          if (started) await sandbox.abort(reason);
        };
        sandbox.onStarted(() => {
          started = true;
          if (stopWanted) void sandbox.abort(stopWanted);
        });
        io.sessions?.started(id, stopSession);
      },
    });
    if (flags.verbose) say(`session ${session.id} started in container ${session.sandbox.id.slice(0, 12)}`);
    const result = await session.done;
    detach();
    trace('session done');
    await supervisor.close(); // before the summary, so a late journal failure is reported above it
    trace('journal closed');
    if (result.message) say(result.message);
    say(
      `session ${session.id} ended (${result.exitCode === null ? 'no exit code' : `exit ${result.exitCode}`})`,
    );
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
      io.stderr.write(`${JSON.stringify(summary)}\n`);
    }
    if (result.reason === 'engine-lost') return 125;
    return result.exitCode ?? 125;
  } finally {
    io.abandoned?.removeEventListener('abort', onAbandon);
    if (sessionId) io.sessions?.ended(sessionId);
    detach();
    await supervisor.close();
  }
}
