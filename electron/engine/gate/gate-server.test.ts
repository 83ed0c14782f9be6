import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApprovalBroker } from '../approvals/approval-broker.js';
import { callbackProvider } from '../approvals/approval-providers.js';
import type { ApprovalAnswer } from '../approvals/approval-types.js';
import { createCommandEngine, createPathJudge, loadEffectivePolicy } from '../policy/index.js';
import { SessionEventBus } from '../sessions/session-events.js';
import type { SessionEvent } from '../sessions/session-events.js';
import { claudeManagedSettings, commandText, expandPattern } from './claude-adapter.js';
import { parseGateRequest } from './gate-protocol.js';
import { codexRules } from './codex-adapter.js';
import { createGateJudge } from './gate-judge.js';
import { startGateServer } from './gate-server.js';
import type { GateServerHandle } from './gate-server.js';

const run = promisify(execFile);
const client = fileURLToPath(new URL('../../../resources/helpers/paddock-gate', import.meta.url));

describe('gate server (loopback)', () => {
  let gate: GateServerHandle;
  const seen: SessionEvent[] = [];
  let next: ApprovalAnswer = { choice: 'deny', reason: 'not now', by: 'test' };
  const post = (path: string, body: string, token = gate.token) =>
    fetch(`${gate.url}${path}`, { method: 'POST', body, headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    const { policy } = await loadEffectivePolicy({ home: '/nonexistent-paddock-home', managedPath: null });
    const events = new SessionEventBus();
    events.subscribe((e) => seen.push(e));
    const broker = new ApprovalBroker({ provider: callbackProvider('test', { onRequest: (_r, reply) => reply(next) }), events });
    const judge = createGateJudge({
      engine: createCommandEngine(policy),
      paths: createPathJudge(policy),
      broker,
      ctx: { sessionId: 's', agent: 'claude', repo: '/repo' },
      events,
    });
    gate = await startGateServer({ sessionId: 's', agent: 'claude', listenHost: '127.0.0.1', judge, events });
  });
  afterAll(() => gate.close());

  it('refuses requests without the session token', async () => {
    expect((await post('/v1/check', '{"v":1,"kind":"command","command":"ls"}', 'wrong')).status).toBe(401);
    expect((await fetch(`${gate.url}/v1/check`)).status).toBe(405);
  });

  it('speaks v1 JSON: allow, forbid with the rule, ask answered by the broker', async () => {
    const ask = async (command: string) => (await post('/v1/check', JSON.stringify({ v: 1, kind: 'command', command }))).json() as Promise<Record<string, unknown>>;
    expect(await ask('git status')).toMatchObject({ v: 1, decision: 'allow', policy: 'allow' });
    const f = await ask('cd x && git push --force origin main');
    expect(f).toMatchObject({ decision: 'deny', policy: 'forbid' });
    expect(String(f.reason)).toMatch(/forbids/);
    next = { choice: 'deny', reason: 'not now', by: 'test' };
    const a = await ask('frobnicate');
    expect(a).toMatchObject({ decision: 'deny', policy: 'ask' });
    expect(String(a.reason)).toContain('not now');
    next = { choice: 'allow-once', by: 'test' };
    expect(await ask('frobnicate')).toMatchObject({ decision: 'allow', policy: 'ask' });
    expect((await post('/v1/check', '{"v":2,"kind":"command","command":"ls"}')).status).toBe(400);
  });

  it('answers Claude Code hooks in their own shape and records prompts and results', async () => {
    const res = await post('/v1/claude/pre-tool-use', JSON.stringify({ hook_event_name: 'PreToolUse', tool_name: 'Bash', tool_input: { command: 'rm -rf /' }, cwd: '/workspace' }));
    const out = (await res.json()) as { hookSpecificOutput: Record<string, string> };
    expect(out.hookSpecificOutput).toMatchObject({ hookEventName: 'PreToolUse', permissionDecision: 'deny' });
    const w = (await (await post('/v1/claude/pre-tool-use', JSON.stringify({ tool_name: 'Write', tool_input: { file_path: '/workspace/.git/hooks/pre-commit' } }))).json()) as typeof out;
    expect(w.hookSpecificOutput.permissionDecision).toBe('deny');
    const ok = (await (await post('/v1/claude/pre-tool-use', JSON.stringify({ tool_name: 'Write', tool_input: { file_path: 'src/a.ts' } }))).json()) as typeof out;
    expect(ok.hookSpecificOutput.permissionDecision).toBe('allow');
    await post('/v1/claude/user-prompt-submit', JSON.stringify({ prompt: 'fix the tests' }));
    await post('/v1/claude/post-tool-use', JSON.stringify({ tool_name: 'Bash', tool_input: { command: 'ls' }, tool_response: { stdout: 'a b' } }));
    const kinds = seen.map((e) => e.kind);
    expect(kinds).toContain('user.prompt');
    expect(kinds).toContain('tool.result');
    expect(kinds).toContain('tool.request');
    expect(kinds).toContain('policy.decision');
  });

  it('the sh client: allow exits 0, deny exits 1 with the reason, no gate means deny', async () => {
    const env = { ...process.env, PADDOCK_GATE_URL: gate.url, PADDOCK_GATE_TOKEN: gate.token };
    await expect(run(client, ['check', '--', 'git status'], { env })).resolves.toBeDefined();
    const denied = await run(client, ['check', '--', 'git push --force'], { env }).catch((e: { code: number; stderr: string }) => e);
    expect(denied).toMatchObject({ code: 1 });
    expect((denied as { stderr: string }).stderr).toMatch(/forbids/);
    const gone = await run(client, ['check', '--', 'ls'], { env: { ...env, PADDOCK_GATE_URL: 'http://127.0.0.1:1' } }).catch((e: { code: number }) => e);
    expect(gone).toMatchObject({ code: 1 });
    const pending = run(client, ['hook', 'claude', 'pre-tool-use'], { env: { ...env, PADDOCK_GATE_TOKEN: 'bad' } });
    pending.child.stdin?.end('{"tool_name":"Bash","tool_input":{"command":"ls"}}');
    const hook = await pending.catch((e: { code: number; stdout: string }) => e);
    expect(hook).toMatchObject({ code: 2 });
    expect((hook as { stdout: string }).stdout).toContain('"permissionDecision":"deny"');
  });
});

describe('agent settings from the policy', () => {
  it('Claude: managed settings gate every tool and fail closed', async () => {
    const { policy } = await loadEffectivePolicy({ home: '/nonexistent-paddock-home', managedPath: null });
    const s = claudeManagedSettings({ gateUrl: 'http://gw:1', token: 't', approvalTimeoutSeconds: 300, policy }) as Record<string, Record<string, unknown>>;
    expect(s.permissions).toMatchObject({ defaultMode: 'dontAsk', disableBypassPermissionsMode: 'disable' });
    expect(s.allowManagedHooksOnly).toBe(true);
    const pre = (s.hooks!.PreToolUse as { matcher: string; hooks: Record<string, unknown>[] }[])[0]!;
    expect(pre.matcher).toBe('*');
    expect(pre.hooks[0]).toMatchObject({ type: 'http', onFailure: 'block', timeout: 330 });
  });

  it('Codex: forbid prefixes become prefix_rule(decision="forbidden")', async () => {
    const { policy } = await loadEffectivePolicy({ home: '/nonexistent-paddock-home', managedPath: null });
    const text = codexRules(policy);
    expect(text).toContain('decision = "forbidden"');
    expect(text).toContain(`pattern = ["git", ["filter-branch", "filter-repo"]]`);
  });
});

describe('protocol and adapters, pure parts', () => {
  it('parses v1 requests and refuses anything else', () => {
    expect(parseGateRequest({ v: 1, kind: 'command', command: 'ls', cwd: '/w' })).toEqual({ ok: true, value: { v: 1, kind: 'command', command: 'ls', cwd: '/w' } });
    expect(parseGateRequest({ v: 1, kind: 'tool', tool: 'Write', input: { file_path: 'a' }, cwd: 'relative' })).toMatchObject({ ok: true, value: { kind: 'tool', tool: 'Write' } });
    expect(parseGateRequest({ v: 2, kind: 'command', command: 'ls' }).ok).toBe(false);
    expect(parseGateRequest({ v: 1, kind: 'command' }).ok).toBe(false);
    expect(parseGateRequest({ v: 1, kind: 'exec', command: 'ls' }).ok).toBe(false);
    expect(parseGateRequest('ls').ok).toBe(false);
  });

  it('Codex argv commands become the line the shell runs', () => {
    expect(commandText({ command: ['bash', '-lc', 'git push --force'] })).toEqual({ command: 'git push --force' });
    expect(commandText({ command: ['/bin/sh', '-c', 'rm -rf /'] })).toEqual({ command: 'rm -rf /' });
    expect(commandText({ command: ['git', 'commit', '-m', "it's"] })).toEqual({ command: `git commit -m 'it'\\''s'` });
    expect(commandText({ command: 'ls' })).toEqual({ command: 'ls' });
  });

  it('rule patterns expand to prefixes; a wildcard ends the prefix', () => {
    expect(expandPattern('git push|pull')).toEqual(['git push', 'git pull']);
    expect(expandPattern('npm publish * now')).toEqual(['npm publish']);
    expect(expandPattern('a|b c|d')).toEqual(['a c', 'a d', 'b c', 'b d']);
  });
});
