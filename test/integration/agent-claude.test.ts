import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApprovalBroker } from '../../electron/engine/approvals/approval-broker.js';
import { callbackProvider } from '../../electron/engine/approvals/approval-providers.js';
import { sessionGateExtras } from '../../electron/engine/gate/session-gate.js';
import { loadEffectivePolicy } from '../../electron/engine/policy/index.js';
import { connectEngine } from '../../electron/engine/sandbox/docker-client.js';
import { ensureAgentImage } from '../../electron/engine/sandbox/image-builder.js';
import { SessionEventBus } from '../../electron/engine/sessions/session-events.js';
import type { SessionEvent } from '../../electron/engine/sessions/session-events.js';
import { SessionRunner } from '../../electron/engine/sessions/session-runner.js';
import { startScriptedModel } from './agent-scripted-model.js';

// The real Claude Code CLI (from Paddock's agent layer) in the sandbox, driven by a scripted model
// on loopback that the egress proxy's credential broker forwards to. Nothing leaves the machine.
const write = (name: string, text: string) => `node -e "require('fs').writeFileSync('${name}','${text}')"`;
const STEPS = {
  allowed: 'echo allowed-ran > allowed.txt && cat allowed.txt',
  forbidden: 'git push --force origin main',
  askYes: write('approved.txt', 'yes'),
  askNo: write('denied.txt', 'no'),
  askLate: write('late.txt', 'no'),
};

let docker: Docker;
let image: string;
let home: string;
let repo: string;

beforeAll(async () => {
  docker = (await connectEngine()).docker;
  image = (await ensureAgentImage(docker, 'claude')).tag;
  home = mkdtempSync(join(tmpdir(), 'paddock-agent-home-'));
  repo = mkdtempSync(join(tmpdir(), 'paddock-agent-repo-'));
  writeFileSync(join(repo, 'README.md'), '# demo\n');
  // The sandbox runs as the repo's owner, or uid 1000 for a root-owned repo: give it to 1000.
  if (process.getuid?.() === 0) for (const p of [repo, join(repo, 'README.md')]) chownSync(p, 1000, 1000);
  // A short approval timeout so that the unanswered ask is denied within the test.
  writeFileSync(join(home, 'policy.yaml'), 'version: 1\napprovals: { timeout_seconds: 3 }\n');
});
afterAll(() => {
  rmSync(home, { recursive: true, force: true });
  rmSync(repo, { recursive: true, force: true });
});

describe('Claude Code behind the gate', () => {
  it('allowed runs, forbidden is blocked with the reason, asks are answered both ways, a timeout denies', async () => {
    const model = await startScriptedModel(Object.values(STEPS));
    const events = new SessionEventBus();
    const seen: SessionEvent[] = [];
    events.subscribe((e) => seen.push(e));
    const loaded = await loadEffectivePolicy({ home, repo, managedPath: null });
    const asked: string[] = [];
    const provider = callbackProvider('test', {
      onRequest: (r, reply) => {
        const line = r.subject.kind === 'command' ? r.subject.command : '';
        asked.push(line);
        if (line.includes('approved.txt')) reply({ choice: 'allow-once', by: 'test:approver' });
        else if (line.includes('denied.txt')) reply({ choice: 'deny', reason: 'write it with the editor instead', by: 'test:approver' });
        // late.txt: no answer; the broker's timeout denies
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
        agent: 'claude',
        command: ['claude', '-p', 'Run the steps.', '--permission-mode', 'dontAsk', '--output-format', 'text'],
        tty: false,
        timeoutMs: 150_000,
        output: { stdout: out, stderr: out },
        egress: {
          rules: [],
          defaultDecision: 'deny',
          decider: null,
          credentials: [{ provider: 'anthropic', secret: 'scripted-test-key', upstream: model.url }],
        },
        extras: sessionGateExtras({ agent: 'claude', repo, policy: loaded.policy, provenance: loaded.provenance, broker, events, scratchDir: join(home, 'scratch') }),
      });
      session.sandbox.stream.end();
      const result = await session.done;
      const byCommand = (c: string) => model.results.find((r) => r.command === c);
      const context = `exit ${result.exitCode}; output:\n${text}\nrequests: ${model.requests.join(', ')}\nresults: ${JSON.stringify(model.results, null, 1)}`;

      expect(byCommand(STEPS.allowed)?.content, context).toContain('allowed-ran');
      expect(readFileSync(join(repo, 'allowed.txt'), 'utf8')).toBe('allowed-ran\n');

      const forbidden = byCommand(STEPS.forbidden);
      expect(forbidden?.content, context).toMatch(/Paddock policy forbids/);
      expect(forbidden?.content).toMatch(/git-push-force/);

      expect(byCommand(STEPS.askYes)?.content, context).not.toMatch(/denied|forbids/i);
      expect(readFileSync(join(repo, 'approved.txt'), 'utf8')).toBe('yes');

      expect(byCommand(STEPS.askNo)?.content, context).toContain('write it with the editor instead');
      expect(existsSync(join(repo, 'denied.txt'))).toBe(false);

      expect(byCommand(STEPS.askLate)?.content, context).toMatch(/nobody answered/);
      expect(existsSync(join(repo, 'late.txt'))).toBe(false);

      expect(asked).toHaveLength(3);
      const answers = seen.filter((e) => e.kind === 'approval.answer').map((e) => e.data as { decision: string; by: string; choice: string });
      expect(answers.map((a) => [a.decision, a.choice])).toEqual([
        ['allow', 'allow-once'],
        ['deny', 'deny'],
        ['deny', 'timeout'],
      ]);
      expect(seen.some((e) => e.kind === 'tool.result')).toBe(true);
      expect(seen.some((e) => e.kind === 'user.prompt')).toBe(true);
      const decisions = seen.filter((e) => e.kind === 'policy.decision').map((e) => (e.data as { decision: string; policy: string }).policy);
      expect(decisions).toEqual(expect.arrayContaining(['allow', 'forbid', 'ask']));
    } finally {
      await model.close();
    }
  });

  it('a gate that does not answer means every tool is denied (fail closed)', async () => {
    const model = await startScriptedModel(['echo should-not-run > unreachable.txt']);
    const events = new SessionEventBus();
    const loaded = await loadEffectivePolicy({ home, repo, managedPath: null });
    const broker = new ApprovalBroker({ provider: callbackProvider('test', { onRequest: () => {} }), events, timeoutMs: 3000 });
    const runner = new SessionRunner({ docker, events, home });
    try {
      const session = await runner.start({
        repo,
        image,
        agent: 'claude',
        command: ['claude', '-p', 'Run the steps.', '--permission-mode', 'dontAsk'],
        tty: false,
        timeoutMs: 150_000,
        output: { stdout: new PassThrough().resume(), stderr: new PassThrough().resume() },
        egress: { rules: [], defaultDecision: 'deny', decider: null, credentials: [{ provider: 'anthropic', secret: 'k', upstream: model.url }] },
        extras: sessionGateExtras({
          agent: 'claude',
          repo,
          policy: loaded.policy,
          broker,
          events,
          scratchDir: join(home, 'scratch'),
          onGate: (gate) => void gate.close(),
        }),
      });
      session.sandbox.stream.end();
      await session.done;
      const r = model.results[0];
      expect(r?.isError, JSON.stringify(model.results)).toBe(true);
      expect(existsSync(join(repo, 'unreachable.txt'))).toBe(false);
    } finally {
      await model.close();
    }
  });
});
