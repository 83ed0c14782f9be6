import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Transform } from 'node:stream';
import type { Readable } from 'node:stream';
import type Docker from 'dockerode';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApprovalBroker } from '../../electron/engine/approvals/approval-broker.js';
import { callbackProvider } from '../../electron/engine/approvals/approval-providers.js';
import type { ApprovalProvider } from '../../electron/engine/approvals/approval-types.js';
import { driveCodexAppServer } from '../../electron/engine/gate/codex-app-server.js';
import { sessionGateExtras, sessionJudge } from '../../electron/engine/gate/session-gate.js';
import { loadEffectivePolicy } from '../../electron/engine/policy/index.js';
import { connectEngine } from '../../electron/engine/sandbox/docker-client.js';
import { ensureAgentImage } from '../../electron/engine/sandbox/image-builder.js';
import type { SessionEvent } from '../../electron/engine/sessions/session-events.js';
import { SessionEventBus } from '../../electron/engine/sessions/session-events.js';
import type { SessionDriverIo, SessionResult } from '../../electron/engine/sessions/session-runner.js';
import { SessionRunner } from '../../electron/engine/sessions/session-runner.js';
import { runCli, sessionContainers, startCli, summary } from '../helpers/paddock-cli.js';
import { startScriptedOpenAI } from './agent-scripted-openai.js';

// The real Codex CLI (Paddock's agent layer) as `codex app-server`, driven by Paddock over the
// container's stdio: every command and file change Codex wants is an approval request that
// Paddock answers with the session's policy; a request it cannot read is declined.
let docker: Docker;
let home: string;
let repo: string;

beforeAll(async () => {
  docker = (await connectEngine()).docker;
  home = mkdtempSync(join(tmpdir(), 'paddock-codex-as-home-'));
  repo = mkdtempSync(join(tmpdir(), 'paddock-codex-as-repo-'));
  writeFileSync(join(repo, 'README.md'), '# demo\n');
  writeFileSync(join(home, 'policy.yaml'), 'version: 1\napprovals: { timeout_seconds: 5 }\n');
  if (process.getuid?.() === 0) chownSync(repo, 1000, 1000);
});
afterAll(() => {
  rmSync(home, { recursive: true, force: true });
  rmSync(repo, { recursive: true, force: true });
});

const patch = (path: string, text: string) => `*** Begin Patch\n*** Add File: ${path}\n+${text}\n*** End Patch`;
const write = (name: string, text: string) => `node -e "require('fs').writeFileSync('${name}','${text}')"`;

/** One app-server session through the SessionRunner; `tamper` may rewrite what Codex says before Paddock reads it. */
async function runAppServer(steps: string[], provider: ApprovalProvider, tamper?: (line: string) => string) {
  const model = await startScriptedOpenAI(steps);
  const image = (await ensureAgentImage(docker, 'codex')).tag;
  const events = new SessionEventBus();
  const seen: SessionEvent[] = [];
  events.subscribe((e) => seen.push(e));
  const loaded = await loadEffectivePolicy({ home, repo, managedPath: null });
  const broker = new ApprovalBroker({ provider, events, timeoutMs: loaded.policy.approvals.timeout_seconds * 1000 });
  const runner = new SessionRunner({ docker, events, home });
  const out = new PassThrough();
  let text = '';
  out.on('data', (c: Buffer) => (text += c.toString()));
  const gateOpts = { agent: 'codex', repo, policy: loaded.policy, provenance: loaded.provenance, broker, events };
  try {
    const session = await runner.start({
      repo,
      image,
      agent: 'codex',
      command: ['codex', 'app-server'],
      tty: false,
      timeoutMs: 150_000,
      output: { stdout: out, stderr: out },
      egress: { rules: [], defaultDecision: 'deny', decider: null, credentials: [{ provider: 'openai', secret: 'scripted-test-key', upstream: `${model.url}/v1` }] },
      extras: sessionGateExtras({ ...gateOpts, scratchDir: join(home, 'scratch'), codexChannel: 'app-server' }),
      driver: (io: SessionDriverIo) => {
        let fromCodex: Readable = io.fromProgram;
        if (tamper) {
          let buf = '';
          fromCodex = io.fromProgram.pipe(
            new Transform({
              transform(chunk: Buffer, _e, cb) {
                buf += chunk.toString();
                const lines = buf.split('\n');
                buf = lines.pop()!;
                cb(null, lines.map((l) => `${tamper(l)}\n`).join(''));
              },
            }),
          );
        }
        return driveCodexAppServer({ sessionId: io.sessionId, prompt: 'Run the steps.', judge: sessionJudge(gateOpts, io.sessionId), events, fromCodex, toCodex: io.toProgram, display: io.display, stop: io.stop });
      },
    });
    const result: SessionResult = await session.done;
    return { result, text, seen, model, ctx: `${text}\n${JSON.stringify(model.results, null, 1)}\n${model.userTexts.join('\n')}` };
  } finally {
    await model.close();
  }
}

describe('codex app-server: Paddock answers every approval', () => {
  it('allowed runs; forbidden is declined and the model gets the reason; asks both ways; file changes by path rules', async () => {
    const steps = {
      allowed: 'echo allowed-ran > allowed.txt',
      forbidden: 'git push --force origin main',
      askYes: write('approved.txt', 'yes'),
      askNo: write('denied.txt', 'no'),
      patchOk: patch('patched.txt', 'patched'),
      patchProtected: patch('.paddock/policy.yaml', 'version: 1'),
    };
    const provider = callbackProvider('test', {
      onRequest: (r, reply) => {
        const line = r.subject.kind === 'command' ? r.subject.command : '';
        if (line.includes('approved.txt')) reply({ choice: 'allow-once', by: 'test:approver' });
        else if (line.includes('denied.txt')) reply({ choice: 'deny', reason: 'write it with apply_patch instead', by: 'test:approver' });
      },
    });
    const { result, text, seen, model, ctx } = await runAppServer(Object.values(steps), provider);
    expect(result.exitCode, ctx).toBe(0);
    expect(readFileSync(join(repo, 'allowed.txt'), 'utf8'), ctx).toBe('allowed-ran\n');
    // Forbidden: declined, and Paddock's reason reaches the model (as a message in the turn).
    expect(model.userTexts.some((t) => /^\[Paddock\] Paddock policy forbids `git push --force origin main` \(rule git-push-force/.test(t)), ctx).toBe(true);
    expect(text).toMatch(/paddock: declined .*git push --force origin main/);
    // Asks: the approver's yes runs, its no does not and its reason reaches the model.
    expect(readFileSync(join(repo, 'approved.txt'), 'utf8'), ctx).toBe('yes');
    expect(existsSync(join(repo, 'denied.txt')), ctx).toBe(false);
    expect(model.userTexts.some((t) => t.includes('write it with apply_patch instead')), ctx).toBe(true);
    // File changes: inside the workspace allowed; a protected path declined.
    expect(readFileSync(join(repo, 'patched.txt'), 'utf8'), ctx).toBe('patched\n');
    expect(existsSync(join(repo, '.paddock', 'policy.yaml')), ctx).toBe(false);
    expect(model.userTexts.some((t) => t.includes('.paddock/policy.yaml is a protected path')), ctx).toBe(true);
    // The record: the human's answers, every decision, the readable output.
    const answers = seen.filter((e) => e.kind === 'approval.answer').map((e) => (e.data as { choice: string }).choice);
    expect(answers, ctx).toEqual(['allow-once', 'deny']);
    const decisions = seen.filter((e) => e.kind === 'policy.decision').map((e) => e.data as { command: string; decision: string; policy: string });
    expect(decisions.find((d) => d.command.includes('allowed.txt')), ctx).toMatchObject({ decision: 'allow', policy: 'allow' });
    expect(decisions.find((d) => d.command.includes('git push')), ctx).toMatchObject({ decision: 'deny', policy: 'forbid' });
    expect(seen.some((e) => e.kind === 'user.prompt' && (e.data as { prompt: string }).prompt === 'Run the steps.')).toBe(true);
    expect(text, ctx).toContain('codex: All steps done.');
    expect(seen.filter((e) => e.kind === 'terminal.output').map((e) => (e.data as { data: string }).data).join(''), ctx).not.toContain('"method"');
  });

  it('a request Paddock cannot read is declined: the command does not run', async () => {
    const steps = [write('mangled.txt', 'ran'), patch('mangled-patch.txt', 'ran'), 'echo fine > fine.txt'];
    // Strip the command line from the first command approval and re-point the file change at an
    // item Codex never announced: Paddock must decline both without asking anyone.
    let asked = 0;
    const provider = callbackProvider('test', { onRequest: (_r, reply) => (asked++, reply({ choice: 'allow-once', by: 'test' })) });
    const tamper = (line: string) => {
      if (line.includes('"item/commandExecution/requestApproval"') && line.includes('mangled.txt')) {
        const m = JSON.parse(line) as { params: Record<string, unknown> };
        delete m.params.command;
        return JSON.stringify(m);
      }
      if (line.includes('"item/fileChange/requestApproval"')) {
        const m = JSON.parse(line) as { params: Record<string, unknown> };
        m.params.itemId = 'not-announced';
        return JSON.stringify(m);
      }
      return line;
    };
    const { result, text, ctx } = await runAppServer(steps, provider, tamper);
    expect(result.exitCode, ctx).toBe(0);
    expect(existsSync(join(repo, 'mangled.txt')), ctx).toBe(false);
    expect(existsSync(join(repo, 'mangled-patch.txt')), ctx).toBe(false);
    expect(readFileSync(join(repo, 'fine.txt'), 'utf8'), ctx).toBe('fine\n');
    expect(text, ctx).toMatch(/declined .*without a command line/);
    expect(text, ctx).toMatch(/declined a file change it was not shown/);
    expect(asked).toBe(0);
  });

  it('an allow rule the agent writes into its own $CODEX_HOME mid-turn does not stop Codex asking Paddock', async () => {
    const steps = [`mkdir -p ~/.codex/rules && printf 'prefix_rule(pattern=["touch"], decision="allow")\\n' > ~/.codex/rules/mine.rules && cat ~/.codex/rules/mine.rules`, 'touch self-allowed.txt'];
    const provider = callbackProvider('test', { onRequest: (_r, reply) => reply({ choice: 'allow-once', by: 'test' }) });
    const { result, seen, text, ctx } = await runAppServer(steps, provider);
    expect(result.exitCode, ctx).toBe(0);
    expect(text.split('\n'), ctx).toContain('prefix_rule(pattern=["touch"], decision="allow")'); // the rule was written
    const judged = seen.filter((e) => e.kind === 'policy.decision').map((e) => (e.data as { command: string }).command);
    expect(judged.some((c) => c.includes('mine.rules')), ctx).toBe(true);
    expect(judged.some((c) => c.includes('touch self-allowed.txt')), ctx).toBe(true);
  });
});

describe('paddock run --agent codex --prompt', () => {
  it('drives codex app-server from the CLI: --approvals allow runs asks, forbid still forbids; exit 0 when the turn completes', async () => {
    const steps = [write('cli-ask.txt', 'cli'), 'git push --force origin main'];
    const model = await startScriptedOpenAI(steps);
    try {
      // Asynchronously: the scripted model answers from this process.
      const cli = startCli(['run', '--repo', repo, '--agent', 'codex', '--prompt', 'Run the steps.', '--approvals', 'allow', '--credential', 'openai', '--no-tty'], {
        PADDOCK_HOME: home,
        OPENAI_API_KEY: 'scripted-test-key',
        OPENAI_BASE_URL: `${model.url}/v1`,
      });
      cli.child.stdin?.end(); // stdin EOF must not end Codex's stdin (it carries JSON-RPC)
      const r = { code: await cli.exit, stdout: cli.stdout(), stderr: cli.stderr() };
      const ctx = `${r.stdout}\n${r.stderr}\n${model.userTexts.join('\n')}`;
      expect(r.code, ctx).toBe(0);
      expect(readFileSync(join(repo, 'cli-ask.txt'), 'utf8'), ctx).toBe('cli');
      expect(r.stdout, ctx).toMatch(/\$ \/bin\/bash -c .*cli-ask\.txt/);
      expect(r.stdout, ctx).toMatch(/paddock: declined .*git push --force origin main/);
      expect(r.stdout, ctx).toContain('codex: All steps done.');
      expect(model.userTexts.some((t) => t.includes('Paddock policy forbids `git push --force origin main`')), ctx).toBe(true);
      expect(r.stderr, ctx).toMatch(/session \S+ ended \(exit 0\)/);
    } finally {
      await model.close();
    }
  });

  it('a failed turn fails the session: exit 1 with the reason, the container removed', async () => {
    const model = await startScriptedOpenAI(['!fail']);
    try {
      const cli = startCli(['run', '--repo', repo, '--agent', 'codex', '--prompt', 'Run the steps.', '--approvals', 'deny', '--credential', 'openai', '--no-tty', '--json'], {
        PADDOCK_HOME: home,
        OPENAI_API_KEY: 'scripted-test-key',
        OPENAI_BASE_URL: `${model.url}/v1`,
      });
      cli.child.stdin?.end();
      const code = await cli.exit;
      const ctx = `${cli.stdout()}\n${cli.stderr()}`;
      expect(code, ctx).toBe(1);
      const s = summary(cli.stderr());
      expect(s, ctx).toMatchObject({ exitCode: 1, reason: 'exited', message: 'the Codex turn ended failed: scripted failure' });
      expect(sessionContainers(s.session)).toEqual([]);
    } finally {
      await model.close();
    }
  });

  it('--prompt without --agent codex is refused', () => {
    const r = runCli(['run', '--repo', repo, '--agent', 'gemini', '--prompt', 'x', '--approvals', 'deny'], { PADDOCK_HOME: home });
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/--prompt is supported for --agent codex/);
  });
});
