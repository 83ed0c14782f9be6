import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prepareAgentSession } from '../../electron/engine/sessions/agent-session.js';
import { loadEffectivePolicy } from '../../electron/engine/policy/index.js';
import { connectEngine } from '../../electron/engine/sandbox/docker-client.js';
import { SessionEventBus } from '../../electron/engine/sessions/session-events.js';
import type { SessionEvent } from '../../electron/engine/sessions/session-events.js';
import { SessionRunner } from '../../electron/engine/sessions/session-runner.js';
import { startScriptedModel } from './agent-scripted-model.js';

// `paddock run --agent claude --approvals deny` as the CLI module assembles it: image, command
// line (dontAsk), broker with the unattended provider, gate, credentials through the broker.
let home: string;
let repo: string;
beforeAll(() => {
  home = mkdtempSync(join(tmpdir(), 'paddock-agentsession-home-'));
  repo = mkdtempSync(join(tmpdir(), 'paddock-agentsession-repo-'));
  writeFileSync(join(repo, 'README.md'), '# demo\n');
  if (process.getuid?.() === 0) chownSync(repo, 1000, 1000);
});
afterAll(() => {
  rmSync(home, { recursive: true, force: true });
  rmSync(repo, { recursive: true, force: true });
});

describe('prepareAgentSession', () => {
  it('--approvals deny: asks are denied with the unattended reason, allowed work runs', async () => {
    const steps = ['echo ok > ok.txt', `node -e "require('fs').writeFileSync('asked.txt','x')"`];
    const model = await startScriptedModel(steps);
    const { docker } = await connectEngine();
    const events = new SessionEventBus();
    const seen: SessionEvent[] = [];
    events.subscribe((e) => seen.push(e));
    const env = { ...process.env, PADDOCK_HOME: home };
    const policy = await loadEffectivePolicy({ home, repo, managedPath: null });
    try {
      const agent = await prepareAgentSession({
        docker,
        agent: 'claude',
        approvals: 'deny',
        repo,
        policy,
        events,
        args: ['-p', 'Run the steps.'],
        interactive: false,
        env,
        credentials: [{ provider: 'anthropic', secret: 'k', upstream: model.url }],
      });
      expect(agent.command.slice(0, 3)).toEqual(['claude', '--permission-mode', 'dontAsk']);
      expect(agent.tty).toBeNull();
      const runner = new SessionRunner({ docker, events, home });
      const session = await runner.start({
        repo,
        tty: false,
        output: { stdout: new PassThrough().resume(), stderr: new PassThrough().resume() },
        egress: agent.egress(undefined),
        timeoutMs: 150_000,
        ...agent.runOptions,
      });
      session.sandbox.stream.end();
      await session.done;
      expect(existsSync(join(repo, 'ok.txt')), JSON.stringify(model.results)).toBe(true);
      expect(existsSync(join(repo, 'asked.txt'))).toBe(false);
      expect(model.results.find((r) => r.command === steps[1])?.content).toMatch(/unattended/);
      const answer = seen.find((e) => e.kind === 'approval.answer')?.data as { by: string; decision: string } | undefined;
      expect(answer).toMatchObject({ decision: 'deny', by: 'unattended (--approvals deny)' });
    } finally {
      await model.close();
    }
  });

  it('refuses an unknown agent and --approvals tty without a terminal', async () => {
    const { docker } = await connectEngine();
    const policy = await loadEffectivePolicy({ home, repo, managedPath: null });
    const base = { docker, repo, policy, events: new SessionEventBus(), args: [], interactive: false, env: { ...process.env, PADDOCK_HOME: home } };
    await expect(prepareAgentSession({ ...base, agent: 'nope', approvals: 'deny' })).rejects.toThrow(/expected one of/);
    await expect(prepareAgentSession({ ...base, agent: 'claude', approvals: 'tty' })).rejects.toThrow(/needs a terminal/);
    // A terminal run whose front end gave no stream to ask on is refused, not prompted on the engine's stderr.
    await expect(prepareAgentSession({ ...base, agent: 'claude', approvals: 'tty', interactive: true })).rejects.toThrow(/needs a terminal to ask on/);
  });
});
