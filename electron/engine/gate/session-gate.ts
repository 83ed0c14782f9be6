import { execFile } from 'node:child_process';
import { chmod, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { ApprovalBroker } from '../approvals/approval-broker.js';
import { PaddockError } from '../errors.js';
import { createCommandEngine, createMcpJudge, createPathJudge, initPolicyEngine } from '../policy/index.js';
import type { EffectivePolicy, Provenance } from '../policy/index.js';
import type { SessionEgress } from '../sessions/session-egress.js';
import type { SessionEventSink } from '../sessions/session-events.js';
import type { SessionExtras } from '../sessions/session-runner.js';
import { claudeManagedSettings } from './claude-adapter.js';
import { codexFiles } from './codex-adapter.js';
import { createGateJudge } from './gate-judge.js';
import type { GateJudge } from './gate-judge.js';
import { startGateServer } from './gate-server.js';
import type { GateServerHandle } from './gate-server.js';

const run = promisify(execFile);

export const HELPERS = '/opt/paddock/helpers';
export const GATE_ENV_DIR = '/etc/paddock-gate';
const BASE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface SessionGateOptions {
  /** `claude`, `codex`, or anything else (then only the shell gate applies). */
  agent: string;
  repo: string;
  policy: EffectivePolicy;
  provenance?: Provenance;
  broker: ApprovalBroker;
  events: SessionEventSink;
  /** Host directory for per-session files (mounted read-only into the sandbox); removed at the end. */
  scratchDir: string;
  /** Put the `sh -c`/`bash -c` shims first on PATH (default: for agents without hooks). */
  shellGate?: boolean;
  /** Called with the running gate (its address for a UI; tests use it to take the gate down). */
  onGate?: (gate: GateServerHandle, sessionId: string) => void;
  /** Codex only: `app-server` when Paddock drives `codex app-server` and answers its approvals. */
  codexChannel?: 'hooks' | 'app-server';
}

/** What the session gets: use as `SessionRunOptions.extras`. */
export function sessionGateExtras(opts: SessionGateOptions): (ctx: { sessionId: string; egress: SessionEgress | null }) => Promise<SessionExtras> {
  return async ({ sessionId, egress }) => {
    if (!egress)
      throw new PaddockError('BAD_INPUT', `the ${opts.agent} gate needs the session network (egress); run with --network egress or allow the model API (e.g. --allow anthropic)`);
    const undo: Array<() => Promise<void>> = [];
    const close = async () => {
      for (const u of undo.splice(0).reverse()) await u().catch(() => undefined);
    };
    try {
      await initPolicyEngine(); // the command parser loads here: a session's policy may have come from the cache
      const judge = sessionJudge(opts, sessionId);
      const gate = await startGateServer({ sessionId, agent: opts.agent, listenHost: egress.gateway, judge, events: opts.events });
      undo.push(() => gate.close());
      undo.push(() => Promise.resolve(opts.broker.endSession(sessionId)));
      if (egress.firewall) undo.push(await allowGatePort(egress.bridge, egress.gateway, gate.port));

      const dir = join(opts.scratchDir, `gate-${sessionId}`);
      await mkdir(dir, { recursive: true, mode: 0o755 });
      undo.push(() => rm(dir, { recursive: true, force: true }));
      const mounts: SessionExtras['mounts'] = [];
      const put = async (rel: string, text: string) => {
        const file = join(dir, rel);
        await mkdir(join(file, '..'), { recursive: true, mode: 0o755 });
        await writeFile(file, text);
        await chmod(file, 0o644); // the sandbox user (another uid) reads it through the read-only mount
      };
      await put('gate/env', `PADDOCK_GATE_URL=${gate.url}\nPADDOCK_GATE_TOKEN=${gate.token}\n`);
      mounts.push({ source: join(dir, 'gate'), target: GATE_ENV_DIR });
      const timeout = opts.policy.approvals.timeout_seconds;
      const env: Record<string, string> = {
        PADDOCK_GATE_URL: gate.url,
        PADDOCK_GATE_TOKEN: gate.token,
        PADDOCK_GATE_TIMEOUT: String(timeout + 30),
      };
      if (opts.agent === 'claude') {
        const settings = claudeManagedSettings({ gateUrl: gate.url, token: gate.token, approvalTimeoutSeconds: timeout, policy: opts.policy });
        await put('claude/managed-settings.json', `${JSON.stringify(settings, null, 2)}\n`);
        mounts.push({ source: join(dir, 'claude'), target: '/etc/claude-code' });
        Object.assign(env, { DISABLE_AUTOUPDATER: '1', CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1', DISABLE_TELEMETRY: '1' });
      } else if (opts.agent === 'codex') {
        // Everything in the system layer (/etc/codex, read-only); $CODEX_HOME stays Codex's own, writable.
        const files = codexFiles({ policy: opts.policy, approvalTimeoutSeconds: timeout, openaiBaseUrl: egress.env.OPENAI_BASE_URL, channel: opts.codexChannel ?? 'hooks' });
        for (const [rel, text] of Object.entries(files)) await put(`codex-etc/${rel}`, text);
        mounts.push({ source: join(dir, 'codex-etc'), target: '/etc/codex' });
      }
      if (opts.shellGate ?? (opts.agent !== 'claude' && opts.agent !== 'codex')) {
        env.PATH = `${HELPERS}/shims:${BASE_PATH}`;
        env.SHELL = `${HELPERS}/shims/bash`;
      }
      opts.onGate?.(gate, sessionId);
      return { env, mounts, close };
    } catch (e) {
      await close();
      throw e;
    }
  };
}

/** The session's judge: the policy's command and path rules, asks to the broker, every step an event. */
export function sessionJudge(opts: Pick<SessionGateOptions, 'agent' | 'repo' | 'policy' | 'provenance' | 'broker' | 'events'>, sessionId: string): GateJudge {
  return createGateJudge({
    engine: createCommandEngine(opts.policy, { provenance: opts.provenance }),
    paths: createPathJudge(opts.policy),
    mcp: createMcpJudge(opts.policy, opts.provenance),
    broker: opts.broker,
    ctx: { sessionId, agent: opts.agent, repo: opts.repo, timeoutMs: opts.policy.approvals.timeout_seconds * 1000 },
    events: opts.events,
  });
}

/** With the gateway firewall on, only the proxy and DNS are open on the gateway: open the gate's port too. */
async function allowGatePort(bridge: string, gateway: string, port: number): Promise<() => Promise<void>> {
  const rule = ['-i', bridge, '-d', gateway, '-p', 'tcp', '--dport', String(port), '-m', 'comment', '--comment', 'paddock: approvals gate', '-j', 'ACCEPT'];
  await run('iptables', ['-I', 'INPUT', '1', ...rule]);
  return async () => {
    await run('iptables', ['-D', 'INPUT', ...rule]).catch(() => undefined);
  };
}
