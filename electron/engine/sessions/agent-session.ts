import type Docker from 'dockerode';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import type { SandboxContainer } from '../sandbox/sandbox-container.js';
import { ApprovalBroker } from '../approvals/approval-broker.js';
import { fixedProvider } from '../approvals/approval-providers.js';
import type { ApprovalProvider } from '../approvals/approval-types.js';
import { userPolicyRuleWriter } from '../approvals/project-rules.js';
import { ttyApprovalProvider } from '../approvals/tty-provider.js';
import type { TtyApprovalProvider } from '../approvals/tty-provider.js';
import type { ApprovalDecider } from '../egress/approval-decider.js';
import type { CredentialBinding } from '../egress/credential-broker.js';
import { PaddockError } from '../errors.js';
import { driveCodexAppServer } from '../gate/codex-app-server.js';
import { sessionGateExtras, sessionJudge } from '../gate/session-gate.js';
import { dataPaths, paddockHome } from '../paths.js';
import type { EffectivePolicyResult } from '../policy/index.js';
import { ensureAgentImage } from '../sandbox/image-builder.js';
import { isAgentName } from '../sandbox/image-recipe.js';
import type { EgressOptions } from './session-egress.js';
import type { SessionEventSink } from './session-events.js';
import type { SessionRunOptions } from './session-runner.js';

export type ApprovalsMode = 'tty' | 'deny' | 'allow';

/**
 * An agent session (`paddock run --agent <name> [--approvals tty|deny|allow]`, the UI's agent
 * choice): everything it needs on top of a plain one — the agent's image and command line, the
 * approvals broker and its provider, the gate (as `SessionRunOptions.extras`), the egress
 * decider and model-API credentials. Front ends call it from `SupervisedStart.agentSetup`
 * (electron/cli/commands/run-session.ts, api/start-options.ts), load it with a dynamic import()
 * (only agent sessions load the gate), and spread `runOptions` into the run; in a terminal
 * session the CLI lets `tty.feed(chunk)` see keystrokes first and wraps stdout with
 * `tty.holdOutput` (see docs/gate.md).
 */
export interface AgentSession {
  agent: string;
  image: string;
  command: string[];
  broker: ApprovalBroker;
  /** Set when approvals are asked on this terminal. */
  tty: TtyApprovalProvider | null;
  /** Merge into the session's egress: the broker answers network asks, model keys stay on the host. */
  egress(base: EgressOptions | undefined): EgressOptions;
  /** Set when a human answers asks (terminal prompt, UI inbox): unmatched hosts then ask. */
  decider?: ApprovalDecider;
  runOptions: Pick<SessionRunOptions, 'extras' | 'agent' | 'image' | 'command'> & Partial<Pick<SessionRunOptions, 'tty' | 'driver'>>;
  /** Set when Paddock drives the agent over stdio (`codex app-server`): no keystrokes go to the sandbox. */
  driven: boolean;
}

const MODEL_KEYS: Record<string, { provider: CredentialBinding['provider']; env: string }> = {
  claude: { provider: 'anthropic', env: 'ANTHROPIC_API_KEY' },
  codex: { provider: 'openai', env: 'OPENAI_API_KEY' },
  gemini: { provider: 'google', env: 'GEMINI_API_KEY' },
};

/** The agent's own command line: never a permission-bypass flag (the policy schema refuses them too). */
export function agentCommand(agent: string, policy: EffectivePolicyResult['policy'], extra: readonly string[]): string[] {
  const settings = policy.agents.settings[agent];
  const model = settings?.model ? ['--model', settings.model] : [];
  const args = [...(settings?.args ?? []), ...extra];
  if (agent === 'claude') return ['claude', '--permission-mode', 'dontAsk', ...model, ...args];
  return [agent, ...model, ...args];
}

function promptOutput(out: NodeJS.WritableStream | undefined): NodeJS.WritableStream {
  if (!out) throw new PaddockError('BAD_INPUT', '--approvals tty needs a terminal to ask on; none was given');
  return out;
}

export async function prepareAgentSession(opts: {
  docker: Docker;
  agent: string;
  approvals: ApprovalsMode | undefined;
  repo: string;
  policy: EffectivePolicyResult;
  events: SessionEventSink;
  /** Extra arguments for the agent (after --). */
  args: readonly string[];
  interactive: boolean;
  /** A task for the agent: Codex then runs as `codex app-server`, driven by Paddock (docs/gate.md). */
  prompt?: string;
  /** The front end's environment: PADDOCK_HOME, the user's name for prompts, model keys. */
  env: NodeJS.ProcessEnv;
  /** Where the terminal approval prompt is written; needed for `--approvals tty`. */
  promptOutput?: NodeJS.WritableStream;
  /** Model-API keys held on the host; default: the agent's key from the environment (e.g. ANTHROPIC_API_KEY). */
  credentials?: CredentialBinding[];
  onProgress?: (m: string) => void;
  /** A broker the front end owns (the UI's, one per approvals mode); `asks`: a human answers its asks. */
  broker?: { broker: ApprovalBroker; asks: boolean };
}): Promise<AgentSession> {
  const { agent, policy } = opts;
  if (!isAgentName(agent)) throw new PaddockError('BAD_INPUT', `--agent ${agent}: expected one of claude, codex, gemini, opencode`);
  if (policy.policy.agents.allowed.length && !policy.policy.agents.allowed.includes(agent))
    throw new PaddockError('BAD_INPUT', `the policy does not allow the agent ${agent} (agents.allowed: ${policy.policy.agents.allowed.join(', ')})`);
  if (opts.prompt !== undefined && agent !== 'codex')
    throw new PaddockError('BAD_INPUT', `--prompt is supported for --agent codex (its app-server channel); give ${agent} its task after --`);
  if (opts.prompt !== undefined && !opts.prompt.trim()) throw new PaddockError('BAD_INPUT', '--prompt is empty');
  const env = opts.env;
  const mode: ApprovalsMode = opts.approvals ?? (opts.interactive ? 'tty' : policy.policy.approvals.unattended);
  const asks = opts.broker ? opts.broker.asks : mode === 'tty';
  if (mode === 'allow' && policy.policy.ceilings.unattended === 'deny')
    throw new PaddockError('BAD_INPUT', '--approvals allow is not permitted by the managed policy (ceilings.unattended: deny)');
  if (mode === 'tty' && !opts.interactive)
    throw new PaddockError('BAD_INPUT', '--approvals tty needs a terminal; use --approvals deny (or allow) for unattended runs');
  const tty = mode === 'tty' && !opts.broker ? ttyApprovalProvider({ output: promptOutput(opts.promptOutput), ...(env.USER ? { user: env.USER } : {}) }) : null;
  const provider: ApprovalProvider = tty ?? fixedProvider(mode === 'allow' ? 'allow' : 'deny');
  const home = paddockHome(env);
  const broker =
    opts.broker?.broker ??
    new ApprovalBroker({
      provider,
      events: opts.events,
      timeoutMs: policy.policy.approvals.timeout_seconds * 1000,
      projectRules: userPolicyRuleWriter(home),
    });
  const image = (await ensureAgentImage(opts.docker, agent, { onProgress: (e) => e.type === 'step' && opts.onProgress?.(`building the ${agent} image, step ${e.index}/${e.count}: ${e.name}`) })).tag;
  const key = MODEL_KEYS[agent];
  const secret = key ? env[key.env] : undefined;
  const credentials: CredentialBinding[] = opts.credentials ?? (key && secret ? [{ provider: key.provider, secret }] : []);
  const appServer = agent === 'codex' && opts.prompt !== undefined;
  const command = appServer ? ['codex', 'app-server', ...opts.args] : agentCommand(agent, policy.policy, opts.args);
  const gateOpts = { agent, repo: opts.repo, policy: policy.policy, provenance: policy.provenance, broker, events: opts.events };
  const prompt = opts.prompt ?? '';
  const model = policy.policy.agents.settings[agent]?.model;
  const decider = broker.egressDecider({ agent, repo: opts.repo, timeoutMs: policy.policy.approvals.timeout_seconds * 1000 });
  return {
    agent,
    image,
    command,
    broker,
    tty,
    egress: (base) => ({
      ...(base ?? { rules: [], defaultDecision: asks ? 'ask' : 'deny' }),
      decider,
      askTimeoutMs: policy.policy.approvals.timeout_seconds * 1000,
      credentials: [...(base?.credentials ?? []), ...credentials],
    }),
    driven: appServer,
    ...(asks ? { decider } : {}),
    runOptions: {
      agent,
      image,
      command,
      extras: sessionGateExtras({ ...gateOpts, scratchDir: join(dataPaths(home).scratch, 'gate'), codexChannel: appServer ? 'app-server' : 'hooks' }),
      ...(appServer
        ? {
            tty: false,
            driver: (io) =>
              driveCodexAppServer({
                sessionId: io.sessionId,
                agent,
                prompt,
                ...(model ? { model } : {}),
                judge: sessionJudge(gateOpts, io.sessionId),
                events: opts.events,
                fromCodex: io.fromProgram,
                toCodex: io.toProgram,
                display: io.display,
                stop: io.stop,
              }),
          }
        : {}),
    },
  };
}

/**
 * The sandbox as the terminal wiring should see it while approvals are asked on this terminal:
 * keystrokes go to the open question first (`tty.feed`), the rest to the sandbox. Lets
 * `attachTerminal(gatedSandbox(sandbox, tty), …)` work unchanged; an `intercept` option in
 * attachTerminal would be cleaner (it would also keep prompt keys out of `terminal.input`).
 */
export function gatedSandbox(sandbox: SandboxContainer, tty: TtyApprovalProvider): SandboxContainer {
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (!tty.feed(chunk)) sandbox.stream.write(chunk);
      cb();
    },
    final(cb) {
      sandbox.stream.end();
      cb();
    },
  });
  return withStream(sandbox, stream);
}

/**
 * The sandbox as the terminal wiring should see it when Paddock drives the agent over stdio:
 * the program's stdin carries JSON-RPC, so keystrokes never reach it. They answer an open
 * approval question; Ctrl-C outside a question interrupts the agent (SIGINT); the rest is dropped.
 */
export function drivenSandbox(sandbox: SandboxContainer, tty: TtyApprovalProvider | null): SandboxContainer {
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      if (!tty?.feed(chunk) && chunk.includes(0x03)) void sandbox.signal('SIGINT');
      cb();
    },
  });
  return withStream(sandbox, stream);
}

/** The sandbox with its input stream replaced; everything else is the sandbox's own. */
function withStream(sandbox: SandboxContainer, stream: Writable): SandboxContainer {
  return new Proxy(sandbox, {
    get(target, prop) {
      if (prop === 'stream') return stream;
      const v: unknown = Reflect.get(target, prop, target);
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}
