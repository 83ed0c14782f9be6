import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApprovalBroker } from '../approvals/approval-broker.js';
import { callbackProvider } from '../approvals/approval-providers.js';
import type { ApprovalRequest } from '../approvals/approval-types.js';
import { createCommandEngine, createMcpJudge, createPathJudge, formatExplain, loadEffectivePolicy } from '../policy/index.js';
import type { EffectivePolicyResult } from '../policy/index.js';
import { SessionEventBus } from '../sessions/session-events.js';
import type { SessionEvent } from '../sessions/session-events.js';
import { claudeHookAnswer, claudeDenyRules } from './claude-adapter.js';
import { createGateJudge } from './gate-judge.js';

// MCP rules judged in the gate for Claude Code's PreToolUse (tool_name mcp__<server>__<tool>).
let dir: string;
let loaded: EffectivePolicyResult;

const USER = `version: 1
mcp:
  rules:
    - id: github-read
      server: github
      tool: "get_*|list_*|search_*"
      decision: allow
      justification: reading issues and code is routine
    - id: github-write
      server: github
      tool: "create_*|update_*"
      decision: ask
    - id: no-deletes
      server: "*"
      tool: "delete_*"
      decision: forbid
      justification: deleting through MCP needs a human outside the agent
    - id: sentry-all
      server: sentry
      decision: allow
`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'paddock-gate-mcp-'));
  mkdirSync(join(dir, 'home'));
  writeFileSync(join(dir, 'home', 'policy.yaml'), USER);
  loaded = await loadEffectivePolicy({ home: join(dir, 'home'), managedPath: null, env: {} });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function gate(answer: 'allow-once' | 'deny' = 'deny') {
  const events = new SessionEventBus();
  const seen: SessionEvent[] = [];
  events.subscribe((e) => seen.push(e));
  const asked: ApprovalRequest[] = [];
  const broker = new ApprovalBroker({
    provider: callbackProvider('test', { onRequest: (r, reply) => (asked.push(r), reply({ choice: answer, by: 'test', ...(answer === 'deny' ? { reason: 'not this one' } : {}) })) }),
    events,
  });
  const judge = createGateJudge({
    engine: createCommandEngine(loaded.policy),
    paths: createPathJudge(loaded.policy),
    mcp: createMcpJudge(loaded.policy, loaded.provenance),
    broker,
    ctx: { sessionId: 's', agent: 'claude', repo: '/repo' },
    events,
  });
  const preToolUse = async (toolName: string, toolInput: unknown = {}) => {
    // The body Claude Code POSTs to an http PreToolUse hook.
    const input = { session_id: 'c1', transcript_path: '/tmp/t.jsonl', cwd: '/workspace', hook_event_name: 'PreToolUse', tool_name: toolName, tool_input: toolInput };
    const out = (await claudeHookAnswer('pre-tool-use', input, { judge, events, sessionId: 's', agent: 'claude', dialect: 'claude', signal: new AbortController().signal })) as {
      hookSpecificOutput: { hookEventName: string; permissionDecision: string; permissionDecisionReason: string };
    };
    return out.hookSpecificOutput;
  };
  return { preToolUse, seen, asked };
}

describe('MCP rules in the gate (Claude PreToolUse)', { timeout: 60_000 }, () => {
  it('allow rules let matching tools run without asking', async () => {
    const g = gate();
    const out = await g.preToolUse('mcp__github__get_issue', { owner: 'o', repo: 'r', issue_number: 1 });
    expect(out).toMatchObject({ hookEventName: 'PreToolUse', permissionDecision: 'allow' });
    expect(out.permissionDecisionReason).toContain('reading issues and code is routine');
    expect((await g.preToolUse('mcp__sentry__anything_at_all')).permissionDecision).toBe('allow');
    expect(g.asked).toHaveLength(0);
    const decision = g.seen.find((e) => e.kind === 'policy.decision')!.data as { rule: string; policy: string };
    expect(decision.policy).toBe('allow');
    expect(decision.rule).toMatch(/^github-read \(.*policy\.yaml:4\)$/);
    expect(g.seen.find((e) => e.kind === 'mcp.call')!.data).toMatchObject({ server: 'github', tool: 'get_issue' });
  });

  it('forbid wins over a broader allow and is denied with the justification, without asking', async () => {
    const g = gate('allow-once');
    const out = await g.preToolUse('mcp__sentry__delete_project');
    expect(out.permissionDecision).toBe('deny');
    expect(out.permissionDecisionReason).toMatch(/Paddock policy forbids `mcp__sentry__delete_project` \(rule no-deletes .*\): deleting through MCP needs a human/);
    expect(g.asked).toHaveLength(0);
  });

  it('ask rules and unmatched tools go to the approvals broker, both ways', async () => {
    const denied = gate('deny');
    const out = await denied.preToolUse('mcp__github__create_issue', { title: 'x' });
    expect(out.permissionDecision).toBe('deny');
    expect(out.permissionDecisionReason).toContain('not this one');
    expect(denied.asked[0]!.rule).toMatch(/^github-write /);
    const allowed = gate('allow-once');
    expect((await allowed.preToolUse('mcp__slack__post_message', { text: 'hi' })).permissionDecision).toBe('allow');
    expect(allowed.asked[0]!.rule).toMatch(/^mcp\.default \(.*default-policy\.yaml:\d+\)$/);
    expect(allowed.asked[0]!.subject).toMatchObject({ kind: 'tool', tool: 'mcp__slack__post_message' });
  });

  it('server names are whole names (github does not match github_enterprise); malformed names ask', async () => {
    const g = gate('deny');
    expect((await g.preToolUse('mcp__github_enterprise__get_issue')).permissionDecision).toBe('deny');
    expect(g.asked[0]!.rule).toMatch(/^mcp\.default/);
    expect((await g.preToolUse('mcp__nothing')).permissionDecision).toBe('deny');
    expect(g.asked[1]!.rule).toMatch(/^mcp \(engine\)/);
  });

  it('policy explain shows MCP rules with provenance; literal forbid rules also become Claude deny rules', () => {
    const text = formatExplain(loaded);
    expect(text).toMatch(/mcp:\n {2}default: ask {2}\[default .*default-policy\.yaml:\d+:\d+\]/);
    expect(text).toMatch(/- no-deletes: forbid server "\*" tool "delete_\*" {2}\[user .*policy\.yaml:13:7\]/);
    const deny = claudeDenyRules({
      commands: { default: 'ask', test_runners: [], rules: [], approved: [] },
      mcp: { default: 'ask', rules: [{ id: 'x', server: 'jira|linear', tool: 'delete_issue', decision: 'forbid', enabled: true, source: loaded.provenance['mcp.default']! }, { id: 'y', server: 'billing', decision: 'forbid', enabled: true, source: loaded.provenance['mcp.default']! }] },
    });
    expect(deny).toEqual(['mcp__jira__delete_issue', 'mcp__linear__delete_issue', 'mcp__billing']);
  });
});

describe('MCP rules in the policy layers', { timeout: 60_000 }, () => {
  it('a project policy may add ask/forbid MCP rules but not allow ones or a looser default (file:line:col)', async () => {
    const repo = join(dir, 'repo');
    mkdirSync(join(repo, '.paddock'), { recursive: true });
    writeFileSync(join(repo, '.paddock', 'policy.yaml'), 'version: 1\nmcp:\n  rules:\n    - { id: repo-no-slack, server: slack, decision: forbid }\n');
    const ok = await loadEffectivePolicy({ home: join(dir, 'home'), repo, managedPath: null, env: {} });
    expect(createMcpJudge(ok.policy).judge('mcp__slack__post_message')).toMatchObject({ decision: 'forbid', rule: { id: 'repo-no-slack', source: { layer: 'project' } } });
    writeFileSync(join(repo, '.paddock', 'policy.yaml'), 'version: 1\nmcp:\n  rules:\n    - id: repo-yes\n      server: "*"\n      decision: allow\n');
    await expect(loadEffectivePolicy({ home: join(dir, 'home'), repo, managedPath: null, env: {} })).rejects.toThrow(/policy\.yaml:6:17: a project policy may only tighten, but this adds an MCP allow rule \("repo-yes"\)/);
    writeFileSync(join(repo, '.paddock', 'policy.yaml'), 'version: 1\nmcp:\n  default: allow\n');
    await expect(loadEffectivePolicy({ home: join(dir, 'home'), repo, managedPath: null, env: {} })).rejects.toThrow(/policy\.yaml:3:12: .*mcp\.default to "allow"/);
    writeFileSync(join(repo, '.paddock', 'policy.yaml'), 'version: 1\nmcp:\n  rules:\n    - { id: bad, server: "git hub", decision: forbid }\n');
    await expect(loadEffectivePolicy({ home: join(dir, 'home'), repo, managedPath: null, env: {} })).rejects.toThrow(/policy\.yaml:4:26: mcp\.rules\[0\]\.server: expected a name pattern/);
  });

  it('the managed mcp_default ceiling clamps a looser user default', async () => {
    const home = join(dir, 'home2');
    mkdirSync(home);
    writeFileSync(join(home, 'policy.yaml'), 'version: 1\nmcp:\n  default: allow\n');
    writeFileSync(join(dir, 'managed.yaml'), 'version: 1\nceilings:\n  mcp_default: ask\n');
    const r = await loadEffectivePolicy({ home, managedPath: join(dir, 'managed.yaml'), env: {} });
    expect(r.policy.mcp.default).toBe('ask');
    expect(r.provenance['mcp.default']).toMatchObject({ layer: 'managed', note: 'clamped by the managed ceiling mcp_default' });
  });
});
