// Shared by the agent-behind-the-gate tests (agent-claude, agent-codex, gate-shell): a home and a repo in
// tmp, one gated agent session through the SessionRunner, and the five scripted steps (allowed,
// forbidden, three asks) with the approver and the outcomes every agent must show for them.
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { expect } from 'vitest';
import { ApprovalBroker } from '../../electron/engine/approvals/approval-broker.js';
import { callbackProvider } from '../../electron/engine/approvals/approval-providers.js';
import type { ApprovalProvider } from '../../electron/engine/approvals/approval-types.js';
import type { CredentialBinding } from '../../electron/engine/egress/index.js';
import { sessionGateExtras } from '../../electron/engine/gate/session-gate.js';
import { loadEffectivePolicy } from '../../electron/engine/policy/index.js';
import { ensureAgentImage, resolveImage } from '../../electron/engine/sandbox/image-builder.js';
import { isAgentName } from '../../electron/engine/sandbox/image-recipe.js';
import { SessionEventBus } from '../../electron/engine/sessions/session-events.js';
import type { SessionEvent } from '../../electron/engine/sessions/session-events.js';
import type { SessionResult } from '../../electron/engine/sessions/session-runner.js';
import { SessionRunner } from '../../electron/engine/sessions/session-runner.js';
import type { ToolResultSeen } from './agent-scripted-http.js';

/**
 * `<prefix>home-*` with a policy.yaml (a short approval timeout, so that an unanswered ask is
 * denied within the test) and `<prefix>repo-*` with a README. The sandbox runs as the repo's
 * owner, or uid 1000 for a root-owned repo: as root, the repo is given to 1000.
 */
export function agentDirs(prefix: string): { home: string; repo: string; remove(): void } {
  const home = mkdtempSync(join(tmpdir(), `${prefix}home-`));
  const repo = mkdtempSync(join(tmpdir(), `${prefix}repo-`));
  writeFileSync(join(repo, 'README.md'), '# demo\n');
  if (process.getuid?.() === 0) for (const p of [repo, join(repo, 'README.md')]) chownSync(p, 1000, 1000);
  writeFileSync(join(home, 'policy.yaml'), 'version: 1\napprovals: { timeout_seconds: 3 }\n');
  return {
    home,
    repo,
    remove: () => {
      rmSync(home, { recursive: true, force: true });
      rmSync(repo, { recursive: true, force: true });
    },
  };
}

export interface GatedRun {
  result: SessionResult;
  /** The session's stdout and stderr. */
  text: string;
  /** Every session event, in order. */
  seen: SessionEvent[];
}

/**
 * One agent session behind the gate, under the home's policy:
 * asks go to `provider` (the policy's approval timeout applies), egress is denied but for the
 * model API through the credential broker. `gateDown` closes the gate as soon as it is up.
 */
export async function runGatedAgent(
  docker: Docker,
  { home, repo }: { home: string; repo: string },
  opts: {
    /** An agent with its own image layer (claude, codex, …) runs from it; any other from the default image. */
    agent: string;
    command: string[];
    provider: ApprovalProvider;
    credential?: CredentialBinding;
    gateDown?: boolean;
  },
): Promise<GatedRun> {
  const { agent } = opts;
  const image = isAgentName(agent)
    ? (await ensureAgentImage(docker, agent)).tag
    : (await resolveImage(docker, undefined)).tag;
  const events = new SessionEventBus();
  const seen: SessionEvent[] = [];
  events.subscribe((e) => seen.push(e));
  const loaded = await loadEffectivePolicy({ home, repo, managedPath: null });
  const broker = new ApprovalBroker({
    provider: opts.provider,
    events,
    timeoutMs: loaded.policy.approvals.timeout_seconds * 1000,
  });
  const runner = new SessionRunner({ docker, events, home });
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  const session = await runner.start({
    repo,
    image,
    agent,
    command: opts.command,
    tty: false,
    timeoutMs: 150_000,
    output: { stdout: out, stderr: out },
    egress: {
      rules: [],
      defaultDecision: 'deny',
      decider: null,
      credentials: opts.credential ? [opts.credential] : undefined,
    },
    extras: sessionGateExtras({
      agent,
      repo,
      policy: loaded.policy,
      provenance: loaded.provenance,
      broker,
      events,
      scratchDir: join(home, 'scratch'),
      onGate: opts.gateDown ? (gate) => void gate.close() : undefined,
    }),
  });
  session.sandbox.stream.end();
  const result = await session.done;
  return { result, text, seen };
}

const write = (name: string, text: string) => `node -e "require('fs').writeFileSync('${name}','${text}')"`;

/** What the model told the agent after it ran (or was refused) `command`. */
export function resultFor(results: readonly ToolResultSeen[], command: string): ToolResultSeen | undefined {
  return results.find((r) => r.command === command);
}

/**
 * The script every agent is run through: `allowed` (it writes allowed-ran to allowed.txt), a
 * forbidden push, and three asks to write a file: the approver says yes to approved.txt, no with
 * `denyReason` to denied.txt, and nothing to late.txt (the broker's timeout denies). `asked`
 * collects every command line the approver was asked about.
 */
export function gateScript(allowed: string, denyReason: string) {
  const steps = {
    allowed,
    forbidden: 'git push --force origin main',
    askYes: write('approved.txt', 'yes'),
    askNo: write('denied.txt', 'no'),
    askLate: write('late.txt', 'no'),
  };
  const asked: string[] = [];
  const provider = callbackProvider('test', {
    onRequest: (r, reply) => {
      const line = r.subject.kind === 'command' ? r.subject.command : '';
      asked.push(line);
      if (line.includes('approved.txt')) reply({ choice: 'allow-once', by: 'test:approver' });
      else if (line.includes('denied.txt'))
        reply({ choice: 'deny', reason: denyReason, by: 'test:approver' });
      // late.txt: no answer; the broker's timeout denies
    },
  });
  /**
   * What every agent shows after the script: the allowed step and the approved ask ran, the
   * denied ask did not and the agent got the approver's reason, the unanswered ask was denied at
   * the timeout, and the session recorded the prompt and the tool results.
   */
  const expectOutcomes = (repo: string, results: readonly ToolResultSeen[], run: GatedRun, ctx: string) => {
    expect(readFileSync(join(repo, 'allowed.txt'), 'utf8'), ctx).toBe('allowed-ran\n');
    expect(readFileSync(join(repo, 'approved.txt'), 'utf8'), ctx).toBe('yes');
    expect(resultFor(results, steps.askNo)?.content, ctx).toContain(denyReason);
    expect(existsSync(join(repo, 'denied.txt')), ctx).toBe(false);
    expect(resultFor(results, steps.askLate)?.content, ctx).toMatch(/nobody answered/);
    expect(existsSync(join(repo, 'late.txt')), ctx).toBe(false);
    expect(
      run.seen.some((e) => e.kind === 'user.prompt'),
      ctx,
    ).toBe(true);
    expect(
      run.seen.some((e) => e.kind === 'tool.result'),
      ctx,
    ).toBe(true);
  };
  return { steps, asked, provider, expectOutcomes };
}
