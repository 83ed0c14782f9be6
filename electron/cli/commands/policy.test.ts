import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { commandLineFrom, registerPolicy } from './policy.js';

let dir: string;
const saved = { ...process.env };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'paddock-policy-cli-'));
  mkdirSync(join(dir, 'repo', '.paddock'), { recursive: true });
  process.env.PADDOCK_HOME = join(dir, 'home');
  process.env.PADDOCK_MANAGED_POLICY = join(dir, 'no-managed-policy.yaml');
  process.exitCode = undefined;
});
afterEach(() => {
  process.env = { ...saved };
  process.exitCode = undefined;
  rmSync(dir, { recursive: true, force: true });
});

async function run(...args: string[]): Promise<{ out: string; code: number }> {
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    out += String(chunk);
    return true;
  });
  try {
    const program = new Command('paddock').exitOverride();
    registerPolicy(program);
    await program.parseAsync(['node', 'paddock', ...args]);
  } finally {
    spy.mockRestore();
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = undefined;
  return { out, code };
}

describe('paddock policy', () => {
  it('check prints decision, deciding part and rule file:line, and exits 0/1/2', async () => {
    const forbid = await run(
      'policy',
      'check',
      '--repo',
      join(dir, 'repo'),
      '--',
      'cd x && bash -c "git push --force"',
    );
    expect(forbid.code).toBe(2);
    expect(forbid.out).toMatch(/^decision: forbid$/m);
    expect(forbid.out).toMatch(/^part: +git push --force$/m);
    expect(forbid.out).toMatch(/^rule: +git-push-force — .*default-policy\.yaml:\d+:\d+ \(default\)$/m);
    expect((await run('policy', 'check', '--', 'git', 'status')).code).toBe(0);
    expect((await run('policy', 'check', '--', 'npm', 'install')).code).toBe(1);
  });

  it('check applies the repo policy', async () => {
    writeFileSync(
      join(dir, 'repo', '.paddock', 'policy.yaml'),
      'version: 1\ncommands:\n  rules:\n    - { id: no-ls, decision: forbid, pattern: ls }\n',
    );
    const r = await run('policy', 'check', '--json', '--repo', join(dir, 'repo'), '--', 'ls -la');
    expect(r.code).toBe(2);
    const v = JSON.parse(r.out) as {
      decision: string;
      rule: { id: string; source: { layer: string; line: number } };
    };
    expect(v.rule).toMatchObject({ id: 'no-ls', source: { layer: 'project', line: 4 } });
  });

  it('explain prints provenance; --json is machine-readable', async () => {
    mkdirSync(join(dir, 'home'), { recursive: true });
    writeFileSync(join(dir, 'home', 'policy.yaml'), 'version: 1\napprovals:\n  timeout_seconds: 120\n');
    const text = await run('policy', 'explain', '--repo', join(dir, 'repo'));
    expect(text.out).toContain(`timeout_seconds: 120  [user ${join(dir, 'home', 'policy.yaml')}:3:20]`);
    const json = JSON.parse((await run('policy', 'explain', '--json')).out) as {
      fingerprint: string;
      provenance: Record<string, { layer: string }>;
    };
    expect(json.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(json.provenance['approvals.timeout_seconds']?.layer).toBe('user');
  });

  it('--preset applies a policy preset to check and explain; presets lists built-in and user presets', async () => {
    const repo = join(dir, 'repo');
    expect((await run('policy', 'check', '--repo', repo, '--', 'git', 'commit', '-m', 'x')).code).toBe(0);
    const forbid = await run('policy', 'check', '--repo', repo, '--preset', 'read-only', '--', 'git', 'commit', '-m', 'x');
    expect(forbid.code).toBe(2);
    expect(forbid.out).toMatch(/^rule: +read-only-git-writes — .*presets\/read-only\.yaml:\d+:\d+ \(preset\)$/m);
    const explain = await run('policy', 'explain', '--repo', repo, '--preset', 'strict');
    expect(explain.out).toMatch(/^ {2}preset +\S+presets\/strict\.yaml/m);
    expect(explain.out).toMatch(/^ {2}default: deny {2}\[preset \S+strict\.yaml:\d+:\d+\]$/m);
    mkdirSync(join(dir, 'home', 'presets'), { recursive: true });
    writeFileSync(join(dir, 'home', 'presets', 'strict.yaml'), 'version: 1\ndescription: my strict\n');
    const list = JSON.parse((await run('policy', 'presets', '--json')).out) as { name: string; source: string; description: string }[];
    expect(list.find((p) => p.name === 'strict')).toMatchObject({ source: 'user', description: 'my strict' });
    expect(list.find((p) => p.name === 'read-only')).toMatchObject({ source: 'built-in' });
    expect((await run('policy', 'presets')).out).toMatch(/^read-only +built-in +\S+read-only\.yaml$/m);
  });

  it('an unknown preset is refused with the list of presets', async () => {
    await expect(run('policy', 'explain', '--preset', 'nope')).rejects.toThrow(/unknown policy preset "nope"; available presets: read-only, strict/);
  });

  it('schema prints the JSON schema', async () => {
    const s = JSON.parse((await run('policy', 'schema')).out) as { $schema: string };
    expect(s.$schema).toContain('json-schema.org');
  });

  it('joins several arguments with shell quoting and keeps one verbatim', () => {
    expect(commandLineFrom(['git', 'commit', '-m', "it's done"])).toBe("git commit -m 'it'\\''s done'");
    expect(commandLineFrom(['cd x && git push'])).toBe('cd x && git push');
  });
});
