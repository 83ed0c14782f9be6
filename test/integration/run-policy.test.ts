import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, ROOT, runCli, tempHome } from '../helpers/paddock-cli.js';

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

  // ADR 0006: an unchanged policy comes from the cache, and then a session start must not even
  // load the policy parser (YAML, zod, the schema, the bash grammar): that is ~100 ms of every
  // in-process start. Observed with a module loader hook listing every file Node loads.
  it('a session start whose policy is cached loads neither YAML, zod nor the bash grammar', () => {
    const repo = repoWith('cached', 'version: 1\npaths:\n  masked: ["*.key"]\n');
    const hooks = join(work, 'hooks.mjs');
    writeFileSync(hooks, "import { appendFileSync } from 'node:fs';\nexport async function load(url, context, next) {\n  if (url.startsWith('file:')) appendFileSync(process.env.LOADED_LIST, url + '\\n');\n  return next(url, context);\n}\n");
    writeFileSync(join(work, 'register.mjs'), `import { register } from 'node:module';\nregister(${JSON.stringify(`file://${hooks}`)});\n`);
    const libraries = (list: string) => {
      const found = new Set<string>();
      for (const url of readFileSync(list, 'utf8').trim().split('\n')) {
        let sources: string[] = [];
        try {
          sources = (JSON.parse(readFileSync(`${new URL(url).pathname}.map`, 'utf8')) as { sources: string[] }).sources;
        } catch {
          continue; // not a bundle chunk (the launcher, the hook itself)
        }
        for (const s of sources) for (const lib of ['zod', 'yaml', 'web-tree-sitter']) if (s.includes(`node_modules/${lib}/`)) found.add(lib);
      }
      return [...found].sort();
    };
    const run = (n: number) => {
      const list = join(work, `loaded-${n}.txt`);
      writeFileSync(list, '');
      const r = spawnSync(process.execPath, ['--import', join(work, 'register.mjs'), CLI, 'run', '--repo', repo, '--no-tty', '--cmd', 'true'], {
        cwd: ROOT,
        env: { ...process.env, ...env, PADDOCK_NO_ENGINE: '1', LOADED_LIST: list },
        encoding: 'utf8',
        timeout: 170_000,
      });
      expect(r.status, r.stderr).toBe(0);
      return libraries(list);
    };
    // The first start of this policy loads it in full (and so proves the hook sees those libraries);
    // the second finds it in the cache.
    expect(run(1)).toEqual(['web-tree-sitter', 'yaml', 'zod']);
    expect(run(2)).toEqual([]);
  });
});
