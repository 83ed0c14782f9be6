import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixedProvider } from '../../electron/engine/approvals/approval-providers.js';
import { connectEngine } from '../../electron/engine/sandbox/docker-client.js';
import { agentDirs, gateScript, resultFor, runGatedAgent } from './agent-gate-kit.js';
import { startScriptedOpenAI } from './agent-scripted-openai.js';

// The real Codex CLI (Paddock's agent layer) reads the rules Paddock generated from the policy:
// forbid prefixes are `forbidden` to Codex itself; the generated files cannot be edited.
const CODEX_EXEC = ['codex', 'exec', '--skip-git-repo-check', 'Run the steps.'];
let docker: Docker;
let dirs: ReturnType<typeof agentDirs>;

beforeAll(async () => {
  docker = (await connectEngine()).docker;
  dirs = agentDirs('paddock-codex-');
});
afterAll(() => dirs.remove());

describe('Codex rules from the policy', () => {
  it('codex itself forbids the policy forbid prefixes; the generated config is read-only', async () => {
    const check = (cmd: string) => `codex execpolicy check --rules /etc/codex/rules/paddock.rules ${cmd} 2>/dev/null; echo`;
    const script = [
      `echo "A:$(${check('git filter-branch --all')})"`,
      `echo "B:$(${check('gh auth token')})"`,
      `echo "C:$(${check('git status')})"`,
      `echo x >> /etc/codex/config.toml 2>/dev/null && echo "D:writable" || echo "D:read-only"`,
      `echo x > /etc/codex/rules/mine.rules 2>/dev/null && echo "E:writable" || echo "E:read-only"`,
      `echo x > /etc/codex/managed_config.toml 2>/dev/null && echo "F:writable" || echo "F:read-only"`,
      `grep -c pre-tool-use /etc/codex/hooks.json | sed 's/^/G:/'`,
    ].join('\n');
    const { text } = await runGatedAgent(docker, dirs, { agent: 'codex', command: ['/bin/bash', '-c', script], provider: fixedProvider('deny') });
    const line = (k: string) => text.split('\n').find((l) => l.startsWith(`${k}:`)) ?? `${k}: (missing) ${text}`;
    expect(JSON.parse(line('A').slice(2))).toMatchObject({ decision: 'forbidden' });
    expect(line('A')).toContain('git-history-destroy');
    expect(JSON.parse(line('B').slice(2))).toMatchObject({ decision: 'forbidden' });
    expect(JSON.parse(line('C').slice(2))).toEqual({ matchedRules: [] });
    expect(line('D')).toBe('D:read-only');
    expect(line('E')).toBe('E:read-only');
    expect(line('F')).toBe('F:read-only');
    expect(line('G')).toBe('G:1');
  });

  it('codex exec behind the gate: allowed runs, forbidden is blocked with the reason, asks both ways, timeout denies', async () => {
    const script = gateScript('echo allowed-ran > allowed.txt', 'write it with apply_patch instead');
    const { steps } = script;
    const model = await startScriptedOpenAI(Object.values(steps));
    try {
      const run = await runGatedAgent(docker, dirs, {
        agent: 'codex',
        command: CODEX_EXEC,
        provider: script.provider,
        credential: { provider: 'openai', secret: 'scripted-test-key', upstream: `${model.url}/v1` },
      });
      const ctx = `${run.text}\n${JSON.stringify(model.results, null, 1)}`;
      script.expectOutcomes(dirs.repo, model.results, run, ctx);
      expect(resultFor(model.results, steps.forbidden)?.content ?? '', ctx).toMatch(/Paddock policy forbids `git push --force origin main` \(rule git-push-force/);
      const answers = run.seen.filter((e) => e.kind === 'approval.answer').map((e) => (e.data as { choice: string }).choice);
      expect(answers).toEqual(['allow-once', 'deny', 'timeout']);
    } finally {
      await model.close();
    }
  });

  it('with the gate down, the hook client denies and Codex blocks the call (and its own rules still forbid)', async () => {
    const steps = { down: 'echo gate-down > down.txt', ownRule: 'git filter-branch --all' };
    const model = await startScriptedOpenAI(Object.values(steps));
    try {
      const { text } = await runGatedAgent(docker, dirs, {
        agent: 'codex',
        command: CODEX_EXEC,
        provider: fixedProvider('deny'),
        credential: { provider: 'openai', secret: 'k', upstream: `${model.url}/v1` },
        gateDown: true,
      });
      const ctx = `${text}\n${JSON.stringify(model.results, null, 1)}`;
      expect(existsSync(join(dirs.repo, 'down.txt')), ctx).toBe(false);
      expect(resultFor(model.results, steps.down)?.content, ctx).toMatch(/gate unreachable/);
      expect(resultFor(model.results, steps.ownRule)?.content, ctx).toMatch(/gate unreachable|forbidden|git-history-destroy/);
    } finally {
      await model.close();
    }
  });
});
