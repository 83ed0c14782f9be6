import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, startTestInternet, summary, tempHome } from '../helpers/paddock-cli.js';

// `paddock run --preset` and `paddock policy check --preset` through the built CLI, with the real
// engine: a policy preset is a layer above the user policy. "The internet" is a container this
// test starts on an internal network it creates.
const home = tempHome();
const env = { PADDOCK_HOME: home.home, PADDOCK_MANAGED_POLICY: '/nonexistent/paddock-test-managed.yaml' };
let repo: string;
let internet: { ip: string; close: () => void };
let ip: string;

const SERVER = `require('http').createServer((q, s) => s.end('hello from the test internet ' + q.url)).listen(8080, () => console.log('up'))`;

beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'paddock-preset-'));
  internet = startTestInternet('preset', SERVER);
  ip = internet.ip;
});
afterAll(() => {
  internet.close();
  rmSync(repo, { recursive: true, force: true });
  home.cleanup();
});

const curl = () => `curl -sS --max-time 10 -w ' status=%{http_code}' http://${ip}:8080/through`;

describe('paddock run --preset', () => {
  it('--preset strict: the session runs under the preset layer (recorded in the journal) and its network default denies', () => {
    const strict = runCli(['run', '--repo', repo, '--no-tty', '--json', '--network', 'egress', '--preset', 'strict', '--cmd', curl()], env);
    expect(strict.stdout).toMatch(/status=403/);
    expect(strict.stdout).not.toContain('hello from the test internet');
    const s = summary(strict.stderr);
    const journal = readFileSync(join(home.home, 'sessions', s.session, 'journal.jsonl'), 'utf8');
    expect(journal).toMatch(/"kind":"network.decision".*"decision":"deny"/);
    expect(journal).toMatch(/preset:[^"]*resources\/policy\/presets\/strict\.yaml/);
  });

  it('a user preset of the same name shadows the built-in one: its allow rule lets the request through', () => {
    mkdirSync(join(home.home, 'presets'), { recursive: true });
    writeFileSync(join(home.home, 'presets', 'strict.yaml'), `version: 1\ndescription: mine\nnetwork:\n  rules:\n    - host: "${ip}"\n      port: 8080\n      decision: allow\n`);
    try {
      const without = runCli(['run', '--repo', repo, '--no-tty', '--network', 'egress', '--cmd', curl()], env);
      expect(without.stdout).toMatch(/status=403/); // a private address needs a rule naming it
      const r = runCli(['run', '--repo', repo, '--no-tty', '--network', 'egress', '--preset', 'strict', '--cmd', curl()], env);
      expect(r.stdout).toContain('hello from the test internet /through status=200');
    } finally {
      rmSync(join(home.home, 'presets'), { recursive: true, force: true });
    }
  });

  it('policy check --preset: a command the defaults allow is forbidden under read-only, citing the preset file', () => {
    const line = ['--', 'git', 'commit', '-m', 'wip'];
    expect(runCli(['policy', 'check', '--repo', repo, ...line], env).code).toBe(0);
    const r = runCli(['policy', 'check', '--repo', repo, '--preset', 'read-only', ...line], env);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/^rule: +read-only-git-writes — \S+resources\/policy\/presets\/read-only\.yaml:\d+:\d+ \(preset\)$/m);
    const listed = runCli(['policy', 'presets'], env);
    expect(listed.stdout).toMatch(/^strict +built-in +\S+strict\.yaml$/m);
  });

  it('an unknown preset stops the session before anything runs, listing the presets', () => {
    const r = runCli(['run', '--repo', repo, '--no-tty', '--preset', 'nope', '--cmd', 'echo ran'], env);
    expect(r.code).toBe(125);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/unknown policy preset "nope"; available presets: read-only, strict/);
  });
});
