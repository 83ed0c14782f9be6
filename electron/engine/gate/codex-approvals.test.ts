import { beforeAll, describe, expect, it } from 'vitest';
import { ApprovalBroker } from '../approvals/approval-broker.js';
import { callbackProvider } from '../approvals/approval-providers.js';
import type { ApprovalAnswer } from '../approvals/approval-types.js';
import { createCommandEngine, createPathJudge, loadEffectivePolicy } from '../policy/index.js';
import { SessionEventBus } from '../sessions/session-events.js';
import { answerCodexRequest, fileChangeItem } from './codex-approvals.js';
import type { FileChangeItem } from './codex-approvals.js';
import { codexFiles, codexPromptRules } from './codex-adapter.js';
import { createGateJudge } from './gate-judge.js';
import type { GateJudge } from './gate-judge.js';

let judge: GateJudge;
let next: ApprovalAnswer = { choice: 'deny', reason: 'not now', by: 'test' };
let asked = 0;
const fileChanges = new Map<string, FileChangeItem>();

beforeAll(async () => {
  const { policy } = await loadEffectivePolicy({ home: '/nonexistent-paddock-home', managedPath: null });
  const events = new SessionEventBus();
  const broker = new ApprovalBroker({ provider: callbackProvider('test', { onRequest: (_r, reply) => (asked++, reply(next)) }), events });
  judge = createGateJudge({ engine: createCommandEngine(policy), paths: createPathJudge(policy), broker, ctx: { sessionId: 's', agent: 'codex', repo: '/repo' }, events });
});

const cmd = (command: unknown, extra: Record<string, unknown> = {}) =>
  answerCodexRequest('item/commandExecution/requestApproval', { threadId: 't', turnId: 'u', itemId: 'i', startedAtMs: 1, kind: 'command', command, cwd: '/workspace', ...extra }, { judge, fileChanges });

describe('codex app-server approvals → the gate judge', () => {
  it('allow → accept (never acceptForSession: Paddock judges every run)', async () => {
    const out = await cmd("/bin/bash -c 'git status'");
    expect(out).toMatchObject({ decision: 'accept', result: { decision: 'accept' } });
  });

  it('forbid → decline with the rule and its justification, through bash -c and a path-qualified program', async () => {
    const out = await cmd("/bin/bash -c 'git push --force origin main'");
    expect(out.result).toEqual({ decision: 'decline' });
    expect(out.reason).toMatch(/Paddock policy forbids `git push --force origin main` \(rule git-push-force/);
    expect((await cmd("/bin/bash -lc 'cd x && /usr/bin/git push -f origin main'")).decision).toBe('decline');
  });

  it('ask → the broker: allow-once accepts, deny declines with the human reason', async () => {
    const line = `/bin/bash -c "node -e \\"require('fs').writeFileSync('a','b')\\""`;
    next = { choice: 'allow-once', by: 'test' };
    asked = 0;
    expect((await cmd(line)).result).toEqual({ decision: 'accept' });
    expect(asked).toBe(1);
    next = { choice: 'deny', reason: 'use apply_patch', by: 'test' };
    const out = await cmd(line);
    expect(out.result).toEqual({ decision: 'decline' });
    expect(out.reason).toContain('use apply_patch');
  });

  it('requests Paddock cannot read are declined without asking anyone', async () => {
    asked = 0;
    for (const bad of [undefined, '', 42, null]) expect((await cmd(bad)).result).toEqual({ decision: 'decline' });
    expect((await cmd('ls', { kind: 'writeStdin' })).result).toEqual({ decision: 'decline' });
    expect((await cmd('ls', { kind: 'humanCommand' })).result).toEqual({ decision: 'decline' });
    expect((await cmd('curl x', { networkApprovalContext: { host: 'x', protocol: 'https' } })).result).toEqual({ decision: 'decline' });
    expect((await answerCodexRequest('item/commandExecution/requestApproval', 'garbage', { judge, fileChanges })).result).toEqual({ decision: 'decline' });
    expect(asked).toBe(0);
  });

  it('a judge that throws is a decline, never an accept', async () => {
    const broken: GateJudge = { command: () => Promise.reject(new Error('engine gone')), tool: () => Promise.reject(new Error('engine gone')) };
    const out = await answerCodexRequest('item/commandExecution/requestApproval', { command: 'ls' }, { judge: broken, fileChanges });
    expect(out).toMatchObject({ decision: 'decline', result: { decision: 'decline' } });
    expect(out.reason).toMatch(/could not judge.*engine gone/);
  });

  it('file changes: judged by path rules over every path of the announced item; unannounced → decline', async () => {
    const item = (changes: unknown[]) => fileChangeItem({ type: 'fileChange', id: 'f', changes, status: 'inProgress' });
    fileChanges.set('ok', item([{ path: '/workspace/src/a.ts', kind: { type: 'update', move_path: null }, diff: '' }])!);
    fileChanges.set('prot', item([
      { path: '/workspace/a.txt', kind: { type: 'add' }, diff: '' },
      { path: '/workspace/.git/hooks/pre-commit', kind: { type: 'add' }, diff: '' },
    ])!);
    fileChanges.set('move', item([{ path: '/workspace/a.txt', kind: { type: 'update', move_path: '/workspace/.paddock/policy.yaml' }, diff: '' }])!);
    const fc = (itemId: unknown) => answerCodexRequest('item/fileChange/requestApproval', { threadId: 't', turnId: 'u', itemId, startedAtMs: 1 }, { judge, fileChanges });
    expect((await fc('ok')).result).toEqual({ decision: 'accept' });
    const prot = await fc('prot');
    expect(prot.result).toEqual({ decision: 'decline' });
    expect(prot.reason).toMatch(/protected path/);
    expect((await fc('move')).result).toEqual({ decision: 'decline' });
    expect((await fc('never-announced')).result).toEqual({ decision: 'decline' });
    expect((await fc(undefined)).result).toEqual({ decision: 'decline' });
    // An item with a change Paddock cannot read is not an item at all.
    expect(item([{ path: '/workspace/a', kind: {} }])).toBeNull();
    expect(fileChangeItem({ type: 'commandExecution' })).toBeNull();
  });

  it('other server requests: legacy approvals denied with a reason, elicitations declined, the rest an error', async () => {
    const d = { judge, fileChanges };
    expect((await answerCodexRequest('execCommandApproval', { command: ['ls'] }, d)).result).toMatchObject({ decision: { denied: { rejection: expect.any(String) as string } } });
    expect((await answerCodexRequest('applyPatchApproval', {}, d)).result).toMatchObject({ decision: { denied: {} } });
    expect((await answerCodexRequest('mcpServer/elicitation/request', {}, d)).result).toEqual({ action: 'decline', content: null });
    for (const m of ['item/permissions/requestApproval', 'item/tool/requestUserInput', 'item/tool/call', 'attestation/generate', 'whatever']) {
      const out = await answerCodexRequest(m, {}, d);
      expect(out.decision).toBe('decline');
      expect(out.result).toBeUndefined();
      expect(out.error?.code).toBe(-32601);
    }
  });
});

describe('codex files for the app-server channel', () => {
  it('no PreToolUse hook (Paddock answers approvals instead), no approval policy in the config, prompt rules for what Codex calls safe', () => {
    const policy = { commands: { rules: [] } } as unknown as Parameters<typeof codexFiles>[0]['policy'];
    const files = codexFiles({ policy, approvalTimeoutSeconds: 5, channel: 'app-server' });
    expect(files['hooks.json']).not.toContain('pre-tool-use');
    expect(files['hooks.json']).toContain('post-tool-use');
    expect(files['config.toml']).not.toMatch(/^approval_policy/m);
    expect(files['rules/paddock.rules']).toContain('prefix_rule(pattern = ["ls"], decision = "prompt"');
    expect(codexPromptRules()).toContain('["git"]');
    const hooks = codexFiles({ policy, approvalTimeoutSeconds: 5 });
    expect(hooks['hooks.json']).toContain('pre-tool-use');
    expect(hooks['config.toml']).toMatch(/^approval_policy = "on-request"/m);
    expect(hooks['rules/paddock.rules']).not.toContain('"prompt"');
  });
});
