import { chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { ApprovalBroker } from '../../electron/engine/approvals/approval-broker.js';
import { callbackProvider, fixedProvider } from '../../electron/engine/approvals/approval-providers.js';
import type { SessionEvent } from '../../electron/engine/sessions/session-events.js';
import { startScriptedOpenAI } from './agent-scripted-openai.js';
import { sessionGateExtras } from '../../electron/engine/gate/session-gate.js';
import { loadEffectivePolicy } from '../../electron/engine/policy/index.js';
import { connectEngine } from '../../electron/engine/sandbox/docker-client.js';
import { ensureAgentImage } from '../../electron/engine/sandbox/image-builder.js';
import { SessionEventBus } from '../../electron/engine/sessions/session-events.js';
import { SessionRunner } from '../../electron/engine/sessions/session-runner.js';

// The real Codex CLI (Paddock's agent layer) reads the rules Paddock generated from the policy:
// forbid prefixes are `forbidden` to Codex itself; the generated files cannot be edited.
let docker: Docker;
let home: string;
let repo: string;

beforeAll(async () => {
  docker = (await connectEngine()).docker;
  home = mkdtempSync(join(tmpdir(), 'paddock-codex-home-'));
  repo = mkdtempSync(join(tmpdir(), 'paddock-codex-repo-'));
  writeFileSync(join(repo, 'README.md'), '# demo\n');
  writeFileSync(join(home, 'policy.yaml'), 'version: 1\napprovals: { timeout_seconds: 3 }\n');
  if (process.getuid?.() === 0) chownSync(repo, 1000, 1000);
});
afterAll(() => {
  rmSync(home, { recursive: true, force: true });
  rmSync(repo, { recursive: true, force: true });
});

describe('Codex rules from the policy', () => {
  it('codex itself forbids the policy forbid prefixes; the generated config is read-only', async () => {
    const image = (await ensureAgentImage(docker, 'codex')).tag;
    const events = new SessionEventBus();
    const loaded = await loadEffectivePolicy({ home, repo, managedPath: null });
    const broker = new ApprovalBroker({ provider: fixedProvider('deny'), events });
    const runner = new SessionRunner({ docker, events, home });
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
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
    const session = await runner.start({
      repo,
      image,
      agent: 'codex',
      command: ['/bin/bash', '-c', script],
      tty: false,
      output: { stdout: out, stderr: out },
      egress: { rules: [], defaultDecision: 'deny', decider: null },
      extras: sessionGateExtras({ agent: 'codex', repo, policy: loaded.policy, broker, events, scratchDir: join(home, 'scratch') }),
    });
    session.sandbox.stream.end();
    await session.done;
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
    const write = (name: string, text: string) => `node -e "require('fs').writeFileSync('${name}','${text}')"`;
    const steps = {
      allowed: 'echo allowed-ran > allowed.txt',
      forbidden: 'git push --force origin main',
      askYes: write('approved.txt', 'yes'),
      askNo: write('denied.txt', 'no'),
      askLate: write('late.txt', 'no'),
    };
    const model = await startScriptedOpenAI(Object.values(steps));
    const image = (await ensureAgentImage(docker, 'codex')).tag;
    const events = new SessionEventBus();
    const seen: SessionEvent[] = [];
    events.subscribe((e) => seen.push(e));
    const loaded = await loadEffectivePolicy({ home, repo, managedPath: null });
    const provider = callbackProvider('test', {
      onRequest: (r, reply) => {
        const line = r.subject.kind === 'command' ? r.subject.command : '';
        if (line.includes('approved.txt')) reply({ choice: 'allow-once', by: 'test:approver' });
        else if (line.includes('denied.txt')) reply({ choice: 'deny', reason: 'write it with apply_patch instead', by: 'test:approver' });
      },
    });
    const broker = new ApprovalBroker({ provider, events, timeoutMs: loaded.policy.approvals.timeout_seconds * 1000 });
    const runner = new SessionRunner({ docker, events, home });
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
    try {
      const session = await runner.start({
        repo,
        image,
        agent: 'codex',
        command: ['codex', 'exec', '--skip-git-repo-check', 'Run the steps.'],
        tty: false,
        timeoutMs: 150_000,
        output: { stdout: out, stderr: out },
        egress: { rules: [], defaultDecision: 'deny', decider: null, credentials: [{ provider: 'openai', secret: 'scripted-test-key', upstream: `${model.url}/v1` }] },
        extras: sessionGateExtras({ agent: 'codex', repo, policy: loaded.policy, broker, events, scratchDir: join(home, 'scratch') }),
      });
      session.sandbox.stream.end();
      await session.done;
      const ctx = `${text}\n${JSON.stringify(model.results, null, 1)}`;
      const got = (c: string) => model.results.find((r) => r.command === c)?.content ?? '';
      expect(readFileSync(join(repo, 'allowed.txt'), 'utf8'), ctx).toBe('allowed-ran\n');
      expect(got(steps.forbidden), ctx).toMatch(/Paddock policy forbids `git push --force origin main` \(rule git-push-force/);
      expect(readFileSync(join(repo, 'approved.txt'), 'utf8'), ctx).toBe('yes');
      expect(got(steps.askNo), ctx).toContain('write it with apply_patch instead');
      expect(existsSync(join(repo, 'denied.txt'))).toBe(false);
      expect(got(steps.askLate), ctx).toMatch(/nobody answered/);
      expect(existsSync(join(repo, 'late.txt'))).toBe(false);
      const answers = seen.filter((e) => e.kind === 'approval.answer').map((e) => (e.data as { choice: string }).choice);
      expect(answers).toEqual(['allow-once', 'deny', 'timeout']);
      expect(seen.some((e) => e.kind === 'user.prompt')).toBe(true);
      expect(seen.some((e) => e.kind === 'tool.result')).toBe(true);
    } finally {
      await model.close();
    }
  });

  it('with the gate down, the hook client denies and Codex blocks the call (and its own rules still forbid)', async () => {
    const steps = ['echo gate-down > down.txt', 'git filter-branch --all'];
    const model = await startScriptedOpenAI(steps);
    const image = (await ensureAgentImage(docker, 'codex')).tag;
    const events = new SessionEventBus();
    const loaded = await loadEffectivePolicy({ home, repo, managedPath: null });
    const broker = new ApprovalBroker({ provider: fixedProvider('deny'), events });
    const runner = new SessionRunner({ docker, events, home });
    const out = new PassThrough();
    let text = '';
    out.on('data', (c: Buffer) => (text += c.toString()));
    try {
      const session = await runner.start({
        repo,
        image,
        agent: 'codex',
        command: ['codex', 'exec', '--skip-git-repo-check', 'Run the steps.'],
        tty: false,
        timeoutMs: 150_000,
        output: { stdout: out, stderr: out },
        egress: { rules: [], defaultDecision: 'deny', decider: null, credentials: [{ provider: 'openai', secret: 'k', upstream: `${model.url}/v1` }] },
        extras: sessionGateExtras({ agent: 'codex', repo, policy: loaded.policy, broker, events, scratchDir: join(home, 'scratch'), onGate: (g) => void g.close() }),
      });
      session.sandbox.stream.end();
      await session.done;
      const ctx = `${text}\n${JSON.stringify(model.results, null, 1)}`;
      expect(existsSync(join(repo, 'down.txt')), ctx).toBe(false);
      expect(model.results.find((r) => r.command === steps[0])?.content, ctx).toMatch(/gate unreachable/);
      expect(model.results.find((r) => r.command === steps[1])?.content, ctx).toMatch(/gate unreachable|forbidden|git-history-destroy/);
    } finally {
      await model.close();
    }
  });
});
