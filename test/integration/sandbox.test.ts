import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, sessionContainers, summary, tempHome } from '../helpers/paddock-cli.js';

// Inside the sandbox: what the agent can and cannot see or do. Real engine, real CLI.
let work: string;
let repo: string;
let marker: string;
const home = tempHome();
const env = { PADDOCK_HOME: home.home };

function sandbox(cmd: string, extra: string[] = []) {
  const r = runCli(['run', '--repo', repo, '--no-tty', '--json', ...extra, '--cmd', cmd], env);
  const s = summary(r.stderr);
  expect(sessionContainers(s.session)).toEqual([]); // nothing left behind, whatever happened
  return { ...r, summary: s };
}

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'paddock-sbx-'));
  repo = join(work, 'repo');
  mkdirSync(join(repo, '.git', 'hooks'), { recursive: true });
  writeFileSync(join(repo, '.git', 'config'), '[core]\n\tbare = false\n');
  writeFileSync(join(repo, '.git', 'HEAD'), 'ref: refs/heads/main\n');
  writeFileSync(join(repo, '.env'), 'API_TOKEN=host-secret-value\n');
  mkdirSync(join(repo, 'keys'));
  writeFileSync(join(repo, 'keys', 'id_ed25519'), 'PRIVATE KEY host-secret-value\n');
  writeFileSync(join(repo, 'README.md'), 'hello\n');
  marker = `outside-marker-${process.pid}`;
  writeFileSync(join(work, marker), 'must not be visible');
  // A developer's repo belongs to the developer (uid 1000 on most Linux desktops), not to root.
  spawnSync('chown', ['-R', '1000:1000', repo]);
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  home.cleanup();
});

describe('sandbox containment', () => {
  it('a write in /workspace appears on the host, owned by the agent uid', () => {
    const r = sandbox('echo from-sandbox > /workspace/out.txt && id -u && id -g');
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toEqual(['1000', '1000']);
    expect(readFileSync(join(repo, 'out.txt'), 'utf8')).toBe('from-sandbox\n');
  });

  it('protected paths, the root filesystem and system dirs are read-only', () => {
    const targets = ['.git/hooks/pre-commit', '.git/config', '.paddock/policy.yaml', '.claude/settings.json', '.codex/config.toml', '.gemini/settings.json', '.vscode/tasks.json', '/evil', '/etc/evil', '/usr/bin/evil'];
    const script = targets.map((t) => `if (echo x > ${t}) 2>/dev/null; then echo "WROTE ${t}"; else echo "denied ${t}"; fi`).join('; ');
    const r = sandbox(script);
    expect(r.code).toBe(0);
    for (const t of targets) expect(r.stdout).toContain(`denied ${t}`);
    expect(r.stdout).not.toContain('WROTE');
    expect(readFileSync(join(repo, '.git', 'config'), 'utf8')).toContain('bare = false');
    // Placeholders created for missing protected dirs are gone again.
    for (const placeholder of ['.paddock', '.claude', '.codex', '.gemini', '.vscode', '.idea']) {
      expect(readdirSync(repo)).not.toContain(placeholder);
    }
  });

  it('.git cannot be renamed away from under its protected mounts, and masks cannot be removed', () => {
    const r = sandbox('mv .git .git-moved 2>&1; echo "mv=$?"; rm -f .env 2>&1; echo "rm=$?"; ls -a');
    expect(r.stdout).toMatch(/mv=[1-9]/);
    expect(r.stdout).toMatch(/rm=[1-9]/);
    expect(readdirSync(repo)).toContain('.git');
    expect(readdirSync(repo)).not.toContain('.git-moved');
  });

  it('secret files read empty and their host content is nowhere', () => {
    const r = sandbox('wc -c < .env; wc -c < keys/id_ed25519; grep -r host-secret-value /workspace 2>/dev/null; echo end');
    expect(r.stdout.trim().split('\n')).toEqual(['0', '0', 'end']);
    expect(readFileSync(join(repo, '.env'), 'utf8')).toContain('host-secret-value');
  });

  it('host paths outside the repo are absent', () => {
    const r = sandbox(`find / -xdev -name '${marker}' 2>/dev/null; ls /workspace/..; echo end`);
    expect(r.stdout).not.toContain(marker);
    expect(r.stdout).not.toContain('paddock-sbx-');
    expect(r.stdout.trim().split('\n').at(-1)).toBe('end');
  });

  it('runs with no capabilities, no new privileges and seccomp', () => {
    const r = sandbox("grep -E '^(CapEff|CapPrm|CapBnd|NoNewPrivs|Seccomp):' /proc/self/status");
    const status: Record<string, string> = Object.fromEntries(r.stdout.trim().split('\n').map((l) => l.split(':').map((s) => s.trim()) as [string, string]));
    expect(status.CapEff).toBe('0000000000000000');
    expect(status.CapPrm).toBe('0000000000000000');
    expect(status.CapBnd).toBe('0000000000000000');
    expect(status.NoNewPrivs).toBe('1');
    expect(status.Seccomp).toBe('2');
  });

  it('--network none means no interface but loopback', () => {
    const r = sandbox('ls /sys/class/net');
    expect(r.stdout.trim().split(/\s+/)).toEqual(['lo']);
  });

  it('the engine socket is nowhere to be found', () => {
    const r = sandbox('ls /var/run/docker.sock /run/docker.sock /run/podman 2>&1; echo end');
    expect(r.stdout).not.toMatch(/^\/(var\/)?run\/docker\.sock$/m);
    expect(r.stdout).toContain('No such file');
  });
});

describe('sandbox limits', () => {
  it('a fork bomb is stopped by the pids limit and the session ends cleanly', () => {
    const r = sandbox('bomb() { bomb | bomb & }; bomb; sleep 3; echo survived', ['--pids', '64', '--timeout', '60s']);
    expect(r.stderr).toMatch(/fork|Resource temporarily unavailable/i);
    expect(r.summary.reason).toBe('exited');
  });

  it('memory exhaustion is reported as such', () => {
    const r = sandbox(`node -e 'const a=[]; for(;;) a.push(Buffer.alloc(1<<20, 1))'`, ['--memory', '96m']);
    expect(r.summary.reason).toBe('oom');
    expect(r.stderr).toMatch(/ran out of memory/);
    expect(r.code).not.toBe(0);
  });

  it('a session time limit stops the program', () => {
    const r = sandbox('sleep 120', ['--timeout', '2s']);
    expect(r.summary.reason).toBe('timeout');
    expect(r.stderr).toMatch(/time limit/);
  });
});
