import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, sessionContainers, summary, tempHome } from '../helpers/paddock-cli.js';

// Every `paddock run` session is journaled, and a journal that cannot be written stops it.
let repo: string;
const home = tempHome();
const env = { PADDOCK_HOME: home.home };

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'paddock-jrn-'));
});
afterAll(() => {
  rmSync(repo, { recursive: true, force: true });
  home.cleanup();
});

describe('session journal', () => {
  it('records the session and verifies', () => {
    const r = runCli(['run', '--repo', repo, '--no-tty', '--json', '--cmd', 'echo journal-me; exit 5'], env);
    expect(r.code).toBe(5);
    const id = summary(r.stderr).session;
    const lines = readFileSync(join(home.home, 'sessions', id, 'journal.jsonl'), 'utf8').trim().split('\n');
    const kinds = lines.map((l) => (JSON.parse(l) as { kind: string }).kind).filter((k) => !k.startsWith('journal.'));
    expect(kinds[0]).toBe('session.created');
    expect(kinds).toContain('session.started');
    expect(kinds).toContain('session.ended');
    expect(lines.some((l) => l.includes('journal-me'))).toBe(true);
    const v = runCli(['verify', id], env);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(/^OK: session/);
  });

  it('rebuilds the sessions index from the journals', () => {
    const r = runCli(['run', '--repo', repo, '--no-tty', '--json', '--cmd', 'exit 3'], env);
    const id = summary(r.stderr).session;
    rmSync(join(home.home, 'sessions.json'));
    const rebuilt = runCli(['sessions', '--rebuild', '--json'], env);
    expect(rebuilt.stderr).toMatch(/rebuilt the sessions index from \d+ journal/);
    const rec = (JSON.parse(rebuilt.stdout) as Array<{ id: string; exitCode: number; state: string; repo: string }>).find((x) => x.id === id);
    expect(rec).toMatchObject({ exitCode: 3, state: 'ended', repo });
  });

  it.runIf(process.getuid?.() === 0)('stops the session when the journal cannot be written (disk full), keeping what was written', () => {
    const small = mkdtempSync(join(tmpdir(), 'paddock-full-'));
    const fullHome = join(small, 'home');
    mkdirSync(join(fullHome, 'sessions'), { recursive: true });
    expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=128k', 'tmpfs', join(fullHome, 'sessions')]).status).toBe(0);
    try {
      const r = runCli(['run', '--repo', repo, '--no-tty', '--json', '--cmd', 'echo started; i=0; while [ $i -lt 200000 ]; do echo "line $i of output that fills the journal"; i=$((i+1)); done; echo finished'], { PADDOCK_HOME: fullHome });
      const s = summary(r.stderr);
      expect(s.reason).toBe('aborted');
      expect(s.message).toMatch(/journal cannot be written/);
      expect(r.stdout).not.toMatch(/finished/);
      expect(sessionContainers(s.session)).toEqual([]);
      // What reached the disk before it filled still verifies.
      const v = runCli(['verify', s.session], { PADDOCK_HOME: fullHome });
      expect(v.stdout + v.stderr).not.toMatch(/modified|reordered|missing/);
    } finally {
      spawnSync('umount', [join(fullHome, 'sessions')]);
      rmSync(small, { recursive: true, force: true });
    }
  });
});
