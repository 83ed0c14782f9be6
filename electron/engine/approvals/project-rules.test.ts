import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCommandEngine, formatExplain, loadEffectivePolicy, networkRulesFromPolicy } from '../policy/index.js';
import type { LoadPolicyOptions } from '../policy/index.js';
import { refusal } from '../policy/policy-test-kit.test-helper.js';
import { SessionEventBus } from '../sessions/session-events.js';
import type { SessionEvent } from '../sessions/session-events.js';
import { ApprovalBroker } from './approval-broker.js';
import type { ApprovalRequest, ApprovalSubject } from './approval-types.js';
import { ruleFor, userPolicyRuleWriter } from './project-rules.js';

// `always for this project`: written under projects.<repo> of the user policy; applies to
// sessions on that repository only; overrides built-in/user asks for exactly that command.
let dir: string;
let home: string;
let repoA: string;
let repoB: string;
let managed: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'paddock-projrules-'));
  home = join(dir, 'home');
  repoA = join(dir, 'repo-a');
  repoB = join(dir, 'repo-b');
  managed = join(dir, 'etc', 'policy.yaml');
  for (const d of [home, join(repoA, '.paddock'), repoB, join(dir, 'etc')]) mkdirSync(d, { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const userFile = () => join(home, 'policy.yaml');
const load = (repo: string, o: LoadPolicyOptions = {}) => loadEffectivePolicy({ home, repo, managedPath: null, env: {}, ...o });
const decide = async (repo: string, line: string, o: LoadPolicyOptions = {}) => createCommandEngine((await load(repo, o)).policy).evaluate(line);

async function subjectFor(repo: string, command: string, o: LoadPolicyOptions = {}): Promise<ApprovalSubject> {
  const v = await decide(repo, command, o);
  return { kind: 'command', command, cwd: '/workspace', parts: v.parts.map((p) => ({ text: p.text, argv: p.argv, decision: p.decision, via: p.via, rule: p.rule.id })) };
}
const request = (repo: string, subject: ApprovalSubject): ApprovalRequest => ({
  id: 'r1',
  sessionId: 's1',
  agent: 'claude',
  repo,
  subject,
  rule: 'x',
  why: 'x',
  createdAt: Date.parse('2026-11-29T12:00:00Z'),
  expiresAt: Date.parse('2026-11-29T12:05:00Z'),
});

const loadError = (repo: string, o: LoadPolicyOptions = {}) => refusal(load(repo, o));

describe('always for this project', { timeout: 60_000 }, () => {
  it('the broker writes the approval under projects.<repo>; it applies to that repo only and to exactly that command', async () => {
    writeFileSync(userFile(), '# my policy\nversion: 1\n');
    const events = new SessionEventBus();
    const seen: SessionEvent[] = [];
    events.subscribe((e) => seen.push(e));
    const broker = new ApprovalBroker({
      provider: { name: 'fixed', ask: () => Promise.resolve({ choice: 'always-project' as const, by: 'test' }) },
      events,
      projectRules: userPolicyRuleWriter(home, { managedPath: null }),
    });
    // git push asks because of the built-in rule git-push (not the default).
    const before = await decide(repoA, 'git push origin main');
    expect(before).toMatchObject({ decision: 'ask', rule: { id: 'git-push', source: { layer: 'default' } } });
    const subject = await subjectFor(repoA, 'cd src && git push origin main');
    const out = await broker.ask({ sessionId: 's1', agent: 'claude', repo: repoA }, { subject, rule: 'git-push', why: 'publishes' });
    expect(out.decision).toBe('allow');
    expect(seen.at(-1)!.data).toMatchObject({ writtenRule: { file: userFile() } });

    const text = readFileSync(userFile(), 'utf8');
    expect(text).toContain('# my policy');
    expect(text).toContain(`${repoA}:`);
    expect(text).toContain('command: git push origin main');

    const a = await decide(repoA, 'cd src && git push origin main');
    expect(a.decision).toBe('allow');
    expect(a.decidingPart).toBeTruthy();
    const pushPart = a.parts.find((p) => p.argv[0] === 'git')!;
    expect(pushPart.rule.source).toMatchObject({ layer: 'user', file: userFile() });
    expect(pushPart.rule.id).toMatch(/^approved-/);
    // Another repository still asks; another shape of the command still asks; a forbid stays a forbid.
    expect((await decide(repoB, 'git push origin main')).decision).toBe('ask');
    expect((await decide(repoA, 'git push origin other')).decision).toBe('ask');
    expect((await decide(repoA, 'git push origin main --tags')).decision).toBe('ask');
    expect((await decide(repoA, 'git push --force origin main')).decision).toBe('forbid');
    // Wrappers are peeled as usual, and what they add still counts (sudo asks on its own).
    expect((await decide(repoA, 'timeout 60 git push origin main')).decision).toBe('allow');
    expect((await decide(repoA, 'sudo git push origin main')).decision).toBe('ask');
  });

  it('provenance: policy explain lists the approval with its repo and file:line', async () => {
    writeFileSync(userFile(), `version: 1\nprojects:\n  ${repoA}:\n    commands:\n      approved:\n        - id: push-main\n          command: git push origin main\n`);
    const r = await load(repoA);
    expect(r.policy.commands.approved).toEqual([expect.objectContaining({ id: 'push-main', argv: ['git', 'push', 'origin', 'main'] })]);
    expect(r.provenance['commands.approved.push-main']).toMatchObject({ layer: 'user', file: userFile(), line: 6 });
    const text = formatExplain(r);
    expect(text).toContain(`approved (always for this project: ${repoA})`);
    expect(text).toMatch(new RegExp(`push-main: allow "git push origin main" .*\\[user ${userFile().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:6:11\\]`));
    expect((await load(repoB)).policy.commands.approved).toEqual([]);
    expect(formatExplain(await load(repoB))).not.toContain('push-main');
  });

  it('an approval never turns a forbid into allow, even one written by hand', async () => {
    writeFileSync(userFile(), `version: 1\nprojects:\n  ${repoA}:\n    commands:\n      approved:\n        - command: rm -rf /\n        - command: git push --force origin main\n`);
    expect((await decide(repoA, 'rm -rf /')).decision).toBe('forbid');
    expect((await decide(repoA, 'git push --force origin main')).decision).toBe('forbid');
    const subject = await subjectFor(repoA, 'git push --force origin main');
    const { policy } = await load(repoA);
    expect(() => ruleFor(request(repoA, subject), policy)).toThrow(/never overrides a forbid/);
  });

  it('the managed layer caps it: managed rules and locked built-in rules keep asking, and nothing is written for them', async () => {
    writeFileSync(managed, 'version: 1\ncommands:\n  rules:\n    - id: corp-npm-install\n      decision: ask\n      pattern: npm install\n      justification: the proxy team reviews new packages\n');
    writeFileSync(userFile(), `version: 1\nprojects:\n  ${repoA}:\n    commands:\n      approved:\n        - command: npm install left-pad\n        - command: git push origin main\n`);
    const o = { managedPath: managed };
    expect(await decide(repoA, 'npm install left-pad', o)).toMatchObject({ decision: 'ask', rule: { id: 'corp-npm-install' } });
    expect((await decide(repoA, 'git push origin main', o)).decision).toBe('allow');
    // The writer refuses to write what could not help, and says why.
    const subject = await subjectFor(repoA, 'npm install left-pad', o);
    const { policy } = await load(repoA, o);
    expect(() => ruleFor(request(repoA, subject), policy)).toThrow(/corp-npm-install.*managed rule's ask cannot be approved away/);

    // lock_rules: built-in rules cannot be loosened below the managed layer, approvals included.
    writeFileSync(managed, 'version: 1\nceilings:\n  lock_rules: true\n');
    expect((await decide(repoA, 'git push origin main', o)).decision).toBe('ask');
    const locked = await load(repoA, o);
    const push = await subjectFor(repoA, 'git push origin main', o);
    expect(() => ruleFor(request(repoA, push), locked.policy)).toThrow(/git-push.*locks built-in rules/);
    // A default-ask (no rule matched) is still approvable under lock_rules.
    writeFileSync(userFile(), `version: 1\nprojects:\n  ${repoA}:\n    commands:\n      approved:\n        - command: frobnicate --fast build\n`);
    expect((await decide(repoA, 'frobnicate --fast build', o)).decision).toBe('allow');
  });

  it("a project rule's ask is not approvable, and a project policy cannot carry a projects section", async () => {
    writeFileSync(join(repoA, '.paddock', 'policy.yaml'), 'version: 1\ncommands:\n  rules:\n    - id: repo-make\n      decision: ask\n      pattern: make\n');
    writeFileSync(userFile(), `version: 1\nprojects:\n  ${repoA}:\n    commands:\n      approved:\n        - command: make all\n`);
    expect(await decide(repoA, 'make all')).toMatchObject({ decision: 'ask', rule: { id: 'repo-make' } });
    writeFileSync(join(repoA, '.paddock', 'policy.yaml'), `version: 1\nprojects:\n  ${repoA}:\n    commands:\n      approved:\n        - command: make all\n`);
    const e = await loadError(repoA);
    expect(e.message).toMatch(/\.paddock\/policy\.yaml:3:3: projects \(per-repository approvals\) may only be set in the user policy/);
  });

  it('bad entries fail the load at file:line:col, whichever repo is loaded', async () => {
    writeFileSync(userFile(), `version: 1\nprojects:\n  ${repoA}:\n    commands:\n      approved:\n        - command: git push origin main\n        - command: git push $(cat remote)\n`);
    let e = await loadError(repoB);
    expect(e.code).toBe('POLICY_INVALID');
    expect(e.message).toContain(`${userFile()}:7:20: projects["${repoA}"].commands.approved[1].command: "git push $(cat remote)" is not one simple command`);
    writeFileSync(userFile(), 'version: 1\nprojects:\n  relative/repo:\n    commands:\n      approved: []\n');
    e = await loadError(repoA);
    expect(e.message).toMatch(/policy\.yaml:\d+:\d+: projects.*expected the absolute path of a repository/);
    writeFileSync(userFile(), `version: 1\nprojects:\n  ${repoA}:\n    commands:\n      approved:\n        - command: ls\n          decision: allow\n`);
    e = await loadError(repoA);
    expect(e.message).toContain(`${userFile()}:7:11: projects.${repoA}.commands.approved[0].decision: unknown key; expected one of: id, command, justification`);
  });

  it('network approvals apply to that repo only, and the managed allow-hosts ceiling still drops them', async () => {
    const writer = userPolicyRuleWriter(home, { managedPath: null });
    const net: ApprovalSubject = { kind: 'network', method: 'CONNECT', host: 'Registry.Example.com', port: 443, protocol: 'connect' };
    await writer.write(request(repoA, net));
    const hosts = async (repo: string, o: LoadPolicyOptions = {}) =>
      networkRulesFromPolicy((await load(repo, o)).policy).rules.filter((r) => r.decision === 'allow').map((r) => r.host);
    expect(await hosts(repoA)).toContain('registry.example.com');
    expect(await hosts(repoB)).not.toContain('registry.example.com');
    writeFileSync(managed, 'version: 1\nceilings:\n  network_allow_hosts: ["*.corp.example"]\n');
    expect(await hosts(repoA, { managedPath: managed })).not.toContain('registry.example.com');
  });

  it('concurrent writers (separate writers, as separate processes would be) all land, serialised by the lock file', async () => {
    const commands = ['frobnicate one', 'frobnicate two', 'frobnicate three', 'frobnicate four'];
    const subjects = await Promise.all(commands.map((c) => subjectFor(repoA, c)));
    await Promise.all(subjects.map((s) => userPolicyRuleWriter(home, { managedPath: null }).write(request(repoA, s))));
    const engine = createCommandEngine((await load(repoA)).policy);
    for (const c of commands) expect(engine.evaluate(c).decision).toBe('allow');
    expect(readFileSync(userFile(), 'utf8').match(/command: frobnicate/g)).toHaveLength(4);
  });
});
