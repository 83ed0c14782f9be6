import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCommandEngine } from './command-engine.js';
import { loadEffectivePolicy } from './policy-loader.js';
import type { LoadPolicyOptions } from './policy-loader.js';
import { refusal, writePolicy } from './policy-test-kit.test-helper.js';

let dir: string;
let home: string;
let repo: string;
let managed: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'paddock-policy-'));
  home = join(dir, 'home');
  repo = join(dir, 'repo');
  managed = join(dir, 'etc', 'policy.yaml');
  for (const d of [home, join(repo, '.paddock'), join(dir, 'etc')]) mkdirSync(d, { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const userFile = () => join(home, 'policy.yaml');
const projectFile = () => join(repo, '.paddock', 'policy.yaml');
const write = writePolicy;
const load = (o: LoadPolicyOptions = {}) => loadEffectivePolicy({ home, repo, managedPath: null, env: {}, ...o });

const loadError = (o: LoadPolicyOptions = {}) => refusal(load(o));

describe('layers and provenance', () => {
  it('defaults alone: every value traces to the default policy file and line', async () => {
    const r = await load();
    expect(r.policy.commands.default).toBe('ask');
    expect(r.policy.approvals.timeout_seconds).toBe(300);
    expect(r.provenance['approvals.timeout_seconds']?.layer).toBe('default');
    expect(r.provenance['approvals.timeout_seconds']?.line).toBeGreaterThan(1);
    expect(r.layers.map((l) => l.layer)).toEqual(['default']);
  });

  it('the user layer may loosen, and its values carry the user file:line', async () => {
    write(userFile(), 'commands:\n  default: allow\n  rules:\n    - id: git-push\n      decision: allow\n      pattern: git push\n');
    const r = await load();
    expect(r.policy.commands.default).toBe('allow');
    expect(r.provenance['commands.default']).toMatchObject({ layer: 'user', file: userFile(), line: 3, col: 12 });
    expect(r.provenance['commands.rules.git-push']).toMatchObject({ layer: 'user', line: 5 });
    expect(createCommandEngine(r.policy).evaluate('git push').decision).toBe('allow');
  });

  it('the project layer may tighten', async () => {
    write(projectFile(), [
      'commands:',
      '  default: forbid',
      '  test_runners: [npm run test:unit]',
      '  rules:',
      '    - id: no-curl',
      '      decision: forbid',
      '      pattern: curl',
      '      examples: { match: [curl https://x], not_match: [wget x] }',
      '    - id: git-push',
      '      decision: forbid',
      '      pattern: git push',
      'paths:',
      '  protected: [migrations/**]',
      'approvals:',
      '  timeout_seconds: 60',
      'network:',
      '  default: deny',
      '  rules: [{ host: "*.tracker.example", decision: deny }]',
      '',
    ].join('\n'));
    const r = await load();
    expect(r.policy.commands.default).toBe('forbid');
    expect(r.policy.approvals.timeout_seconds).toBe(60);
    expect(r.provenance['approvals.timeout_seconds']).toMatchObject({ layer: 'project', line: 16 });
    expect(r.provenance['paths.protected[migrations/**]']).toMatchObject({ layer: 'project', line: 14 });
    const e = createCommandEngine(r.policy, { provenance: r.provenance });
    expect(e.evaluate('curl https://example.com').decision).toBe('forbid');
    expect(e.evaluate('git push').rule.source).toMatchObject({ layer: 'project', line: 10 });
    expect(e.evaluate('npm run test:unit').decision).toBe('allow');
    expect(e.evaluate('echo x > migrations/001.sql').decision).toBe('forbid');
  });

  it('the fingerprint covers every layer', async () => {
    const a = await load();
    write(userFile(), 'approvals: { timeout_seconds: 100 }\n');
    const b = await load();
    expect(b.fingerprint).not.toBe(a.fingerprint);
    expect((await load()).fingerprint).toBe(b.fingerprint);
    write(userFile(), 'approvals: { timeout_seconds: 101 }\n');
    expect((await load()).fingerprint).not.toBe(b.fingerprint);
  });
});

describe('a project policy cannot loosen', () => {
  const cases: [string, string, number, number, RegExp][] = [
    ['default allow', 'commands:\n  default: allow\n', 3, 12, /looser than "ask"/],
    ['new allow rule', 'commands:\n  rules:\n    - id: ok\n      decision: allow\n      pattern: curl\n', 5, 17, /adds an allow rule/],
    ['relax a built-in rule', 'commands:\n  rules:\n    - id: git-push-force\n      decision: ask\n      pattern: git push\n', 5, 17, /relaxes rule "git-push-force" from forbid to ask/],
    ['narrow a built-in rule', 'commands:\n  rules:\n    - id: rm-catastrophic\n      decision: forbid\n      pattern: rm\n      args_any: [/nothing]\n', 4, 7, /changes what rule "rm-catastrophic" matches/],
    ['disable a rule', 'commands:\n  rules:\n    - id: git-push\n      decision: ask\n      pattern: git push\n      enabled: false\n', 7, 16, /disables rule/],
    ['unknown test runner', 'commands:\n  test_runners: [rm -rf /]\n', 3, 18, /not a known test command/],
    ['unmask secrets', 'paths:\n  allowed_secrets: [.env]\n', 3, 20, /un-masks/],
    ['writable mount', 'paths:\n  writable_mounts: [{ host: /, container: /host }]\n', 3, 20, /writable/],
    ['network allow', 'network:\n  rules:\n    - host: evil.example\n      decision: allow\n', 5, 17, /allows network access to evil.example/],
    ['network preset', 'network:\n  presets: [github]\n', 3, 12, /presets/],
    ['longer timeout', 'approvals:\n  timeout_seconds: 9999\n', 3, 20, /lengthens/],
    ['unattended allow', 'approvals:\n  unattended: allow\n', 3, 15, /nobody is watching/],
    ['telemetry endpoint', 'telemetry:\n  endpoint: http://127.0.0.1:4318/v1/logs\n', 3, 13, /endpoint of its choosing/],
    ['agent bypass args', 'agents:\n  settings:\n    claude: { args: [--verbose] }\n', 4, 21, /extra arguments/],
    // Even "off": whether a warm engine keeps running on this machine is not a repository's call.
    ['engine autostart', 'engine:\n  autostart: false\n', 3, 14, /engine\.autostart, which is about how Paddock runs on your machine/],
  ];
  it.each(cases)('%s is refused at file:line:col', async (_name, body, line, col, re) => {
    write(projectFile(), body);
    const err = await loadError();
    expect(err.code).toBe('POLICY_LOOSENING');
    expect(err.message).toContain(`${projectFile()}:${line}:${col}:`);
    expect(err.message).toMatch(re);
    expect(err.message).toContain(userFile());
  });

  it('the same loosening is fine in the user layer', async () => {
    write(userFile(), 'network:\n  presets: [github]\napprovals:\n  timeout_seconds: 9999\n');
    const r = await load();
    expect(r.policy.network.presets).toEqual(['github']);
    expect(r.policy.approvals.timeout_seconds).toBe(9999);
  });

  it('a project may not go below what the user layer set either', async () => {
    write(userFile(), 'commands:\n  default: forbid\n');
    write(projectFile(), 'commands:\n  default: ask\n');
    expect((await loadError()).code).toBe('POLICY_LOOSENING');
  });
});

describe('managed policy', () => {
  it('ceilings clamp lower layers, with warnings and provenance notes', async () => {
    write(userFile(), [
      'commands: { default: allow }',
      'approvals: { unattended: allow, timeout_seconds: 3600 }',
      'network:',
      '  default: allow',
      '  presets: [pypi]',
      '  rules:',
      '    - { host: api.corp.example, decision: allow }',
      '    - { host: evil.example, decision: allow }',
      '',
    ].join('\n'));
    write(managed, 'ceilings:\n  commands_default: ask\n  network_default: ask\n  unattended: deny\n  max_approval_timeout_seconds: 600\n  network_allow_hosts: ["*.corp.example"]\n');
    const r = await load({ managedPath: managed });
    expect(r.policy.commands.default).toBe('ask');
    expect(r.policy.network.default).toBe('ask');
    expect(r.policy.approvals.unattended).toBe('deny');
    expect(r.policy.approvals.timeout_seconds).toBe(600);
    expect(r.policy.network.rules.map((x) => x.host)).toEqual(['api.corp.example']);
    expect(r.policy.network.presets).toEqual([]);
    expect(r.provenance['commands.default']).toMatchObject({ layer: 'managed', file: managed, line: 3, col: 21 });
    expect(r.provenance['commands.default']?.note).toMatch(/clamped/);
    expect(r.warnings.map((w) => w.message).join('\n')).toMatch(/evil\.example/);
  });

  it('forced values override every lower layer', async () => {
    write(userFile(), 'telemetry: { enabled: false, endpoint: "http://127.0.0.1:1/user" }\n');
    write(managed, 'telemetry: { enabled: true, endpoint: "http://127.0.0.1:4318/v1/logs", log_prompts: false }\n');
    const r = await load({ managedPath: managed });
    expect(r.policy.telemetry).toMatchObject({ enabled: true, endpoint: 'http://127.0.0.1:4318/v1/logs' });
    expect(r.provenance['telemetry.endpoint']?.layer).toBe('managed');
  });

  it('engine.autostart: on by default, the user may turn it off, the managed policy decides over both', async () => {
    expect((await load()).policy.engine.autostart).toBe(true);
    expect((await load()).provenance['engine.autostart']?.layer).toBe('default');
    write(userFile(), 'engine: { autostart: false }\n');
    expect((await load()).policy.engine).toEqual({ autostart: false });
    write(userFile(), 'engine: { autostart: true }\n');
    write(managed, 'engine:\n  autostart: false\n');
    const r = await load({ managedPath: managed });
    expect(r.policy.engine.autostart).toBe(false);
    expect(r.provenance['engine.autostart']).toMatchObject({ layer: 'managed', file: managed, line: 3, col: 14 });
  });

  it('lock_rules keeps built-in rules from being disabled by the user', async () => {
    write(userFile(), 'commands:\n  rules:\n    - { id: git-push-force, decision: allow, pattern: git push }\n');
    write(managed, 'ceilings: { lock_rules: true }\n');
    const r = await load({ managedPath: managed });
    expect(createCommandEngine(r.policy).evaluate('git push --force').decision).toBe('forbid');
    expect(r.warnings[0]?.message).toMatch(/locked/);
    const unlocked = await load();
    expect(createCommandEngine(unlocked.policy).evaluate('git push --force').rule.id).toBe('git-push');
  });

  it('is found through PADDOCK_MANAGED_POLICY', async () => {
    write(managed, 'approvals: { timeout_seconds: 42 }\n');
    const r = await loadEffectivePolicy({ home, repo, env: { PADDOCK_MANAGED_POLICY: managed } });
    expect(r.policy.approvals.timeout_seconds).toBe(42);
    expect(r.layers.map((l) => l.layer)).toEqual(['default', 'managed']);
  });

  it('falls back to a policy bundled with the installer when there is no system one', async () => {
    write(managed, 'approvals: { timeout_seconds: 43 }\n');
    const r = await loadEffectivePolicy({ home, repo, env: { PADDOCK_MANAGED_POLICY: join(dir, 'absent.yaml') }, bundledManagedPath: managed });
    expect(r.policy.approvals.timeout_seconds).toBe(43);
    expect(r.provenance['approvals.timeout_seconds']).toMatchObject({ layer: 'managed', file: managed });
  });

  it('ceilings are refused outside the managed layer', async () => {
    write(userFile(), 'ceilings: { lock_rules: true }\n');
    const err = await loadError();
    expect(err.message).toContain(`${userFile()}:2:11: ceilings may only be set by the managed policy`);
  });
});

describe('managed policy signatures (ed25519)', () => {
  const keys = () => generateKeyPairSync('ed25519');
  const pem = (k: ReturnType<typeof keys>) => k.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const signFile = (file: string, k: ReturnType<typeof keys>) => writeFileSync(`${file}.sig`, sign(null, readFileSync(file), k.privateKey).toString('base64'));

  it('a valid signature loads and is recorded', async () => {
    const k = keys();
    write(managed, 'approvals: { timeout_seconds: 120 }\n');
    signFile(managed, k);
    const keyFile = join(dir, 'etc', 'policy.pub');
    writeFileSync(keyFile, pem(k));
    const r = await loadEffectivePolicy({ home, repo, env: { PADDOCK_MANAGED_POLICY: managed, PADDOCK_MANAGED_POLICY_PUBKEY: keyFile } });
    expect(r.policy.approvals.timeout_seconds).toBe(120);
    expect(r.layers.find((l) => l.layer === 'managed')?.signed).toBe(true);
  });

  it('a tampered policy is refused', async () => {
    const k = keys();
    write(managed, 'approvals: { timeout_seconds: 120 }\n');
    signFile(managed, k);
    write(managed, 'approvals: { timeout_seconds: 121 }\n');
    const err = await loadError({ managedPath: managed, managedPublicKey: pem(k) });
    expect(err.code).toBe('POLICY_SIGNATURE');
    expect(err.message).toMatch(/does not match/);
  });

  it('a signature by another key is refused', async () => {
    write(managed, 'approvals: { timeout_seconds: 120 }\n');
    signFile(managed, keys());
    expect((await loadError({ managedPath: managed, managedPublicKey: pem(keys()) })).code).toBe('POLICY_SIGNATURE');
  });

  it('a missing signature is refused when a key is configured', async () => {
    write(managed, 'approvals: { timeout_seconds: 120 }\n');
    const err = await loadError({ managedPath: managed, managedPublicKey: pem(keys()) });
    expect(err.code).toBe('POLICY_SIGNATURE');
    expect(err.message).toMatch(/must be signed/);
  });

  it('a signature nobody can check is refused', async () => {
    write(managed, 'approvals: { timeout_seconds: 120 }\n');
    signFile(managed, keys());
    expect((await loadError({ managedPath: managed })).message).toMatch(/no public key/);
  });
});

describe('errors name file:line:col and what is expected', () => {
  it('YAML syntax', async () => {
    writeFileSync(userFile(), 'version: 1\ncommands:\n  default: [ask\n');
    const err = await loadError();
    expect(err.code).toBe('POLICY_INVALID');
    expect(err.message).toMatch(new RegExp(`^${userFile()}:\\d+:\\d+: not valid YAML`));
  });

  it('an unknown key, with the keys expected there', async () => {
    write(userFile(), 'commands:\n  defualt: allow\n');
    const err = await loadError();
    expect(err.message).toContain(`${userFile()}:3:3: commands.defualt: unknown key; expected one of: default, test_runners, rules`);
  });

  it('a bad value', async () => {
    write(userFile(), 'commands:\n  rules:\n    - id: x\n      decision: maybe\n      pattern: ls\n');
    const err = await loadError();
    expect(err.message).toContain(`${userFile()}:5:17: commands.rules[0].decision:`);
    expect(err.message).toMatch(/"allow"\|"ask"\|"forbid"/);
  });

  it('a missing required key', async () => {
    writeFileSync(userFile(), 'commands:\n  default: ask\n');
    expect((await loadError()).message).toContain(`${userFile()}:1:1: version: missing required key "version"`);
  });

  it('a bad host pattern', async () => {
    write(userFile(), 'network:\n  rules:\n    - host: "http://x.example/"\n      decision: allow\n');
    const err = await loadError();
    expect(err.message).toContain(`${userFile()}:4:13: network.rules[0].host: expected a lowercase host name`);
  });

  it('a rule that contradicts its own examples', async () => {
    write(userFile(), [
      'commands:',
      '  rules:',
      '    - id: no-force',
      '      decision: forbid',
      '      pattern: git push',
      '      flags_any: [--force]',
      '      examples:',
      '        match: [git push --force, git push -f]',
      '        not_match: [git push origin main]',
      '',
    ].join('\n'));
    const err = await loadError();
    expect(err.message).toContain(`${userFile()}:9:35: rule "no-force" does not match its own example "git push -f"`);
  });

  it('a not_match example the rule matches', async () => {
    write(userFile(), 'commands:\n  rules:\n    - id: r\n      decision: ask\n      pattern: npm\n      examples: { not_match: [npm install] }\n');
    expect((await loadError()).message).toContain(`${userFile()}:7:31: rule "r" matches "npm install"`);
  });

  it('a regular expression that could hang the gate', async () => {
    write(projectFile(), 'commands:\n  rules:\n    - id: r\n      decision: ask\n      pattern: npm\n      args_regex: "^(a+)+$"\n');
    const err = await loadError();
    expect(err.message).toContain(`${projectFile()}:7:19: rule "r": args_regex has a nested quantifier`);
  });

  it('an invalid regular expression', async () => {
    write(userFile(), 'commands:\n  rules:\n    - id: r\n      decision: ask\n      pattern: npm\n      args_regex: "(["\n');
    expect((await loadError()).message).toContain(`${userFile()}:7:19: rule "r": args_regex is not a valid regular expression`);
  });
});

describe('network rules for the egress proxy', () => {
  it('keep their file:line and normalise ports', async () => {
    write(userFile(), 'network:\n  presets: [npm]\n  rules:\n    - { host: "*.example.org", port: 443, decision: allow }\n    - { host: api.example.com, port: [80, 443], methods: [GET], decision: ask }\n');
    const { networkRulesFromPolicy } = await import('./policy-network.js');
    const n = networkRulesFromPolicy((await load()).policy);
    expect(n.presets).toEqual(['npm']);
    expect(n.rules).toEqual([
      { host: '*.example.org', ports: [443], decision: 'allow', source: { file: userFile(), line: 5 } },
      { host: 'api.example.com', ports: [80, 443], methods: ['GET'], decision: 'ask', source: { file: userFile(), line: 6 } },
    ]);
  });
});
