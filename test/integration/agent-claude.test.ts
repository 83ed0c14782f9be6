import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callbackProvider } from '../../electron/engine/approvals/approval-providers.js';
import { connectEngine } from '../../electron/engine/sandbox/docker-client.js';
import { agentDirs, gateScript, resultFor, runGatedAgent } from './agent-gate-kit.js';
import { startScriptedModel } from './agent-scripted-model.js';

// The real Claude Code CLI (from Paddock's agent layer) in the sandbox, driven by a scripted model
// on loopback that the egress proxy's credential broker forwards to. Nothing leaves the machine.
let docker: Docker;
let dirs: ReturnType<typeof agentDirs>;

beforeAll(async () => {
  docker = (await connectEngine()).docker;
  dirs = agentDirs('paddock-agent-');
});
afterAll(() => dirs.remove());

describe('Claude Code behind the gate', () => {
  it('allowed runs, forbidden is blocked with the reason, asks are answered both ways, a timeout denies', async () => {
    const script = gateScript(
      'echo allowed-ran > allowed.txt && cat allowed.txt',
      'write it with the editor instead',
    );
    const { steps } = script;
    const model = await startScriptedModel(Object.values(steps));
    try {
      const run = await runGatedAgent(docker, dirs, {
        agent: 'claude',
        command: [
          'claude',
          '-p',
          'Run the steps.',
          '--permission-mode',
          'dontAsk',
          '--output-format',
          'text',
        ],
        provider: script.provider,
        credential: { provider: 'anthropic', secret: 'scripted-test-key', upstream: model.url },
      });
      const byCommand = (c: string) => resultFor(model.results, c);
      const context = `exit ${run.result.exitCode}; output:\n${run.text}\nrequests: ${model.requests.join(', ')}\nresults: ${JSON.stringify(model.results, null, 1)}`;

      script.expectOutcomes(dirs.repo, model.results, run, context);
      expect(byCommand(steps.allowed)?.content, context).toContain('allowed-ran');
      const forbidden = byCommand(steps.forbidden);
      expect(forbidden?.content, context).toMatch(/Paddock policy forbids/);
      expect(forbidden?.content).toMatch(/git-push-force/);
      expect(byCommand(steps.askYes)?.content, context).not.toMatch(/denied|forbids/i);

      expect(script.asked).toHaveLength(3);
      const answers = run.seen
        .filter((e) => e.kind === 'approval.answer')
        .map((e) => e.data as { decision: string; by: string; choice: string });
      expect(answers.map((a) => [a.decision, a.choice])).toEqual([
        ['allow', 'allow-once'],
        ['deny', 'deny'],
        ['deny', 'timeout'],
      ]);
      const decisions = run.seen
        .filter((e) => e.kind === 'policy.decision')
        .map((e) => (e.data as { decision: string; policy: string }).policy);
      expect(decisions).toEqual(expect.arrayContaining(['allow', 'forbid', 'ask']));
    } finally {
      await model.close();
    }
  });

  it('a gate that does not answer means every tool is denied (fail closed)', async () => {
    const model = await startScriptedModel(['echo should-not-run > unreachable.txt']);
    try {
      await runGatedAgent(docker, dirs, {
        agent: 'claude',
        command: ['claude', '-p', 'Run the steps.', '--permission-mode', 'dontAsk'],
        provider: callbackProvider('test', { onRequest: () => {} }),
        credential: { provider: 'anthropic', secret: 'k', upstream: model.url },
        gateDown: true,
      });
      const r = model.results[0];
      expect(r?.isError, JSON.stringify(model.results)).toBe(true);
      expect(existsSync(join(dirs.repo, 'unreachable.txt'))).toBe(false);
    } finally {
      await model.close();
    }
  });
});
