// policy.source / policy.save / policy.check with a draft, over real files in a temp data dir
// (the user layer) and a temp repo (the project layer), checked by the real policy loader.
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { policyHandlers } from './policy-handlers.js';

let dir: string;
let home: string;
let repo: string;
let managed: string;
let api: ReturnType<typeof policyHandlers>;
const savedEnv = process.env.PADDOCK_MANAGED_POLICY;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'paddock-policy-edit-'));
  home = join(dir, 'home');
  repo = join(dir, 'repo');
  managed = join(dir, 'etc', 'policy.yaml');
  for (const d of [home, repo, join(dir, 'etc')]) mkdirSync(d, { recursive: true });
  // No managed policy unless a test writes this file (and never the machine's /etc/paddock).
  process.env.PADDOCK_MANAGED_POLICY = managed;
  api = policyHandlers({ home, resolveRepo: (r) => resolve(r) });
});
afterEach(() => {
  if (savedEnv === undefined) delete process.env.PADDOCK_MANAGED_POLICY;
  else process.env.PADDOCK_MANAGED_POLICY = savedEnv;
  rmSync(dir, { recursive: true, force: true });
});

const userFile = () => join(home, 'policy.yaml');
const projectFile = () => join(repo, '.paddock', 'policy.yaml');
const NO_DEPLOY = `version: 1
commands:
  rules:
    - id: no-deploy
      decision: forbid
      pattern: make deploy
      justification: deploys go through CI
      examples:
        match: [make deploy]
        not_match: [make test]
`;

/** Every file under a folder (the atomic write must leave no temp file behind). */
/** What a save left in a directory (no temp files); the verified-policy cache (`cache/`, ADR 0006) is the loader's own. */
const filesIn = (d: string) => (existsSync(d) ? readdirSync(d).filter((f) => f !== 'cache').sort() : []);

describe('policy.source', () => {
  it('a layer that does not exist yet: its path, no text, no hash', async () => {
    expect(await api['policy.source']({ layer: 'user' })).toEqual({
      layer: 'user',
      path: userFile(),
      exists: false,
      text: '',
      sha256: null,
      managedFile: null,
      locks: [],
    });
    const p = await api['policy.source']({ layer: 'project', repo });
    expect(p).toMatchObject({ layer: 'project', path: projectFile(), exists: false });
  });

  it('an existing file: its exact text and sha256; the project layer needs a repository that exists', async () => {
    writeFileSync(userFile(), '# mine\nversion: 1\n');
    const s = await api['policy.source']({ layer: 'user' });
    expect(s).toMatchObject({ exists: true, text: '# mine\nversion: 1\n' });
    expect(s.sha256).toMatch(/^[0-9a-f]{64}$/);
    await expect(api['policy.source']({ layer: 'project' })).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(api['policy.source']({ layer: 'project', repo: join(dir, 'nope') })).rejects.toMatchObject({
      code: 'REPO_NOT_FOUND',
    });
  });
});

describe('policy.save', () => {
  it('a good save writes the file, and explain and check see it at once', async () => {
    const r = await api['policy.save']({ layer: 'user', text: NO_DEPLOY, baseSha256: null });
    expect(r).toMatchObject({ saved: true, path: userFile(), problems: [] });
    expect(readFileSync(userFile(), 'utf8')).toBe(NO_DEPLOY);
    expect(filesIn(home)).toEqual(['policy.yaml']);
    const row = r.view?.rows.find((x) => x.key === 'rule no-deploy');
    expect(row).toMatchObject({
      value: 'forbid make deploy',
      source: { layer: 'user', file: userFile(), line: 4 },
    });
    const explained = await api['policy.explain']({});
    expect(explained.rows.find((x) => x.key === 'rule no-deploy')?.source?.file).toBe(userFile());
    const v = await api['policy.check']({ command: 'cd app && make deploy' });
    expect(v).toMatchObject({
      decision: 'forbid',
      rule: { id: 'no-deploy', source: { file: userFile(), line: 4 } },
      justification: 'deploys go through CI',
    });
  });

  it('bad YAML is refused at line:col and nothing is written', async () => {
    writeFileSync(userFile(), NO_DEPLOY);
    const before = readFileSync(userFile());
    const bad = 'version: 1\ncommands:\n  rules: [ { id: x, decision: forbid\n  default: ask\n';
    const r = await api['policy.save']({ layer: 'user', text: bad });
    expect(r.saved).toBe(false);
    expect(r.view).toBeNull();
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ code: 'POLICY_INVALID', file: userFile(), line: 4 });
    expect(r.problems[0]!.message).toMatch(/^not valid YAML: /);
    expect(readFileSync(userFile())).toEqual(before);
    expect(filesIn(home)).toEqual(['policy.yaml']);
  });

  it('an unknown key and a rule that contradicts its own example are refused at their line, with what is expected', async () => {
    const typo = await api['policy.save']({
      layer: 'user',
      text: 'version: 1\ncommands:\n  defualt: allow\n',
    });
    expect(typo.problems[0]).toMatchObject({ code: 'POLICY_INVALID', file: userFile(), line: 3, col: 3 });
    expect(typo.problems[0]!.message).toContain('expected one of: default, test_runners, rules');
    const contradicts = NO_DEPLOY.replace('not_match: [make test]', 'not_match: [make deploy now]');
    const ex = await api['policy.save']({ layer: 'user', text: contradicts });
    expect(ex.problems[0]).toMatchObject({ code: 'POLICY_INVALID', file: userFile(), line: 10 });
    expect(existsSync(userFile())).toBe(false);
  });

  it('a loosening project policy is refused with file:line, and nothing is written in the repo', async () => {
    const loose =
      'version: 1\ncommands:\n  rules:\n    - id: ok-push\n      decision: allow\n      pattern: git push\n';
    const r = await api['policy.save']({ layer: 'project', repo, text: loose });
    expect(r).toMatchObject({ saved: false, path: projectFile() });
    expect(r.problems[0]).toMatchObject({ code: 'POLICY_LOOSENING', file: projectFile(), line: 5, col: 17 });
    expect(r.problems[0]!.message).toContain('adds an allow rule ("ok-push")');
    expect(existsSync(join(repo, '.paddock'))).toBe(false);
    // Tightening is fine, and creates .paddock/policy.yaml.
    const tight = await api['policy.save']({ layer: 'project', repo, text: NO_DEPLOY, baseSha256: null });
    expect(tight).toMatchObject({ saved: true, path: projectFile() });
    expect(filesIn(join(repo, '.paddock'))).toEqual(['policy.yaml']);
    expect((await api['policy.check']({ repo, command: 'make deploy' })).rule.source.file).toBe(
      projectFile(),
    );
  });

  it("a user edit that makes the repo's existing project policy loosen is refused too (the whole stack must load)", async () => {
    mkdirSync(join(repo, '.paddock'));
    writeFileSync(projectFile(), 'version: 1\ncommands:\n  default: ask\n');
    const r = await api['policy.save']({
      layer: 'user',
      repo,
      text: 'version: 1\ncommands:\n  default: forbid\n',
    });
    expect(r.problems[0]).toMatchObject({ code: 'POLICY_LOOSENING', file: projectFile(), line: 3 });
    expect(existsSync(userFile())).toBe(false);
  });

  it('a value the managed policy sets is locked: source lists it, a save that changes it is refused at its line', async () => {
    writeFileSync(
      managed,
      'version: 1\ncommands:\n  default: ask\ntelemetry:\n  endpoint: http://127.0.0.1:4318/v1/logs\n',
    );
    const s = await api['policy.source']({ layer: 'user' });
    expect(s.managedFile).toBe(managed);
    expect(s.locks).toEqual([
      { key: 'commands.default', file: managed, line: 3, col: 12, reason: 'set by the managed policy' },
      { key: 'telemetry.endpoint', file: managed, line: 5, col: 13, reason: 'set by the managed policy' },
    ]);
    const r = await api['policy.save']({ layer: 'user', text: 'version: 1\ncommands:\n  default: allow\n' });
    expect(r.problems[0]).toMatchObject({ code: 'POLICY_LOCKED', file: userFile(), line: 3, col: 12 });
    expect(r.problems[0]!.message).toContain(
      `commands.default is locked: set by the managed policy (${managed}:3:12)`,
    );
    expect(existsSync(userFile())).toBe(false);
    // Everything else saves.
    expect((await api['policy.save']({ layer: 'user', text: NO_DEPLOY })).saved).toBe(true);
  });

  it('a repo whose .paddock is a link out of the repository is not written through', async () => {
    const elsewhere = join(dir, 'elsewhere');
    mkdirSync(elsewhere);
    symlinkSync(elsewhere, join(repo, '.paddock'));
    const r = await api['policy.save']({ layer: 'project', repo, text: NO_DEPLOY });
    expect(r.saved).toBe(false);
    expect(r.problems[0]!.message).toContain('outside the repository');
    expect(filesIn(elsewhere)).toEqual([]);
  });

  it('a file changed on disk since it was opened is not overwritten', async () => {
    writeFileSync(userFile(), 'version: 1\n');
    const s = await api['policy.source']({ layer: 'user' });
    writeFileSync(userFile(), 'version: 1\n# written by someone else\n');
    const r = await api['policy.save']({ layer: 'user', text: NO_DEPLOY, baseSha256: s.sha256 });
    expect(r.problems[0]).toMatchObject({ code: 'POLICY_CONFLICT', line: null });
    expect(readFileSync(userFile(), 'utf8')).toBe('version: 1\n# written by someone else\n');
  });

  it('a dry run checks and writes nothing; policy.check judges an unsaved draft', async () => {
    const dry = await api['policy.save']({ layer: 'user', text: NO_DEPLOY, dryRun: true });
    expect(dry).toMatchObject({ saved: false, problems: [] });
    expect(dry.view?.rows.some((x) => x.key === 'rule no-deploy')).toBe(true);
    expect(existsSync(userFile())).toBe(false);
    expect((await api['policy.check']({ command: 'make deploy' })).decision).not.toBe('forbid');
    const drafted = await api['policy.check']({
      command: 'make deploy',
      draft: { layer: 'user', text: NO_DEPLOY },
    });
    expect(drafted).toMatchObject({ decision: 'forbid', rule: { id: 'no-deploy' } });
  });
});

describe('policy presets through the API', () => {
  it('policy.explain and policy.check take a preset, applied as its own layer', async () => {
    const view = await api['policy.explain']({ preset: 'read-only' });
    expect(view.layers.map((l) => l.layer)).toContain('preset');
    expect(view.rows.some((r) => r.source?.layer === 'preset')).toBe(true);
    expect((await api['policy.check']({ command: 'git commit -m wip', preset: 'read-only' })).decision).toBe('forbid');
    expect((await api['policy.check']({ command: 'git commit -m wip' })).decision).not.toBe('forbid');
    await expect(api['policy.explain']({ preset: 'no-such-preset' })).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });
});
