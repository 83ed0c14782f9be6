import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempHome } from '../helpers/paddock-cli.js';

// The layered policy governs `paddock run`: a project may tighten the sandbox, never loosen it.
const home = tempHome();
const env = { PADDOCK_HOME: home.home, PADDOCK_MANAGED_POLICY: '/nonexistent/paddock-test-managed.yaml' };
let work: string;

function repoWith(name: string, policy: string | null, files: Record<string, string> = {}): string {
  const repo = join(work, name);
  mkdirSync(join(repo, '.paddock'), { recursive: true });
  if (policy !== null) writeFileSync(join(repo, '.paddock', 'policy.yaml'), policy);
  for (const [f, c] of Object.entries(files)) writeFileSync(join(repo, f), c);
  return repo;
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'paddock-pol-'));
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  home.cleanup();
});

describe('paddock run under the policy', () => {
  it('a project policy can mask more files and protect more paths', () => {
    const repo = repoWith('tight', 'version: 1\npaths:\n  masked: ["notes/*.secret"]\n  protected: ["docs/**"]\n', {});
    mkdirSync(join(repo, 'notes'));
    mkdirSync(join(repo, 'docs'));
    writeFileSync(join(repo, 'notes', 'a.secret'), 'top-secret-value');
    spawnSync('chown', ['-R', '1000:1000', repo]); // the developer's repo, writable by the sandbox user
    const r = runCli(['run', '--repo', repo, '--no-tty', '--cmd', 'wc -c < notes/a.secret; touch docs/x 2>/dev/null && echo WROTE || echo denied; touch notes/y && echo control-ok'], env);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['0', 'denied', 'control-ok']);
  });

  it('a project policy that tries to loosen stops the session before anything runs, saying where', () => {
    const repo = repoWith('loose', 'version: 1\npaths:\n  allowed_secrets: [".env"]\n', { '.env': 'TOKEN=x' });
    const r = runCli(['run', '--repo', repo, '--no-tty', '--cmd', 'cat .env'], env);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/\.paddock\/policy\.yaml:\d+:\d+: .*only tighten/);
    expect(r.stdout).toBe('');
  });

  it('a malformed policy names file, line and column', () => {
    const repo = repoWith('typo', 'version: 1\ncommands:\n  defualt: allow\n');
    const r = runCli(['run', '--repo', repo, '--no-tty', '--cmd', 'true'], env);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/policy\.yaml:3:3: commands\.defualt: unknown key/);
  });

  it('the user policy can allow a secret file the defaults mask', () => {
    const repo = repoWith('user-allows', null, { '.env': 'VISIBLE=1\n' });
    const userHome = tempHome();
    writeFileSync(join(userHome.home, 'policy.yaml'), 'version: 1\npaths:\n  allowed_secrets: [".env"]\n');
    try {
      const r = runCli(['run', '--repo', repo, '--no-tty', '--cmd', 'cat .env'], { ...env, PADDOCK_HOME: userHome.home });
      expect(r.stdout).toBe('VISIBLE=1\n');
    } finally {
      userHome.cleanup();
    }
  });
});
