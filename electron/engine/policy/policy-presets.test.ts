import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCommandEngine } from './command-engine.js';
import { loadEffectivePolicy } from './policy-loader.js';
import type { LoadPolicyOptions } from './policy-loader.js';
import { refusal, writePolicy } from './policy-test-kit.test-helper.js';
import { builtInPresetsDir, listPolicyPresets, resolvePolicyPreset } from './policy-presets.js';
import { formatExplain } from './policy-explain.js';

let dir: string;
let home: string;
let repo: string;
let builtIn: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'paddock-presets-'));
  home = join(dir, 'home');
  repo = join(dir, 'repo');
  builtIn = join(dir, 'built-in');
  for (const d of [join(home, 'presets'), join(repo, '.paddock'), builtIn]) mkdirSync(d, { recursive: true });
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const write = writePolicy;
const userPreset = (name: string) => join(home, 'presets', `${name}.yaml`);
const load = (o: LoadPolicyOptions = {}) => loadEffectivePolicy({ home, repo, managedPath: null, env: {}, builtInPresetsDir: builtIn, ...o });

const loadError = (o: LoadPolicyOptions) => refusal(load(o));

describe('policy presets: the preset layer', () => {
  it('sits between the user and the project layer, with provenance "preset" file:line:col', async () => {
    write(join(home, 'policy.yaml'), 'approvals:\n  timeout_seconds: 100\nnetwork:\n  default: allow\n');
    write(join(builtIn, 'tight.yaml'), 'description: tighter\napprovals:\n  timeout_seconds: 60\nnetwork:\n  default: ask\n');
    write(join(repo, '.paddock', 'policy.yaml'), 'approvals:\n  timeout_seconds: 30\n');
    const r = await load({ preset: 'tight' });
    expect(r.layers.map((l) => l.layer)).toEqual(['default', 'user', 'preset', 'project']);
    expect(r.policy.network.default).toBe('ask');
    expect(r.provenance['network.default']).toMatchObject({ layer: 'preset', file: join(builtIn, 'tight.yaml'), line: 6, col: 12 });
    expect(r.policy.approvals.timeout_seconds).toBe(30);
    expect(r.provenance['approvals.timeout_seconds']?.layer).toBe('project');
    expect(formatExplain(r)).toContain(`default: ask  [preset ${join(builtIn, 'tight.yaml')}:6:12]`);
  });

  it('may loosen what the defaults and the user set (it is the user\'s choice)', async () => {
    write(join(builtIn, 'loose.yaml'), 'commands:\n  rules:\n    - id: git-push\n      decision: allow\n      pattern: git push\n');
    const r = await load({ preset: 'loose' });
    expect(createCommandEngine(r.policy).evaluate('git push').decision).toBe('allow');
    expect(r.provenance['commands.rules.git-push']?.layer).toBe('preset');
  });

  it('the project layer still may only tighten, relative to the preset', async () => {
    write(join(builtIn, 'tight.yaml'), 'network:\n  default: deny\n');
    write(join(repo, '.paddock', 'policy.yaml'), 'network:\n  default: ask\n');
    const e = await loadError({ preset: 'tight' });
    expect(e.code).toBe('POLICY_LOOSENING');
    expect(e.message).toContain('looser than "deny"');
    // Without the preset the same project file is a tightening (default ask).
    expect((await load()).policy.network.default).toBe('ask');
  });

  it('a managed ceiling still caps a loosening preset', async () => {
    const managed = join(dir, 'managed.yaml');
    write(managed, 'ceilings:\n  commands_default: ask\n  network_default: ask\n');
    write(join(builtIn, 'yolo.yaml'), 'commands:\n  default: allow\nnetwork:\n  default: allow\n');
    const r = await load({ preset: 'yolo', managedPath: managed });
    expect(r.layers.map((l) => l.layer)).toEqual(['default', 'preset', 'managed']);
    expect(r.policy.commands.default).toBe('ask');
    expect(r.policy.network.default).toBe('ask');
    expect(r.provenance['commands.default']).toMatchObject({ layer: 'managed', note: 'clamped by the managed ceiling commands_default' });
  });

  it('an unknown or malformed preset name is BAD_INPUT listing the available presets', async () => {
    write(join(builtIn, 'strict.yaml'), '');
    write(userPreset('mine'), '');
    const unknown = await loadError({ preset: 'nope' });
    expect(unknown.code).toBe('BAD_INPUT');
    expect(unknown.message).toContain('unknown policy preset "nope"; available presets: mine, strict');
    const bad = await loadError({ preset: '../policy' });
    expect(bad.code).toBe('BAD_INPUT');
    expect(bad.message).toContain('not a policy preset name');
  });

  it('a user preset shadows a built-in preset of the same name', async () => {
    write(join(builtIn, 'strict.yaml'), 'description: built in\nnetwork:\n  default: deny\n');
    write(userPreset('strict'), 'description: my own\nnetwork:\n  default: ask\n');
    const r = await load({ preset: 'strict' });
    expect(r.policy.network.default).toBe('ask');
    expect(r.provenance['network.default']).toMatchObject({ layer: 'preset', file: userPreset('strict') });
    expect(listPolicyPresets({ home, builtInDir: builtIn })).toEqual([{ name: 'strict', file: userPreset('strict'), source: 'user', description: 'my own' }]);
    expect(resolvePolicyPreset('strict', { home, builtInDir: builtIn }).source).toBe('user');
  });

  it('the preset is part of the cache key: a different preset, or a changed one, is a different policy', async () => {
    write(join(builtIn, 'a.yaml'), 'network:\n  default: deny\n');
    write(join(builtIn, 'b.yaml'), 'network:\n  default: allow\n');
    expect((await load({ preset: 'a', cache: true })).policy.network.default).toBe('deny');
    expect((await load({ preset: 'b', cache: true })).policy.network.default).toBe('allow');
    expect((await load({ cache: true })).policy.network.default).toBe('ask');
    write(join(builtIn, 'a.yaml'), 'network:\n  default: ask\n');
    expect((await load({ preset: 'a', cache: true })).policy.network.default).toBe('ask');
  });

  it('a broken preset fails the load at its file:line:col', async () => {
    write(join(builtIn, 'typo.yaml'), 'network:\n  defualt: deny\n');
    const e = await loadError({ preset: 'typo' });
    expect(e.code).toBe('POLICY_INVALID');
    expect(e.message).toContain(`${join(builtIn, 'typo.yaml')}:3:3: network.defualt: unknown key`);
  });
});

describe('built-in presets', () => {
  const shipped = listPolicyPresets({ home: '/nonexistent-paddock-home' });

  it('ship strict and read-only, each with a description', () => {
    expect(shipped.map((p) => p.name)).toEqual(expect.arrayContaining(['read-only', 'strict']));
    for (const p of shipped) {
      expect(p.source).toBe('built-in');
      expect(p.file.startsWith(builtInPresetsDir())).toBe(true);
      expect(p.description.length).toBeGreaterThan(10);
      expect(readFileSync(p.file, 'utf8')).toMatch(/examples:/);
    }
  });

  it.each(shipped.map((p) => p.name))('%s loads over the defaults (its rule examples hold)', async (name) => {
    const r = await loadEffectivePolicy({ home, repo, managedPath: null, env: {}, preset: name, cache: false });
    expect(r.layers.map((l) => l.layer)).toEqual(['default', 'preset']);
  });

  it('strict: network denied, unattended asks denied, package installs ask', async () => {
    const r = await loadEffectivePolicy({ home, managedPath: null, env: {}, preset: 'strict', cache: false });
    expect(r.policy.network.default).toBe('deny');
    expect(r.policy.approvals.unattended).toBe('deny');
    const v = createCommandEngine(r.policy, { provenance: r.provenance }).evaluate('npm install left-pad');
    expect(v.decision).toBe('ask');
    expect(v.rule.id).toBe('strict-package-install');
  });

  it('read-only: commits, pushes, installs, deletes and in-place edits are forbidden; reading is allowed', async () => {
    const r = await loadEffectivePolicy({ home, managedPath: null, env: {}, preset: 'read-only', cache: false });
    const engine = createCommandEngine(r.policy);
    for (const line of ['git commit -m x', 'git push', 'npm install', 'rm a.txt', 'sed -i s/a/b/ f.txt']) {
      expect(engine.evaluate(line).decision, line).toBe('forbid');
    }
    for (const line of ['git status', 'ls -la', 'cat README.md', 'grep -rn TODO .']) {
      expect(engine.evaluate(line).decision, line).toBe('allow');
    }
  });
});
